package io.lanyard.control.ipam;

import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Docker's default address pools for networks created without a subnet: 172.17.0.0/16 through
 * 172.31.0.0/16, then 192.168.0.0/16 cut into /20s, first one that overlaps no subnet in use;
 * for overlays, 10.0.0.0/8 cut into /24s.
 */
public final class DefaultPools
{
    private static final List<Ipv4Cidr> CANDIDATES = candidates();
    private static final int OVERLAY_PREFIX = 24;
    private static final int OVERLAY_SUBNETS = 1 << 16;

    private DefaultPools()
    {
    }

    public static Optional<Ipv4Cidr> firstFree(final Collection<Ipv4Cidr> inUse)
    {
        for (final Ipv4Cidr candidate : CANDIDATES)
        {
            if (inUse.stream().noneMatch(candidate::overlaps))
            {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The first /24 of 10.0.0.0/8 (Docker's default address pool for swarm overlays) that overlaps no subnet in use. */
    public static Optional<Ipv4Cidr> firstFreeOverlay(final Collection<Ipv4Cidr> inUse)
    {
        final int base = Ipv4Address.parse("10.0.0.0");
        for (int index = 0; index < OVERLAY_SUBNETS; index++)
        {
            final Ipv4Cidr candidate = new Ipv4Cidr(base + (index << 8), OVERLAY_PREFIX);
            if (inUse.stream().noneMatch(candidate::overlaps))
            {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Docker's default local pools, in the order it takes them. */
    public static List<Ipv4Cidr> candidates()
    {
        final List<Ipv4Cidr> pools = new ArrayList<>();
        for (int second = 17; second <= 31; second++)
        {
            pools.add(new Ipv4Cidr(Ipv4Address.parse("172." + second + ".0.0"), 16));
        }
        for (int third = 0; third < 256; third += 16)
        {
            pools.add(new Ipv4Cidr(Ipv4Address.parse("192.168." + third + ".0"), 20));
        }
        return List.copyOf(pools);
    }
}
