package io.lanyard.control;

import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The networks this daemon knows, in the order they were made (the order {@code network ls}
 * shows and the state file keeps), and Docker's rules for finding one.
 */
final class NetworkTable
{
    private final Map<String, Network> networks = new LinkedHashMap<>();

    /** A copy: callers may add or drop networks while they walk it. */
    List<Network> all()
    {
        return List.copyOf(networks.values());
    }

    /** @return null when there is none. */
    Network byId(final String id)
    {
        return networks.get(id);
    }

    boolean contains(final String id)
    {
        return networks.containsKey(id);
    }

    Optional<Network> byName(final String name)
    {
        return networks.values().stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** The network with this exact ID or name, or null (for requests that succeed when there is none). */
    Network find(final String reference)
    {
        final Network byId = networks.get(reference);
        return byId != null ? byId : byName(reference).orElse(null);
    }

    /** Adds the network, or replaces the one with its ID in its place. */
    void put(final Network network)
    {
        networks.put(network.id(), network);
    }

    void remove(final String id)
    {
        networks.remove(id);
    }

    /** Finds a network Docker's way: exact ID, then exact name, then a unique ID prefix. */
    Network resolve(final String reference)
    {
        final Network byId = networks.get(reference);
        if (byId != null)
        {
            return byId;
        }
        final Optional<Network> byName = byName(reference);
        if (byName.isPresent())
        {
            return byName.get();
        }
        final List<Network> byPrefix = reference.isEmpty() ? List.of() :
            networks.values().stream().filter(n -> n.id().startsWith(reference)).toList();
        if (byPrefix.size() == 1)
        {
            return byPrefix.get(0);
        }
        if (byPrefix.size() > 1)
        {
            throw RequestException.badRequest("network " + reference + " is ambiguous (" + byPrefix.size() +
                " matches found based on ID prefix)");
        }
        throw RequestException.notFound("network " + reference + " not found");
    }

    /** Every subnet the networks use, for the planner's overlap checks. */
    List<Ipv4Cidr> subnetsInUse()
    {
        final List<Ipv4Cidr> inUse = new ArrayList<>();
        for (final Network network : networks.values())
        {
            for (final IpamPool pool : network.ipam())
            {
                inUse.add(Ipv4Cidr.parse(pool.subnet()));
            }
        }
        return inUse;
    }

    /** The subnets of this host's own networks (not the overlays, which the cluster store lists). */
    List<Ipv4Cidr> localSubnets()
    {
        final List<Ipv4Cidr> inUse = new ArrayList<>();
        for (final Network local : networks.values())
        {
            if (!local.isOverlay())
            {
                local.ipam().forEach(pool -> inUse.add(Ipv4Cidr.parse(pool.subnet())));
            }
        }
        return inUse;
    }
}
