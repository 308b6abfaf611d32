package io.lanyard.dataplane;

/**
 * What a sandbox's port may do: with port security ({@link #secured}), send only as its own MAC
 * and IPv4 addresses ({@link io.lanyard.forwarding.security.PortSecurity}); without it
 * ({@link #relaxed}), send as anything, but have at most so many MAC
 * addresses learned behind it, so that it cannot fill the MAC table for everyone. A MAC the
 * control plane assigned is pinned behind the port ({@link io.lanyard.forwarding.l2.MacTable#pin}):
 * never learned, aged or evicted. A port attached without a guard (the host's side, an overlay
 * port, a test's) is held to none of this.
 *
 * @param mac           the port's own MAC, pinned behind it, or {@link #ANY_MAC} when not known.
 * @param ipv4Addresses the IPv4 source addresses it may use besides 0.0.0.0 when secured (copied).
 * @param secured       whether it may send only as {@code mac} and {@code ipv4Addresses}.
 * @param macLimit      the most MAC addresses learned behind it (its pinned MAC not counted).
 */
public record PortGuard(long mac, int[] ipv4Addresses, boolean secured, int macLimit)
{
    /** {@link #mac()} of a port whose MAC the control plane does not know. */
    public static final long ANY_MAC = -1L;

    public PortGuard
    {
        ipv4Addresses = ipv4Addresses.clone();
        if (macLimit < 1)
        {
            throw new IllegalArgumentException("a port learns at least one MAC address: " + macLimit);
        }
        if (secured && mac == ANY_MAC)
        {
            throw new IllegalArgumentException("a secured port has a MAC of its own");
        }
    }

    /** Port security: only {@code mac} (pinned) and {@code ipv4Addresses}, and so nothing else behind it. */
    public static PortGuard secured(final long mac, final int... ipv4Addresses)
    {
        return new PortGuard(mac, ipv4Addresses, true, 1);
    }

    /** No port security: {@code mac} pinned, and at most {@code macLimit} other MAC addresses learned. */
    public static PortGuard relaxed(final long mac, final int macLimit)
    {
        return new PortGuard(mac, new int[0], false, macLimit);
    }

    public boolean isSecured()
    {
        return secured;
    }

    /** Whether the port has a MAC of its own to pin. */
    public boolean hasMac()
    {
        return mac != ANY_MAC;
    }

    @Override
    public int[] ipv4Addresses()
    {
        return ipv4Addresses.clone();
    }
}
