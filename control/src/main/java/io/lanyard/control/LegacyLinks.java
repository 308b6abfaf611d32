package io.lanyard.control;

import io.lanyard.control.Attachment;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Link;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.Port;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Docker's legacy links on the default bridge ({@code run --link NAME:ALIAS}): the linked
 * containers' lines in the linking container's {@code hosts}, and ICC opened between exactly the
 * linked pairs of ports when the default bridge has it off.
 */
final class LegacyLinks
{
    private final NetworkTable networks;
    private final SandboxTable sandboxes;
    private final SandboxWiring wiring;
    private final Dataplane dataplane;
    /** The pairs of default-bridge ports that links open through ICC, as programmed. */
    private Set<List<Port>> linkedPairs = new HashSet<>();

    LegacyLinks(final NetworkTable networks, final SandboxTable sandboxes, final SandboxWiring wiring, final Dataplane dataplane)
    {
        this.networks = networks;
        this.sandboxes = sandboxes;
        this.wiring = wiring;
        this.dataplane = dataplane;
    }

    static boolean isDefaultBridge(final Network network)
    {
        return network.isBridge() && network.isPredefined();
    }

    /** The sandbox's settled endpoint with an address on the default bridge, or null. */
    Endpoint defaultBridgeEndpoint(final Sandbox sandbox)
    {
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            final Network network = networks.byId(endpoint.networkId());
            if (network != null && isDefaultBridge(network) && endpoint.ipv4Address() != null && endpoint.isSettled())
            {
                return endpoint;
            }
        }
        return null;
    }

    /**
     * The {@code hosts} lines of the containers the sandbox links to, {address, names}: only
     * between two containers on the default bridge, and only while the linked one is there.
     */
    List<String[]> hostsEntries(final Sandbox sandbox)
    {
        final List<String[]> entries = new ArrayList<>();
        if (defaultBridgeEndpoint(sandbox) == null)
        {
            return entries;
        }
        for (final String spec : sandbox.links())
        {
            final Link link = Link.parse(spec);
            final Sandbox target = sandboxes.named(link.name()).orElse(null);
            final Endpoint endpoint = target == null ? null : defaultBridgeEndpoint(target);
            if (endpoint != null)
            {
                entries.add(new String[] {endpoint.ipv4Address(), link.alias().equals(target.name()) ?
                    target.name() + " " + target.shortId() : link.alias() + " " + target.shortId() + " " + target.name()});
            }
        }
        return entries;
    }

    /** The settled sandboxes that link to others: their {@code hosts} follow every container that comes or goes. */
    List<Sandbox> linking()
    {
        return sandboxes.all().stream().filter(s -> !s.links().isEmpty() && Sandbox.READY.equals(s.state())).toList();
    }

    /** Opens ICC between exactly the linked pairs of default-bridge ports, closing pairs gone. */
    void programPairs()
    {
        final Set<List<Port>> wanted = new HashSet<>();
        for (final Sandbox sandbox : sandboxes.all())
        {
            final Endpoint own = defaultBridgeEndpoint(sandbox);
            final Attachment from = own == null ? null : wiring.attachment(own.id());
            if (from == null)
            {
                continue;
            }
            for (final String spec : sandbox.links())
            {
                final Sandbox target = sandboxes.named(Link.parse(spec).name()).orElse(null);
                final Endpoint theirs = target == null ? null : defaultBridgeEndpoint(target);
                final Attachment to = theirs == null ? null : wiring.attachment(theirs.id());
                if (to != null && to.port() != from.port())
                {
                    wanted.add(List.of(from.port(), to.port()));
                }
            }
        }
        for (final List<Port> pair : linkedPairs)
        {
            if (!wanted.contains(pair))
            {
                BestEffort.attempt("close ICC between " + pair, () -> dataplane.ports().forbidIcc(pair.get(0), pair.get(1)));
            }
        }
        for (final List<Port> pair : wanted)
        {
            if (!linkedPairs.contains(pair))
            {
                BestEffort.attempt("open ICC between " + pair, () -> dataplane.ports().allowIcc(pair.get(0), pair.get(1)));
            }
        }
        linkedPairs = wanted;
    }
}
