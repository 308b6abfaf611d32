package io.lanyard.client.api;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /sandboxes}: what {@code lanyard run} asks for. The keys are Lanyard's own, named
 * after Docker's container settings; this record is the only place they are spelled.
 *
 * @param name        the sandbox's name (the daemon requires one).
 * @param network     the network's name or ID; null for the default bridge.
 * @param ipv4Address a static address on a user-defined network, or null.
 * @param aliases     network-scoped aliases.
 * @param command     what to run in the sandbox; empty for nothing.
 * @param detach      leave the command running in the background.
 * @param ports       published ports, in {@code -p} syntax.
 * @param dns         the sandbox's own resolvers.
 * @param links       legacy links, {@code NAME[:ALIAS]}.
 * @param driverOpts  the endpoint's options (Docker's {@code EndpointSettings.DriverOpts}).
 */
public record RunRequest(String name, String network, String ipv4Address, List<String> aliases, List<String> command,
    boolean detach, List<String> ports, List<String> dns, List<String> links, Map<String, String> driverOpts)
{
    private static final String NAME = "Name";
    private static final String NETWORK = "Network";
    private static final String IPV4_ADDRESS = "IPv4Address";
    private static final String ALIASES = "Aliases";
    private static final String COMMAND = "Cmd";
    private static final String DETACH = "Detach";
    private static final String PORTS = "Ports";
    private static final String DNS = "Dns";
    private static final String LINKS = "Links";
    private static final String DRIVER_OPTS = "DriverOpts";

    public RunRequest
    {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        command = command == null ? List.of() : List.copyOf(command);
        ports = ports == null ? List.of() : List.copyOf(ports);
        dns = dns == null ? List.of() : List.copyOf(dns);
        links = links == null ? List.of() : List.copyOf(links);
        driverOpts = driverOpts == null ? Map.of() : Map.copyOf(driverOpts);
    }

    public RunRequest(final String name, final String network, final String ipv4Address, final List<String> aliases,
        final List<String> command, final boolean detach, final List<String> ports, final List<String> dns, final List<String> links)
    {
        this(name, network, ipv4Address, aliases, command, detach, ports, dns, links, Map.of());
    }

    /** {@code lanyard run -d --name NAME [--net NETWORK]}: a sandbox with no command. */
    public static RunRequest detached(final String name, final String network)
    {
        return new RunRequest(name, network, null, List.of(), List.of(), true, List.of(), List.of(), List.of());
    }

    /** This request with these network aliases ({@code --network-alias}). */
    public RunRequest withAliases(final List<String> aliases)
    {
        return new RunRequest(name, network, ipv4Address, aliases, command, detach, ports, dns, links, driverOpts);
    }

    @JsonValue
    public ObjectNode toJson()
    {
        final ObjectNode json = JsonFields.object();
        json.put(NAME, name);
        json.put(NETWORK, network);
        json.put(IPV4_ADDRESS, ipv4Address);
        JsonFields.putStrings(json, ALIASES, aliases);
        JsonFields.putStrings(json, COMMAND, command);
        json.put(DETACH, detach);
        JsonFields.putStrings(json, PORTS, ports);
        JsonFields.putStrings(json, DNS, dns);
        JsonFields.putStrings(json, LINKS, links);
        if (!driverOpts.isEmpty())
        {
            JsonFields.putStringMap(json, DRIVER_OPTS, driverOpts);
        }
        return json;
    }

    /**
     * Reads a request body, field by field in the order above.
     *
     * @throws InvalidRequestException naming the first field of the wrong type.
     */
    public static RunRequest fromJson(final JsonNode json)
    {
        return new RunRequest(JsonFields.text(json, NAME), JsonFields.text(json, NETWORK), JsonFields.text(json, IPV4_ADDRESS),
            JsonFields.strings(json, ALIASES), JsonFields.strings(json, COMMAND), JsonFields.flag(json, DETACH),
            JsonFields.strings(json, PORTS), JsonFields.strings(json, DNS), JsonFields.strings(json, LINKS),
            JsonFields.stringMap(json, DRIVER_OPTS));
    }
}
