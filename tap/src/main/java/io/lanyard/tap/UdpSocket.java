package io.lanyard.tap;

import jnr.ffi.Pointer;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A non-blocking IPv4 UDP socket read and written by raw address, for VXLAN: a datagram goes
 * from the kernel straight into a ring slot and out of one, and the peer's address travels in a
 * pre-allocated {@code sockaddr_in}, so neither direction allocates. Outer packets are sent with
 * DF set ({@code IP_PMTUDISC_DO}), as RFC 7348 asks of VTEPs: an inner frame too big for the
 * path is refused (EMSGSIZE) rather than fragmented.
 *
 * <p>{@link #bind} also opens a {@link RawIpSocket} in the same namespace, {@link #rawSender()}:
 * VXLAN sends whole outer IPv4 packets through it, so that each inner flow can have its own UDP
 * source port (RFC 7348, section 5), while this socket stays bound to receive (and so that the
 * kernel does not answer the peers' datagrams with ICMP port unreachable). Closing this socket
 * closes both.
 *
 * <p>Not thread-safe for reads (one reader, the I/O thread, owns the source-address scratch);
 * writes use their own scratch and belong to one writer, the transmit stage.
 */
public final class UdpSocket implements AutoCloseable
{
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int IPPROTO_IP = 0;
    private static final int IP_MTU_DISCOVER = 10;
    private static final int IP_PMTUDISC_DO = 2;
    private static final int SO_REUSEADDR = 2;
    private static final int SO_RCVBUF = 8;
    private static final int SO_SNDBUF = 7;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int BUFFER_BYTES = 4 * 1024 * 1024;
    private static final int SOCKADDR_IN_LENGTH = 16;

    private final int fd;
    private final int address;
    private final int port;
    private final RawIpSocket rawSender;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Kept reachable: the kernel writes the source address here by address. */
    private final ByteBuffer receiveScratch = BufferUtil.allocateDirectAligned(64, 64);
    private final UnsafeBuffer receiveView = new UnsafeBuffer(receiveScratch);
    private final ByteBuffer sendScratch = BufferUtil.allocateDirectAligned(64, 64);
    private final UnsafeBuffer sendView = new UnsafeBuffer(sendScratch);
    private final Pointer receiveAddress = Pointer.wrap(LinuxCalls.RUNTIME, receiveView.addressOffset());
    private final Pointer receiveAddressLength = Pointer.wrap(LinuxCalls.RUNTIME, receiveView.addressOffset() + SOCKADDR_IN_LENGTH);
    private final Pointer sendAddress = Pointer.wrap(LinuxCalls.RUNTIME, sendView.addressOffset());
    private int lastSourceAddress;
    private int lastSourcePort;

    private UdpSocket(final int fd, final int address, final int port, final RawIpSocket rawSender)
    {
        this.fd = fd;
        this.address = address;
        this.port = port;
        this.rawSender = rawSender;
        sendView.putShort(0, (short)AF_INET, ByteOrder.nativeOrder());
    }

    /**
     * Binds {@code address:port} (address 0 for all) in the calling thread's network namespace
     * and opens the {@link #rawSender()} there.
     *
     * @throws LinuxException naming the address and the reason (e.g. in use, not local, no
     *     {@code CAP_NET_RAW} for the raw sender).
     */
    public static UdpSocket bind(final int address, final int port)
    {
        final String what = "udp " + (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." +
            (address & 0xFF) + ":" + port;
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int fd = libc.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw LinuxException.lastError(what + ": socket");
        }
        try
        {
            setOption(fd, LinuxCalls.SOL_SOCKET, SO_REUSEADDR, 1, what + ": SO_REUSEADDR");
            setOption(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, what + ": IP_MTU_DISCOVER");
            if (libc.setsockopt(fd, LinuxCalls.SOL_SOCKET, SO_RCVBUFFORCE, nativeInt(BUFFER_BYTES), Integer.BYTES) < 0)
            {
                setOption(fd, LinuxCalls.SOL_SOCKET, SO_RCVBUF, BUFFER_BYTES, what + ": SO_RCVBUF");
            }
            if (libc.setsockopt(fd, LinuxCalls.SOL_SOCKET, SO_SNDBUFFORCE, nativeInt(BUFFER_BYTES), Integer.BYTES) < 0)
            {
                setOption(fd, LinuxCalls.SOL_SOCKET, SO_SNDBUF, BUFFER_BYTES, what + ": SO_SNDBUF");
            }
            final ByteBuffer sockaddr = ByteBuffer.allocate(SOCKADDR_IN_LENGTH).order(ByteOrder.nativeOrder());
            sockaddr.putShort(0, (short)AF_INET);
            sockaddr.order(ByteOrder.BIG_ENDIAN).putShort(2, (short)port).putInt(4, address);
            if (libc.bind(fd, sockaddr.array(), SOCKADDR_IN_LENGTH) < 0)
            {
                throw LinuxException.lastError(what + ": bind");
            }
            final RawIpSocket rawSender;
            try
            {
                rawSender = RawIpSocket.open();
            }
            catch (final LinuxException ex)
            {
                throw new LinuxException(what + ": " + ex.getMessage(), ex.errno());
            }
            return new UdpSocket(fd, address, port, rawSender);
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

    public int address()
    {
        return address;
    }

    public int port()
    {
        return port;
    }

    /** The raw IPv4 socket opened beside this one, in the same namespace: for sending whole outer packets. */
    public RawIpSocket rawSender()
    {
        return rawSender;
    }

    /**
     * Receives one datagram into native memory; its sender is then {@link #lastSourceAddress()}:
     * {@link #lastSourcePort()}.
     *
     * @return its length (0 for an empty datagram), -EAGAIN when nothing waits, -EMSGSIZE when it
     *         did not fit (dropped), or another -errno.
     */
    public int receive(final long destination, final int capacity)
    {
        receiveView.putInt(SOCKADDR_IN_LENGTH, SOCKADDR_IN_LENGTH, ByteOrder.nativeOrder());
        final long n = LinuxCalls.LIBC.recvfrom(fd, destination, capacity, LinuxCalls.MSG_TRUNC, receiveAddress, receiveAddressLength);
        if (n < 0)
        {
            return -LinuxCalls.errno();
        }
        lastSourcePort = receiveView.getShort(2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        lastSourceAddress = receiveView.getInt(4, ByteOrder.BIG_ENDIAN);
        if (n > capacity)
        {
            return -LinuxCalls.EMSGSIZE;
        }
        return (int)n;
    }

    public int lastSourceAddress()
    {
        return lastSourceAddress;
    }

    public int lastSourcePort()
    {
        return lastSourcePort;
    }

    /** Sends one datagram to {@code address:port}: the bytes sent, or -errno (EMSGSIZE when too big for the path with DF). */
    public int send(final long source, final int length, final int destinationAddress, final int destinationPort)
    {
        sendView.putShort(2, (short)destinationPort, ByteOrder.BIG_ENDIAN);
        sendView.putInt(4, destinationAddress, ByteOrder.BIG_ENDIAN);
        final long n = LinuxCalls.LIBC.sendto(fd, source, length, 0, sendAddress, SOCKADDR_IN_LENGTH);
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
            rawSender.close();
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
