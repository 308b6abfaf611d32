package io.lanyard.tap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A raw {@code AF_PACKET} socket bound to one existing Ethernet interface: the switch's uplink.
 * It keeps {@link TapDevice}'s read/write contract so the dataplane handles both alike — every
 * read returns, and every write takes, a 10-byte {@code virtio_net_hdr} before the frame
 * ({@code PACKET_VNET_HDR}), so GSO super-frames and partially checksummed frames cross without
 * being segmented or checksummed in software.
 *
 * <p>Frames this socket sends are not read back ({@code PACKET_IGNORE_OUTGOING}); frames the
 * interface's own kernel stack sends are not seen either, for the same reason. The socket lives
 * in the network namespace of the thread that opens it (see {@link NamespaceThread}); the
 * descriptor works from any thread afterwards. It is non-blocking: reads return 0 when nothing
 * waits.
 *
 * <p>Differences from a TAP a caller meets (checked on kernel 6.18 with veth):
 * <ul>
 *   <li>Frames from the wire may exceed the MTU: the peer's TCP stack hands over GSO super-frames
 *       of up to 64 KB, so read into slots of {@code 10 + 65535} bytes (a larger frame is dropped
 *       and reported as EMSGSIZE). Their {@code hdr_len} is the kernel's linear length, a hint,
 *       not the exact header length.</li>
 *   <li>A received 802.1Q tag has already been moved into skb metadata and is not in the bytes
 *       read (only {@code PACKET_AUXDATA} would report it).</li>
 *   <li>A non-GSO frame longer than MTU + 14 is refused with EMSGSIZE; a write to an interface
 *       that is down fails with ENETDOWN, and to a veth whose peer is down with ENOBUFS.</li>
 *   <li>When the interface goes down one read reports ENETDOWN; the socket works again once the
 *       interface is up. When it is deleted, one read reports ENETDOWN, later reads return 0 and
 *       writes fail with ENXIO. Neither case keeps the descriptor readable.</li>
 *   <li>For up to a second after the interface gains its carrier, writes report success while the
 *       kernel still drops them (the qdisc is attached by the rate-limited linkwatch).</li>
 * </ul>
 */
public final class PacketSocket implements FrameDevice
{
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int ETH_P_ALL = 0x0003;

    static final int SOL_PACKET = 263;
    static final int PACKET_VNET_HDR = 15;
    static final int PACKET_IGNORE_OUTGOING = 23;

    static final int SO_SNDBUF = SocketOptions.SO_SNDBUF;
    static final int SO_RCVBUF = SocketOptions.SO_RCVBUF;
    static final int SO_SNDBUFFORCE = SocketOptions.SO_SNDBUFFORCE;
    static final int SO_RCVBUFFORCE = SocketOptions.SO_RCVBUFFORCE;

    static final long SIOCGIFMTU = 0x8921L;
    static final long SIOCGIFHWADDR = 0x8927L;
    static final long SIOCGIFINDEX = 0x8933L;

    static final int ARPHRD_ETHER = 1;

    public static final int VNET_HEADER_LENGTH = TapDevice.VNET_HEADER_LENGTH;
    public static final int MAX_NAME_LENGTH = TapDevice.MAX_NAME_LENGTH;

    /** Asked for both directions; the kernel doubles it and, without CAP_NET_ADMIN, caps it at rmem_max/wmem_max. */
    public static final int SOCKET_BUFFER_BYTES = SocketOptions.BUFFER_BYTES;

    /*
     * struct sockaddr_ll (linux/if_packet.h), 20 bytes:
     *   0 sll_family u16 (host order)   2 sll_protocol be16   4 sll_ifindex int (host order)
     *   8 sll_hatype u16                10 sll_pkttype u8      11 sll_halen u8    12 sll_addr[8]
     */
    private static final int SOCKADDR_LL_LENGTH = 20;
    private static final int SLL_PROTOCOL_OFFSET = 2;
    private static final int SLL_IFINDEX_OFFSET = 4;

    /* struct ifreq: the name in 16 bytes, then a union; a struct sockaddr there starts with sa_family. */
    private static final int IFREQ_LENGTH = 40;
    private static final int IFREQ_UNION_OFFSET = 16;
    private static final int IFREQ_HWADDR_OFFSET = 18;

    private final String name;
    private final byte[] nameBytes;
    private final int fd;
    private final int ifindex;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PacketSocket(final String name, final byte[] nameBytes, final int fd, final int ifindex)
    {
        this.name = name;
        this.nameBytes = nameBytes;
        this.fd = fd;
        this.ifindex = ifindex;
    }

