package io.lanyard.control;

import io.lanyard.control.cluster.ClusterStoreException;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.overlay.ClusterRecords.RemoteEndpoint;
import io.lanyard.control.overlay.OverlayCluster;

import java.util.ArrayList;
import java.util.List;

/**
 * What this host tells the other hosts of its endpoints on overlay networks: each is registered
 * under this host's lease (with the names the others' embedded DNS answers for it), and
 * withdrawn, with its address claim, before anything here is taken down.
 */
final class ClusterEndpoints
{
    private final NetworkTable networks;
    private final ControlPlane.Routing routing;

    ClusterEndpoints(final NetworkTable networks, final ControlPlane.Routing routing)
    {
        this.networks = networks;
        this.routing = routing;
    }

    /** The sandbox's settled endpoints on overlay networks, as the other hosts are told of them (none outside a cluster). */
    List<RemoteEndpoint> shared(final Sandbox sandbox)
    {
        final List<RemoteEndpoint> shared = new ArrayList<>();
        if (routing.cluster() == null)
        {
            return shared;
        }
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            final Network network = networks.byId(endpoint.networkId());
            if (network != null && network.isOverlay() && endpoint.ipv4Address() != null && endpoint.isSettled())
            {
                shared.add(remote(network, sandbox, endpoint));
            }
        }
        return shared;
    }

    /** Tells the other hosts of an overlay endpoint, under this host's lease (nothing for other networks). */
    void register(final Sandbox sandbox, final Endpoint endpoint)
    {
        final Network network = networks.byId(endpoint.networkId());
        if (network.isOverlay() && endpoint.ipv4Address() != null)
        {
            routing.requireCluster("join an overlay network").register(remote(network, sandbox, endpoint));
        }
    }

    /** Registers a restored sandbox's overlay endpoints once the store answers. */
    void registerLater(final Sandbox sandbox)
    {
        final OverlayCluster cluster = routing.cluster();
        if (cluster != null)
        {
            shared(sandbox).forEach(cluster::registerLater);
        }
    }

    private RemoteEndpoint remote(final Network network, final Sandbox sandbox, final Endpoint endpoint)
    {
        return new RemoteEndpoint(network.id(), endpoint.id(), sandbox.name(), routing.cluster().self().ip(),
            endpoint.macAddress(), endpoint.ipv4Address(), remoteNames(sandbox, endpoint));
    }

    /** What the other hosts' embedded DNS answers for the endpoint besides its container name. */
    private static List<String> remoteNames(final Sandbox sandbox, final Endpoint endpoint)
    {
        final List<String> names = new ArrayList<>(endpoint.aliases());
        names.add(sandbox.shortId());
        return names;
    }

    /**
     * Takes an overlay endpoint out of the cluster (its registration and its address claim) before
     * anything is changed here, so a store that does not answer refuses the request whole.
     *
     * @param what the request, as {@code cannot <what> <sandbox>} reads.
     */
    void leave(final Sandbox sandbox, final Endpoint endpoint, final String what)
    {
        final Network network = networks.byId(endpoint.networkId());
        if (network == null || !network.isOverlay() || endpoint.ipv4Address() == null)
        {
            return;
        }
        final OverlayCluster cluster = routing.requireCluster(what + " " + sandbox.name());
        boolean withdrawn = false;
        try
        {
            cluster.withdraw(network.id(), endpoint.id());
            withdrawn = true;
            cluster.releaseAddress(network.id(), endpoint.ipv4Address(), endpoint.id());
        }
        catch (final ClusterStoreException ex)
        {
            if (withdrawn && endpoint.isSettled() && Sandbox.READY.equals(sandbox.state()))
            {
                BestEffort.attempt("register " + sandbox.name() + " again", () -> register(sandbox, endpoint));
            }
            throw RequestException.unavailable("cannot " + what + " " + sandbox.name() + ": " + ex.getMessage());
        }
    }
}
