package io.lanyard.control;

import io.lanyard.client.api.AttachRequest;
import io.lanyard.client.api.RunRequest;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Link;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.ports.PortBinding;
import io.lanyard.control.ports.PortSpec;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.control.sandbox.SandboxProcesses;
import io.lanyard.forwarding.addr.Ipv4Address;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every check a request passes before anything changes, refused with Docker's status and
 * words: names, the sizes of every other field ({@link RequestLimits}), drivers and bridge
 * names, endpoint options ({@code --ip}, {@code --alias}), {@code -p}, {@code --dns},
 * {@code --link}, and the state of the sandboxes and networks named.
 * It reads the model and changes nothing, so a refused request leaves the daemon as it was.
 */
final class RequestChecks
{
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** What the kernel takes as an interface name (IFNAMSIZ), without the characters iproute2 reads specially. */
    static final Pattern INTERFACE = Pattern.compile("(?!\\.{1,2}$)[a-zA-Z0-9_.-]{1,15}");

    private final DaemonSettings settings;
    private final NetworkTable networks;
    private final SandboxTable sandboxes;
    private final LegacyLinks links;
    private final SandboxPlumbing plumbing;
    private final SandboxProcesses processes;
    private final ControlPlane.Routing routing;

    /** A run that passed its checks: what it will be made of. */
    record Run(Network network, String netns, Integer staticAddress, List<PortBinding> publish, List<String> dns, List<String> links)
    {
    }

    /** A connect that passed its checks. */
    record Connect(Network network, Sandbox sandbox, Integer staticAddress)
    {
    }

    /**
     * An attach that passed its checks: exactly one of a new sandbox to make ({@code run}), an
     * endpoint to add to the sandbox the namespace already is ({@code connect}), or nothing to
     * do ({@code done}: the same attach was made before).
     */
    record Attach(Run run, Connect connect, Sandbox done)
    {
    }

    /** A disconnect that passed its checks: the endpoint to take away. */
    record Disconnect(Network network, Sandbox sandbox, Endpoint endpoint)
    {
    }

    RequestChecks(final DaemonSettings settings, final NetworkTable networks, final SandboxTable sandboxes, final LegacyLinks links,
        final SandboxPlumbing plumbing, final SandboxProcesses processes, final ControlPlane.Routing routing)
    {
        this.settings = settings;
        this.networks = networks;
        this.sandboxes = sandboxes;
        this.links = links;
        this.plumbing = plumbing;
        this.processes = processes;
        this.routing = routing;
    }

    // ------------------------------------------------------------------------------------------
    // networks
    // ------------------------------------------------------------------------------------------

