package io.lanyard.client.api;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /networks/{id}/connect}: Docker Engine's {@code NetworkConnectRequest}, the
 * container and the part of its {@code EndpointConfig} Lanyard takes.
 *
 * @param container   the sandbox's name or ID; required.
 * @param ipv4Address a static address on the network, or null.
 * @param aliases     network-scoped aliases.
 * @param driverOpts  the endpoint's options ({@code EndpointConfig.DriverOpts}).
 */
public record ConnectRequest(String container, String ipv4Address, List<String> aliases, Map<String, String> driverOpts)
{
    static final String CONTAINER = "Container";
    private static final String ENDPOINT_CONFIG = "EndpointConfig";
    private static final String IPAM_CONFIG = "IPAMConfig";
    private static final String IPV4_ADDRESS = "IPv4Address";
    private static final String ALIASES = "Aliases";
    private static final String DRIVER_OPTS = "DriverOpts";

    public ConnectRequest
    {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        driverOpts = driverOpts == null ? Map.of() : Map.copyOf(driverOpts);
    }

    public ConnectRequest(final String container, final String ipv4Address, final List<String> aliases)
    {
        this(container, ipv4Address, aliases, Map.of());
    }

    @JsonValue
    public ObjectNode toJson()
    {
        final ObjectNode json = JsonFields.object();
        json.put(CONTAINER, container);
        final ObjectNode endpoint = json.putObject(ENDPOINT_CONFIG);
        if (ipv4Address != null)
        {
            endpoint.putObject(IPAM_CONFIG).put(IPV4_ADDRESS, ipv4Address);
        }
        JsonFields.putStrings(endpoint, ALIASES, aliases);
        if (!driverOpts.isEmpty())
        {
            JsonFields.putStringMap(endpoint, DRIVER_OPTS, driverOpts);
        }
        return json;
    }

    /**
     * Reads a request body.
     *
     * @throws InvalidRequestException when it names no container or a field has the wrong type.
     */
    public static ConnectRequest fromJson(final JsonNode json)
    {
        final String container = requireContainer(json, "connect");
        final JsonNode endpoint = json.path(ENDPOINT_CONFIG);
        return new ConnectRequest(container, endpoint.path(IPAM_CONFIG).isObject() ?
            JsonFields.text(endpoint.path(IPAM_CONFIG), IPV4_ADDRESS) : null, JsonFields.strings(endpoint, ALIASES),
            JsonFields.stringMap(endpoint, DRIVER_OPTS));
    }

    /** The {@code Container} of a connect or disconnect request, which both require. */
    static String requireContainer(final JsonNode json, final String action)
    {
        final String container = JsonFields.text(json, CONTAINER);
        if (container == null || container.isEmpty())
        {
            throw new InvalidRequestException("a container (sandbox) to " + action + " is required");
        }
        return container;
    }
}
