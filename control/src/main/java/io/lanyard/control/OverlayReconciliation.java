package io.lanyard.control;

import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.overlay.ClusterRecords.RemoteEndpoint;
import io.lanyard.control.overlay.OverlayCluster;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Brings this host in line with the cluster's mirror: overlay networks created elsewhere are
 * added and removed ones dropped; each overlay's remote endpoints, peers and taken addresses are
 * programmed; address claims of this host that no endpoint holds are deleted, and endpoints the
 * cluster lost are registered again. Idempotent, so it can run after every change of the mirror.
 */
final class OverlayReconciliation
{
    private static final System.Logger LOG = System.getLogger(OverlayReconciliation.class.getName());

    private final OverlayCluster cluster;
    private final NetworkTable networks;
    private final SandboxTable sandboxes;
    private final NetworkSetup setup;
    private final SwitchDomains domains;
    private final EndpointAddressing addressing;
    private final ClusterEndpoints clusterEndpoints;

    OverlayReconciliation(final OverlayCluster cluster, final NetworkTable networks, final SandboxTable sandboxes,
        final NetworkSetup setup, final SwitchDomains domains, final EndpointAddressing addressing,
        final ClusterEndpoints clusterEndpoints)
    {
        this.cluster = cluster;
        this.networks = networks;
        this.sandboxes = sandboxes;
        this.setup = setup;
        this.domains = domains;
        this.addressing = addressing;
        this.clusterEndpoints = clusterEndpoints;
    }

    /**
     * One pass of reconciliation.
     *
     * @return whether networks were added or dropped, so the state must be saved.
     */
    boolean reconcile()
    {
        boolean changed = false;
        final Map<String, Network> global = new LinkedHashMap<>();
        cluster.networks().forEach(network -> global.put(network.id(), network));
        for (final Network network : global.values())
        {
            if (!networks.contains(network.id()))
            {
                if (networks.byName(network.name()).isPresent())
                {
                    LOG.log(System.Logger.Level.WARNING, "overlay network " + network.name() + " has the name of a network of this host");
                }
                setup.addFromCluster(network);
                changed = true;
            }
        }
        final boolean synced = cluster.isSynced();
        for (final Network network : networks.all())
        {
            if (network.isOverlay() && synced && !global.containsKey(network.id()))
            {
                if (sandboxes.members(network).isEmpty())
                {
                    LOG.log(System.Logger.Level.INFO, "overlay network " + network.name() + " was removed from the cluster");
                    setup.drop(network);
                    changed = true;
                }
                else
                {
                    LOG.log(System.Logger.Level.WARNING, "overlay network " + network.name() + " is gone from the cluster " +
                        "but this host still has containers on it");
                }
            }
        }
        for (final Network network : networks.all())
        {
            if (network.isOverlay() && domains.domainOf(network.id()) != null)
            {
                BestEffort.attempt("program overlay " + network.name(), () -> program(network));
                if (synced)
                {
                    dropStaleClaims(network);
                    registerMissing(network);
                }
            }
        }
        return changed;
    }

    /** Programs an overlay's remote endpoints and peers into the dataplane, and marks others' addresses taken. */
    private void program(final Network network)
    {
        final String self = cluster.self().ip();
        final Map<Long, List<Integer>> wanted = new HashMap<>();
        final Set<Integer> peers = new TreeSet<>();
        for (final RemoteEndpoint endpoint : cluster.endpoints(network.id()))
        {
            if (self.equals(endpoint.host()))
            {
                continue;
            }
            try
            {
                final int vtep = Ipv4Address.parse(endpoint.host());
                wanted.put(MacAddress.parse(endpoint.mac()), List.of(Ipv4Address.parse(endpoint.ip()), vtep));
                peers.add(vtep);
            }
            catch (final IllegalArgumentException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "ignoring endpoint " + endpoint.endpoint() + " of " + network.name() + ": " + ex.getMessage());
            }
        }
        domains.programRemote(network, wanted, peers);

        final Set<Integer> local = new HashSet<>();
        sandboxes.members(network).values().forEach(endpoint -> local.add(Ipv4Address.parse(endpoint.ipv4Address())));
        final Set<Integer> claimed = new HashSet<>();
        cluster.claims(network.id()).keySet().forEach(ip -> claimed.add(Ipv4Address.parse(ip)));
        addressing.followRemoteClaims(network.id(), claimed, local);
    }

    /** Deletes this host's claims on a network that none of its endpoints holds (a write whose answer was lost). */
    private void dropStaleClaims(final Network network)
    {
        final Set<String> held = new HashSet<>();
        sandboxes.members(network).values().forEach(endpoint -> held.add(endpoint.id()));
        cluster.claims(network.id()).forEach((ip, claim) ->
        {
            if (cluster.self().ip().equals(claim.host()) && !held.contains(claim.endpoint()))
            {
                LOG.log(System.Logger.Level.INFO, "deleting the stale claim of " + ip + " on " + network.name());
                BestEffort.attempt("delete the stale claim of " + ip, () -> cluster.dropStaleClaim(network.id(), ip, claim));
            }
        });
    }

    /** Registers again this host's endpoints on a network that the cluster lost (e.g. a delete applied after its answer was lost). */
    private void registerMissing(final Network network)
    {
        final Set<String> known = new HashSet<>();
        cluster.endpoints(network.id()).forEach(endpoint -> known.add(endpoint.endpoint()));
        for (final Sandbox sandbox : sandboxes.all())
        {
            if (!Sandbox.READY.equals(sandbox.state()))
            {
                continue;
            }
            for (final RemoteEndpoint endpoint : clusterEndpoints.shared(sandbox))
            {
                if (endpoint.network().equals(network.id()) && !known.contains(endpoint.endpoint()))
                {
                    LOG.log(System.Logger.Level.INFO, "registering " + sandbox.name() + " on " + network.name() + " again");
                    cluster.registerLater(endpoint);
                }
            }
        }
    }
}
