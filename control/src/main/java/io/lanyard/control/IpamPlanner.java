package io.lanyard.control;

import io.lanyard.control.ipam.AddressSpace;
import io.lanyard.control.ipam.DefaultPools;
import io.lanyard.control.model.IpamPool;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a network request's IPAM configuration into the pools to create, with Docker's checks
 * and messages: each pool's subnet, gateway, range and aux addresses, no overlap with the
 * subnets in use, and the first free default pool when none is asked for. Pure: it reads only
 * its arguments, so the control plane stays the one holder of state.
 */
final class IpamPlanner
{
    private IpamPlanner()
    {
    }

    /**
     * The IPAM configuration to create for a local network: the user's pools checked against each
     * other, every network's subnets and the host's routes, or the first default pool that overlaps
     * none of them ({@code space}).
     */
    static List<IpamPool> plan(final List<IpamPool> requested, final List<Ipv4Cidr> subnetsInUse, final AddressSpace space)
    {
        final List<IpamPool> planned = plan(requested, subnetsInUse, space.firstFree(subnetsInUse));
        for (final IpamPool pool : requested.isEmpty() ? List.<IpamPool>of() : planned)
        {
            final Ipv4Cidr subnet = Ipv4Cidr.parse(pool.subnet());
            space.routeOverlapping(subnet).ifPresent(route ->
            {
                throw RequestException.forbidden("subnet " + subnet + " overlaps the host's route " + route);
            });
        }
        return planned;
    }

    /**
     * {@link #plan} for an overlay network: without a subnet, the first /24 of 10.0.0.0/8 that
     * overlaps no subnet in use, as Docker's swarm default address pool hands out.
     */
    static List<IpamPool> planOverlay(final List<IpamPool> requested, final List<Ipv4Cidr> subnetsInUse)
    {
        return plan(requested, subnetsInUse, DefaultPools.firstFreeOverlay(subnetsInUse));
    }

    private static List<IpamPool> plan(final List<IpamPool> requested, final List<Ipv4Cidr> subnetsInUse,
        final java.util.Optional<Ipv4Cidr> firstFree)
    {
        final List<Ipv4Cidr> inUse = new ArrayList<>(subnetsInUse);
        if (requested.isEmpty())
        {
            final Ipv4Cidr subnet = firstFree.orElseThrow(() ->
                RequestException.conflict("could not find an available, non-overlapping IPv4 address pool among the defaults " +
                    "to assign to the network"));
            return List.of(new IpamPool(subnet.toString(), Ipv4Address.format(subnet.network() + 1), null, Map.of()));
        }
        final List<IpamPool> planned = new ArrayList<>();
        for (final IpamPool pool : requested)
        {
            final IpamPool checked = checkPool(pool);
            final Ipv4Cidr subnet = Ipv4Cidr.parse(checked.subnet());
            if (inUse.stream().anyMatch(subnet::overlaps))
            {
                throw RequestException.forbidden("Pool overlaps with other one on this address space");
            }
            inUse.add(subnet);
            planned.add(checked);
        }
        return planned;
    }

    private static IpamPool checkPool(final IpamPool pool)
    {
        if (pool.subnet() == null)
        {
            throw RequestException.badRequest("an IPAM configuration needs a subnet");
        }
        final Ipv4Cidr subnet = parseCidr(pool.subnet());
        if (subnet.network() != subnet.address())
        {
            throw RequestException.badRequest("invalid subnet " + pool.subnet() + " : it should be " + subnet.canonical());
        }
        if (subnet.prefixLength() < 8 || subnet.prefixLength() > 30)
        {
            throw RequestException.badRequest("invalid subnet " + pool.subnet() + ": the prefix length must be between 8 and 30");
        }
        final int gateway;
        if (pool.gateway() == null || pool.gateway().isEmpty())
        {
            gateway = subnet.network() + 1;
        }
        else
        {
            gateway = parseAddress(pool.gateway());
            if (!usableHost(subnet, gateway))
            {
                throw RequestException.badRequest("no matching subnet for gateway " + pool.gateway());
            }
        }
        if (pool.ipRange() != null && !pool.ipRange().isEmpty())
        {
            final Ipv4Cidr range = parseCidr(pool.ipRange());
            if (!subnet.contains(range))
            {
                throw RequestException.badRequest("no matching subnet for range " + pool.ipRange());
            }
        }
        final Map<String, String> aux = new LinkedHashMap<>();
        for (final Map.Entry<String, String> entry : pool.auxAddresses().entrySet())
        {
            final int address = parseAddress(entry.getValue());
            if (!usableHost(subnet, address))
            {
                throw RequestException.badRequest("no matching subnet for aux-address " + entry.getValue());
            }
            if (address == gateway || aux.containsValue(Ipv4Address.format(address)))
            {
                throw RequestException.badRequest("failed to allocate secondary ip address (" + entry.getKey() + ":" +
                    entry.getValue() + "): Address already in use");
            }
            aux.put(entry.getKey(), Ipv4Address.format(address));
        }
        return new IpamPool(subnet.toString(), Ipv4Address.format(gateway),
            pool.ipRange() == null || pool.ipRange().isEmpty() ? null : parseCidr(pool.ipRange()).canonical().toString(), aux);
    }

    private static boolean usableHost(final Ipv4Cidr subnet, final int address)
    {
        return subnet.contains(address) && address != subnet.network() && address != subnet.broadcast();
    }

    static int parseAddress(final String text)
    {
        try
        {
            return Ipv4Address.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw RequestException.badRequest("invalid IPv4 address: " + text);
        }
    }

    static Ipv4Cidr parseCidr(final String text)
    {
        try
        {
            return Ipv4Cidr.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw RequestException.badRequest("invalid CIDR address: " + text);
        }
    }
}
