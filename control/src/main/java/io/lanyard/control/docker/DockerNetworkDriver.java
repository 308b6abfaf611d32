package io.lanyard.control.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.api.AttachRequest;
import io.lanyard.control.ControlPlane;
import io.lanyard.control.NetworkCreate;
import io.lanyard.control.RequestException;
import io.lanyard.control.docker.DockerPluginState.DockerEndpoint;
import io.lanyard.control.docker.DockerPluginState.DockerNetwork;
import io.lanyard.control.docker.DockerPluginState.Pool;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.addr.MacAddress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.lanyard.control.docker.DockerPluginRoutes.id;
import static io.lanyard.control.docker.DockerPluginRoutes.optional;
import static io.lanyard.control.docker.DockerPluginRoutes.required;

/**
 * Docker's {@code NetworkDriver} calls on the control plane. A Docker network is a Lanyard network:
 * one made for it ({@code docker-} and the start of Docker's ID), or an existing one named by the
 * option {@value #OPTION_NETWORK} (as {@code -o} or as the Lanyard IPAM driver's {@code --ipam-opt}),
 * overlays included. A Docker endpoint is an endpoint of an attached sandbox, one per container
 * namespace ({@code docker-} and the last part of Docker's sandbox key), whose TAP Lanyard makes in
 * its own namespace and hands to Docker by name at {@code Join}; Docker moves it into the container,
 * renames and configures it, and moves it back before {@code Leave}. The dataplane keeps the TAP's
 * descriptor throughout, so none of the moves reach it.
 */
final class DockerNetworkDriver
{
    static final String OPTION_NETWORK = "com.lanyard.network";
    private static final String GENERIC = "com.docker.network.generic";
    private static final String INTERNAL = "com.docker.network.internal";
    private static final String PORT_MAP = "com.docker.network.portmap";
    private static final String PREFIX = "docker-";

    private final ControlPlane control;
    private final DockerPluginState state;

    DockerNetworkDriver(final ControlPlane control, final DockerPluginState state)
    {
        this.control = control;
        this.state = state;
    }

    Object call(final String call, final JsonNode request)
    {
        switch (call)
        {
            case "GetCapabilities":
                return Map.of("Scope", "local", "ConnectivityScope", "local");
            case "CreateNetwork":
                createNetwork(request);
                return Map.of();
            case "DeleteNetwork":
                deleteNetwork(id(request, "NetworkID"));
                return Map.of();
            case "CreateEndpoint":
                return createEndpoint(request);
            case "EndpointOperInfo":
                return Map.of("Value", Map.of());
            case "DeleteEndpoint":
                deleteEndpoint(id(request, "EndpointID"));
                return Map.of();
            case "Join":
                return join(request);
            case "Leave":
                leave(id(request, "EndpointID"));
                return Map.of();
            case "ProgramExternalConnectivity":
                publishPorts(request);
                return Map.of();
            case "RevokeExternalConnectivity":
                unpublishPorts(id(request, "EndpointID"));
                return Map.of();
            case "DiscoverNew", "DiscoverDelete", "AllocateNetwork", "FreeNetwork":
                return Map.of();
            default:
                throw DockerPluginRoutes.unknownCall("NetworkDriver." + call);
        }
    }

    private void createNetwork(final JsonNode request)
    {
        final String id = id(request, "NetworkID");
        if (state.networks.containsKey(id))
        {
            return;
        }
        if (request.path("IPv6Data").size() > 0)
        {
            throw RequestException.badRequest("Lanyard networks are IPv4 only: create the network without --ipv6");
        }
        final JsonNode ipv4 = request.path("IPv4Data");
        if (ipv4.size() != 1)
        {
            throw RequestException.badRequest("a Lanyard network has one IPv4 subnet; Docker gave " + ipv4.size());
        }
        final String subnet = Ipv4Cidr.parse(required(ipv4.get(0), "Pool")).canonical().toString();
        final String gateway = withoutPrefix(optional(ipv4.get(0), "Gateway"));
        final Map<String, String> options = genericOptions(request.path("Options"));
        String existing = options.remove(OPTION_NETWORK);
        if (existing == null)
        {
            existing = state.pools.values().stream()
                .filter(pool -> pool.network() != null && pool.subnet().equals(subnet))
                .map(Pool::network).findFirst().orElse(null);
        }
        if (existing != null)
        {
            final Network network = attachable(existing, subnet, gateway);
            state.networks.put(id, new DockerNetwork(network.name(), false));
        }
        else
        {
            final boolean internal = request.path("Options").path(INTERNAL).asBoolean(false);
            final String name = PREFIX + id.substring(0, Math.min(12, id.length()));
            control.createNetwork(new NetworkCreate(name, Network.DRIVER_BRIDGE, List.of(new IpamPool(subnet, gateway, null, Map.of())),
                internal, true, options, Map.of("com.lanyard.docker.network-id", id)));
            state.networks.put(id, new DockerNetwork(name, true));
        }
        state.save();
    }

