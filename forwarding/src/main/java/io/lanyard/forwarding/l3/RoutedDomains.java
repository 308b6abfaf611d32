package io.lanyard.forwarding.l3;

import java.util.Arrays;

/**
 * The networks the router serves, by domain number: each one's subnet, gateway address and MAC,
 * and whether its traffic out is masqueraded and may leave at all (an internal network's may
 * not).
 *
 * <p>Arrays indexed by domain, and a list of the routed domains for the isolation check, which
 * is replaced, never modified, when a network is added or removed (between batches). Lookups
 * allocate nothing. Single-threaded.
 */
final class RoutedDomains
{
    /** {@link #gatewayMac} of a domain that is not routed. */
    static final long NO_MAC = -1L;

    private static final int FLAG_ROUTED = 1;
    private static final int FLAG_MASQUERADE = 2;
    private static final int FLAG_EXTERNAL = 4;

    private final int[] gatewayAddress;
    private final long[] gatewayMac;
    private final int[] subnet;
    private final int[] subnetMask;
    private final int[] flags;
    private int[] routed = new int[0];

    RoutedDomains(final int maxDomains)
    {
        gatewayAddress = new int[maxDomains];
        gatewayMac = new long[maxDomains];
        subnet = new int[maxDomains];
        subnetMask = new int[maxDomains];
        flags = new int[maxDomains];
        Arrays.fill(gatewayMac, NO_MAC);
    }

    void configure(
        final int domain, final int subnetAddress, final int prefixLength, final int gateway, final long gatewayMacAddress,
        final boolean masquerade, final boolean external)
    {
        final int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
        subnet[domain] = subnetAddress & mask;
        subnetMask[domain] = mask;
        gatewayAddress[domain] = gateway;
        gatewayMac[domain] = gatewayMacAddress;
        flags[domain] = FLAG_ROUTED | (masquerade ? FLAG_MASQUERADE : 0) | (external ? FLAG_EXTERNAL : 0);
        removeFromRouted(domain);
        routed = Arrays.copyOf(routed, routed.length + 1);
        routed[routed.length - 1] = domain;
    }

    void clear(final int domain)
    {
        flags[domain] = 0;
        gatewayMac[domain] = NO_MAC;
        removeFromRouted(domain);
    }

    boolean isRouted(final int domain)
    {
        return (flags[domain] & FLAG_ROUTED) != 0;
    }

    /** Whether new flows out are masqueraded to the uplink address. */
    boolean masquerades(final int domain)
    {
        return (flags[domain] & FLAG_MASQUERADE) != 0;
    }

    /** Whether traffic may leave the network for the outside (false for an internal network). */
    boolean isExternal(final int domain)
    {
        return (flags[domain] & FLAG_EXTERNAL) != 0;
    }

    int gatewayAddress(final int domain)
    {
        return gatewayAddress[domain];
    }

    long gatewayMac(final int domain)
    {
        return gatewayMac[domain];
    }

    /** Whether {@code address} is in the subnet of any routed network. */
    boolean isInRoutedSubnet(final int address)
    {
        for (final int domain : routed)
        {
            if ((address & subnetMask[domain]) == subnet[domain])
            {
                return true;
            }
        }
        return false;
    }

    private void removeFromRouted(final int domain)
    {
        int kept = 0;
        final int[] others = new int[routed.length];
        for (final int each : routed)
        {
            if (each != domain)
            {
                others[kept++] = each;
            }
        }
        routed = Arrays.copyOf(others, kept);
    }
}
