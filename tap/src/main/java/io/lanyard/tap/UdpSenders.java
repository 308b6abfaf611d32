package io.lanyard.tap;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Send-only UDP sockets bound to one address and to distinct source ports, for VXLAN: a sender
 * picks the socket by the inner flow's hash, so each flow keeps one outer source port (RFC 7348,
 * section 5) while the kernel builds the outer IPv4 and UDP headers, computes (or offloads) the
 * UDP checksum and, given {@code UDP_SEGMENT}, splits one large send into equal datagrams (UDP
 * GSO): a whole train of VXLAN datagrams costs one {@code sendmsg}.
 *
 * <p>Each socket sets DF ({@code IP_PMTUDISC_DO}: a datagram too big for the path is refused
 * with EMSGSIZE rather than fragmented) and carries a socket filter that accepts nothing, so
 * what anyone sends to these ports never queues here. The message header, the destination's
 * {@code sockaddr_in} and the control message live in native memory made once: {@link #send}
 * does not allocate. One writer at a time (the transmit stage).
 *
 * <pre>
 * struct msghdr   { void *name; socklen_t namelen; (4 pad) struct iovec *iov; size_t iovlen;
 *                   void *control; size_t controllen; int flags; (4 pad) }          56 bytes
 * struct cmsghdr  { size_t len; int level; int type; } + uint16_t segment size    24 bytes with padding
 * </pre>
 */
public final class UdpSenders implements AutoCloseable
{
    private static final int UDP_SEGMENT = 103;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int EADDRINUSE = 98;

    private static final int CMSG_SEGMENT_SPACE = 24;
    /** The largest number of datagrams one UDP GSO send may make (the kernel's UDP_MAX_SEGMENTS). */
    public static final int MAX_SEGMENTS = 64;

    private final int[] fds;
    private final int[] ports;
    private final int address;
    private boolean closed;
    /** Kept reachable: the kernel reads the message header, the address and the control message by address. */
    private final ByteBuffer memory = BufferUtil.allocateDirectAligned(128, 64);
    private final UnsafeBuffer view = new UnsafeBuffer(memory);
    private final long messageAddress = view.addressOffset();
    private final int sockaddr = SocketOptions.MSGHDR_LENGTH;
    private final int control = SocketOptions.MSGHDR_LENGTH + SocketOptions.SOCKADDR_IN_LENGTH;

    private UdpSenders(final int address, final int[] fds, final int[] ports)
    {
        this.address = address;
        this.fds = fds;
        this.ports = ports;
        view.putShort(sockaddr, (short)SocketOptions.AF_INET, ByteOrder.nativeOrder());
        view.putLong(SocketOptions.MSG_NAME, view.addressOffset() + sockaddr);
        view.putInt(SocketOptions.MSG_NAMELEN, SocketOptions.SOCKADDR_IN_LENGTH);
        view.putLong(control, SocketOptions.CMSG_HEADER_LENGTH + Short.BYTES);
        view.putInt(control + 8, SocketOptions.SOL_UDP);
        view.putInt(control + 12, UDP_SEGMENT);
    }

    /**
     * Binds {@code count} sockets to {@code address} (0 for any) in the calling thread's network
     * namespace, on distinct ports of {@code [lowPort, highPort]} from a random start, skipping
     * ports in use.
     *
     * @throws LinuxException naming the reason when a socket cannot be made, or when the range
     *     has fewer than {@code count} free ports.
     * @throws IllegalArgumentException for a count or range that makes no sense.
     */
    public static UdpSenders bind(final int address, final int count, final int lowPort, final int highPort)
    {
        if (count < 1 || lowPort < 1 || highPort > 0xFFFF || highPort - lowPort + 1 < count)
        {
            throw new IllegalArgumentException("cannot bind " + count + " UDP senders in ports " + lowPort + ".." + highPort);
        }
        final int range = highPort - lowPort + 1;
        final int start = ThreadLocalRandom.current().nextInt(range);
        final int[] fds = new int[count];
        final int[] ports = new int[count];
        int bound = 0;
        try
        {
            for (int tried = 0; tried < range && bound < count; tried++)
            {
                final int port = lowPort + (start + tried) % range;
                final int fd = open(address, port);
                if (fd >= 0)
                {
                    fds[bound] = fd;
                    ports[bound] = port;
                    bound++;
                }
            }
            if (bound < count)
            {
                throw new LinuxException("udp senders: only " + bound + " of " + count + " ports free in " + lowPort + ".." + highPort,
                    EADDRINUSE);
            }
            return new UdpSenders(address, fds, ports);
        }
        catch (final RuntimeException ex)
        {
            for (int i = 0; i < bound; i++)
            {
                LinuxCalls.LIBC.close(fds[i]);
            }
            throw ex;
        }
    }

    /** How many sockets (source ports) there are. */
    public int count()
    {
        return fds.length;
    }

    /** The source port of socket {@code index}. */
    public int port(final int index)
    {
        return ports[index];
    }

    public int address()
    {
        return address;
    }

    /**
     * Sends the pieces of {@code vectors} from socket {@code index} to
     * {@code destination:destinationPort}: as one datagram when {@code segmentSize} is 0, else
     * as datagrams of {@code segmentSize} bytes each (the last may be shorter), at most
     * {@link #MAX_SEGMENTS} of them and at most 65 507 bytes in all.
     *
     * @return the bytes sent, or -errno (EMSGSIZE for a datagram too big for the path, EAGAIN
     *     when the send buffer is full, EINVAL for a train the kernel will not segment).
     */
    public int send(final int index, final IoVectors vectors, final int destination, final int destinationPort, final int segmentSize)
    {
        view.putShort(sockaddr + 2, (short)destinationPort, ByteOrder.BIG_ENDIAN);
        view.putInt(sockaddr + 4, destination, ByteOrder.BIG_ENDIAN);
        view.putLong(SocketOptions.MSG_IOV, vectors.address());
        view.putLong(SocketOptions.MSG_IOVLEN, vectors.count());
        if (segmentSize > 0)
        {
            view.putShort(control + SocketOptions.CMSG_HEADER_LENGTH, (short)segmentSize);
            view.putLong(SocketOptions.MSG_CONTROL, view.addressOffset() + control);
            view.putLong(SocketOptions.MSG_CONTROLLEN, CMSG_SEGMENT_SPACE);
        }
        else
        {
            view.putLong(SocketOptions.MSG_CONTROL, 0);
            view.putLong(SocketOptions.MSG_CONTROLLEN, 0);
        }
        view.putInt(SocketOptions.MSG_FLAGS, 0);
        final long n = LinuxCalls.LIBC.sendmsg(fds[index], messageAddress, 0);
        return n >= 0 ? (int)n : -LinuxCalls.errno();
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            for (final int fd : fds)
            {
                LinuxCalls.LIBC.close(fd);
            }
        }
    }

    /** A bound, filtered sending socket, or -1 when the port is in use. */
    private static int open(final int address, final int port)
    {
        final String what = "udp sender port " + port;
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int fd = libc.socket(SocketOptions.AF_INET, SocketOptions.SOCK_DGRAM | SocketOptions.SOCK_NONBLOCK | SocketOptions.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw LinuxException.lastError(what + ": socket");
        }
        try
        {
            SocketOptions.set(fd, SocketOptions.IPPROTO_IP, SocketOptions.IP_MTU_DISCOVER, SocketOptions.IP_PMTUDISC_DO, what + ": IP_MTU_DISCOVER");
            SocketOptions.bufferSize(fd, SocketOptions.SO_SNDBUFFORCE, SocketOptions.SO_SNDBUF, what + ": SO_SNDBUF");
            acceptNothing(fd, what);
            final ByteBuffer sockaddr = ByteBuffer.allocate(SocketOptions.SOCKADDR_IN_LENGTH).order(ByteOrder.nativeOrder());
            sockaddr.putShort(0, (short)SocketOptions.AF_INET);
            sockaddr.order(ByteOrder.BIG_ENDIAN).putShort(2, (short)port).putInt(4, address);
            if (libc.bind(fd, sockaddr.array(), SocketOptions.SOCKADDR_IN_LENGTH) < 0)
            {
                final int errno = LinuxCalls.errno();
                if (errno == EADDRINUSE)
                {
                    libc.close(fd);
                    return -1;
                }
                throw new LinuxException(LinuxCalls.describe(what + ": bind"), errno);
            }
            return fd;
        }
        catch (final RuntimeException ex)
        {
            libc.close(fd);
            throw ex;
        }
    }

    /** A classic BPF program of one instruction, {@code ret #0}: every datagram is refused before it queues. */
    private static void acceptNothing(final int fd, final String what)
    {
        final ByteBuffer program = BufferUtil.allocateDirectAligned(8, 8);
        final UnsafeBuffer instruction = new UnsafeBuffer(program);
        instruction.putShort(0, (short)0x06); // BPF_RET | BPF_K
        instruction.putInt(4, 0);
        final byte[] fprog = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder())
            .putShort(0, (short)1).putLong(8, instruction.addressOffset()).array();
        final int result = LinuxCalls.LIBC.setsockopt(fd, LinuxCalls.SOL_SOCKET, SO_ATTACH_FILTER, fprog, fprog.length);
        // the kernel copied the program: its memory may go with the buffer from here on
        Reference.reachabilityFence(program);
        if (result < 0)
        {
            throw LinuxException.lastError(what + ": SO_ATTACH_FILTER");
        }
    }
}
