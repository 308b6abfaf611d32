package io.lanyard.control.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The calls of Docker's remote network driver protocol (libnetwork's {@code remote.md}) on one
 * activated plugin, with Lanyard's values in and the plugin's out. Lanyard does the IPAM: the
 * plugin gets each network's pools as {@code IPv4Data} and each endpoint's address; it makes the
 * interface and gives connectivity.
 */
public final class RemoteDriver
{
    /** A pool of a network as {@code CreateNetwork} passes it: CIDRs, the gateway as a CIDR too. */
    public record Pool(String pool, String gateway, Map<String, String> auxAddresses)
    {
    }

    private static final String GENERIC_OPTIONS = "com.docker.network.generic";
    private static final int ROUTE_CONNECTED = 1;

    private final PluginClient client;

    private RemoteDriver(final PluginClient client)
    {
        this.client = client;
    }

    /** Activates the plugin and checks it is a network driver. */
    public static RemoteDriver activate(final PluginClient client)
    {
        final JsonNode implemented = client.call("Plugin.Activate", Map.of()).path("Implements");
        for (final JsonNode kind : implemented)
        {
            if ("NetworkDriver".equals(kind.asText()))
            {
                final RemoteDriver driver = new RemoteDriver(client);
                driver.client.call("NetworkDriver.GetCapabilities", Map.of());
                return driver;
            }
        }
        throw PluginException.failed("plugin \"" + client.name() + "\" is not a network driver (it implements " + implemented + ")");
    }

    public String name()
    {
        return client.name();
    }

    public void createNetwork(final String networkId, final Map<String, String> options, final List<Pool> pools)
    {
        final ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("NetworkID", networkId);
        body.putObject("Options").set(GENERIC_OPTIONS, Json.MAPPER.valueToTree(options));
        final ArrayNode v4 = body.putArray("IPv4Data");
        for (final Pool pool : pools)
        {
            final ObjectNode data = v4.addObject();
            data.put("AddressSpace", "LocalDefault");
            data.put("Pool", pool.pool());
            data.put("Gateway", pool.gateway());
            data.set("AuxAddresses", Json.MAPPER.valueToTree(pool.auxAddresses()));
        }
        body.putArray("IPv6Data");
        client.call("NetworkDriver.CreateNetwork", body);
    }

    public void deleteNetwork(final String networkId)
    {
        client.call("NetworkDriver.DeleteNetwork", Map.of("NetworkID", networkId));
    }

    /**
     * Announces an endpoint with its address (a CIDR) and no MAC.
     *
     * @return the MAC the plugin chose for the interface, or null to keep Lanyard's.
     */
    public String createEndpoint(final String networkId, final String endpointId, final String address)
    {
        final Map<String, Object> body = Map.of("NetworkID", networkId, "EndpointID", endpointId, "Options", Map.of(),
            "Interface", Map.of("Address", address, "AddressIPv6", "", "MacAddress", ""));
        final String mac = client.call("NetworkDriver.CreateEndpoint", body).path("Interface").path("MacAddress").asText("");
        return mac.isEmpty() ? null : mac;
    }

    /** Asks for the endpoint's interface for the sandbox whose namespace is at {@code sandboxKey}. */
    public JoinInfo join(final String networkId, final String endpointId, final String sandboxKey)
    {
        final JsonNode answer = client.call("NetworkDriver.Join",
            Map.of("NetworkID", networkId, "EndpointID", endpointId, "SandboxKey", sandboxKey, "Options", Map.of()));
        final String srcName = answer.path("InterfaceName").path("SrcName").asText("");
        if (srcName.isEmpty())
        {
            throw PluginException.failed("plugin \"" + client.name() + "\" joined endpoint " + endpointId + " without an interface " +
                "(no InterfaceName.SrcName)");
        }
        final List<JoinInfo.StaticRoute> routes = new ArrayList<>();
        for (final JsonNode route : answer.path("StaticRoutes"))
        {
            final boolean connected = route.path("RouteType").asInt(0) == ROUTE_CONNECTED;
            routes.add(new JoinInfo.StaticRoute(route.path("Destination").asText(), connected ? null : route.path("NextHop").asText()));
        }
        final String gateway = answer.path("Gateway").asText("");
        return new JoinInfo(srcName, answer.path("InterfaceName").path("DstPrefix").asText(""), gateway.isEmpty() ? null : gateway,
            routes);
    }

    public void leave(final String networkId, final String endpointId)
    {
        client.call("NetworkDriver.Leave", Map.of("NetworkID", networkId, "EndpointID", endpointId));
    }

    public void deleteEndpoint(final String networkId, final String endpointId)
    {
        client.call("NetworkDriver.DeleteEndpoint", Map.of("NetworkID", networkId, "EndpointID", endpointId));
    }
}
