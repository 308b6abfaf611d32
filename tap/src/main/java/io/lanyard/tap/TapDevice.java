package io.lanyard.tap;

import java.nio.charset.StandardCharsets;

/**
 * A TAP device opened through {@code /dev/net/tun}: Ethernet frames, no packet information
 * header, and a {@code virtio_net_hdr} before every frame ({@code IFF_VNET_HDR}) so checksum and
 * segmentation offloads can travel with the frame.
 *
 * <p>The device is born in the network namespace of the calling thread (see
 * {@link NamespaceThread}); the descriptor works from any thread afterwards. Devices are made
 * persistent so a container keeps its interface while the daemon restarts; {@link #open} on an
 * existing device of that name re-attaches to it, which only works from inside the namespace
 * where the device now lives. The descriptor is non-blocking: reads return 0 when nothing waits.
 */
public final class TapDevice implements FrameDevice
{
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETPERSIST = 0x400454cbL;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;

    static final int IFF_TAP = 0x2;
    static final int IFF_NO_PI = 0x1000;
    static final int IFF_VNET_HDR = 0x4000;

    static final int TUN_F_CSUM = 0x1;
    static final int TUN_F_TSO4 = 0x2;
    static final int TUN_F_TSO6 = 0x4;
    static final int TUN_F_TSO_ECN = 0x8;
    static final int TUN_F_USO4 = 0x20;
    static final int TUN_F_USO6 = 0x40;

    /** The offloads a TAP that forwards to another TAP can take: the receiver finishes the work. */
    public static final int OFFLOAD_TCP = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
    /**
     * {@link #OFFLOAD_TCP} and UDP segmentation ({@code GSO_UDP_L4}, kernels from 6.2: the device
     * shows {@code tx-udp-segmentation}); where the kernel does not know it, the device opens with
     * {@link #OFFLOAD_TCP} alone and {@link #offloads()} says so.
     */
    public static final int OFFLOAD_TCP_UDP = OFFLOAD_TCP | TUN_F_USO4 | TUN_F_USO6;
    public static final int OFFLOAD_NONE = 0;

    public static final int VNET_HEADER_LENGTH = 10;
    public static final int MAX_NAME_LENGTH = 15;

    private static final int EINVAL = 22;
    private static final int IFREQ_LENGTH = 40;
    private static final int IFREQ_FLAGS_OFFSET = 16;

    private final String name;
    private final int fd;
    private final int offloads;
    private volatile boolean closed;

    private TapDevice(final String name, final int fd, final int offloads)
    {
        this.name = name;
        this.fd = fd;
        this.offloads = offloads;
    }

    /**
     * Creates the device, or attaches to an existing persistent one of that name, in the calling
     * thread's network namespace.
     *
     * @param offloads {@link #OFFLOAD_TCP_UDP}, {@link #OFFLOAD_TCP} or {@link #OFFLOAD_NONE}.
     */
    public static TapDevice open(final String name, final int offloads)
    {
        final byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length > MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("interface name must be 1 to 15 characters: " + name);
        }
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int fd = libc.open("/dev/net/tun", LinuxCalls.O_RDWR | LinuxCalls.O_NONBLOCK | LinuxCalls.O_CLOEXEC);
        if (fd < 0)
        {
            throw LinuxException.lastError("open /dev/net/tun");
        }
        try
        {
            final byte[] ifreq = new byte[IFREQ_LENGTH];
            System.arraycopy(nameBytes, 0, ifreq, 0, nameBytes.length);
            final int flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
            ifreq[IFREQ_FLAGS_OFFSET] = (byte)flags;
            ifreq[IFREQ_FLAGS_OFFSET + 1] = (byte)(flags >>> 8);
            if (libc.ioctl(fd, TUNSETIFF, ifreq) < 0)
            {
                throw LinuxException.lastError("TUNSETIFF " + name);
            }
            final byte[] headerSize = {VNET_HEADER_LENGTH, 0, 0, 0};
            if (libc.ioctl(fd, TUNSETVNETHDRSZ, headerSize) < 0)
            {
                throw LinuxException.lastError("TUNSETVNETHDRSZ " + name);
            }
            int taken = offloads;
            if (libc.ioctl(fd, TUNSETOFFLOAD, taken) < 0)
            {
                // a kernel older than 6.2 refuses USO: TCP's offloads alone then
                if (LinuxCalls.errno() != EINVAL || (taken & (TUN_F_USO4 | TUN_F_USO6)) == 0)
                {
                    throw LinuxException.lastError("TUNSETOFFLOAD " + name);
                }
                taken &= ~(TUN_F_USO4 | TUN_F_USO6);
                if (libc.ioctl(fd, TUNSETOFFLOAD, taken) < 0)
                {
                    throw LinuxException.lastError("TUNSETOFFLOAD " + name);
                }
            }
            if (libc.ioctl(fd, TUNSETPERSIST, 1) < 0)
            {
                throw LinuxException.lastError("TUNSETPERSIST " + name);
            }
            return new TapDevice(name, fd, taken);
        }
        catch (final RuntimeException ex)
        {
            libc.close(fd);
            throw ex;
        }
    }

    /** True when an interface of that name exists in the calling thread's network namespace. */
    public static boolean exists(final String name)
    {
        return LinuxCalls.LIBC.if_nametoindex(name) != 0;
    }

    public String name()
    {
        return name;
    }

    public int fd()
    {
        return fd;
    }

    public int offloads()
    {
        return offloads;
    }

    /**
     * Reads one frame (with its virtio header) into native memory.
     *
     * @return its length, 0 when nothing is waiting, or -errno.
     */
    public int read(final long address, final int capacity)
    {
        final long n = LinuxCalls.LIBC.read(fd, address, capacity);
        if (n >= 0)
        {
            return (int)n;
        }
        final int errno = LinuxCalls.errno();
        return errno == LinuxCalls.EAGAIN ? 0 : -errno;
    }

    /**
     * Writes one frame (with its virtio header) from native memory.
     *
     * @return the bytes written, or -errno (EIO when the interface is down).
     */
    public int write(final long address, final int length)
    {
        final long n = LinuxCalls.LIBC.write(fd, address, length);
        return n >= 0 ? (int)n : -LinuxCalls.errno();
    }

    /** Lets the device vanish when the descriptor closes (it is persistent otherwise). */
    public void unpersist()
    {
        if (LinuxCalls.LIBC.ioctl(fd, TUNSETPERSIST, 0) < 0)
        {
            throw LinuxException.lastError("TUNSETPERSIST 0 " + name);
        }
    }

    public boolean isClosed()
    {
        return closed;
    }

    /** Closes the descriptor; a persistent device stays and can be re-attached. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            LinuxCalls.LIBC.close(fd);
        }
    }

    @Override
    public String toString()
    {
        return "TapDevice{" + name + ", fd=" + fd + "}";
    }
}