    /** The existing network a Docker network attaches to, if Docker's subnet and gateway are its own. */
    private Network attachable(final String reference, final String subnet, final String gateway)
    {
        final Network network = control.network(reference);
        if (!network.isSwitched())
        {
            throw RequestException.forbidden("cannot attach a Docker network to the " + network.name() + " network: only bridge " +
                "and overlay networks have endpoints");
        }
        final IpamPool pool = network.ipam().stream().filter(p -> p.subnet().equals(subnet)).findFirst().orElseThrow(() ->
            RequestException.badRequest("Lanyard network " + network.name() + " has subnet " + network.ipam().get(0).subnet() +
                ", not " + subnet + ": give docker network create --subnet " + network.ipam().get(0).subnet() +
                " (and --ipam-driver with --ipam-opt " + OPTION_NETWORK + "=" + network.name() + ", so its addresses are handed out " +
                "around the network's own)"));
        if (gateway != null && !gateway.equals(pool.gateway()))
        {
            throw RequestException.badRequest("Lanyard network " + network.name() + " has gateway " + pool.gateway() + ", not " + gateway);
        }
        return network;
    }

    private void deleteNetwork(final String id)
    {
        final DockerNetwork dockerNetwork = state.networks.get(id);
        if (dockerNetwork == null)
        {
            return;
        }
        if (dockerNetwork.owned())
        {
            requireOnlyDockersEndpoints(id, dockerNetwork.network());
        }
        for (final Iterator<Map.Entry<String, DockerEndpoint>> it = state.endpoints.entrySet().iterator(); it.hasNext(); )
        {
            final DockerEndpoint endpoint = it.next().getValue();
            if (endpoint.dockerNetwork().equals(id))
            {
                detach(endpoint, dockerNetwork);
                it.remove();
            }
        }
        if (dockerNetwork.owned() && control.networks().stream().anyMatch(n -> n.name().equals(dockerNetwork.network())))
        {
            control.removeNetwork(dockerNetwork.network());
        }
        state.networks.remove(id);
        state.save();
    }

    /**
     * Refuses, before any of Docker's endpoints is detached, to delete a network that holds
     * sandboxes or VM ports Docker did not put there: its removal would fail after the detaches.
     */
    private void requireOnlyDockersEndpoints(final String id, final String name)
    {
        final Network network = control.networks().stream().filter(n -> n.name().equals(name)).findFirst().orElse(null);
        if (network == null)
        {
            return;
        }
        final Set<String> dockers = state.endpoints.values().stream()
            .filter(endpoint -> endpoint.dockerNetwork().equals(id) && endpoint.sandbox() != null)
            .map(DockerEndpoint::sandbox).collect(Collectors.toSet());
        final List<String> others = new ArrayList<>();
        control.members(network).keySet().stream().map(Sandbox::name).filter(sandbox -> !dockers.contains(sandbox)).forEach(others::add);
        control.guestPorts().stream().filter(port -> port.endpoint().networkId().equals(network.id())).map(GuestPort::name)
            .forEach(others::add);
        if (!others.isEmpty())
        {
            throw RequestException.conflict("error while removing network: network " + network.name() + " id " + network.id() +
                " has active endpoints (" + String.join(", ", others) + ")");
        }
    }

