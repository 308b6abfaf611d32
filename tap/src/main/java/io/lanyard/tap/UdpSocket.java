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
 * <p>{@link #bind} also binds {@link #senders()} in the same namespace: send-only sockets on
 * {@value #SENDERS} source ports of the dynamic range, through which VXLAN sends, so that each
 * inner flow keeps its own UDP source port (RFC 7348, section 5) and a train of datagrams can
 * leave in one UDP GSO send, while this socket stays bound to receive (and so that the kernel
 * does not answer the peers' datagrams with ICMP port unreachable). Closing this socket closes
 * them too.
 *
 * <p>Not thread-safe for reads (one reader, the I/O thread, owns the source-address scratch);
 * writes use their own scratch and belong to one writer, the transmit stage.
 */
public final class UdpSocket implements AutoCloseable
{
    private static final int UDP_GRO = 104;
    private static final int SOCKADDR = 64;
    private static final int IOVEC = 80;
    private static final int CONTROL = 96;
    private static final int CONTROL_LENGTH = 64;
    private static final int MESSAGE_LENGTH = CONTROL + CONTROL_LENGTH;
    /** How many source ports VXLAN sends from, and their range (RFC 7348's choice: the dynamic ports). */
    public static final int SENDERS = 32;
    public static final int FIRST_SENDER_PORT = 49_152;
    public static final int LAST_SENDER_PORT = 65_535;

    private final int fd;
    private final int address;
    private final int port;
    private final UdpSenders senders;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Kept reachable: the kernel reads the message header and the iovec and writes the source
     * address and the control messages here, by address.
     *
     * <pre>
     * 0 msghdr (56) | 64 sockaddr_in (16) | 80 iovec (16) | 96 control (64)
     * </pre>
     */
    private final UnsafeBuffer message = new UnsafeBuffer(BufferUtil.allocateDirectAligned(MESSAGE_LENGTH, 64));
    private final ByteBuffer sendScratch = BufferUtil.allocateDirectAligned(64, 64);
    private final UnsafeBuffer sendView = new UnsafeBuffer(sendScratch);
    private final Pointer sendAddress = Pointer.wrap(LinuxCalls.RUNTIME, sendView.addressOffset());
    private int lastSourceAddress;
    private int lastSourcePort;
    private int lastSegmentSize;

    private UdpSocket(final int fd, final int address, final int port, final UdpSenders senders)
    {
        this.fd = fd;
        this.address = address;
        this.port = port;
        this.senders = senders;
        sendView.putShort(0, (short)SocketOptions.AF_INET, ByteOrder.nativeOrder());
        message.putLong(SocketOptions.MSG_NAME, message.addressOffset() + SOCKADDR);
        message.putLong(SocketOptions.MSG_IOV, message.addressOffset() + IOVEC);
        message.putLong(SocketOptions.MSG_IOVLEN, 1);
        message.putLong(SocketOptions.MSG_CONTROL, message.addressOffset() + CONTROL);
    }

    /**
     * Binds {@code address:port} (address 0 for all) in the calling thread's network namespace
     * and binds the {@link #senders()} there.
     *
     * @throws LinuxException naming the address and the reason (e.g. in use, not local, no
     *     free ports left for the senders).
     */
    public static UdpSocket bind(final int address, final int port)
    {
        final String what = "udp " + (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." +
            (address & 0xFF) + ":" + port;
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int fd = libc.socket(SocketOptions.AF_INET, SocketOptions.SOCK_DGRAM | SocketOptions.SOCK_NONBLOCK | SocketOptions.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw LinuxException.lastError(what + ": socket");
        }
        try
        {
            SocketOptions.set(fd, LinuxCalls.SOL_SOCKET, SocketOptions.SO_REUSEADDR, 1, what + ": SO_REUSEADDR");
            SocketOptions.set(fd, SocketOptions.IPPROTO_IP, SocketOptions.IP_MTU_DISCOVER, SocketOptions.IP_PMTUDISC_DO, what + ": IP_MTU_DISCOVER");
            // trains of datagrams in one read where the kernel kept them together; a kernel without it reads one at a time
            libc.setsockopt(fd, SocketOptions.SOL_UDP, UDP_GRO, SocketOptions.nativeInt(1), Integer.BYTES);
            SocketOptions.bufferSize(fd, SocketOptions.SO_RCVBUFFORCE, SocketOptions.SO_RCVBUF, what + ": SO_RCVBUF");
            SocketOptions.bufferSize(fd, SocketOptions.SO_SNDBUFFORCE, SocketOptions.SO_SNDBUF, what + ": SO_SNDBUF");
            final ByteBuffer sockaddr = ByteBuffer.allocate(SocketOptions.SOCKADDR_IN_LENGTH).order(ByteOrder.nativeOrder());
            sockaddr.putShort(0, (short)SocketOptions.AF_INET);
            sockaddr.order(ByteOrder.BIG_ENDIAN).putShort(2, (short)port).putInt(4, address);
            if (libc.bind(fd, sockaddr.array(), SocketOptions.SOCKADDR_IN_LENGTH) < 0)
            {
                throw LinuxException.lastError(what + ": bind");
            }
            final UdpSenders senders;
            try
            {
                senders = UdpSenders.bind(address, SENDERS, FIRST_SENDER_PORT, LAST_SENDER_PORT);
            }
            catch (final LinuxException ex)
            {
                throw new LinuxException(what + ": " + ex.getMessage(), ex.errno());
            }
            return new UdpSocket(fd, address, port, senders);
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

    /** The send-only sockets bound beside this one, in the same namespace, one per source port. */
    public UdpSenders senders()
    {
        return senders;
    }

    /**
     * Receives one datagram into native memory, or a train of them: the socket asks for UDP GRO,
     * so datagrams of one flow that the kernel kept together (a peer's UDP GSO send that crossed
     * a veth whole, or a NIC's GRO) arrive in one read, back to back, each
     * {@link #lastSegmentSize()} bytes long but the last. The sender is then
     * {@link #lastSourceAddress()}:{@link #lastSourcePort()}.
     *
     * @return the bytes read (0 for an empty datagram), -EAGAIN when nothing waits, -EMSGSIZE when
     *         it did not fit (dropped), or another -errno.
     */
    public int receive(final long destination, final int capacity)
    {
        message.putInt(SocketOptions.MSG_NAMELEN, SocketOptions.SOCKADDR_IN_LENGTH);
        message.putLong(IOVEC, destination);
        message.putLong(IOVEC + Long.BYTES, capacity);
        message.putLong(SocketOptions.MSG_CONTROLLEN, CONTROL_LENGTH);
        message.putInt(SocketOptions.MSG_FLAGS, 0);
        final long n = LinuxCalls.LIBC.recvmsg(fd, message.addressOffset(), LinuxCalls.MSG_TRUNC);
        if (n < 0)
        {
            return -LinuxCalls.errno();
        }
        lastSourcePort = message.getShort(SOCKADDR + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        lastSourceAddress = message.getInt(SOCKADDR + 4, ByteOrder.BIG_ENDIAN);
        lastSegmentSize = segmentSize(message.getLong(SocketOptions.MSG_CONTROLLEN));
        if (n > capacity)
        {
            return -LinuxCalls.EMSGSIZE;
        }
        return (int)n;
    }

    /**
     * The size of each datagram of the train the last {@link #receive} read (the last may be
     * shorter), or 0 when it read a single datagram.
     */
    public int lastSegmentSize()
    {
        return lastSegmentSize;
    }

    /** The UDP_GRO control message's segment size, if the kernel wrote one. */
    private int segmentSize(final long controlLength)
    {
        int at = 0;
        while (at + SocketOptions.CMSG_HEADER_LENGTH <= controlLength)
        {
            final long length = message.getLong(CONTROL + at);
            if (length < SocketOptions.CMSG_HEADER_LENGTH)
            {
                return 0;
            }
            if (message.getInt(CONTROL + at + 8) == SocketOptions.SOL_UDP && message.getInt(CONTROL + at + 12) == UDP_GRO)
            {
                return message.getInt(CONTROL + at + SocketOptions.CMSG_HEADER_LENGTH);
            }
            at += (int)((length + 7) & ~7L);
        }
        return 0;
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
        final long n = LinuxCalls.LIBC.sendto(fd, source, length, 0, sendAddress, SocketOptions.SOCKADDR_IN_LENGTH);
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
            senders.close();
        }
    }
}
