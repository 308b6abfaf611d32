package io.lanyard.client.api;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /sandboxes/attach}: give a network namespace someone else made (a container
 * runtime's, a VM monitor's) an interface on a Lanyard network. The keys are Lanyard's own,
 * named like {@link RunRequest}'s; this record is the only place they are spelled.
 *
 * @param name        the container's name or ID as its runtime gives it: the sandbox's name, and
 *                    its DNS name on user-defined networks; required.
 * @param netns       the namespace, as an absolute path ({@code /proc/PID/ns/net},
 *                    {@code /run/netns/NAME}); required.
 * @param network     the network's name or ID; required.
 * @param interfaceName the interface to create in the namespace; required.
 * @param ipv4Address a static address on a user-defined network, or null.
 * @param aliases     network-scoped aliases.
 * @param ports       published ports, in {@code -p} syntax.
 * @param handOver    make the interface in the daemon's own namespace, under {@code interfaceName},
 *                    for the runtime to move into the namespace and configure (Docker's remote
 *                    drivers work so); the namespace need not exist yet.
 * @param driverOpts  the endpoint's options, as {@link RunRequest#driverOpts()}.
 */
public record AttachRequest(String name, String netns, String network, String interfaceName, String ipv4Address,
    List<String> aliases, List<String> ports, boolean handOver, Map<String, String> driverOpts)
{
    private static final String NAME = "Name";
    private static final String NETNS = "Netns";
    private static final String NETWORK = "Network";
    private static final String INTERFACE = "Interface";
    private static final String IPV4_ADDRESS = "IPv4Address";
    private static final String ALIASES = "Aliases";
    private static final String PORTS = "Ports";
    private static final String HAND_OVER = "HandOver";
    private static final String DRIVER_OPTS = "DriverOpts";

    public AttachRequest
    {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        ports = ports == null ? List.of() : List.copyOf(ports);
        driverOpts = driverOpts == null ? Map.of() : Map.copyOf(driverOpts);
    }

    public AttachRequest(final String name, final String netns, final String network, final String interfaceName,
        final String ipv4Address, final List<String> aliases, final List<String> ports, final boolean handOver)
    {
        this(name, netns, network, interfaceName, ipv4Address, aliases, ports, handOver, Map.of());
    }

    /** A request for an interface Lanyard puts into the namespace itself. */
    public AttachRequest(final String name, final String netns, final String network, final String interfaceName,
        final String ipv4Address, final List<String> aliases, final List<String> ports)
    {
        this(name, netns, network, interfaceName, ipv4Address, aliases, ports, false);
    }

    @JsonValue
    public ObjectNode toJson()
    {
        final ObjectNode json = JsonFields.object();
        json.put(NAME, name);
        json.put(NETNS, netns);
        json.put(NETWORK, network);
        json.put(INTERFACE, interfaceName);
        json.put(IPV4_ADDRESS, ipv4Address);
        JsonFields.putStrings(json, ALIASES, aliases);
        JsonFields.putStrings(json, PORTS, ports);
        if (handOver)
        {
            json.put(HAND_OVER, true);
        }
        if (!driverOpts.isEmpty())
        {
            JsonFields.putStringMap(json, DRIVER_OPTS, driverOpts);
        }
        return json;
    }

    /**
     * Reads a request body.
     *
     * @throws InvalidRequestException naming the first field missing or of the wrong type.
     */
    public static AttachRequest fromJson(final JsonNode json)
    {
        final AttachRequest request = new AttachRequest(JsonFields.text(json, NAME), JsonFields.text(json, NETNS),
            JsonFields.text(json, NETWORK), JsonFields.text(json, INTERFACE), JsonFields.text(json, IPV4_ADDRESS),
            JsonFields.strings(json, ALIASES), JsonFields.strings(json, PORTS), JsonFields.flag(json, HAND_OVER),
            JsonFields.stringMap(json, DRIVER_OPTS));
        require(request.name(), NAME, "the container's name or ID");
        require(request.netns(), NETNS, "the network namespace's path");
        require(request.network(), NETWORK, "the network");
        require(request.interfaceName(), INTERFACE, "the interface name");
        return request;
    }

    static void require(final String value, final String field, final String what)
    {
        if (value == null || value.isEmpty())
        {
            throw new InvalidRequestException(field + " (" + what + ") is required");
        }
    }
}
