package io.lanyard.control;

import io.lanyard.control.dns.DnsScope;
import io.lanyard.control.dns.EmbeddedDns;
import io.lanyard.control.dns.NameTable;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.Link;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.overlay.ClusterRecords.RemoteEndpoint;
import io.lanyard.control.overlay.OverlayCluster;
import io.lanyard.control.sandbox.EtcFiles;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.tap.IpRoute2;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The names a sandbox sees and is seen by: its {@code /etc/netns} {@code hosts} and
 * {@code resolv.conf}, what its embedded DNS resolves through (its scope), and the table of
 * every name the embedded DNS answers. An attached namespace ({@link Sandbox#isExternal}) gets
 * the embedded DNS, not the files: those are its runtime's.
 */
final class SandboxNames
{
    private static final System.Logger LOG = System.getLogger(SandboxNames.class.getName());

    private final NetworkTable networks;
    private final SandboxTable sandboxes;
    private final GuestPorts guests;
    private final LegacyLinks links;
    private final EtcFiles etcFiles;
    /** Null for a control plane that answers no names (tests of other parts). */
    private final EmbeddedDns dns;
    /** Null outside a cluster. */
    private final OverlayCluster cluster;
    /** Sandbox ID (VM port, other hosts' names on an overlay: prefixed) → the record the DNS's names were made from, and them. */
    private final Map<String, Published> published = new HashMap<>();
    /** The networks {@link #published} was computed with. */
    private List<Network> publishedNetworks = List.of();

    private static final String GUEST = "port:";
    private static final String REMOTE = "remote:";

    private record Published(Object source, List<NameTable.Binding> bindings)
    {
    }

    SandboxNames(final NetworkTable networks, final SandboxTable sandboxes, final GuestPorts guests, final LegacyLinks links,
        final EtcFiles etcFiles, final EmbeddedDns dns, final OverlayCluster cluster)
    {
        this.networks = networks;
        this.sandboxes = sandboxes;
        this.guests = guests;
        this.links = links;
        this.etcFiles = etcFiles;
        this.dns = dns;
        this.cluster = cluster;
    }

    /**
     * Writes the sandbox's {@code hosts} (its own addresses, then the containers it links to on
     * the default bridge) and {@code resolv.conf}, and starts or stops its embedded DNS: a
     * sandbox on a user-defined network resolves through 127.0.0.11; one that is not gets the
     * host's resolvers (or its own {@code --dns}).
     */
    void write(final Sandbox sandbox)
    {
        // a runtime that moves its interfaces itself serves its containers' names (Docker's own 127.0.0.11)
        if (sandbox.netns() == null || sandbox.isHandedOver())
        {
            return;
        }
        final List<String[]> entries = new ArrayList<>();
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            final Network network = networks.byId(endpoint.networkId());
            if (endpoint.ipv4Address() != null && endpoint.isSettled() && (network == null || !network.isGatewayBridge()))
            {
                entries.add(new String[] {endpoint.ipv4Address(), sandbox.shortId()});
            }
        }
        entries.addAll(links.hostsEntries(sandbox));
        final DnsScope scope = scope(sandbox);
        final String resolvConf;
        if (scope != null)
        {
            try
            {
                dns.serve(sandbox.id(), IpRoute2.netnsPath(sandbox.netns()), scope);
            }
            catch (final RuntimeException ex)
            {
                // e.g. a process of the container's holds port 53 when the daemon comes back: the
                // container keeps its network, its names only fail to resolve, as the log says
                LOG.log(System.Logger.Level.WARNING, "sandbox " + sandbox.name() + " has no embedded DNS: " + ex.getMessage());
            }
            resolvConf = etcFiles.embeddedResolvConf(EmbeddedDns.ADDRESS,
                scope.upstreams().stream().map(u -> u.getAddress().getHostAddress()).toList());
        }
        else
        {
            if (dns != null)
            {
                dns.stop(sandbox.id());
            }
            resolvConf = etcFiles.resolvConf(sandbox.dns());
        }
        if (sandbox.isExternal())
        {
            return; // its runtime writes its files (a CNI result carries the DNS server to use)
        }
        etcFiles.write(sandbox.netns(), EtcFiles.hosts(entries), resolvConf);
    }

    /** Stops the sandbox's embedded DNS and removes its files, at best: the sandbox is going. */
    void forget(final Sandbox sandbox)
    {
        if (dns != null)
        {
            // its sockets would keep the namespace alive, unseen, after its name is deleted
            BestEffort.attempt("stop the DNS of " + sandbox.name(), () -> dns.stop(sandbox.id()));
        }
        if (sandbox.netns() != null && !sandbox.isExternal())
        {
            BestEffort.attempt("remove /etc/netns/" + sandbox.netns(), () -> etcFiles.remove(sandbox.netns()));
        }
    }

    /** Rewrites the files of every sandbox that links to others, after any container came or went. */
    void rewriteLinking()
    {
        for (final Sandbox sandbox : links.linking())
        {
            BestEffort.attempt("rewrite /etc files of " + sandbox.name(), () -> write(sandbox));
        }
    }

    /**
     * Networks whose containers resolve each other by name: the user-defined ones (Docker's rule),
     * but for the gateway bridge, whose endpoints are only a way out.
     */
    private static boolean hasEmbeddedDns(final Network network)
    {
        return network.isAddressed() && !network.isPredefined() && !network.isGatewayBridge();
    }

    /** What the sandbox resolves through the embedded DNS, or null when none of its networks has it. */
    DnsScope scope(final Sandbox sandbox)
    {
        if (dns == null || sandbox.netns() == null)
        {
            return null;
        }
        final Set<String> networkIds = new HashSet<>();
        boolean externalAccess = false;
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            final Network network = networks.byId(endpoint.networkId());
            if (network == null || !endpoint.hasInterface())
            {
                continue;
            }
            if (hasEmbeddedDns(network))
            {
                networkIds.add(network.id());
            }
            externalAccess |= network.isBridge() && !network.internal();
        }
        if (networkIds.isEmpty())
        {
            return null;
        }
        final Map<String, String> aliases = new HashMap<>();
        for (final String spec : sandbox.links())
        {
            final Link link = Link.parse(spec);
            aliases.put(link.alias(), link.name());
        }
        final List<InetSocketAddress> upstreams = new ArrayList<>();
        for (final String server : sandbox.dns().isEmpty() ? etcFiles.hostNameservers() : sandbox.dns())
        {
            if (EmbeddedDns.ADDRESS.equals(server))
            {
                // itself: the forwarder would skip it anyway, and resolv.conf's note would mislead
                continue;
            }
            try
            {
                upstreams.add(new InetSocketAddress(Ipv4Address.format(Ipv4Address.parse(server)), EmbeddedDns.PORT));
            }
            catch (final IllegalArgumentException ex)
            {
                // an IPv6 resolver of the host: the embedded DNS forwards over IPv4 only
            }
        }
        return new DnsScope(networkIds, aliases, upstreams, externalAccess);
    }

    /**
     * Tells the embedded DNS every name it answers: this host's containers on user-defined
     * networks and, on overlays, the other hosts' (from the cluster's mirror). Called after every
     * change of the model, so a container that leaves a network stops resolving there at once.
     *
     * <p>Only what changed is computed and told: a sandbox or VM port whose record is the same
     * object as at the last refresh (the model's records are immutable) keeps its names, unless
     * the networks changed, which recomputes them all. At 1,000 containers the whole table took
     * about a millisecond to rebuild, twice per request.
     */
    void refresh()
    {
        if (dns == null)
        {
            return;
        }
        final List<Network> now = networks.all();
        final boolean networksChanged = !sameObjects(now, publishedNetworks);
        if (networksChanged)
        {
            published.clear(); // every name is made again, and the table told exactly those below
            publishedNetworks = now;
        }
        final Set<String> seen = new HashSet<>();
        for (final Sandbox sandbox : sandboxes.all())
        {
            seen.add(sandbox.id());
            publish(sandbox.id(), sandbox, () ->
            {
                final List<NameTable.Binding> bindings = new ArrayList<>();
                if (!Sandbox.REMOVING.equals(sandbox.state()))
                {
                    for (final Endpoint endpoint : sandbox.endpoints())
                    {
                        bind(endpoint, List.of(sandbox.name()), sandbox.shortId(), bindings);
                    }
                }
                return bindings;
            });
        }
        for (final GuestPort port : guests.all())
        {
            seen.add(GUEST + port.id());
            publish(GUEST + port.id(), port, () ->
            {
                final List<NameTable.Binding> bindings = new ArrayList<>();
                if (!Sandbox.REMOVING.equals(port.state()))
                {
                    bind(port.endpoint(), List.of(port.name()), null, bindings);
                }
                return bindings;
            });
        }
        if (cluster != null)
        {
            for (final Network network : now)
            {
                if (network.isOverlay())
                {
                    seen.add(REMOTE + network.id());
                    // the cluster's mirror is no immutable record: its names are made again each time
                    publish(REMOTE + network.id(), new Object(), () ->
                    {
                        final List<NameTable.Binding> bindings = new ArrayList<>();
                        remoteBindings(network, bindings);
                        return bindings;
                    });
                }
            }
        }
        if (networksChanged)
        {
            final List<NameTable.Binding> all = new ArrayList<>();
            published.values().forEach(p -> all.addAll(p.bindings()));
            dns.names().replaceAll(all);
        }
        else if (published.size() > seen.size()) // it holds every key seen, so these are the ones gone
        {
            for (final String gone : List.copyOf(published.keySet()))
            {
                if (!seen.contains(gone))
                {
                    published.remove(gone).bindings().forEach(b -> dns.names().remove(b.networkId(), b.endpointId()));
                }
            }
        }
    }

    /** Tells the DNS the names of {@code source} if it is not what they were made from last time. */
    private void publish(final String key, final Object source, final java.util.function.Supplier<List<NameTable.Binding>> bindings)
    {
        final Published before = published.get(key);
        if (before != null && before.source() == source)
        {
            return;
        }
        final List<NameTable.Binding> now = bindings.get();
        final NameTable table = dns.names();
        if (before != null)
        {
            for (final NameTable.Binding old : before.bindings())
            {
                if (now.stream().noneMatch(b -> b.networkId().equals(old.networkId()) && b.endpointId().equals(old.endpointId())))
                {
                    table.remove(old.networkId(), old.endpointId());
                }
            }
        }
        now.forEach(table::put);
        published.put(key, new Published(source, now));
    }

    private static boolean sameObjects(final List<Network> a, final List<Network> b)
    {
        if (a.size() != b.size())
        {
            return false;
        }
        for (int i = 0; i < a.size(); i++)
        {
            if (a.get(i) != b.get(i))
            {
                return false;
            }
        }
        return true;
    }

    /** The endpoint's names ({@code owner}'s, its aliases, then {@code shortId} if not null) on a network with embedded DNS. */
    private void bind(final Endpoint endpoint, final List<String> owner, final String shortId, final List<NameTable.Binding> bindings)
    {
        final Network network = networks.byId(endpoint.networkId());
        if (network != null && hasEmbeddedDns(network) && endpoint.ipv4Address() != null && endpoint.isSettled())
        {
            final List<String> names = new ArrayList<>(owner);
            names.addAll(endpoint.aliases());
            if (shortId != null)
            {
                names.add(shortId);
            }
            bindings.add(new NameTable.Binding(network.id(), network.name(), endpoint.id(), Ipv4Address.parse(endpoint.ipv4Address()),
                names));
        }
    }

    /** The other hosts' containers on an overlay, as its mirror holds them. */
    private void remoteBindings(final Network network, final List<NameTable.Binding> bindings)
    {
        for (final RemoteEndpoint remote : cluster.endpoints(network.id()))
        {
            if (cluster.self().ip().equals(remote.host()) || remote.sandbox() == null)
            {
                continue;
            }
            try
            {
                final List<String> names = new ArrayList<>();
                names.add(remote.sandbox());
                names.addAll(remote.names());
                bindings.add(new NameTable.Binding(network.id(), network.name(), remote.endpoint(),
                    Ipv4Address.parse(remote.ip()), names));
            }
            catch (final IllegalArgumentException ex)
            {
                // a record another host wrote wrongly; the overlay's reconciliation logs it
            }
        }
    }
}
