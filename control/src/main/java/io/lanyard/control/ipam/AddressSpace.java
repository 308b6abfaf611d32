package io.lanyard.control.ipam;

import io.lanyard.control.routing.HostRoutes;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where local networks made without {@code --subnet} get their subnet, and what no local subnet
 * may overlap: the default address pools (Docker's, or {@code lanyardd --default-address-pool
 * base=CIDR,size=N}, cut into subnets of that size), taken first one first, skipping those that
 * overlap a subnet in use or a route of the host ({@link HostRoutes}), as dockerd does.
 */
public final class AddressSpace
{
    /** At most this many subnets are cut from the pools (a /8 cut into /30s would be four million). */
    private static final int MOST_CANDIDATES = 1 << 16;

    private final List<Ipv4Cidr> candidates;
    private final Supplier<List<HostRoutes.Route>> routes;

    public AddressSpace(final List<Ipv4Cidr> candidates, final Supplier<List<HostRoutes.Route>> routes)
    {
        this.candidates = List.copyOf(candidates);
        this.routes = routes;
    }

    /** Docker's default pools, checked against the host's routes. */
    public static AddressSpace docker(final Supplier<List<HostRoutes.Route>> routes)
    {
        return new AddressSpace(DefaultPools.candidates(), routes);
    }

    /** The subnets of {@code --default-address-pool} flags, in order. */
    public static AddressSpace of(final List<Pool> pools, final Supplier<List<HostRoutes.Route>> routes)
    {
        final List<Ipv4Cidr> subnets = new ArrayList<>();
        for (final Pool pool : pools)
        {
            final long count = 1L << (pool.size() - pool.base().prefixLength());
            for (long i = 0; i < count && subnets.size() < MOST_CANDIDATES; i++)
            {
                subnets.add(new Ipv4Cidr(pool.base().network() + (int)(i << (32 - pool.size())), pool.size()));
            }
        }
        return new AddressSpace(subnets, routes);
    }

    /** One {@code --default-address-pool base=CIDR,size=N}. */
    public record Pool(Ipv4Cidr base, int size)
    {
        /**
         * Reads Docker's form of the flag.
         *
         * @throws IllegalArgumentException with a one-line reason.
         */
        public static Pool parse(final String text)
        {
            Ipv4Cidr base = null;
            Integer size = null;
            for (final String part : text.split(","))
            {
                final int equals = part.indexOf('=');
                final String key = equals < 0 ? part : part.substring(0, equals);
                final String value = equals < 0 ? "" : part.substring(equals + 1);
                try
                {
                    switch (key)
                    {
                        case "base" -> base = Ipv4Cidr.parse(value);
                        case "size" -> size = Integer.parseInt(value);
                        default -> throw new IllegalArgumentException("--default-address-pool " + text + ": unknown key '" + key +
                            "' (expected base=CIDR,size=N)");
                    }
                }
                catch (final NumberFormatException ex)
                {
                    throw new IllegalArgumentException("--default-address-pool " + text + ": size is a prefix length, not " + value);
                }
            }
            if (base == null || size == null)
            {
                throw new IllegalArgumentException("--default-address-pool " + text + ": expected base=CIDR,size=N");
            }
            if (base.network() != base.address())
            {
                throw new IllegalArgumentException("--default-address-pool " + text + ": base should be " + base.canonical());
            }
            if (size < base.prefixLength() || size > 30 || base.prefixLength() < 8)
            {
                throw new IllegalArgumentException("--default-address-pool " + text + ": size must be from the base's prefix length (at least 8) to 30");
            }
            return new Pool(base, size);
        }
    }

    /** The first candidate that overlaps neither a subnet in {@code inUse} nor a route of the host. */
    public Optional<Ipv4Cidr> firstFree(final Collection<Ipv4Cidr> inUse)
    {
        final List<HostRoutes.Route> now = routes.get();
        for (final Ipv4Cidr candidate : candidates)
        {
            if (inUse.stream().noneMatch(candidate::overlaps) && now.stream().noneMatch(route -> route.destination().overlaps(candidate)))
            {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** A route of the host that {@code subnet} overlaps, if any. */
    public Optional<HostRoutes.Route> routeOverlapping(final Ipv4Cidr subnet)
    {
        return routes.get().stream().filter(route -> route.destination().overlaps(subnet)).findFirst();
    }
}
