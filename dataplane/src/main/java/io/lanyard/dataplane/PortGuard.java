package io.lanyard.dataplane;

/**
 * What a sandbox's port may do: with port security ({@link #secured}), send only as its own MAC
 * and IPv4 addresses ({@link io.lanyard.forwarding.security.PortSecurity}); without it
 * ({@link #learningAtMost}), send as anything, but have at most so many MAC addresses learned
 * behind it, so that it cannot fill the MAC table for everyone. A port attached without a guard
 * (the host's side, an overlay port, a test's) is held to neither.
 *
 * @param mac           the only source MAC its frames may carry, or {@link #ANY_MAC}.
 * @param ipv4Addresses the IPv4 source addresses it may use besides 0.0.0.0 (copied).
 * @param macLimit      the most MAC addresses learned behind it.
 */
public record PortGuard(long mac, int[] ipv4Addresses, int macLimit)
{
    /** {@link #mac()} of a port without port security. */
    public static final long ANY_MAC = -1L;

    public PortGuard
    {
        ipv4Addresses = ipv4Addresses.clone();
        if (macLimit < 1)
        {
            throw new IllegalArgumentException("a port learns at least one MAC address: " + macLimit);
        }
    }

    /** Port security: only {@code mac} and {@code ipv4Addresses}, and so one MAC learned. */
    public static PortGuard secured(final long mac, final int... ipv4Addresses)
    {
        return new PortGuard(mac, ipv4Addresses, 1);
    }

    /** No port security, at most {@code macLimit} MAC addresses learned. */
    public static PortGuard learningAtMost(final int macLimit)
    {
        return new PortGuard(ANY_MAC, new int[0], macLimit);
    }

    public boolean isSecured()
    {
        return mac != ANY_MAC;
    }

    @Override
    public int[] ipv4Addresses()
    {
        return ipv4Addresses.clone();
    }
}