    /**
     * @return the driver the new network gets: bridge, overlay, or the name of a remote driver
     *         plugin (found, or refused as {@code plugin "NAME" not found}, when it is called).
     */
    String createNetwork(final NetworkCreate request)
    {
        final String name = request.name();
        final int longest = RequestLimits.longestName(settings.sandboxPrefix());
        if (name != null && name.length() > longest)
        {
            throw RequestException.badRequest("invalid network name \"" + RequestLimits.quoted(name) + "\": at most " + longest +
                " characters, not " + name.length());
        }
        if (name == null || name.isEmpty() || !NAME.matcher(name).matches())
        {
            throw RequestException.badRequest("invalid network name \"" + (name == null ? "" : name) +
                "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        RequestLimits.networkCreate(request);
        if (networks.byName(name).isPresent())
        {
            throw RequestException.conflict("network with name " + name + " already exists");
        }
        final String driver = request.driver() == null || request.driver().isEmpty() ? Network.DRIVER_BRIDGE : request.driver();
        if (Network.DRIVER_HOST.equals(driver) || Network.DRIVER_NULL.equals(driver))
        {
            throw RequestException.forbidden("only one instance of \"" + driver + "\" network is allowed");
        }
        if (Network.GATEWAY_BRIDGE.equals(name) && (!Network.DRIVER_BRIDGE.equals(driver) || request.internal()))
        {
            throw RequestException.badRequest("network " + name + " gives containers on overlay networks their way out: " +
                "it can only be a bridge network that is not internal");
        }
        return driver;
    }

    /** @return a bridge network's options, checked, its bridge name used by no other network or interface. */
    Map<String, String> bridgeOptions(final NetworkCreate request)
    {
        final Map<String, String> options = BridgeOptions.validate(request.options());
        final String device = options.get(Network.OPTION_BRIDGE_NAME);
        if (device != null)
        {
            for (final Network other : networks.all())
            {
                if (device.equals(other.options().get(Network.OPTION_BRIDGE_NAME)))
                {
                    throw RequestException.conflict("bridge name " + device + " is already used by network " + other.name());
                }
            }
            if (routing.hosts() != null && routing.hosts().nameTaken(device))
            {
                throw RequestException.conflict("bridge name " + device + " is already used by another interface on this host");
            }
        }
        return options;
    }

    /** @return the network to remove: user-defined, with no sandbox of this host on it. */
    Network removeNetwork(final String reference)
    {
        final Network network = networks.resolve(reference);
        if (network.isPredefined())
        {
            throw RequestException.forbidden(network.name() + " is a pre-defined network and cannot be removed");
        }
        final Map<Sandbox, Endpoint> members = sandboxes.members(network);
        if (!members.isEmpty())
        {
            throw activeEndpoints(network, members.keySet().stream()
                .map(sandbox -> network.isGatewayBridge() ? GatewayBridge.endpointName(sandbox) : sandbox.name()).toList());
        }
        return network;
    }

    /** Docker's refusal to remove a network that still has endpoints: {@code names}' (sandboxes', VMs' ports'). */
    static RequestException activeEndpoints(final Network network, final List<String> names)
    {
        return RequestException.conflict("error while removing network: network " + network.name() + " id " + network.id() +
            " has active endpoints (" + String.join(", ", names) + ")");
    }

    // ------------------------------------------------------------------------------------------
    // sandboxes
    // ------------------------------------------------------------------------------------------

    Run run(final RunRequest request)
    {
        final String name = request.name();
        if (name == null || name.isEmpty())
        {
            throw RequestException.badRequest("a sandbox name is required (--name)");
        }
        sandboxName(name);
        RequestLimits.run(request);
        EndpointOptions.validate(request.driverOpts());
        sandboxes.withName(name).ifPresent(existing ->
        {
            throw RequestException.conflict("Conflict. The container name \"/" + name + "\" is already in use by container \"" +
                existing.id() + "\". You have to remove (or rename) that container to be able to reuse that name.");
        });
        final Network network = notGatewayBridge(networks.resolve(request.network() == null ? "bridge" : request.network()));
        final Integer staticAddress = request.ipv4Address() == null ? null : IpamPlanner.parseAddress(request.ipv4Address());
        endpointOptions(network, staticAddress, request.aliases());
        final List<PortBinding> publish = publish(network, request.ports(), true);
        final List<String> upstreams = dns(network, request.dns());
        final List<String> linked = links(network, request.links());
        final String netns = Network.DRIVER_HOST.equals(network.driver()) ? null : settings.sandboxPrefix() + name;
        if (netns != null && plumbing.namespaceExists(netns))
        {
            throw RequestException.conflict("network namespace " + netns + " already exists and is not Lanyard's");
        }
        return new Run(network, netns, staticAddress, publish, upstreams, linked);
    }

    /**
     * Checks an attach of someone else's namespace: an absolute path to a namespace that exists
     * and is not the daemon's, an interface name the kernel takes and no one holds there, a
     * switched network, and a name that is this namespace's or no one's.
     */
    Attach attach(final AttachRequest request)
    {
        final String name = request.name();
        sandboxName(name);
        RequestLimits.attach(request);
        EndpointOptions.validate(request.driverOpts());
        final String netns = request.netns();
        if (!netns.startsWith("/") || !Path.of(netns).normalize().toString().equals(netns))
        {
            throw RequestException.badRequest("invalid network namespace \"" + netns + "\": an absolute path such as /proc/PID/ns/net " +
                "or /run/netns/NAME is needed");
        }
        // a handed-over interface is moved into the namespace by the runtime, which may make it later
        if (!request.handOver() && !plumbing.namespaceExists(netns))
        {
            throw RequestException.notFound("network namespace " + netns + " does not exist");
        }
        if (plumbing.isOwnNamespace(netns))
        {
            throw RequestException.forbidden("network namespace " + netns + " is the daemon's own: attach a container's namespace");
        }
        final String interfaceName = request.interfaceName();
        if (!INTERFACE.matcher(interfaceName).matches())
        {
            throw RequestException.badRequest("invalid interface name \"" + interfaceName + "\": 1 to 15 of [a-zA-Z0-9_.-]");
        }
        final Network network = notGatewayBridge(networks.resolve(request.network()));
        if (!network.isSwitched())
        {
            throw RequestException.forbidden("cannot attach to the " + network.name() + " network: only bridge and overlay networks " +
                "give a namespace an interface");
        }
        final Sandbox existing = sandboxes.withName(name).orElse(null);
        for (final Sandbox other : sandboxes.all())
        {
            if (other != existing && other.netns() != null && (netns.equals(other.netns()) || plumbing.isSameNamespace(netns, other.netns())))
            {
                throw RequestException.conflict("network namespace " + netns + " is already " + (other.isExternal() ? "attached as " :
                    "the namespace of sandbox ") + other.name());
            }
        }
        if (existing != null && existing.isHandedOver() != request.handOver())
        {
            throw RequestException.conflict(name + " is attached with interfaces " + (existing.isHandedOver() ? "" : "not ") +
                "handed over to its runtime; attach it the same way");
        }
        if (existing == null)
        {
            requireFreeInterface(request, interfaceName);
            final Integer staticAddress = staticAddress(request.ipv4Address());
            endpointOptions(network, staticAddress, request.aliases());
            final List<PortBinding> publish = publish(network, request.ports(), false);
            return new Attach(new Run(network, netns, staticAddress, publish, List.of(), List.of()), null, null);
        }
        if (!netns.equals(existing.netns()))
        {
            throw RequestException.conflict("Conflict. The container name \"/" + name + "\" is already in use by container \"" +
                existing.id() + "\" (network namespace " + (existing.netns() == null ? "of the host" : existing.netns()) + ")");
        }
        for (final Endpoint endpoint : existing.endpoints())
        {
            if (endpoint.networkId().equals(network.id()))
            {
                if (interfaceName.equals(endpoint.interfaceName()))
                {
                    return new Attach(null, null, existing);
                }
                throw RequestException.conflict(name + " is already attached to " + network.name() + " as " + endpoint.interfaceName());
            }
            if (interfaceName.equals(endpoint.interfaceName()))
            {
                throw RequestException.conflict("interface " + interfaceName + " of " + name + " is already on network " +
                    networks.byId(endpoint.networkId()).name());
            }
        }
        if (!request.ports().isEmpty())
        {
            throw RequestException.badRequest("ports are published with a namespace's first network; " + name + " already has one");
        }
        requireFreeInterface(request, interfaceName);
        final Connect connect = connect(network.id(), existing.id(), request.ipv4Address(), request.aliases(), request.driverOpts());
        return new Attach(null, connect, null);
    }

    /**
     * A detach that passed its checks: take {@code sandbox} away whole ({@code wholeSandbox}: no
     * network named, or its last one), take it off {@code network}, or do nothing (both null).
     */
    record Detach(Sandbox sandbox, Network network, boolean wholeSandbox)
    {
    }

    /** Decides a detach by name or ID; a sandbox {@code run} made is refused, one not attached is nothing to do. */
    Detach detach(final String name, final String networkReference)
    {
        RequestLimits.text("Name", name);
        RequestLimits.text("Network", networkReference);
        final Sandbox sandbox = sandboxes.withName(name).orElseGet(() -> sandboxes.byId(name));
        if (sandbox == null)
        {
            return new Detach(null, null, false);
        }
        if (!sandbox.isExternal())
        {
            throw RequestException.forbidden(name + " was not attached but run by Lanyard: remove it with lanyard rm");
        }
        if (networkReference == null)
        {
            return new Detach(sandbox, null, true);
        }
        final Network network = networks.find(networkReference);
        final boolean onIt = network != null && sandbox.endpoints().stream().anyMatch(e -> e.networkId().equals(network.id()));
        if (!onIt)
        {
            return new Detach(sandbox, null, false);
        }
        return new Detach(sandbox, network, sandbox.endpoints().size() == 1);
    }

    /**
     * Docker's rule for a container's name, and short enough that the sandbox's namespace, the
     * file {@code /run/netns/PREFIX+NAME}, fits NAME_MAX.
     */
    private void sandboxName(final String name)
    {
        final int longest = RequestLimits.longestName(settings.sandboxPrefix());
        if (name.length() > longest)
        {
            throw RequestException.badRequest("Invalid container name (" + RequestLimits.quoted(name) + "): at most " + longest +
                " characters, not " + name.length());
        }
        if (!NAME.matcher(name).matches())
        {
            throw RequestException.badRequest("Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
    }

    /** The interface's name is free where Lanyard makes it: in the namespace, or in the daemon's own for a hand-over. */
    private void requireFreeInterface(final AttachRequest request, final String interfaceName)
    {
        if (request.handOver() ? plumbing.interfaceExistsHere(interfaceName) : plumbing.interfaceExists(request.netns(), interfaceName))
        {
            throw RequestException.conflict("interface " + interfaceName + " already exists in network namespace " +
                (request.handOver() ? "of the daemon" : request.netns()));
        }
    }

    private static Integer staticAddress(final String ipv4Address)
    {
        return ipv4Address == null || ipv4Address.isEmpty() ? null : IpamPlanner.parseAddress(ipv4Address);
    }

    /** @return the sandbox to remove: one whose command has stopped, unless {@code force}. */
    Sandbox remove(final String reference, final boolean force)
    {
        final Sandbox sandbox = sandboxes.resolve(reference);
        if (processes.isAlive(sandbox.pid(), sandbox.pidStartMillis()) && !force)
        {
            throw RequestException.conflict("You cannot remove a running container " + sandbox.id() +
                ". Stop the container before attempting removal or force remove");
        }
        return sandbox;
    }

    Connect connect(final String networkReference, final String sandboxReference, final String ipv4Address, final List<String> aliases,
        final Map<String, String> options)
    {
        RequestLimits.connect(networkReference, sandboxReference, ipv4Address, aliases);
        EndpointOptions.validate(options);
        final Network network = notGatewayBridge(networks.resolve(networkReference));
        final Sandbox sandbox = sandboxes.resolve(sandboxReference);
        if (!network.isAddressed())
        {
            throw RequestException.forbidden("container cannot be disconnected from host network or connected to host network");
        }
        if (sandbox.isHostNetwork())
        {
            throw RequestException.forbidden("container sharing network namespace with another container or host cannot be " +
                "connected to any other network");
        }
        if (sandbox.endpoints().stream().anyMatch(e -> Network.DRIVER_NULL.equals(networks.byId(e.networkId()).driver())))
        {
            throw RequestException.forbidden("container cannot be connected to multiple networks with one of the networks in " +
                "private (none) mode");
        }
        if (sandbox.endpoints().stream().anyMatch(e -> e.networkId().equals(network.id())))
        {
            throw RequestException.forbidden("endpoint with name " + sandbox.name() + " already exists in network " + network.name());
        }
        final Integer staticAddress = staticAddress(ipv4Address);
        endpointOptions(network, staticAddress, aliases);
        return new Connect(network, sandbox, staticAddress);
    }

    Disconnect disconnect(final String networkReference, final String sandboxReference)
    {
        RequestLimits.text("Network", networkReference);
        RequestLimits.text("Container", sandboxReference);
        final Network network = networks.resolve(networkReference);
        final Sandbox sandbox = sandboxes.resolve(sandboxReference);
        // a gateway endpoint is not a connection of the container's (Docker lists none on docker_gwbridge)
        final Endpoint endpoint = sandbox.endpoints().stream().filter(e -> e.networkId().equals(network.id()) && !network.isGatewayBridge())
            .findFirst()
            .orElseThrow(() -> RequestException.forbidden("container " + sandbox.id() + " is not connected to network " +
                network.name()));
        if (!network.isAddressed())
        {
            throw RequestException.forbidden("container cannot be disconnected from host network or connected to host network");
        }
        return new Disconnect(network, sandbox, endpoint);
    }

    // ------------------------------------------------------------------------------------------
    // a run's and a connect's options
    // ------------------------------------------------------------------------------------------

    static void endpointOptions(final Network network, final Integer staticAddress, final List<String> aliases)
    {
        final boolean userDefined = network.isAddressed() && !network.isPredefined();
        if (staticAddress != null && !userDefined)
        {
            throw RequestException.badRequest("user-specified IP address is supported on user-defined networks only");
        }
        if (!aliases.isEmpty() && !userDefined)
        {
            throw RequestException.badRequest("network-scoped alias is supported only for containers in user defined networks");
        }
        for (final String alias : aliases)
        {
            if (!NAME.matcher(alias).matches())
            {
                throw RequestException.badRequest("invalid alias \"" + alias + "\"");
            }
        }
    }

    /**
     * {@value Network#GATEWAY_BRIDGE} is refused as a network to run on or connect to: its
     * endpoints come and go with the need of sandboxes on overlays ({@link GatewayBridge}).
     */
    static Network notGatewayBridge(final Network network)
    {
        if (network.isGatewayBridge())
        {
            throw RequestException.forbidden("network " + network.name() + " is Lanyard's own way out for containers on overlay " +
                "networks: nothing is run on it or connected to it by hand");
        }
        return network;
    }

    /**
     * Ports a runtime publishes for a sandbox it already attached (Docker asks once the endpoint
     * is up): on the network of its route out, none published before.
     *
     * @return the network they are published on and the bindings.
     */
    Map.Entry<Network, List<PortBinding>> publishLater(final Sandbox sandbox, final String routeOut, final List<String> specs)
    {
        RequestLimits.ports(specs);
        if (!sandbox.ports().isEmpty())
        {
            throw RequestException.conflict("ports of " + sandbox.name() + " are already published");
        }
        final Endpoint endpoint = sandbox.endpoints().stream().filter(e -> e.id().equals(routeOut)).findFirst().orElseThrow(() ->
            RequestException.badRequest("cannot publish ports of " + sandbox.name() + ": it has no network with a route out"));
        final Network network = networks.byId(endpoint.networkId());
        return Map.entry(network, publish(network, specs, false));
    }

    /**
     * Parses {@code -p} specs; ports need a bridge network with a route out, or with
     * {@code throughGateway} (a sandbox Lanyard makes) an overlay that is not internal, whose
     * sandbox's gateway endpoint carries them ({@link GatewayBridge}); and a daemon that can publish.
     */
    private List<PortBinding> publish(final Network network, final List<String> specs, final boolean throughGateway)
    {
        if (specs.isEmpty())
        {
            return List.of();
        }
        final List<PortBinding> bindings;
        try
        {
            bindings = PortSpec.parseAll(specs);
        }
        catch (final IllegalArgumentException ex)
        {
            throw RequestException.badRequest(ex.getMessage());
        }
        if (!(network.isBridge() || throughGateway && network.isOverlay()) || network.internal())
        {
            throw RequestException.badRequest("cannot publish ports on network " + network.name() +
                (network.internal() ? " (internal)" : " (driver " + network.driver() + ")") + ": a bridge network with a route out is needed");
        }
        if (routing.ports() == null)
        {
            throw RequestException.badRequest("this daemon does not publish ports");
        }
        return bindings;
    }

    /** {@code run --dns}: IPv4 resolvers, for a sandbox with its own namespace. */
    private static List<String> dns(final Network network, final List<String> servers)
    {
        if (servers.isEmpty())
        {
            return List.of();
        }
        if (Network.DRIVER_HOST.equals(network.driver()))
        {
            throw RequestException.badRequest("conflicting options: --dns and the host network (it uses the host's resolver configuration)");
        }
        final List<String> checked = new ArrayList<>();
        for (final String server : servers)
        {
            try
            {
                checked.add(Ipv4Address.format(Ipv4Address.parse(server)));
            }
            catch (final IllegalArgumentException ex)
            {
                throw RequestException.badRequest("invalid --dns " + server + ": an IPv4 address is needed");
            }
        }
        return checked;
    }

    /**
     * {@code run --link NAME[:ALIAS]}: the linked containers must exist; from the default bridge
     * they must be on the default bridge too (legacy links join two containers there), from a
     * user-defined network the alias is a name only the linking container resolves.
     */
    private List<String> links(final Network network, final List<String> specs)
    {
        if (specs.isEmpty())
        {
            return List.of();
        }
        if (!network.isSwitched())
        {
            throw RequestException.badRequest("conflicting options: --link cannot be used with the " + network.name() + " network");
        }
        final Set<String> aliases = new HashSet<>();
        final List<String> checked = new ArrayList<>();
        for (final String spec : specs)
        {
            final Link link;
            try
            {
                link = Link.parse(spec);
            }
            catch (final IllegalArgumentException ex)
            {
                throw RequestException.badRequest(ex.getMessage());
            }
            if (!NAME.matcher(link.alias()).matches())
            {
                throw RequestException.badRequest("invalid link alias \"" + link.alias() + "\"");
            }
            final Sandbox target = sandboxes.resolve(link.name());
            if (LegacyLinks.isDefaultBridge(network) && links.defaultBridgeEndpoint(target) == null)
            {
                throw RequestException.badRequest("Cannot link to /" + target.name() + ", as it does not belong to the default network");
            }
            if (!aliases.add(link.alias().toLowerCase(Locale.ROOT)))
            {
                throw RequestException.badRequest("invalid links: alias \"" + link.alias() + "\" is given twice");
            }
            checked.add(new Link(target.name(), link.alias()).spec());
        }
        return checked;
    }
}
