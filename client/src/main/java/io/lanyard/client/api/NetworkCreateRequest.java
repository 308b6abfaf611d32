package io.lanyard.client.api;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /networks/create}: Docker Engine's {@code NetworkCreateRequest}, as much of it as
 * Lanyard takes. IPv4 only: a request with {@code EnableIPv6} is one this API cannot express.
 *
 * @param name       the network's name (the daemon checks it).
 * @param driver     {@code bridge}, {@code overlay}, a plugin's name; null for bridge.
 * @param ipam       the subnets, in order; empty lets the daemon pick one.
 * @param internal   no access to the outside.
 * @param attachable allow manual attachment.
 * @param options    driver options.
 * @param labels     user labels.
 */
public record NetworkCreateRequest(String name, String driver, List<IpamConfig> ipam, boolean internal, boolean attachable,
    Map<String, String> options, Map<String, String> labels)
{
    private static final String NAME = "Name";
    private static final String DRIVER = "Driver";
    private static final String IPAM = "IPAM";
    private static final String IPAM_DRIVER = "Driver";
    private static final String IPAM_CONFIG = "Config";
    private static final String DEFAULT_IPAM_DRIVER = "default";
    private static final String ENABLE_IPV6 = "EnableIPv6";
    private static final String INTERNAL = "Internal";
    private static final String ATTACHABLE = "Attachable";
    private static final String OPTIONS = "Options";
    private static final String LABELS = "Labels";

    public NetworkCreateRequest
    {
        ipam = ipam == null ? List.of() : List.copyOf(ipam);
        options = options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** {@code lanyard network create --driver DRIVER --subnet SUBNET NAME}. */
    public static NetworkCreateRequest withSubnet(final String name, final String driver, final String subnet)
    {
        return new NetworkCreateRequest(name, driver, List.of(new IpamConfig(subnet, null, null, Map.of())), false, false,
            Map.of(), Map.of());
    }

    @JsonValue
    public ObjectNode toJson()
    {
        final ObjectNode json = JsonFields.object();
        json.put(NAME, name);
        json.put(DRIVER, driver);
        final ObjectNode ipamJson = json.putObject(IPAM);
        ipamJson.put(IPAM_DRIVER, DEFAULT_IPAM_DRIVER);
        final ArrayNode config = ipamJson.putArray(IPAM_CONFIG);
        ipam.forEach(pool -> config.add(pool.toJson()));
        json.put(INTERNAL, internal);
        json.put(ATTACHABLE, attachable);
        JsonFields.putStringMap(json, OPTIONS, options);
        JsonFields.putStringMap(json, LABELS, labels);
        return json;
    }

    /**
     * Reads a request body: the IPAM configuration first, then the rest in the order above.
     *
     * @throws InvalidRequestException naming the first field of the wrong type, or for IPv6.
     */
    public static NetworkCreateRequest fromJson(final JsonNode json)
    {
        final List<IpamConfig> pools = new ArrayList<>();
        final JsonNode config = json.path(IPAM).path(IPAM_CONFIG);
        if (!config.isMissingNode() && !config.isNull() && !config.isArray())
        {
            throw new InvalidRequestException(IPAM + "." + IPAM_CONFIG + " must be an array");
        }
        for (final JsonNode pool : config)
        {
            pools.add(IpamConfig.fromJson(pool));
        }
        if (JsonFields.flag(json, ENABLE_IPV6))
        {
            throw new InvalidRequestException("IPv6 networks are not supported");
        }
        return new NetworkCreateRequest(JsonFields.text(json, NAME), JsonFields.text(json, DRIVER), pools,
            JsonFields.flag(json, INTERNAL), JsonFields.flag(json, ATTACHABLE), JsonFields.stringMap(json, OPTIONS),
            JsonFields.stringMap(json, LABELS));
    }
}
