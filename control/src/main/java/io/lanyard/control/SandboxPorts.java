package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.ports.PortBinding;
import io.lanyard.control.ports.PublishedPorts;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;

import java.util.List;

/**
 * A sandbox's published ports ({@code run -p}), led to its endpoint with the route out: bound
 * when it starts, bound again after a restart, moved when that endpoint leaves, released when
 * the sandbox goes.
 */
final class SandboxPorts
{
    /** Null for a daemon that does not publish. */
    private final PublishedPorts ports;
    private final NetworkTable networks;
    private final SandboxWiring wiring;
    private final SwitchDomains domains;

    SandboxPorts(final PublishedPorts ports, final NetworkTable networks, final SandboxWiring wiring, final SwitchDomains domains)
    {
        this.ports = ports;
        this.networks = networks;
        this.wiring = wiring;
        this.domains = domains;
    }

    /**
     * Publishes the checked bindings of a sandbox on the network of its route out (its gateway
     * endpoint's for a sandbox on overlays), whose {@code host_binding_ipv4} they take.
     *
     * @return the bindings as bound (host ports chosen), none for none asked.
     */
    List<PortBinding> publish(final Sandbox sandbox, final List<PortBinding> bindings)
    {
        if (bindings.isEmpty())
        {
            return List.of();
        }
        final Endpoint via = routeOut(sandbox);
        if (via == null)
        {
            throw new IllegalStateException(sandbox.name() + " has no network with a route out");
        }
        return ports.publish(sandbox.id(), bindings, target(via),
            networks.byId(via.networkId()).options().get(Network.OPTION_HOST_BINDING_IPV4));
    }

    /** Publishes a restored sandbox's ports again, on the host ports they had. */
    void restore(final Sandbox sandbox)
    {
        if (!sandbox.ports().isEmpty() && ports != null)
        {
            final Endpoint via = routeOut(sandbox);
            if (via != null)
            {
                ports.restore(sandbox.id(), sandbox.ports(), target(via));
            }
        }
    }

    /**
     * Leads the ports to the endpoint that carries the route out now, after the one that did
     * left: published ports follow the route out, as Docker's follow the endpoint with the
     * gateway. The sandbox keeps its bindings even while no endpoint can carry them.
     */
    void follow(final Sandbox sandbox)
    {
        if (!sandbox.ports().isEmpty() && ports != null)
        {
            ports.release(sandbox.id());
            final Endpoint via = routeOut(sandbox);
            if (via != null)
            {
                ports.restore(sandbox.id(), sandbox.ports(), target(via));
            }
        }
    }

    /** Stops publishing a sandbox's ports, at best: the sandbox is going. */
    void release(final Sandbox sandbox)
    {
        if (ports != null)
        {
            BestEffort.attempt("unpublish the ports of " + sandbox.name(), () -> ports.release(sandbox.id()));
        }
    }

    /** The endpoint a sandbox's published ports lead to, or null. */
    String via(final Sandbox sandbox)
    {
        return sandbox.ports().isEmpty() ? null : wiring.defaultRouteFor(sandbox);
    }

    /** The sandbox's endpoint with the route out, where its published ports lead, or null when it has none. */
    private Endpoint routeOut(final Sandbox sandbox)
    {
        final String via = wiring.defaultRouteFor(sandbox);
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            if (endpoint.id().equals(via) && endpoint.ipv4Address() != null)
            {
                return endpoint;
            }
        }
        return null;
    }

    private PublishedPorts.Target target(final Endpoint endpoint)
    {
        return new PublishedPorts.Target(domains.domainOf(endpoint.networkId()), Ipv4Address.parse(endpoint.ipv4Address()),
            MacAddress.parse(endpoint.macAddress()));
    }
}
