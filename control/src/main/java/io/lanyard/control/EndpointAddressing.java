package io.lanyard.control;

import io.lanyard.control.cluster.ClusterStoreException;
import io.lanyard.control.ipam.AddressInUseException;
import io.lanyard.control.ipam.AddressPool;
import io.lanyard.control.ipam.PoolExhaustedException;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.overlay.OverlayCluster;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.addr.MacAddress;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Endpoints' addresses: each network's address pools, the address (and the MAC made from it) a
 * new endpoint gets, and, on an overlay, the claim of that address in the cluster store and the
 * addresses other hosts' containers claim there.
 *
 * <p>Addresses in use are never stored on their own: they are derived from the stored endpoints
 * (and gateways and auxiliary addresses) whenever the state is loaded, so they cannot disagree.
 */
final class EndpointAddressing
{
    private final NetworkTable networks;
    /** Null outside a cluster. */
    private final ControlPlane.Routing routing;
    /** Network ID → its pools, one per subnet. */
    private final Map<String, List<AddressPool>> pools = new HashMap<>();
    /** Overlay network ID → addresses marked taken in its pool because another host's container claims them. */
    private final Map<String, Set<Integer>> remoteClaims = new HashMap<>();

    EndpointAddressing(final NetworkTable networks, final ControlPlane.Routing routing)
    {
        this.networks = networks;
        this.routing = routing;
    }

    /** Makes the network's pools, with its gateways and auxiliary addresses taken; nothing is kept if one is bad. */
    void addPools(final Network network)
    {
        final List<AddressPool> networkPools = new ArrayList<>();
        for (final IpamPool pool : network.ipam())
        {
            final AddressPool addresses = new AddressPool(Ipv4Cidr.parse(pool.subnet()),
                Ipv4Address.parse(pool.gateway()), pool.ipRange() == null ? null : Ipv4Cidr.parse(pool.ipRange()));
            for (final String aux : pool.auxAddresses().values())
            {
                addresses.reserve(Ipv4Address.parse(aux));
            }
            networkPools.add(addresses);
        }
        pools.put(network.id(), networkPools);
    }

    void dropPools(final String networkId)
    {
        pools.remove(networkId);
        remoteClaims.remove(networkId);
    }

    /** Addresses taken in each subnet of a network, reserved ones (gateway, aux, network, broadcast) included. */
    int taken(final String networkId)
    {
        return pools.getOrDefault(networkId, List.of()).stream().mapToInt(AddressPool::takenCount).sum();
    }

    /**
     * A new endpoint on {@code network}, with an address from its pool (the given one, or the
     * lowest free). On an overlay the address is also claimed in the cluster store; an address
     * another host's container holds is marked taken and the next one tried.
     */
    Endpoint newEndpoint(final Network network, final String interfaceName, final Integer staticAddress,
        final List<String> aliases, final String sandboxName)
    {
        final List<AddressPool> networkPools = pools.get(network.id());
        if (!network.isAddressed() || networkPools.isEmpty())
        {
            return new Endpoint(Identifiers.newId(), network.id(), null, null, 0, null, List.of(), null);
        }
        final String endpointId = Identifiers.newId();
        while (true)
        {
            final int[] picked = pickAddress(network, networkPools, staticAddress);
            final int address = picked[0];
            if (network.isOverlay() && !claimInCluster(network, address, endpointId, sandboxName, staticAddress != null))
            {
                continue;
            }
            return new Endpoint(endpointId, network.id(), interfaceName, Ipv4Address.format(address),
                picked[1], MacAddress.format(MacAddress.fromIpv4(address)), aliases, null);
        }
    }

    /**
     * Claims an address picked from an overlay's pool in the cluster store.
     *
     * @return false when another host's container holds it (it stays marked taken here).
     */
    private boolean claimInCluster(final Network network, final int address, final String endpointId, final String sandboxName,
        final boolean asked)
    {
        final boolean claimed;
        try
        {
            claimed = routing.requireCluster("join an overlay network").claimAddress(network.id(), Ipv4Address.format(address),
                endpointId, sandboxName);
        }
        catch (final ClusterStoreException ex)
        {
            release(network.id(), address);
            throw RequestException.unavailable(ex.getMessage());
        }
        if (!claimed)
        {
            remoteClaims.computeIfAbsent(network.id(), id -> new HashSet<>()).add(address);
            if (asked)
            {
                throw RequestException.conflict("Address already in use: " + Ipv4Address.format(address));
            }
        }
        return claimed;
    }

