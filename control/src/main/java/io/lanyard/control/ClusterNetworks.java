package io.lanyard.control;

import io.lanyard.control.cluster.ClusterStoreException;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.overlay.ClusterRecords.AddressClaim;
import io.lanyard.control.overlay.OverlayCluster;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Overlay networks as the whole cluster holds them: made and removed in the cluster store under
 * its network lock, so that two hosts never make two networks of one name, subnet or VNI, and no
 * host removes a network another host's container is on.
 */
final class ClusterNetworks
{
    private final ControlPlane.Routing routing;

    ClusterNetworks(final ControlPlane.Routing routing)
    {
        this.routing = routing;
    }

    /**
     * Creates an overlay network for the whole cluster, checked against every network the cluster
     * store holds (under its network lock) and this host's own subnets.
     *
     * @return the network as stored; this host has not added it yet.
     */
    Network create(final NetworkCreate request, final List<Ipv4Cidr> localSubnets)
    {
        final OverlayCluster cluster = routing.requireCluster("create an overlay network");
        final Map<String, String> options = OverlayOptions.validate(request.options());
        try
        {
            return cluster.createNetwork(existing -> plan(request, options, localSubnets, existing));
        }
        catch (final ClusterStoreException ex)
        {
            throw RequestException.unavailable(ex.getMessage());
        }
    }

    /**
     * The overlay network to create beside {@code existing} (the cluster's): a unique name, a
     * subnet that overlaps no other network's (the first free /24 of 10.0.0.0/8 when none is
     * asked for) and a unique VNI (the first free from 4096 when none is asked for).
     *
     * @param options the request's options, already checked.
     */
    static Network plan(final NetworkCreate request, final Map<String, String> options, final List<Ipv4Cidr> localSubnets,
        final List<Network> existing)
    {
        final List<Ipv4Cidr> inUse = new ArrayList<>(localSubnets);
        final Set<Integer> vnis = new HashSet<>();
        for (final Network other : existing)
        {
            if (other.name().equals(request.name()))
            {
                throw RequestException.conflict("network with name " + request.name() + " already exists");
            }
            other.ipam().forEach(pool -> inUse.add(Ipv4Cidr.parse(pool.subnet())));
            vnis.add(other.vni());
        }
        final List<IpamPool> ipam = IpamPlanner.planOverlay(request.ipam(), inUse);
        final String asked = options.get(Network.OPTION_VXLAN_ID);
        int vni = OverlayOptions.FIRST_VNI;
        if (asked != null)
        {
            vni = Integer.parseInt(asked);
            if (vnis.contains(vni))
            {
                final int taken = vni;
                throw RequestException.conflict("VNI " + vni + " is already used by network " +
                    existing.stream().filter(n -> n.vni() == taken).findFirst().map(Network::name).orElse("?"));
            }
        }
        else
        {
            while (vnis.contains(vni))
            {
                vni++;
            }
        }
        final Map<String, String> withVni = new LinkedHashMap<>(options);
        withVni.put(Network.OPTION_VXLAN_ID, Integer.toString(vni));
        return new Network(Identifiers.newId(), request.name(), Network.DRIVER_OVERLAY, Network.SCOPE_GLOBAL, Instant.now(),
            request.internal(), request.attachable(), ipam, withVni, request.labels());
    }

    /** Removes an overlay network from the cluster store, unless a container of any host is still on it. */
    void remove(final Network network)
    {
        final List<AddressClaim> holders;
        try
        {
            holders = routing.requireCluster("remove an overlay network").removeNetwork(network);
        }
        catch (final ClusterStoreException ex)
        {
            throw RequestException.unavailable(ex.getMessage());
        }
        if (!holders.isEmpty())
        {
            throw RequestException.conflict("error while removing network: network " + network.name() + " id " + network.id() +
                " has active endpoints (" + String.join(", ", holders.stream().map(c -> c.sandbox() + " on " + c.host()).toList()) + ")");
        }
    }
}
