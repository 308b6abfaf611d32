package io.lanyard.control;

import io.lanyard.control.ipam.AddressInUseException;
import io.lanyard.control.ipam.AddressPool;
import io.lanyard.control.ipam.PoolExhaustedException;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import io.lanyard.control.sandbox.EtcFiles;
import io.lanyard.control.sandbox.InterfaceSpec;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.control.sandbox.SandboxProcesses;
import io.lanyard.control.store.StateStore;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.Port;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.tap.TapDevice;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The daemon's model of networks and sandboxes, and the only code that changes it.
 *
 * <p>Every public method is synchronized: requests are applied one at a time, each either whole
 * or not at all. A change that touches the system is bracketed by state writes: the sandbox is
 * stored as {@code creating} (or {@code removing}) before the first namespace or device is made
 * (or removed), and as {@code ready} (or dropped) after the last. If the daemon dies in between,
 * {@link #restore} finds the marker and undoes (or finishes) the work. If a step fails while the
 * daemon lives, everything done so far is undone before the error is returned, so a rejected
 * request leaves no interface, no address and no inspect entry behind.
 *
 * <p>Addresses in use are never stored on their own: they are derived from the stored endpoints
 * (and gateways and auxiliary addresses) whenever the state is loaded, so they cannot disagree.
 */
public final class ControlPlane implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(ControlPlane.class.getName());
    private static final Pattern SANDBOX_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final String DEFAULT_BRIDGE_SUBNET = "172.17.0.0/16";
    private static final String DEFAULT_BRIDGE_GATEWAY = "172.17.0.1";
    private static final String DEFAULT_BRIDGE_DEVICE = "lanyard0";

    private final DaemonSettings settings;
    private final StateStore store;
    private final Dataplane dataplane;
    private final SandboxPlumbing plumbing;
    private final EtcFiles etcFiles;
    private final SandboxProcesses processes;

    private final Map<String, Network> networks = new LinkedHashMap<>();
    private final Map<String, Sandbox> sandboxes = new LinkedHashMap<>();
    private final Map<String, List<AddressPool>> pools = new HashMap<>();
    private final Map<String, Integer> domains = new HashMap<>();
    private final BitSet usedDomains = new BitSet();
    /** Endpoint ID → the live TAP and switch port behind it. */
    private final Map<String, Attachment> attachments = new HashMap<>();

    /** An endpoint's interface as the dataplane holds it. */
    public record Attachment(String sandboxId, Endpoint endpoint, TapDevice tap, Port port)
    {
    }

    public ControlPlane(
        final DaemonSettings settings,
        final StateStore store,
        final Dataplane dataplane,
        final SandboxPlumbing plumbing,
        final EtcFiles etcFiles,
        final SandboxProcesses processes)
    {
        this.settings = settings;
        this.store = store;
        this.dataplane = dataplane;
        this.plumbing = plumbing;
        this.etcFiles = etcFiles;
        this.processes = processes;
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
        for (final Network network : state.networks())
        {
            addNetwork(network);
        }
        ensurePredefinedNetworks();
        for (final Sandbox sandbox : state.sandboxes())
        {
            sandboxes.put(sandbox.id(), sandbox);
            reserveAddresses(sandbox);
        }
        for (final Sandbox sandbox : List.copyOf(sandboxes.values()))
        {
            switch (sandbox.state())
            {
                case Sandbox.CREATING:
                    LOG.log(System.Logger.Level.INFO, "undoing the half-made sandbox " + sandbox.name());
                    tearDown(sandbox);
                    forget(sandbox);
                    break;
                case Sandbox.REMOVING:
                    LOG.log(System.Logger.Level.INFO, "finishing the removal of sandbox " + sandbox.name());
                    tearDown(sandbox);
                    forget(sandbox);
                    break;
                default:
                    try
                    {
                        bringUp(sandbox, true);
                    }
                    catch (final RuntimeException ex)
                    {
                        LOG.log(System.Logger.Level.ERROR, "cannot restore sandbox " + sandbox.name() + ": " + ex.getMessage());
                    }
                    break;
            }
        }
        save();
    }

    private void ensurePredefinedNetworks()
    {
        if (findByName("none").isEmpty())
        {
            addNetwork(new Network(Identifiers.newId(), "none", Network.DRIVER_NULL, "local", Instant.now(), false, false,
                List.of(), Map.of(), Map.of()));
        }
        if (findByName("host").isEmpty())
        {
            addNetwork(new Network(Identifiers.newId(), "host", Network.DRIVER_HOST, "local", Instant.now(), false, false,
                List.of(), Map.of(), Map.of()));
        }
        final Optional<Network> bridge = findByName("bridge");
        final Map<String, String> options = new LinkedHashMap<>();
        options.put(Network.OPTION_DEFAULT_BRIDGE, "true");
        options.put(Network.OPTION_ENABLE_ICC, Boolean.toString(settings.icc()));
        options.put(Network.OPTION_ENABLE_IP_MASQUERADE, "true");
        options.put(Network.OPTION_HOST_BINDING_IPV4, "0.0.0.0");
        options.put(Network.OPTION_BRIDGE_NAME, DEFAULT_BRIDGE_DEVICE);
        options.put(Network.OPTION_MTU, Integer.toString(Network.DEFAULT_MTU));
        if (bridge.isEmpty())
        {
            addNetwork(new Network(Identifiers.newId(), "bridge", Network.DRIVER_BRIDGE, "local", Instant.now(), false, false,
                List.of(new IpamPool(DEFAULT_BRIDGE_SUBNET, DEFAULT_BRIDGE_GATEWAY, null, Map.of())), options, Map.of()));
        }
        else if (!bridge.get().options().equals(options))
        {
            // the daemon's flags (--icc) decide the default bridge's options at every start, as dockerd's do
            final Network old = bridge.get();
            networks.put(old.id(), new Network(old.id(), old.name(), old.driver(), old.scope(), old.created(), old.internal(),
                old.attachable(), old.ipam(), options, old.labels()));
        }
    }

    // ------------------------------------------------------------------------------------------
    // networks
    // ------------------------------------------------------------------------------------------

    public synchronized List<Network> networks()
    {
        return List.copyOf(networks.values());
    }

    /** Finds a network Docker's way: exact ID, then exact name, then a unique ID prefix. */
    public synchronized Network network(final String reference)
    {
        final Network byId = networks.get(reference);
        if (byId != null)
        {
            return byId;
        }
        final Optional<Network> byName = findByName(reference);
        if (byName.isPresent())
        {
            return byName.get();
        }
        final List<Network> byPrefix = networks.values().stream().filter(n -> n.id().startsWith(reference)).toList();
        if (byPrefix.size() == 1 && !reference.isEmpty())
        {
            return byPrefix.get(0);
        }
        if (byPrefix.size() > 1 && !reference.isEmpty())
        {
            throw RequestException.badRequest("network " + reference + " is ambiguous (" + byPrefix.size() +
                " matches found based on ID prefix)");
        }
        throw RequestException.notFound("network " + reference + " not found");
    }

    /** The sandboxes attached to a network, with their endpoint on it. */
    public synchronized Map<Sandbox, Endpoint> members(final Network network)
    {
        final Map<Sandbox, Endpoint> members = new LinkedHashMap<>();
        for (final Sandbox sandbox : sandboxes.values())
        {
            for (final Endpoint endpoint : sandbox.endpoints())
            {
                if (endpoint.networkId().equals(network.id()))
                {
                    members.put(sandbox, endpoint);
                }
            }
        }
        return members;
    }

    private Optional<Network> findByName(final String name)
    {
        return networks.values().stream().filter(n -> n.name().equals(name)).findFirst();
    }

    private void addNetwork(final Network network)
    {
        networks.put(network.id(), network);
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
        if (network.isBridge())
        {
            final int domain = usedDomains.nextClearBit(0);
            usedDomains.set(domain);
            domains.put(network.id(), domain);
        }
    }

    // ------------------------------------------------------------------------------------------
    // sandboxes
    // ------------------------------------------------------------------------------------------

    /** What {@code lanyard run} asks for. */
    public record RunRequest(String name, String network, String ipv4Address, List<String> command, boolean detach)
    {
        public RunRequest
        {
            command = command == null ? List.of() : List.copyOf(command);
        }
    }

    public synchronized List<Sandbox> sandboxes()
    {
        return List.copyOf(sandboxes.values());
    }

    /** Finds a sandbox by exact ID, exact name, or unique ID prefix. */
    public synchronized Sandbox sandbox(final String reference)
    {
        final Sandbox byId = sandboxes.get(reference);
        if (byId != null)
        {
            return byId;
        }
        for (final Sandbox sandbox : sandboxes.values())
        {
            if (sandbox.name().equals(reference))
            {
                return sandbox;
            }
        }
        final List<Sandbox> byPrefix = reference.isEmpty() ? List.of() :
            sandboxes.values().stream().filter(s -> s.id().startsWith(reference)).toList();
        if (byPrefix.size() == 1)
        {
            return byPrefix.get(0);
        }
        throw RequestException.notFound("No such container: " + reference);
    }

    public synchronized boolean isRunning(final Sandbox sandbox)
    {
        return processes.isAlive(sandbox.pid(), sandbox.pidStartMillis());
    }

    /** Creates a sandbox on one network and, with {@code detach}, starts its command in the background. */
    public synchronized Sandbox run(final RunRequest request)
    {
        final String name = request.name();
        if (name == null || name.isEmpty())
        {
            throw RequestException.badRequest("a sandbox name is required (--name)");
        }
        if (!SANDBOX_NAME.matcher(name).matches())
        {
            throw RequestException.badRequest("Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        for (final Sandbox existing : sandboxes.values())
        {
            if (existing.name().equals(name))
            {
                throw RequestException.conflict("Conflict. The container name \"/" + name + "\" is already in use by container \"" +
                    existing.id() + "\". You have to remove (or rename) that container to be able to reuse that name.");
            }
        }
        final Network network = network(request.network() == null ? "bridge" : request.network());
        final Integer staticAddress = request.ipv4Address() == null ? null : parseAddress(request.ipv4Address());
        if (staticAddress != null && (network.isPredefined() || !network.isBridge()))
        {
            throw RequestException.badRequest("user-specified IP address is supported on user-defined networks only");
        }
        final boolean hostNetwork = Network.DRIVER_HOST.equals(network.driver());
        final String netns = hostNetwork ? null : settings.sandboxPrefix() + name;
        if (netns != null && plumbing.namespaceExists(netns))
        {
            throw RequestException.conflict("network namespace " + netns + " already exists and is not Lanyard's");
        }

        final String id = Identifiers.newId();
        final Endpoint endpoint = newEndpoint(network, "eth0", staticAddress);
        Sandbox sandbox = new Sandbox(id, name, netns, Instant.now(), Sandbox.CREATING, request.command(), null, null, null,
            List.of(endpoint));
        sandboxes.put(id, sandbox);
        save();
        try
        {
            bringUp(sandbox, false);
        }
        catch (final RuntimeException ex)
        {
            tearDown(sandbox);
            forget(sandbox);
            save();
            throw RequestException.internal("cannot create sandbox " + name + ": " + ex.getMessage());
        }
        sandbox = sandbox.withState(Sandbox.READY);
        sandboxes.put(id, sandbox);
        save();

        if (request.detach() && !request.command().isEmpty())
        {
            sandbox = startCommand(sandbox);
        }
        return sandbox;
    }

    /** Removes a sandbox: its command (with {@code force}), namespace, interfaces and addresses. */
    public synchronized void remove(final String reference, final boolean force)
    {
        Sandbox sandbox = sandbox(reference);
        if (isRunning(sandbox) && !force)
        {
            throw RequestException.conflict("You cannot remove a running container " + sandbox.id() +
                ". Stop the container before attempting removal or force remove");
        }
        sandbox = sandbox.withState(Sandbox.REMOVING);
        sandboxes.put(sandbox.id(), sandbox);
        save();
        processes.kill(sandbox.pid(), sandbox.pidStartMillis());
        tearDown(sandbox);
        forget(sandbox);
        processes.removeOutput(sandbox.id());
        save();
    }

    private Sandbox startCommand(final Sandbox sandbox)
    {
        final SandboxProcesses.Started started = processes.start(sandbox.id(), sandbox.netns(), sandbox.command(),
            status -> onCommandExit(sandbox.id(), status));
        final Sandbox running = sandbox.withProcess(started.pid(), started.startMillis(), null);
        sandboxes.put(sandbox.id(), running);
        save();
        return running;
    }

    private synchronized void onCommandExit(final String sandboxId, final int status)
    {
        final Sandbox sandbox = sandboxes.get(sandboxId);
        if (sandbox != null && Sandbox.READY.equals(sandbox.state()))
        {
            sandboxes.put(sandboxId, sandbox.withProcess(sandbox.pid(), sandbox.pidStartMillis(), status));
            save();
        }
    }

    /** A new endpoint on {@code network}, with an address from its pool (the given one, or the lowest free). */
    private Endpoint newEndpoint(final Network network, final String interfaceName, final Integer staticAddress)
    {
        final List<AddressPool> networkPools = pools.get(network.id());
        if (!network.isBridge() || networkPools.isEmpty())
        {
            return new Endpoint(Identifiers.newId(), network.id(), null, null, 0, null, List.of());
        }
        AddressPool pool = networkPools.get(0);
        int address;
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
                address = pool.allocate();
            }
        }
        catch (final PoolExhaustedException ex)
        {
            throw RequestException.conflict(ex.getMessage());
        }
        catch (final AddressInUseException ex)
        {
            throw RequestException.conflict("Address already in use: " + Ipv4Address.format(staticAddress));
        }
        return new Endpoint(Identifiers.newId(), network.id(), interfaceName, Ipv4Address.format(address),
            pool.subnet().prefixLength(), MacAddress.format(MacAddress.fromIpv4(address)), List.of());
    }

    private static int parseAddress(final String text)
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

    // ------------------------------------------------------------------------------------------
    // bringing sandboxes up and down
    // ------------------------------------------------------------------------------------------

    /**
     * Makes the sandbox's namespace, interfaces and files exist and its interfaces switch ports.
     * Idempotent: on restore it re-attaches to what survived and recreates what did not.
     */
    private void bringUp(final Sandbox sandbox, final boolean restoring)
    {
        if (sandbox.isHostNetwork())
        {
            return;
        }
        if (!restoring || !plumbing.namespaceExists(sandbox.netns()))
        {
            plumbing.createNamespace(sandbox.netns());
        }
        boolean first = true;
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            if (endpoint.hasInterface())
            {
                attach(sandbox, endpoint, first);
                first = false;
            }
        }
        writeEtcFiles(sandbox);
    }

    private void attach(final Sandbox sandbox, final Endpoint endpoint, final boolean defaultRoute)
    {
        final Network network = networks.get(endpoint.networkId());
        final IpamPool ipam = network.ipam().stream()
            .filter(p -> Ipv4Cidr.parse(p.subnet()).contains(Ipv4Address.parse(endpoint.ipv4Address())))
            .findFirst().orElseThrow();
        final InterfaceSpec spec = new InterfaceSpec(endpoint.interfaceName(), MacAddress.parse(endpoint.macAddress()),
            Ipv4Address.parse(endpoint.ipv4Address()), endpoint.prefixLength(), Ipv4Address.parse(ipam.gateway()),
            network.mtu(), defaultRoute);
        final TapDevice tap = plumbing.openInterface(sandbox.netns(), spec);
        final Port port;
        try
        {
            port = dataplane.attachTap(tap, domains.get(network.id()), sandbox.name() + "/" + endpoint.interfaceName());
        }
        catch (final RuntimeException ex)
        {
            plumbing.removeInterface(tap);
            throw ex;
        }
        attachments.put(endpoint.id(), new Attachment(sandbox.id(), endpoint, tap, port));
    }

    /**
     * Removes whatever exists of the sandbox's interfaces, files and namespace. Every step is
     * tried even if an earlier one failed; failures are logged, since there is nothing left to
     * roll back to.
     */
    private void tearDown(final Sandbox sandbox)
    {
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            final Attachment attachment = attachments.remove(endpoint.id());
            if (attachment != null)
            {
                quietly("detach " + attachment.port(), () -> dataplane.detach(attachment.port()));
                quietly("remove " + attachment.tap(), () -> plumbing.removeInterface(attachment.tap()));
            }
            else if (endpoint.hasInterface() && sandbox.netns() != null)
            {
                quietly("remove " + endpoint.interfaceName(), () -> plumbing.removeInterface(sandbox.netns(), endpoint.interfaceName()));
            }
        }
        if (sandbox.netns() != null)
        {
            quietly("remove /etc/netns/" + sandbox.netns(), () -> etcFiles.remove(sandbox.netns()));
            quietly("delete namespace " + sandbox.netns(), () -> plumbing.deleteNamespace(sandbox.netns()));
        }
    }

    /** Drops the sandbox from the model and frees its addresses (the caller saves). */
    private void forget(final Sandbox sandbox)
    {
        sandboxes.remove(sandbox.id());
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            if (endpoint.ipv4Address() != null)
            {
                final int address = Ipv4Address.parse(endpoint.ipv4Address());
                pools.getOrDefault(endpoint.networkId(), List.of()).stream()
                    .filter(p -> p.contains(address)).forEach(p -> p.release(address));
            }
        }
    }

    private void reserveAddresses(final Sandbox sandbox)
    {
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            if (endpoint.ipv4Address() != null)
            {
                final int address = Ipv4Address.parse(endpoint.ipv4Address());
                pools.getOrDefault(endpoint.networkId(), List.of()).stream()
                    .filter(p -> p.contains(address)).forEach(p -> p.reserve(address));
            }
        }
    }

    private void writeEtcFiles(final Sandbox sandbox)
    {
        final List<String[]> own = new ArrayList<>();
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            if (endpoint.ipv4Address() != null)
            {
                own.add(new String[] {endpoint.ipv4Address(), sandbox.shortId()});
            }
        }
        etcFiles.write(sandbox.netns(), EtcFiles.hosts(own), etcFiles.hostResolvConf());
    }

    // ------------------------------------------------------------------------------------------
    // observation
    // ------------------------------------------------------------------------------------------

    /** The live switch ports, for stats: port ID → attachment. */
    public synchronized Map<Integer, Attachment> ports()
    {
        final Map<Integer, Attachment> byPort = new HashMap<>();
        for (final Attachment attachment : attachments.values())
        {
            byPort.put(attachment.port().id(), attachment);
        }
        return byPort;
    }

    public synchronized Network networkById(final String id)
    {
        return networks.get(id);
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

    private void save()
    {
        store.save(new State(State.CURRENT_VERSION, List.copyOf(networks.values()), List.copyOf(sandboxes.values())));
    }

    private static void quietly(final String what, final Runnable step)
    {
        try
        {
            step.run();
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "could not " + what + ": " + ex.getMessage());
        }
    }

    /** Closes the daemon's hold on the dataplane; sandboxes and their persistent devices stay. */
    @Override
    public synchronized void close()
    {
        for (final Attachment attachment : attachments.values())
        {
            attachment.tap().close();
        }
        attachments.clear();
    }
}