    /** The lowest free address of a network's pools (or the one asked for), taken in its pool: {address, prefix length}. */
    private static int[] pickAddress(final Network network, final List<AddressPool> networkPools, final Integer staticAddress)
    {
        AddressPool pool = null;
        int address = 0;
        try
        {
            if (staticAddress != null)
            {
                pool = networkPools.stream().filter(p -> p.contains(staticAddress)).findFirst().orElseThrow(() ->
                    RequestException.badRequest("no configured subnet or ip-range contain the IP address " +
                        Ipv4Address.format(staticAddress)));
                pool.allocate(staticAddress.intValue());
                address = staticAddress;
            }
            else
            {
                for (final AddressPool candidate : networkPools)
                {
                    try
                    {
                        address = candidate.allocate();
                        pool = candidate;
                        break;
                    }
                    catch (final PoolExhaustedException ignored)
                    {
                        // try the network's next subnet
                    }
                }
                if (pool == null)
                {
                    throw RequestException.conflict("no available IPv4 addresses on this network's address pools: " +
                        network.name() + " (" + network.id() + ")");
                }
            }
        }
        catch (final AddressInUseException ex)
        {
            throw RequestException.conflict("Address already in use: " + Ipv4Address.format(staticAddress));
        }
        catch (final IllegalArgumentException ex)
        {
            throw RequestException.badRequest(ex.getMessage());
        }
        return new int[] {address, pool.subnet().prefixLength()};
    }

    /**
     * Frees an endpoint's address here; on an overlay also its claim in the cluster store, at best
     * (the requests that free addresses have already given up the claim; a claim left behind by an
     * undone request is found as stale and deleted once the store answers).
     */
    void release(final Endpoint endpoint)
    {
        if (endpoint.ipv4Address() != null)
        {
            release(endpoint.networkId(), Ipv4Address.parse(endpoint.ipv4Address()));
            final Network network = networks.byId(endpoint.networkId());
            final OverlayCluster cluster = routing.cluster();
            if (network != null && network.isOverlay() && cluster != null)
            {
                BestEffort.attempt("release " + endpoint.ipv4Address() + " in the cluster",
                    () -> cluster.releaseAddress(network.id(), endpoint.ipv4Address(), endpoint.id()));
            }
        }
    }

    private void release(final String networkId, final int address)
    {
        pools.getOrDefault(networkId, List.of()).stream().filter(p -> p.contains(address)).forEach(p -> p.release(address));
    }

    /** Marks the stored sandbox's addresses taken, as a restart finds them. */
    void reserve(final Sandbox sandbox)
    {
        sandbox.endpoints().forEach(this::reserve);
    }

    /** Marks a stored endpoint's address taken, as a restart finds it. */
    void reserve(final Endpoint endpoint)
    {
        if (endpoint.ipv4Address() != null)
        {
            markTaken(endpoint.networkId(), Ipv4Address.parse(endpoint.ipv4Address()));
        }
    }

    private void markTaken(final String networkId, final int address)
    {
        pools.getOrDefault(networkId, List.of()).stream().filter(p -> p.contains(address)).forEach(p -> p.markTaken(address));
    }

    /**
     * Brings the addresses marked taken for other hosts in line with the cluster's claims: a claim
     * gone (and not an address of this host's) is freed, a new one is marked taken.
     *
     * @param claimed the addresses the cluster store holds claims on, this host's included.
     * @param local   the addresses of this host's endpoints on the network.
     */
    void followRemoteClaims(final String networkId, final Set<Integer> claimed, final Set<Integer> local)
    {
        final Set<Integer> marked = remoteClaims.computeIfAbsent(networkId, id -> new HashSet<>());
        for (final Integer address : List.copyOf(marked))
        {
            if (!claimed.contains(address) && !local.contains(address))
            {
                release(networkId, address);
                marked.remove(address);
            }
        }
        for (final Integer address : claimed)
        {
            if (!local.contains(address) && marked.add(address))
            {
                markTaken(networkId, address);
            }
        }
    }
}