    /**
     * Opens a packet socket on {@code interfaceName} in the calling thread's network namespace.
     *
     * @throws LinuxException naming the interface and the reason, e.g. when it does not exist or
     *                        is not an Ethernet interface.
     */
    public static PacketSocket open(final String interfaceName)
    {
        final byte[] nameBytes = interfaceName.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length > MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("interface name must be 1 to 15 characters: " + interfaceName);
        }
        final String what = "uplink " + interfaceName;
        final LinuxCalls libc = LinuxCalls.LIBC;
        // Protocol 0 receives nothing until bind() names the interface; a socket made with ETH_P_ALL
        // would queue frames from every interface in the namespace in the meantime.
        final int fd = libc.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw LinuxException.lastError(what + ": socket(AF_PACKET)");
        }
        try
        {
            final byte[] ifreq = ifreq(nameBytes);
            if (libc.ioctl(fd, SIOCGIFINDEX, ifreq) < 0)
            {
                throw interfaceError(what, "SIOCGIFINDEX");
            }
            final int ifindex = nativeInt(ifreq, IFREQ_UNION_OFFSET);
            final int hardwareType = hardwareAddress(fd, nameBytes, what).getShort(IFREQ_UNION_OFFSET) & 0xFFFF;
            if (hardwareType != ARPHRD_ETHER)
            {
                throw new LinuxException(what + ": not an Ethernet interface (hardware type " + hardwareType + ")");
            }
            SocketOptions.set(fd, SOL_PACKET, PACKET_VNET_HDR, 1, what + ": PACKET_VNET_HDR");
            SocketOptions.set(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, what + ": PACKET_IGNORE_OUTGOING");
            SocketOptions.bufferSize(fd, SO_RCVBUFFORCE, SO_RCVBUF, what + ": SO_RCVBUF");
            SocketOptions.bufferSize(fd, SO_SNDBUFFORCE, SO_SNDBUF, what + ": SO_SNDBUF");

            final ByteBuffer address = ByteBuffer.allocate(SOCKADDR_LL_LENGTH).order(ByteOrder.nativeOrder());
            address.putShort(0, (short)AF_PACKET);
            address.order(ByteOrder.BIG_ENDIAN).putShort(SLL_PROTOCOL_OFFSET, (short)ETH_P_ALL).order(ByteOrder.nativeOrder());
            address.putInt(SLL_IFINDEX_OFFSET, ifindex);
            if (libc.bind(fd, address.array(), SOCKADDR_LL_LENGTH) < 0)
            {
                throw interfaceError(what, "bind");
            }
            return new PacketSocket(interfaceName, nameBytes, fd, ifindex);
        }
        catch (final RuntimeException ex)
        {
            libc.close(fd);
            throw ex;
        }
    }

    public String name()
    {
        return name;
    }

    public int fd()
    {
        return fd;
    }

    /** The interface index the socket is bound to, in the namespace it was opened in. */
    public int ifindex()
    {
        return ifindex;
    }

    /** The interface's current MAC in the low 48 bits, first octet most significant. Asks the kernel: control path only. */
    public long mac()
    {
        final ByteBuffer ifreq = hardwareAddress(fd, nameBytes, "uplink " + name);
        long mac = 0;
        for (int i = 0; i < 6; i++)
        {
            mac = (mac << 8) | (ifreq.get(IFREQ_HWADDR_OFFSET + i) & 0xFF);
        }
        return mac;
    }

    /** The interface's current MTU. Asks the kernel: control path only. */
    public int mtu()
    {
        final byte[] ifreq = ifreq(nameBytes);
        if (LinuxCalls.LIBC.ioctl(fd, SIOCGIFMTU, ifreq) < 0)
        {
            throw interfaceError("uplink " + name, "SIOCGIFMTU");
        }
        return nativeInt(ifreq, IFREQ_UNION_OFFSET);
    }

    /**
     * Reads one frame (with its virtio header) into native memory.
     *
     * @return its length, 0 when nothing is waiting, or -errno; -EMSGSIZE when the frame did not
     *         fit in {@code capacity} (it is dropped rather than handed on cut short).
     */
    public int read(final long address, final int capacity)
    {
        final long n = LinuxCalls.LIBC.recv(fd, address, capacity, LinuxCalls.MSG_TRUNC);
        if (n >= 0)
        {
            return n <= capacity ? (int)n : -LinuxCalls.EMSGSIZE;
        }
        final int errno = LinuxCalls.errno();
        return errno == LinuxCalls.EAGAIN ? 0 : -errno;
    }

    /**
     * Writes one frame (with its virtio header) from native memory.
     *
     * @return the bytes written including the virtio header, as a TAP reports them, or -errno
     *         (EAGAIN or ENOBUFS when the socket or device queue is full: count a drop).
     */
    public int write(final long address, final int length)
    {
        final long n = LinuxCalls.LIBC.write(fd, address, length);
        // A datagram goes whole or not at all. Kernel 6.18 counts the virtio header in the result;
        // older af_packet code subtracted it, so report what was handed over, as a TAP does.
        return n >= 0 ? length : -LinuxCalls.errno();
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

    @Override
    public String toString()
    {
        return "PacketSocket{" + name + ", ifindex=" + ifindex + ", fd=" + fd + "}";
    }

    private static ByteBuffer hardwareAddress(final int fd, final byte[] nameBytes, final String what)
    {
        final byte[] ifreq = ifreq(nameBytes);
        if (LinuxCalls.LIBC.ioctl(fd, SIOCGIFHWADDR, ifreq) < 0)
        {
            throw interfaceError(what, "SIOCGIFHWADDR");
        }
        return ByteBuffer.wrap(ifreq).order(ByteOrder.nativeOrder());
    }

    private static LinuxException interfaceError(final String what, final String call)
    {
        final int errno = LinuxCalls.errno();
        if (errno == LinuxCalls.ENODEV)
        {
            return new LinuxException(what + ": no such interface (errno " + errno + ")", errno);
        }
        return LinuxException.lastError(what + ": " + call);
    }

    private static byte[] ifreq(final byte[] nameBytes)
    {
        final byte[] ifreq = new byte[IFREQ_LENGTH];
        System.arraycopy(nameBytes, 0, ifreq, 0, nameBytes.length);
        return ifreq;
    }

    private static int nativeInt(final byte[] bytes, final int offset)
    {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getInt(offset);
    }
}
