package io.lanyard.control;

import io.lanyard.client.api.AttachRequest;
import io.lanyard.client.api.ConnectRequest;
import io.lanyard.client.api.PortCreateRequest;
import io.lanyard.client.api.RunRequest;
import io.lanyard.control.cluster.ClusterStoreException;
import io.lanyard.control.dns.EmbeddedDns;
import io.lanyard.control.events.EventLog;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import io.lanyard.control.overlay.ClusterRecords.Host;
import io.lanyard.control.overlay.OverlayCluster;
import io.lanyard.control.ports.PortBinding;
import io.lanyard.control.ports.PublishedPorts;
import io.lanyard.control.remote.PluginDiscovery;
import io.lanyard.control.remote.RemoteDrivers;
import io.lanyard.control.routing.HostInterfaces;
import io.lanyard.control.routing.Uplink;
import io.lanyard.control.sandbox.EtcFiles;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.control.sandbox.SandboxProcesses;
import io.lanyard.control.store.StateStore;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The daemon's model of networks and sandboxes, and the only way in to change it: the script of
 * each request, whose steps are done by collaborators that each have one job (and own the state
 * of that job) — {@link RequestChecks}, {@link EndpointAddressing}, {@link SwitchDomains},
 * {@link SandboxWiring}, {@link SandboxNames}, {@link LegacyLinks}, {@link SandboxPorts},
 * {@link ClusterNetworks}, {@link ClusterEndpoints}, {@link OverlayReconciliation},
 * {@link StartupRecovery}, {@link GatewayBridge} for the way out of sandboxes on overlays,
 * {@link RemoteEndpoints} for remote driver plugins, and for VM
 * monitors' TAPs {@link GuestPortChecks} and {@link GuestPorts} (which also holds their two short
 * scripts, create and remove, run under this lock); {@link SandboxCommandControl} has the scripts
 * of a sandbox's command (logs, stop), which run outside it.
 *
 * <p>Every public method is synchronized, and this lock is the only one the model has: requests
 * (and the cluster's and commands' callbacks) are applied one at a time, each either whole or not
 * at all. A change that touches the system is bracketed by state writes: the sandbox (or
 * endpoint) is stored as {@code creating}/{@code connecting} (or {@code removing}/
 * {@code disconnecting}) before the first namespace or device is made (or removed), and as
 * settled (or dropped) after the last. If the daemon dies in between, {@link #restore} finds the
 * marker and undoes (or finishes) the work. If a step fails while the daemon lives, everything
 * done so far is undone before the error is returned, so a rejected request leaves no interface,
 * no address and no inspect entry behind.
 *
 * <p>It stays one file of about 800 lines because it is the script of every request under one
 * lock: each method is the ordered steps and the rollback of one request, and the steps
 * themselves live in the collaborators (a new request adds its script here and its work there:
 * {@code repair} is a few lines over {@link SandboxWiring#repair}, endpoint options are checked by
 * {@link RequestChecks}). What would leave it next is a request's script that needs nothing but
 * one collaborator, as VM ports' did ({@link GuestPorts}).
 */
public final class ControlPlane implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(ControlPlane.class.getName());
    /** Outer IPv4, UDP and VXLAN headers and the inner Ethernet header. */
    public static final int OVERLAY_OVERHEAD = 50;

    private final DaemonSettings settings;
    private final StateStore store;
    private final Dataplane dataplane;
    private final SandboxProcesses processes;
    private final Routing routing;
    /** The embedded DNS; null for a control plane that answers no names (tests of other parts). */
    private final EmbeddedDns dns;

    private final NetworkTable networks = new NetworkTable();
    private final SandboxTable sandboxes = new SandboxTable();
    private final SandboxCommandControl commands;
    private final RequestChecks checks;
    private final EndpointAddressing addressing;
    private final SwitchDomains domains;
    private final NetworkSetup setup;
    private final SandboxWiring wiring;
    private final GatewayBridge gateways;
    private final SandboxNames names;
    private final LegacyLinks links;
    private final SandboxPorts ports;
    private final ClusterNetworks clusterNetworks;
    private final ClusterEndpoints clusterEndpoints;
    private final OverlayReconciliation overlays;
    private final StartupRecovery recovery;
    private final GuestPorts guests;
    private final GuestPortChecks guestChecks;
    private final RemoteEndpoints remote;
    private final EventLog events = new EventLog();
    private boolean closed;

    /**
     * What joins the networks to the host, the outside and the other hosts: the host-side ports,
     * the uplink (null without {@code --uplink}), the published ports and the cluster (null
     * without {@code --store}). {@link #NONE} for a control plane that only switches (tests that
     * must not create devices in their own namespace).
     */
    public record Routing(HostInterfaces hosts, Uplink uplink, PublishedPorts ports, OverlayCluster cluster)
    {
        public static final Routing NONE = new Routing(null, null, null, null);

        /** Routing for a single host, outside any cluster. */
        public Routing(final HostInterfaces hosts, final Uplink uplink, final PublishedPorts ports)
        {
            this(hosts, uplink, ports, null);
        }

        /** The cluster, for a request that cannot be done outside one. */
        OverlayCluster requireCluster(final String what)
        {
            if (cluster == null)
            {
                throw RequestException.badRequest("cannot " + what + ": this daemon is not in a cluster (start lanyardd with " +
                    "--store etcd://HOST:PORT --advertise-addr IP)");
            }
            return cluster;
        }
    }

    public ControlPlane(final DaemonSettings settings, final StateStore store, final Dataplane dataplane, final SandboxPlumbing plumbing,
        final EtcFiles etcFiles, final SandboxProcesses processes)
    {
        this(settings, store, dataplane, plumbing, etcFiles, processes, Routing.NONE);
    }

    public ControlPlane(final DaemonSettings settings, final StateStore store, final Dataplane dataplane, final SandboxPlumbing plumbing,
        final EtcFiles etcFiles, final SandboxProcesses processes, final Routing routing)
    {
        this(settings, store, dataplane, plumbing, etcFiles, processes, routing, null);
    }

    public ControlPlane(final DaemonSettings settings, final StateStore store, final Dataplane dataplane, final SandboxPlumbing plumbing,
        final EtcFiles etcFiles, final SandboxProcesses processes, final Routing routing, final EmbeddedDns dns)
    {
        this.dns = dns;
        this.routing = routing;
        this.settings = settings;
        this.store = store;
        this.dataplane = dataplane;
        this.processes = processes;
        this.commands = new SandboxCommandControl(this::sandbox, processes, events);
        this.addressing = new EndpointAddressing(networks, routing);
        this.domains = new SwitchDomains(dataplane, routing);
        this.setup = new NetworkSetup(networks, addressing, domains);
        this.remote = new RemoteEndpoints(networks, plumbing, new RemoteDrivers(new PluginDiscovery(settings.pluginDirectories())),
            name -> plumbing.isTunTapHere(name) || routing.uplink() != null && routing.uplink().settings().device().equals(name));
        this.wiring = new SandboxWiring(networks, domains, plumbing, dataplane, routing, remote);
        this.gateways = new GatewayBridge(networks, setup, addressing, wiring, settings.addressSpace());
        this.links = new LegacyLinks(networks, sandboxes, wiring, dataplane);
        this.guests = new GuestPorts(networks, domains, dataplane, addressing);
        this.guestChecks = new GuestPortChecks(networks, sandboxes, guests);
        this.names = new SandboxNames(networks, sandboxes, guests, links, etcFiles, dns, routing.cluster());
        this.ports = new SandboxPorts(routing.ports(), networks, wiring, domains);
        this.checks = new RequestChecks(settings, networks, sandboxes, links, plumbing, processes, routing);
        this.clusterNetworks = new ClusterNetworks(routing);
        this.clusterEndpoints = new ClusterEndpoints(networks, routing);
        this.overlays = new OverlayReconciliation(routing.cluster(), networks, sandboxes, setup, domains, addressing, clusterEndpoints);
        this.recovery = new StartupRecovery(settings, networks, sandboxes, setup, wiring, addressing);
    }

    // ------------------------------------------------------------------------------------------
    // start-up
    // ------------------------------------------------------------------------------------------

    /**
     * Loads the stored state (made once with the predefined networks), finishes or undoes what a
     * previous daemon left half-done, and brings every sandbox's interfaces back onto the switch.
     */
    public synchronized void restore(final State state)
    {
        recovery.restoreNetworks(state.networks(), state.sandboxes());
        recovery.load(state.sandboxes());
        for (final Sandbox stored : sandboxes.all())
        {
            if (recovery.isHalfDone(stored) || wiring.isGone(stored))
            {
                discard(stored);
                continue;
            }
            final Sandbox sandbox = gateways.restore(recovery.settleEndpoints(stored));
            sandboxes.put(sandbox);
            try
            {
                wiring.wire(sandbox, true);
                names.write(sandbox);
                clusterEndpoints.registerLater(sandbox);
                ports.restore(sandbox);
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.ERROR, "cannot restore sandbox " + sandbox.name() + ": " + ex.getMessage());
            }
        }
        guests.restore(state.ports());
        // every start begins with a snapshot of what it settled and an empty journal
        store.compact(current());
        names.refresh();
        linksChanged();
        if (routing.cluster() != null)
        {
            routing.cluster().listen(this::clusterChanged);
        }
    }

    // ------------------------------------------------------------------------------------------
    // networks
    // ------------------------------------------------------------------------------------------

    public synchronized List<Network> networks()
    {
        return networks.all();
    }

    /** Finds a network Docker's way: exact ID, then exact name, then a unique ID prefix. */
    public synchronized Network network(final String reference)
    {
        return networks.resolve(reference);
    }

    /** The sandboxes attached to a network, with their endpoint on it. */
    public synchronized Map<Sandbox, Endpoint> members(final Network network)
    {
        return sandboxes.members(network);
    }

    /**
     * The pool a new bridge network would get, without making it: {@code subnet} (with {@code range}),
     * checked, or the first free default pool. A runtime's IPAM asks for it ahead of its network.
     *
     * @param alsoTaken subnets the caller has promised elsewhere, as taken as the networks' own.
     */
    public synchronized IpamPool planPool(final String subnet, final String range, final List<String> alsoTaken)
    {
        final List<Ipv4Cidr> inUse = new ArrayList<>(networks.subnetsInUse());
        alsoTaken.forEach(taken -> inUse.add(Ipv4Cidr.parse(taken)));
        final List<IpamPool> requested = subnet == null ? List.of() : List.of(new IpamPool(subnet, null, range, Map.of()));
        return IpamPlanner.plan(requested, inUse, settings.addressSpace()).get(0);
    }

    /** Creates a user-defined network; every check happens before anything changes. */
    public synchronized Network createNetwork(final NetworkCreate request)
    {
        final String driver = checks.createNetwork(request);
        if (Network.DRIVER_OVERLAY.equals(driver))
        {
            return createOverlay(request);
        }
        // a remote driver's options are its plugin's to read
        final Map<String, String> options = Network.DRIVER_BRIDGE.equals(driver) ? checks.bridgeOptions(request) : request.options();
        final List<IpamPool> ipam = IpamPlanner.plan(request.ipam(), networks.subnetsInUse(), settings.addressSpace());
        final Network network = new Network(Identifiers.newId(), request.name(), driver, Network.SCOPE_LOCAL,
            Instant.now(), request.internal(), request.attachable(), ipam, options, request.labels());
        try
        {
            setup.add(network);
            remote.createNetwork(network);
        }
        catch (final RuntimeException ex)
        {
            setup.drop(network);
            throw ex instanceof RequestException ? ex :
                RequestException.internal("cannot create network " + request.name() + ": " + ex.getMessage());
        }
        try
        {
            save();
        }
        catch (final RuntimeException ex)
        {
            setup.drop(network);
            BestEffort.attempt("delete network " + network.name() + " in its plugin", () -> remote.deleteNetwork(network));
            throw RequestException.internal("cannot create network " + request.name() + ": " + ex.getMessage());
        }
        events.network("create", network, null);
        return network;
    }

    /** Creates an overlay network in the cluster, then here. */
    private Network createOverlay(final NetworkCreate request)
    {
        final Network network = clusterNetworks.create(request, networks.localSubnets());
        if (!networks.contains(network.id()))
        {
            setup.addFromCluster(network);
        }
        save();
        events.network("create", network, null);
        return network;
    }

    /** Removes a user-defined network that no sandbox is attached to (for an overlay, on any host). */
    public synchronized void removeNetwork(final String reference)
    {
        final Network network = checks.removeNetwork(reference);
        guestChecks.removeNetwork(network);
        if (network.isOverlay())
        {
            clusterNetworks.remove(network);
        }
        remote.deleteNetwork(network);
        setup.drop(network);
        save();
        events.network("destroy", network, null);
    }

    // ------------------------------------------------------------------------------------------
    // sandboxes
    // ------------------------------------------------------------------------------------------

    public synchronized List<Sandbox> sandboxes()
    {
        return sandboxes.all();
    }

    /** Finds a sandbox by exact ID, exact name, or unique ID prefix. */
    public synchronized Sandbox sandbox(final String reference)
    {
        return sandboxes.resolve(reference);
    }

    /** A sandbox's command for {@code lanyard logs} and {@code stop}, outside this lock. */
    public SandboxCommandControl commands()
    {
        return commands;
    }

    public synchronized boolean isRunning(final Sandbox sandbox)
    {
        return processes.isAlive(sandbox.pid(), sandbox.pidStartMillis());
    }

    /** The interfaces of the sandbox that are not on the switch (see {@link SandboxWiring#brokenEndpoints}). */
    public synchronized List<String> brokenInterfaces(final Sandbox sandbox)
    {
        return SandboxWiring.names(wiring.brokenEndpoints(sandbox));
    }

    /**
     * Brings a sandbox's broken interfaces back without a restart ({@link SandboxWiring#repair});
     * its links and ICC pairs follow.
     *
     * @return the interfaces made again; none for a sandbox with nothing broken.
     */
    public synchronized List<String> repair(final String reference)
    {
        final List<String> repaired = wiring.repair(sandboxes.resolve(reference));
        if (!repaired.isEmpty())
        {
            linksChanged();
        }
        return repaired;
    }

    /** Creates a sandbox on one network and, with {@code detach}, starts its command in the background. */
    public synchronized Sandbox run(final RunRequest request)
    {
        return create(checks.run(request), request.name(), "eth0", false, request.aliases(), request.command(), request.driverOpts(),
            request.detach() && !request.command().isEmpty());
    }

    /**
     * Makes a sandbox with one endpoint, its names, its published ports and, with {@code start},
     * its command running; all of it or nothing: it is stored ready only with its command's PID.
     */
    private Sandbox create(final RequestChecks.Run checked, final String name, final String interfaceName, final boolean handOver,
        final List<String> aliases, final List<String> command, final Map<String, String> options, final boolean start)
    {
        final Endpoint made = addressing.newEndpoint(checked.network(), interfaceName, checked.staticAddress(), aliases, name)
            .withOptions(options);
        final Endpoint endpoint = handOver ? made.handedOver() : made;
        final Sandbox bare = new Sandbox(Identifiers.newId(), name, checked.netns(), Instant.now(), Sandbox.CREATING,
            command, null, null, null, List.of(endpoint), List.of(), checked.dns(), checked.links());
        final GatewayBridge.Change gateway = planGateway(bare, bare.endpoints(), endpoint);
        Sandbox sandbox = bare.withEndpoints(gateway.settled(bare.endpoints()));
        sandboxes.put(sandbox);
        try
        {
            save();
            wiring.wire(sandbox, false);
            sandbox = remote.settle(sandbox);
            names.write(sandbox);
            clusterEndpoints.register(sandbox, endpoint);
        }
        catch (final Exception ex) // also what a library rethrows undeclared: a half-made sandbox never stays
        {
            abandon(sandbox);
            final String message = "cannot create sandbox " + name + ": " + ex.getMessage();
            throw ex instanceof ClusterStoreException ? RequestException.unavailable(message) : RequestException.internal(message);
        }
        sandbox = sandbox.withState(Sandbox.READY);
        try
        {
            sandbox = sandbox.withPorts(ports.publish(sandbox, checked.publish()));
        }
        catch (final RuntimeException ex)
        {
            abandon(sandbox);
            throw ex instanceof RequestException ? ex :
                RequestException.internal("cannot publish ports of " + name + ": " + ex.getMessage());
        }
        linksChanged(); // before the command runs: its links answer from its first packet
        sandbox = start ? startCommand(sandbox) : sandbox;
        sandboxes.put(sandbox);
        save();
        events.sandbox("create", sandbox.id(), sandbox.name());
        events.network("connect", checked.network(), sandbox.id());
        return sandbox;
    }

    /** Removes a sandbox: its command (with {@code force}), namespace, interfaces and addresses. */
    public synchronized void remove(final String reference, final boolean force)
    {
        final Sandbox found = checks.remove(reference, force);
        for (final Endpoint endpoint : found.endpoints())
        {
            clusterEndpoints.leave(found, endpoint, "remove");
        }
        final Sandbox sandbox = found.withState(Sandbox.REMOVING);
        sandboxes.put(sandbox);
        save();
        processes.kill(sandbox.pid(), sandbox.pidStartMillis());
        ports.release(sandbox);
        discard(sandbox);
        save();
        linksChanged();
        found.endpoints().stream().filter(endpoint -> !gateways.isGateway(endpoint))
            .forEach(endpoint -> events.network("disconnect", networks.byId(endpoint.networkId()), found.id()));
        events.sandbox("destroy", found.id(), found.name());
    }

    /** Gives a sandbox an interface on one more network ({@code POST /networks/{id}/connect}). */
    public synchronized Sandbox connect(final String networkReference, final ConnectRequest request)
    {
        final RequestChecks.Connect checked = checks.connect(networkReference, request.container(), request.ipv4Address(),
            request.aliases(), request.driverOpts());
        return addEndpoint(checked, SandboxWiring.nextInterfaceName(checked.sandbox()), false, request.aliases(), request.driverOpts());
    }

    /**
     * Gives a sandbox an interface on one more network, and takes or gives it its gateway endpoint
     * as that network calls for ({@link GatewayBridge}); all of it or nothing.
     */
    private Sandbox addEndpoint(final RequestChecks.Connect checked, final String interfaceName, final boolean handOver,
        final List<String> aliases, final Map<String, String> options)
    {
        final Sandbox before = checked.sandbox();
        final Endpoint made = addressing.newEndpoint(checked.network(), interfaceName, checked.staticAddress(), aliases,
            before.name()).withOptions(options);
        final Endpoint endpoint = handOver ? made.handedOver() : made;
        final List<Endpoint> endpoints = new ArrayList<>(before.endpoints());
        endpoints.add(endpoint.withState(Endpoint.CONNECTING));
        final GatewayBridge.Change gateway = planGateway(before, endpoints, endpoint);
        final String hadDefaultRoute = wiring.defaultRouteFor(before);
        Sandbox sandbox = before.withEndpoints(gateway.marked(endpoints));
        sandboxes.put(sandbox);
        try
        {
            save();
            gateways.takeAway(before, gateway); // first: the new endpoint takes its default route
            wiring.connect(sandbox, endpoint);
            gateways.give(sandbox, gateway);
            clusterEndpoints.register(sandbox, endpoint);
            endpoints.set(endpoints.size() - 1, remote.settle(endpoint));
            sandbox = sandbox.withEndpoints(gateway.settled(endpoints));
            sandboxes.put(sandbox);
            gateways.commit(gateway);
            names.write(sandbox);
            if (!Objects.equals(hadDefaultRoute, wiring.defaultRouteFor(sandbox)))
            {
                ports.follow(sandbox);
            }
            save();
            linksChanged();
            events.network("connect", checked.network(), sandbox.id());
            return sandbox;
        }
        catch (final Exception ex) // as in create
        {
            wiring.detach(before, endpoint);
            addressing.release(endpoint);
            if (gateways.undo(before, gateway))
            {
                BestEffort.attempt("lead the ports of " + before.name() + " back", () -> ports.follow(before));
            }
            sandboxes.put(before);
            BestEffort.attempt("restore /etc files of " + before.name(), () -> names.write(before));
            save();
            final String message = "cannot connect " + before.name() + " to " + checked.network().name() + ": " + ex.getMessage();
            throw ex instanceof ClusterStoreException ? RequestException.unavailable(message) : RequestException.internal(message);
        }
    }

    /** The change of the sandbox's gateway endpoint that its new endpoints call for; a refusal first frees {@code made}'s address. */
    private GatewayBridge.Change planGateway(final Sandbox sandbox, final List<Endpoint> endpoints, final Endpoint made)
    {
        try
        {
            return gateways.plan(sandbox, endpoints);
        }
        catch (final RuntimeException ex)
        {
            addressing.release(made);
            throw ex;
        }
    }

    /** Takes a sandbox's interface off a network and frees its address. */
    public synchronized Sandbox disconnect(final String networkReference, final String sandboxReference)
    {
        final RequestChecks.Disconnect checked = checks.disconnect(networkReference, sandboxReference);
        final Sandbox before = checked.sandbox();
        final Endpoint endpoint = checked.endpoint();
        clusterEndpoints.leave(before, endpoint, "disconnect");
        final String hadDefaultRoute = wiring.defaultRouteFor(before);
        final List<Endpoint> marked = new ArrayList<>(before.endpoints());
        marked.set(marked.indexOf(endpoint), endpoint.withState(Endpoint.DISCONNECTING));
        final GatewayBridge.Change gateway = gateways.planAtBest(before, marked);
        sandboxes.put(before.withEndpoints(gateway.marked(marked)));
        save();

        wiring.detach(before, endpoint);
        addressing.release(endpoint);
        gateways.takeAway(before, gateway);
        gateways.commit(gateway);
        final List<Endpoint> remaining = new ArrayList<>(before.endpoints());
        remaining.remove(endpoint);
        final Sandbox sandbox = gateways.connectAtBest(before.withEndpoints(gateway.settled(remaining)), gateway);
        sandboxes.put(sandbox);
        BestEffort.attempt("rewrite /etc files of " + sandbox.name(), () -> names.write(sandbox));
        if (!Objects.equals(hadDefaultRoute, wiring.defaultRouteFor(sandbox)))
        {
            BestEffort.attempt("move the default route of " + sandbox.name(), () -> wiring.reapplyDefaultRoute(sandbox));
            ports.follow(sandbox);
        }
        save();
        linksChanged();
        events.network("disconnect", checked.network(), sandbox.id());
        return sandbox;
    }

    /**
     * Gives a namespace someone else made (a runtime's container, by path) an interface on a
     * network: a new sandbox, or one more endpoint of the sandbox it already is. Repeating an
     * attach changes nothing and answers the same.
     */
    public synchronized Sandbox attach(final AttachRequest request)
    {
        final RequestChecks.Attach checked = checks.attach(request);
        if (checked.done() != null)
        {
            return checked.done();
        }
        return checked.run() != null ?
            create(checked.run(), request.name(), request.interfaceName(), request.handOver(), request.aliases(), List.of(),
                request.driverOpts(), false) :
            addEndpoint(checked.connect(), request.interfaceName(), request.handOver(), request.aliases(), request.driverOpts());
    }

    /**
     * Takes an attached namespace off a network (or, with a null network, off all of them); the
     * sandbox goes with its last endpoint, the namespace stays its owner's. Detaching what is not
     * attached does nothing, so a runtime may repeat it.
     */
    public synchronized void detach(final String name, final String networkReference)
    {
        final RequestChecks.Detach checked = checks.detach(name, networkReference);
        if (checked.wholeSandbox())
        {
            remove(checked.sandbox().id(), true);
        }
        else if (checked.network() != null)
        {
            disconnect(checked.network().id(), checked.sandbox().id());
        }
    }

    /**
     * Publishes ports of a sandbox a runtime attached, once its endpoint is up (Docker's remote
     * drivers are asked for them after {@code Join}); all of them or none.
     */
    public synchronized Sandbox publishPorts(final String sandboxReference, final List<String> specs)
    {
        final Sandbox sandbox = sandboxes.resolve(sandboxReference);
        final Map.Entry<Network, List<PortBinding>> checked = checks.publishLater(sandbox, wiring.defaultRouteFor(sandbox), specs);
        final Sandbox published;
        try
        {
            published = sandbox.withPorts(ports.publish(sandbox, checked.getValue()));
        }
        catch (final RuntimeException ex)
        {
            throw ex instanceof RequestException ? ex :
                RequestException.internal("cannot publish ports of " + sandbox.name() + ": " + ex.getMessage());
        }
        sandboxes.put(published);
        save();
        return published;
    }

    /** Stops publishing the ports {@link #publishPorts} published; nothing published is nothing to do. */
    public synchronized Sandbox unpublishPorts(final String sandboxReference)
    {
        final Sandbox sandbox = sandboxes.resolve(sandboxReference);
        if (sandbox.ports().isEmpty())
        {
            return sandbox;
        }
        ports.release(sandbox);
        final Sandbox unpublished = sandbox.withPorts(List.of());
        sandboxes.put(unpublished);
        save();
        return unpublished;
    }

    /**
     * Starts the command of a sandbox still stored as {@code creating}: a crash before the state
     * holds its PID undoes the run, and the namespace's removal ends the command.
     */
    private Sandbox startCommand(final Sandbox sandbox)
    {
        try
        {
            final SandboxProcesses.Started started = processes.start(sandbox.id(), sandbox.netns(), sandbox.command(),
                status -> onCommandExit(sandbox.id(), status));
            return sandbox.withProcess(started.pid(), started.startMillis(), null);
        }
        catch (final RuntimeException ex)
        {
            ports.release(sandbox);
            abandon(sandbox);
            linksChanged();
            throw RequestException.internal("cannot create sandbox " + sandbox.name() + ": " + ex.getMessage());
        }
    }

    private synchronized void onCommandExit(final String sandboxId, final int status)
    {
        final Sandbox sandbox = sandboxes.byId(sandboxId);
        if (sandbox != null && Sandbox.READY.equals(sandbox.state()))
        {
            sandboxes.put(sandbox.withProcess(sandbox.pid(), sandbox.pidStartMillis(), status));
            save();
        }
    }

    /**
     * Removes whatever exists of the sandbox's interfaces, files and namespace, then drops it
     * from the model and frees its addresses (the caller saves). Every step is tried even if an
     * earlier one failed; failures are logged, since there is nothing left to roll back to.
     */
    private void discard(final Sandbox sandbox)
    {
        wiring.unwireBeforeDeletion(sandbox);
        names.forget(sandbox);
        wiring.deleteNamespace(sandbox);
        processes.removeOutput(sandbox.id());
        sandboxes.remove(sandbox.id());
        sandbox.endpoints().forEach(addressing::release);
    }

    /** Undoes a run that failed half-way: nothing of the sandbox stays, in the system or in the state. */
    private void abandon(final Sandbox sandbox)
    {
        discard(sandbox);
        save();
    }

    /**
     * Brings what legacy links make in line with the model, after any container came or went:
     * the {@code hosts} files of the containers that link, and the default-bridge port pairs
     * opened through ICC.
     */
    private void linksChanged()
    {
        names.rewriteLinking();
        links.programPairs();
    }

    // ------------------------------------------------------------------------------------------
    // the cluster
    // ------------------------------------------------------------------------------------------

    /** Brings this host in line with the cluster's mirror; runs on the cluster's thread after every change. */
    private synchronized void clusterChanged()
    {
        if (closed || routing.cluster() == null)
        {
            return;
        }
        if (overlays.reconcile())
        {
            save();
        }
        else
        {
            names.refresh();
        }
    }

    /** The hosts with containers on an overlay network (empty for other networks or outside a cluster). */
    public synchronized List<Host> peers(final Network network)
    {
        return network.isOverlay() && routing.cluster() != null ? routing.cluster().peers(network.id()) : List.of();
    }

    // ------------------------------------------------------------------------------------------
    // observation
    // ------------------------------------------------------------------------------------------

    /** The live switch ports, for stats: port ID → attachment. */
    public synchronized Map<Integer, Attachment> ports()
    {
        return wiring.byPort();
    }

    /** The dataplane's own ports, for stats: port ID → {device, role} (the uplink, each network's host side, each overlay's VTEPs). */
    public synchronized Map<Integer, String[]> daemonPorts()
    {
        final Map<Integer, String[]> own = domains.daemonPorts(networks.all());
        own.putAll(guests.byPort());
        return own;
    }

    /** The endpoint a sandbox's published ports lead to, or null. */
    public synchronized String publishedVia(final Sandbox sandbox)
    {
        return ports.via(sandbox);
    }

    public synchronized Network networkById(final String id)
    {
        return networks.byId(id);
    }

    /** The switched networks by their dataplane domain (what the switch's table dumps name). */
    public synchronized Map<Integer, Network> networksByDomain()
    {
        return domains.byDomain(networks.all());
    }

    /** Addresses taken in each subnet of a network, reserved ones (gateway, aux, network, broadcast) included. */
    public synchronized int addressesTaken(final Network network)
    {
        return addressing.taken(network.id());
    }

    public Dataplane dataplane()
    {
        return dataplane;
    }

    public DaemonSettings settings()
    {
        return settings;
    }

    public SandboxProcesses processes()
    {
        return processes;
    }

    /** Stores what changed in the model (one journal record), then tells the embedded DNS the names it now answers. */
    private void save()
    {
        store.save(current());
        names.refresh();
    }

    private State current()
    {
        return new State(State.CURRENT_VERSION, networks.all(), sandboxes.all(), guests.all());
    }

    /** The embedded DNS, or null when this control plane runs none. */
    public EmbeddedDns dns()
    {
        return dns;
    }

    public Routing routing()
    {
        return routing;
    }

    /** The events of networks this daemon changed, for {@code GET /events}. */
    public EventLog events()
    {
        return events;
    }

    /** Closes the daemon's hold on the dataplane; sandboxes and their persistent devices stay. */
    @Override
    public synchronized void close()
    {
        closed = true;
        // the next start finds the state in the snapshot alone; a failure here loses nothing (the journal stays)
        BestEffort.attempt("write a snapshot of the state", store::compact);
        if (routing.ports() != null)
        {
            routing.ports().close();
        }
        if (routing.hosts() != null)
        {
            routing.hosts().close();
        }
        wiring.close();
        guests.close();
    }

    // ------------------------------------------------------------------------------------------
    // TAPs handed over to VM monitors
    // ------------------------------------------------------------------------------------------

    /** The VM monitors' TAPs, in the order they were made. */
    public synchronized List<GuestPort> guestPorts()
    {
        return guests.all();
    }

    /**
     * Makes a persistent TAP for a VM monitor to open by name, with the guest's endpoint on a
     * network; all of it or nothing ({@link GuestPorts#create}).
     */
    public synchronized GuestPort createPort(final PortCreateRequest request)
    {
        return guests.create(request.name(), guestChecks.create(request), this::save);
    }

    /** Takes a VM's port off its network and deletes its TAP, also while the monitor holds it. */
    public synchronized void removePort(final String name)
    {
        guests.remove(guestChecks.remove(name), this::save);
    }
}
