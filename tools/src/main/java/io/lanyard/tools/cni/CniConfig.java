package io.lanyard.tools.cni;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.api.IpamConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network configuration for {@code "type": "lanyard-cni"}, read from stdin.
 *
 * <pre>
 * {"cniVersion": "1.0.0", "name": "web", "type": "lanyard-cni",
 *  "network": "web",                                   (the Lanyard network; default: name)
 *  "socket": "/run/lanyard/lanyard.sock",              (default)
 *  "ipam": {"ranges": [[{"subnet": "10.88.0.0/24", "gateway": "10.88.0.1"}]]},   (or "subnet")
 *  "capabilities": {"aliases": true, "portMappings": true}}
 * </pre>
 *
 * @param ipam       the subnets to create the network with when it does not exist; empty for the default pools.
 * @param ports      {@code runtimeConfig.portMappings}, in {@code -p} syntax.
 * @param aliases    {@code runtimeConfig.aliases} for this network.
 * @param validAttachments GC's {@code cni.dev/valid-attachments}, as {@code containerID/ifname}.
 */
record CniConfig(String cniVersion, String name, String network, Path socket, List<IpamConfig> ipam, List<String> ports,
    List<String> aliases, Set<String> validAttachments)
{
    static final String TYPE = "lanyard-cni";
    static final List<String> SUPPORTED_VERSIONS = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");
    static final String LATEST_VERSION = "1.1.0";
    static final Path DEFAULT_SOCKET = Path.of("/run/lanyard/lanyard.sock");

    /** @throws CniError 1 for a version this plugin does not speak, 7 for anything else wrong. */
    static CniConfig from(final JsonNode json)
    {
        if (json == null || !json.isObject())
        {
            throw new CniError(CniError.DECODE_FAILURE, "the network configuration on stdin is not a JSON object");
        }
        final String version = text(json, "cniVersion");
        if (version == null)
        {
            throw new CniError(CniError.INVALID_CONFIG, "cniVersion is missing from the network configuration");
        }
        if (!SUPPORTED_VERSIONS.contains(version))
        {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "CNI version " + version + " is not supported (supported: " +
                String.join(", ", SUPPORTED_VERSIONS) + ")");
        }
        final String name = text(json, "name");
        if (name == null || name.isEmpty())
        {
            throw new CniError(CniError.INVALID_CONFIG, "name is missing from the network configuration");
        }
        final String type = text(json, "type");
        if (!TYPE.equals(type))
        {
            throw new CniError(CniError.INVALID_CONFIG, "type is " + (type == null ? "missing" : "\"" + type + "\"") + ", not " + TYPE);
        }
        final String network = text(json, "network");
        final String socket = text(json, "socket");
        if (socket != null && !socket.startsWith("/"))
        {
            throw new CniError(CniError.INVALID_CONFIG, "socket must be an absolute path, not \"" + socket + "\"");
        }
        final JsonNode runtime = json.path("runtimeConfig");
        return new CniConfig(version, name, network == null || network.isEmpty() ? name : network,
            socket == null ? DEFAULT_SOCKET : Path.of(socket), ipam(json.path("ipam")), ports(runtime.path("portMappings")),
            aliases(runtime.path("aliases"), network == null || network.isEmpty() ? name : network, name),
            validAttachments(json.path("cni.dev/valid-attachments")));
    }

    /** Whether results and errors of this version carry {@code "version": "4"} in each IP (before 1.0.0). */
    boolean isLegacy()
    {
        return cniVersion.startsWith("0.");
    }

    private static List<IpamConfig> ipam(final JsonNode ipam)
    {
        final List<IpamConfig> pools = new ArrayList<>();
        if (ipam.isMissingNode() || ipam.isNull())
        {
            return pools;
        }
        if (!ipam.isObject())
        {
            throw new CniError(CniError.INVALID_CONFIG, "ipam must be an object");
        }
        final String subnet = text(ipam, "subnet");
        if (subnet != null)
        {
            pools.add(new IpamConfig(subnet, text(ipam, "gateway"), null, Map.of()));
        }
        final JsonNode ranges = ipam.path("ranges");
        if (!ranges.isMissingNode())
        {
            if (!ranges.isArray())
            {
                throw new CniError(CniError.INVALID_CONFIG, "ipam.ranges must be a list of range sets");
            }
            for (final JsonNode set : ranges)
            {
                if (!set.isArray() || set.isEmpty())
                {
                    throw new CniError(CniError.INVALID_CONFIG, "each range set of ipam.ranges must be a non-empty list");
                }
                for (final JsonNode range : set)
                {
                    final String rangeSubnet = text(range, "subnet");
                    if (rangeSubnet == null)
                    {
                        throw new CniError(CniError.INVALID_CONFIG, "a range of ipam.ranges has no subnet");
                    }
                    if (range.has("rangeStart") || range.has("rangeEnd"))
                    {
                        throw new CniError(CniError.UNSUPPORTED_FIELD, "ipam ranges with rangeStart/rangeEnd are not supported: " +
                            "Lanyard hands out a network's whole subnet");
                    }
                    pools.add(new IpamConfig(rangeSubnet, text(range, "gateway"), null, Map.of()));
                }
            }
        }
        return pools;
    }

    private static List<String> ports(final JsonNode mappings)
    {
        final List<String> ports = new ArrayList<>();
        if (mappings.isMissingNode() || mappings.isNull())
        {
            return ports;
        }
        if (!mappings.isArray())
        {
            throw new CniError(CniError.INVALID_CONFIG, "runtimeConfig.portMappings must be a list");
        }
        for (final JsonNode mapping : mappings)
        {
            final int hostPort = mapping.path("hostPort").asInt(-1);
            final int containerPort = mapping.path("containerPort").asInt(-1);
            if (hostPort < 0 || hostPort > 65535 || containerPort < 1 || containerPort > 65535)
            {
                throw new CniError(CniError.INVALID_CONFIG, "invalid port mapping " + mapping + ": hostPort and containerPort are needed");
            }
            final String protocol = text(mapping, "protocol");
            final String hostIp = text(mapping, "hostIP");
            ports.add((hostIp == null || hostIp.isEmpty() ? "" : hostIp + ":") + (hostPort == 0 ? "" : hostPort) + ":" + containerPort +
                "/" + (protocol == null || protocol.isEmpty() ? "tcp" : protocol.toLowerCase(java.util.Locale.ROOT)));
        }
        return ports;
    }

    /** podman keys the aliases by its network's name: the CNI name, or the Lanyard network. */
    private static List<String> aliases(final JsonNode aliases, final String network, final String name)
    {
        final Set<String> found = new LinkedHashSet<>();
        for (final String key : List.of(name, network))
        {
            final JsonNode list = aliases.path(key);
            if (list.isArray())
            {
                list.forEach(alias -> found.add(alias.asText()));
            }
        }
        return List.copyOf(found);
    }

    private static Set<String> validAttachments(final JsonNode list)
    {
        final Set<String> valid = new LinkedHashSet<>();
        if (list.isArray())
        {
            for (final JsonNode attachment : list)
            {
                valid.add(attachment.path("containerID").asText() + "/" + attachment.path("ifname").asText());
            }
        }
        return valid;
    }

    private static String text(final JsonNode json, final String field)
    {
        final JsonNode value = json.get(field);
        if (value == null || value.isNull())
        {
            return null;
        }
        if (!value.isTextual())
        {
            throw new CniError(CniError.INVALID_CONFIG, field + " must be a string");
        }
        return value.asText();
    }
}