    private Object createEndpoint(final JsonNode request)
    {
        final String networkId = id(request, "NetworkID");
        final String endpointId = id(request, "EndpointID");
        final Network network = control.network(dockerNetwork(networkId).network());
        final JsonNode given = request.path("Interface");
        if (optional(given, "AddressIPv6") != null)
        {
            throw RequestException.badRequest("Lanyard networks are IPv4 only: no IPv6 address for the endpoint");
        }
        final String cidr = optional(given, "Address");
        if (cidr == null)
        {
            throw RequestException.badRequest("the endpoint needs an IPv4 address from its IPAM driver");
        }
        final int address = Ipv4Cidr.parse(cidr).address();
        final String mac = MacAddress.format(MacAddress.fromIpv4(address));
        final String givenMac = optional(given, "MacAddress");
        if (givenMac != null && MacAddress.parse(givenMac) != MacAddress.parse(mac))
        {
            throw RequestException.badRequest("Lanyard gives a container the MAC of its address (" + mac + "), not " + givenMac);
        }
        final String ip = Ipv4Address.format(address);
        final DockerEndpoint known = state.endpoints.get(endpointId);
        if (known == null)
        {
            requireFreeAddress(network, ip);
            state.endpoints.put(endpointId, new DockerEndpoint(networkId, ip, null));
            state.save();
        }
        final Map<String, Object> iface = new LinkedHashMap<>();
        if (givenMac == null)
        {
            iface.put("MacAddress", mac);
        }
        return Map.of("Interface", iface);
    }

    private void requireFreeAddress(final Network network, final String ip)
    {
        if (!network.ipam().stream().anyMatch(pool -> Ipv4Cidr.parse(pool.subnet()).contains(Ipv4Address.parse(ip))))
        {
            throw RequestException.badRequest("address " + ip + " is outside the subnet of Lanyard network " + network.name());
        }
        for (final Endpoint endpoint : control.members(network).values())
        {
            if (ip.equals(endpoint.ipv4Address()))
            {
                throw RequestException.conflict("Address already in use: " + ip + " on Lanyard network " + network.name());
            }
        }
    }

    private Object join(final JsonNode request)
    {
        final String endpointId = id(request, "EndpointID");
        final String sandboxKey = required(request, "SandboxKey");
        final DockerEndpoint endpoint = state.endpoints.get(endpointId);
        if (endpoint == null)
        {
            throw RequestException.notFound("endpoint " + endpointId + " was not created through this plugin");
        }
        final DockerNetwork dockerNetwork = dockerNetwork(endpoint.dockerNetwork());
        final String sandbox = sandboxName(sandboxKey);
        final String sourceName = sourceName(endpointId);
        control.attach(new AttachRequest(sandbox, sandboxKey, dockerNetwork.network(), sourceName, endpoint.address(), List.of(),
            List.of(), true));
        state.endpoints.put(endpointId, endpoint.joined(sandbox));
        state.save();
        final Network network = control.network(dockerNetwork.network());
        final Map<String, Object> response = new LinkedHashMap<>();
        response.put("InterfaceName", Map.of("SrcName", sourceName, "DstPrefix", "eth"));
        if (!network.internal())
        {
            // without a gateway Docker would add an interface on a docker_gwbridge of its own
            response.put("Gateway", gatewayOf(network, endpoint.address()));
        }
        response.put("StaticRoutes", List.of());
        return response;
    }

    private void leave(final String endpointId)
    {
        final DockerEndpoint endpoint = state.endpoints.get(endpointId);
        if (endpoint == null || endpoint.sandbox() == null)
        {
            return;
        }
        detach(endpoint, state.networks.get(endpoint.dockerNetwork()));
        state.endpoints.put(endpointId, endpoint.joined(null));
        state.save();
    }

    private void deleteEndpoint(final String endpointId)
    {
        leave(endpointId);
        if (state.endpoints.remove(endpointId) != null)
        {
            state.save();
        }
    }

    private void detach(final DockerEndpoint endpoint, final DockerNetwork network)
    {
        if (endpoint.sandbox() != null && network != null)
        {
            control.detach(endpoint.sandbox(), network.network());
        }
    }

