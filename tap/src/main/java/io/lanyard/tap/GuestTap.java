package io.lanyard.tap;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A persistent TAP made for a VM monitor (QEMU, Firecracker) to open by name: the monitor holds
 * the device's file end, so Lanyard reaches the guest through the interface's netdev end with a
 * {@link PacketSocket} instead.
 *
 * <p>A TAP without {@code IFF_MULTI_QUEUE} takes one opener at a time (a second
 * {@code TUNSETIFF} fails with EBUSY), so {@link #create} closes its descriptor once the device is
 * persistent and owned; the device then waits, without carrier, for its monitor. The owner may
 * attach without CAP_NET_ADMIN (the kernel checks the owner at {@code TUNSETIFF}, after the
 * monitor, or whoever passes it the descriptor, opened {@code /dev/net/tun}).
 *
 * <p>The netdev end lives in the daemon's namespace, whose kernel would otherwise take part:
 * answer the guest's ARP for the namespace's own addresses (the networks' gateways are there),
 * route its packets past the switch, send it IPv6 router solicitations. {@link #configure} turns
 * that off: no ARP, no IPv6, strict reverse-path filtering (the guest's subnet is routed through
 * the network's host-side port, so nothing from the guest passes it) and no forwarding. Every
 * call works in the calling thread's network namespace (see {@link NamespaceThread}).
 */
public final class GuestTap
{
    static final long TUNSETOWNER = 0x400454ccL;
    /** Fails {@code TUNSETIFF} with EBUSY when a device of the name exists, instead of attaching to it. */
    static final int IFF_TUN_EXCL = 0x8000;
    /** {@link #create}'s owner for "root only" (CAP_NET_ADMIN in the namespace). */
    public static final int NO_OWNER = -1;

    private static final int IFREQ_LENGTH = 40;
    private static final int IFREQ_FLAGS_OFFSET = 16;

    private GuestTap()
    {
    }

    /**
     * Creates the persistent TAP, owned by {@code ownerUid} ({@link #NO_OWNER} for none), and lets
     * go of it.
     *
     * @throws LinuxException when an interface of that name exists or the kernel refuses.
     */
    public static void create(final String name, final int ownerUid)
    {
        final byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length > TapDevice.MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("interface name must be 1 to 15 characters: " + name);
        }
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int fd = libc.open("/dev/net/tun", LinuxCalls.O_RDWR | LinuxCalls.O_CLOEXEC);
        if (fd < 0)
        {
            throw LinuxException.lastError("open /dev/net/tun");
        }
        try
        {
            final byte[] ifreq = new byte[IFREQ_LENGTH];
            System.arraycopy(nameBytes, 0, ifreq, 0, nameBytes.length);
            final int flags = TapDevice.IFF_TAP | TapDevice.IFF_NO_PI | IFF_TUN_EXCL;
            ifreq[IFREQ_FLAGS_OFFSET] = (byte)flags;
            ifreq[IFREQ_FLAGS_OFFSET + 1] = (byte)(flags >>> 8);
            if (libc.ioctl(fd, TapDevice.TUNSETIFF, ifreq) < 0)
            {
                throw LinuxException.lastError("TUNSETIFF " + name);
            }
            if (ownerUid != NO_OWNER && libc.ioctl(fd, TUNSETOWNER, ownerUid) < 0)
            {
                throw LinuxException.lastError("TUNSETOWNER " + name);
            }
            if (libc.ioctl(fd, TapDevice.TUNSETPERSIST, 1) < 0)
            {
                throw LinuxException.lastError("TUNSETPERSIST " + name);
            }
        }
        finally
        {
            libc.close(fd);
        }
    }

    /** Brings the interface up with this MTU and keeps the namespace's own stack off it (see the class comment). */
    public static void configure(final String name, final int mtu)
    {
        IpRoute2.batchHere(List.of("link set dev " + name + " mtu " + mtu + " arp off up"));
        NetSysctl.disableIpv6(name);
        NetSysctl.set("ipv4/conf/" + name + "/rp_filter", "1");
        NetSysctl.set("ipv4/conf/" + name + "/forwarding", "0");
    }

    /** Deletes the interface, also while a VM monitor holds it (its descriptor then fails); nothing when it is gone. */
    public static void delete(final String name)
    {
        if (TapDevice.exists(name))
        {
            IpRoute2.batchHere(List.of("link delete dev " + name));
        }
    }

    /** True when an interface of that name exists in the calling thread's namespace. */
    public static boolean exists(final String name)
    {
        return TapDevice.exists(name);
    }
}
