package io.lanyard.tap;

import jnr.ffi.Pointer;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A send-only raw IPv4 socket ({@code AF_INET, SOCK_RAW, IPPROTO_RAW}, which implies
 * {@code IP_HDRINCL}): the caller writes the whole IPv4 packet, header included, and the kernel
 * routes it, adds the link header and sends it. The VXLAN transmit path uses it to choose the
 * outer UDP source port per inner flow, which a bound UDP socket cannot do.
 *
 * <p>What the kernel does to the header (net/ipv4/raw.c {@code raw_send_hdrinc}, checked on
 * kernel 6.18 by {@code RawIpSocketTest}): it always overwrites Total Length with the number of
 * bytes sent and always computes the header checksum; it fills Identification when it is 0 (with
 * DF set that is usually 0 again, as RFC 6864 allows) and the source address when it is 0 (the
 * address the route prefers). Everything else, DF and the UDP header among it, goes out as
 * written. It never fragments: a packet longer than the outgoing device's MTU is refused with
 * EMSGSIZE, and so, with DF set in the header and {@code IP_PMTUDISC_DO} on the socket, is one
 * longer than a smaller route MTU (tested with a locked route MTU; a path MTU learned from ICMP
 * is kept as a route MTU too, but that case is not tested).
 *
 * <p>An {@code IPPROTO_RAW} socket receives nothing, so no receive queue fills up beside the
 * UDP socket that does the receiving. Opening one needs {@code CAP_NET_RAW} in the namespace.
 * The destination travels in a pre-allocated {@code sockaddr_in}: {@link #send} does not
 * allocate. One writer at a time.
 */
public final class RawIpSocket implements AutoCloseable
{
    private static final int AF_INET = 2;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int IPPROTO_IP = 0;
    private static final int IPPROTO_RAW = 255;
    private static final int IP_MTU_DISCOVER = 10;
    private static final int IP_PMTUDISC_DO = 2;
    private static final int SO_SNDBUF = 7;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int BUFFER_BYTES = 4 * 1024 * 1024;
    private static final int SOCKADDR_IN_LENGTH = 16;

    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Kept reachable: the kernel reads the destination from here by address. */
    private final ByteBuffer sendScratch = BufferUtil.allocateDirectAligned(64, 64);
    private final UnsafeBuffer sendView = new UnsafeBuffer(sendScratch);
    private final Pointer sendAddress = Pointer.wrap(LinuxCalls.RUNTIME, sendView.addressOffset());

    private RawIpSocket(final int fd)
    {
        this.fd = fd;
        sendView.putShort(0, (short)AF_INET, ByteOrder.nativeOrder());
    }

    /**
     * Opens one in the calling thread's network namespace.
     *
     * @throws LinuxException naming the reason (e.g. no {@code CAP_NET_RAW}).
     */
    public static RawIpSocket open()
    {
        final String what = "raw ipv4 socket";
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int fd = libc.socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
        if (fd < 0)
        {
            throw LinuxException.lastError(what + ": socket");
        }
        try
        {
            setOption(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, what + ": IP_MTU_DISCOVER");
            if (libc.setsockopt(fd, LinuxCalls.SOL_SOCKET, SO_SNDBUFFORCE, nativeInt(BUFFER_BYTES), Integer.BYTES) < 0)
            {
                setOption(fd, LinuxCalls.SOL_SOCKET, SO_SNDBUF, BUFFER_BYTES, what + ": SO_SNDBUF");
            }
            return new RawIpSocket(fd);
        }
        catch (final RuntimeException ex)
        {
            libc.close(fd);
            throw ex;
        }
    }

    public int fd()
    {
        return fd;
    }

    /**
     * Sends one IPv4 packet, header included, routed towards {@code destinationAddress} (which
     * should be the header's destination).
     *
     * @return the bytes sent, or -errno: EMSGSIZE when it is too big for the path, EAGAIN when
     *     the send buffer is full.
     */
    public int send(final long packet, final int length, final int destinationAddress)
    {
        sendView.putInt(4, destinationAddress, ByteOrder.BIG_ENDIAN);
        final long n = LinuxCalls.LIBC.sendto(fd, packet, length, 0, sendAddress, SOCKADDR_IN_LENGTH);
        return n >= 0 ? (int)n : -LinuxCalls.errno();
    }

    public boolean isClosed()
    {
        return closed.get();
    }

    @Override
    public void close()
    {
        if (closed.compareAndSet(false, true))
        {
            LinuxCalls.LIBC.close(fd);
        }
    }

    private static void setOption(final int fd, final int level, final int option, final int value, final String what)
    {
        if (LinuxCalls.LIBC.setsockopt(fd, level, option, nativeInt(value), Integer.BYTES) < 0)
        {
            throw LinuxException.lastError(what);
        }
    }

    private static byte[] nativeInt(final int value)
    {
        return ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder()).putInt(0, value).array();
    }
}