    /**
     * Docker asks the driver to publish the ports of {@code docker run -p} once the endpoint is
     * up ({@code ProgramExternalConnectivity}, after {@code Join}): Lanyard publishes them as it
     * does a sandbox's, on the host ports asked (a chosen one for 0).
     */
    private void publishPorts(final JsonNode request)
    {
        final JsonNode map = request.path("Options").path(PORT_MAP);
        if (!map.isArray() || map.size() == 0)
        {
            return;
        }
        final DockerEndpoint endpoint = state.endpoints.get(id(request, "EndpointID"));
        if (endpoint == null || endpoint.sandbox() == null)
        {
            throw RequestException.notFound("endpoint " + id(request, "EndpointID") + " has not joined a container");
        }
        final List<String> specs = new ArrayList<>();
        for (final JsonNode binding : map)
        {
            specs.add(portSpec(binding));
        }
        control.publishPorts(endpoint.sandbox(), specs);
    }

    /** Stops publishing the endpoint's ports ({@code RevokeExternalConnectivity}); what is gone is done. */
    private void unpublishPorts(final String endpointId)
    {
        final DockerEndpoint endpoint = state.endpoints.get(endpointId);
        if (endpoint != null && endpoint.sandbox() != null && control.sandboxes().stream().anyMatch(s -> s.name().equals(endpoint.sandbox())))
        {
            control.unpublishPorts(endpoint.sandbox());
        }
    }

    /** One of Docker's port bindings ({@code Proto} 6/17, {@code Port}, {@code HostIP}, {@code HostPort}) in {@code -p} syntax. */
    static String portSpec(final JsonNode binding)
    {
        final int proto = binding.path("Proto").asInt(-1);
        final String protocol = proto == 6 ? "tcp" : proto == 17 ? "udp" : null;
        final int port = binding.path("Port").asInt(0);
        final int hostPort = binding.path("HostPort").asInt(0);
        if (protocol == null || port < 1 || port > 65_535 || hostPort < 0 || hostPort > 65_535)
        {
            throw RequestException.badRequest("unsupported port binding " + binding + ": TCP or UDP ports 1 to 65535");
        }
        final String hostIp = binding.path("HostIP").asText("");
        final String host = hostIp.isEmpty() ? (hostPort == 0 ? "" : hostPort + ":") : hostIp + ":" + (hostPort == 0 ? "" : hostPort) + ":";
        return host + port + "/" + protocol;
    }

    private DockerNetwork dockerNetwork(final String networkId)
    {
        final DockerNetwork network = state.networks.get(networkId);
        if (network == null)
        {
            throw RequestException.notFound("network " + networkId + " is not a Lanyard network");
        }
        return network;
    }

    private static String gatewayOf(final Network network, final String address)
    {
        final int ip = Ipv4Address.parse(address);
        return network.ipam().stream().filter(pool -> Ipv4Cidr.parse(pool.subnet()).contains(ip)).findFirst()
            .map(IpamPool::gateway).orElseThrow();
    }

    /** The driver options given with {@code -o}, which Docker passes as strings. */
    private static Map<String, String> genericOptions(final JsonNode options)
    {
        final Map<String, String> generic = new LinkedHashMap<>();
        options.path(GENERIC).fields().forEachRemaining(field -> generic.put(field.getKey(), field.getValue().asText()));
        return generic;
    }

    private static String withoutPrefix(final String cidr)
    {
        return cidr == null ? null : cidr.indexOf('/') < 0 ? cidr : cidr.substring(0, cidr.indexOf('/'));
    }

    /** A Lanyard sandbox per container namespace: Docker's sandbox key ends in the sandbox's ID. */
    static String sandboxName(final String sandboxKey)
    {
        final Path file = Path.of(sandboxKey).getFileName();
        final String last = file == null ? "" : file.toString().replaceAll("[^a-zA-Z0-9_.-]", "");
        if (last.isEmpty())
        {
            throw RequestException.badRequest("SandboxKey " + sandboxKey + " names no sandbox");
        }
        return PREFIX + last;
    }

    /** The TAP's name while it is Lanyard's: unique per endpoint, within the 15 characters of an interface name. */
    static String sourceName(final String endpointId)
    {
        return "ly" + endpointId.substring(0, Math.min(11, endpointId.length()));
    }
}
