package io.lanyard.control;

import io.lanyard.client.api.AttachRequest;
import io.lanyard.client.api.PortCreateRequest;
import io.lanyard.client.api.RunRequest;
import io.lanyard.control.model.IpamPool;

import java.util.List;
import java.util.Map;

/**
 * How much a request may ask the daemon to keep, field by field, and the checks that hold it
 * to that. The API's body limit (1 MiB) bounds a request as a whole, not what it leaves behind:
 * every value below ends up in the state file, which is rewritten and fsynced on every change,
 * in the answer to every list and inspect, and some in a file, namespace or interface name. A
 * client once created a network with 60,000 labels (769 KB), and the state file grew to 1.3 MB.
 * A request over a limit is refused with 400 and a one-line message naming the field (as the
 * API spells it) and the limit, before anything is made.
 *
 * <p>Docker bounds none of these in size; the numbers follow Kubernetes where it has one, and
 * leave room for any real use:
 * <ul>
 *   <li>a name (a sandbox's, a network's): Docker's {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}, and at most
 *       NAME_MAX (255) less the sandbox prefix, since a sandbox's namespace is the file
 *       {@code /run/netns/PREFIX+NAME}; a network's name follows the same rule, so that any name
 *       valid for one is valid for the other;</li>
 *   <li>labels, driver options and auxiliary addresses: at most {@value #MAX_ENTRIES} entries; a key of at most
 *       {@value #MAX_KEY} characters (Kubernetes' longest qualified name: a 253-character DNS
 *       prefix, {@code /}, a 63-character name); a value of at most {@value #MAX_VALUE}; at most
 *       {@value #MAX_OBJECT_TEXT} characters of keys and values together (a quarter of what Kubernetes
 *       allows an object's annotations, since every object shares one state file);</li>
 *   <li>IPAM: at most {@value #MAX_POOLS} pools;</li>
 *   <li>a network alias: at most {@value #MAX_ALIAS} characters (a DNS name), {@value #MAX_ALIASES} per endpoint;</li>
 *   <li>a command: at most {@value #MAX_ARGUMENTS} arguments and {@value #MAX_OBJECT_TEXT} characters in all;</li>
 *   <li>published ports: {@value #MAX_PORTS} per sandbox; DNS servers: {@value #MAX_DNS_SERVERS} (the C
 *       library reads three); links: {@value #MAX_LINKS}, each a name, a colon and an alias
 *       ({@value #MAX_LINK} characters);</li>
 *   <li>a namespace's path: PATH_MAX ({@value #MAX_PATH}); any other string (a reference to a
 *       network or sandbox, an address, a port spec, a driver's name, a MAC, a user):
 *       {@value #MAX_TEXT} characters, longer than any valid one.</li>
 * </ul>
 */
public final class RequestLimits
{
    /** Linux's NAME_MAX: the longest file name, such as a namespace's under /run/netns. */
    static final int MAX_FILE_NAME = 255;
    static final int MAX_TEXT = 255;
    static final int MAX_PATH = 4096;
    static final int MAX_ENTRIES = 128;
    static final int MAX_KEY = 317;
    static final int MAX_VALUE = 4096;
    static final int MAX_OBJECT_TEXT = 65_536;
    static final int MAX_POOLS = 16;
    static final int MAX_ALIAS = 253;
    static final int MAX_ALIASES = 64;
    static final int MAX_ARGUMENTS = 1024;
    static final int MAX_PORTS = 256;
    static final int MAX_LINKS = 64;
    static final int MAX_LINK = MAX_FILE_NAME + 1 + MAX_ALIAS;
    static final int MAX_DNS_SERVERS = 16;
    /** How much of an over-long value a refusal quotes. */
    private static final int QUOTED = 16;

    private RequestLimits()
    {
    }

    /** {@code network create} past its name (which {@link RequestChecks} holds to Docker's rule). */
    static void networkCreate(final NetworkCreate request)
    {
        text("Driver", request.driver());
        entries("IPAM.Config", request.ipam().size(), MAX_POOLS);
        for (final IpamPool pool : request.ipam())
        {
            text("IPAM.Config.Subnet", pool.subnet());
            text("IPAM.Config.Gateway", pool.gateway());
            text("IPAM.Config.IPRange", pool.ipRange());
            map("IPAM.Config.AuxiliaryAddresses", pool.auxAddresses());
        }
        map("Options", request.options());
        map("Labels", request.labels());
    }

    /** {@code run} past its name. */
    static void run(final RunRequest request)
    {
        endpoint(request.network(), request.ipv4Address(), request.aliases());
        strings("Cmd", request.command(), MAX_ARGUMENTS, MAX_OBJECT_TEXT, MAX_OBJECT_TEXT);
        strings("Ports", request.ports(), MAX_PORTS);
        strings("Dns", request.dns(), MAX_DNS_SERVERS);
        strings("Links", request.links(), MAX_LINKS, MAX_LINK, Integer.MAX_VALUE);
    }

    /** {@code attach} past its name. */
    static void attach(final AttachRequest request)
    {
        text("Netns", request.netns(), MAX_PATH);
        text("Interface", request.interfaceName());
        endpoint(request.network(), request.ipv4Address(), request.aliases());
        strings("Ports", request.ports(), MAX_PORTS);
    }

    /** {@code network connect}. */
    static void connect(final String network, final String container, final String ipv4Address, final List<String> aliases)
    {
        text("Container", container);
        endpoint(network, ipv4Address, aliases);
    }

    /** {@code port create}. */
    static void portCreate(final PortCreateRequest request)
    {
        text("Name", request.name());
        text("Network", request.network());
        text("MacAddress", request.macAddress());
        text("IPv4Address", request.ipv4Address());
        text("User", request.user());
    }

    /** Ports a runtime publishes after its attach. */
    static void ports(final List<String> specs)
    {
        strings("Ports", specs, MAX_PORTS);
    }

    private static void endpoint(final String network, final String ipv4Address, final List<String> aliases)
    {
        text("Network", network);
        text("IPv4Address", ipv4Address);
        strings("Aliases", aliases, MAX_ALIASES, MAX_ALIAS, Integer.MAX_VALUE);
    }

    /** The longest name a sandbox (and so a network) may have when namespaces are named {@code prefix + name}. */
    static int longestName(final String sandboxPrefix)
    {
        return MAX_FILE_NAME - sandboxPrefix.length();
    }

    /** A string of at most {@value #MAX_TEXT} characters, or null. */
    static void text(final String field, final String value)
    {
        text(field, value, MAX_TEXT);
    }

    /** A string of at most {@code max} characters, or null. */
    private static void text(final String field, final String value, final int max)
    {
        if (value != null && value.length() > max)
        {
            throw RequestException.badRequest(field + ": at most " + max + " characters, not " + value.length() + " (" +
                quoted(value) + ")");
        }
    }

    /** At most {@code maxEntries} strings of at most {@code maxLength} characters each, {@code maxTotal} together. */
    private static void strings(final String field, final List<String> values, final int maxEntries, final int maxLength, final int maxTotal)
    {
        entries(field, values.size(), maxEntries);
        long total = 0;
        for (final String value : values)
        {
            text(field, value, maxLength);
            total += value.length();
        }
        total(field, total, maxTotal);
    }

    /** At most {@code maxEntries} strings of at most {@value #MAX_TEXT} characters each. */
    private static void strings(final String field, final List<String> values, final int maxEntries)
    {
        strings(field, values, maxEntries, MAX_TEXT, Integer.MAX_VALUE);
    }

    /** Labels, driver options, auxiliary addresses: the limits of every string map a request carries. */
    private static void map(final String field, final Map<String, String> values)
    {
        entries(field, values.size(), MAX_ENTRIES);
        long total = 0;
        for (final Map.Entry<String, String> entry : values.entrySet())
        {
            text(field + " key", entry.getKey(), MAX_KEY);
            text(field + "." + quoted(entry.getKey()), entry.getValue(), MAX_VALUE);
            total += entry.getKey().length() + (entry.getValue() == null ? 0 : entry.getValue().length());
        }
        total(field, total, MAX_OBJECT_TEXT);
    }

    /** Whether {@code count} of something is at most {@code max}. */
    private static void entries(final String field, final int count, final int max)
    {
        if (count > max)
        {
            throw RequestException.badRequest(field + ": at most " + max + " entries, not " + count);
        }
    }

    /** The first characters of a value too long to repeat whole. */
    public static String quoted(final String value)
    {
        return value.length() <= QUOTED ? value : value.substring(0, QUOTED) + "...";
    }

    private static void total(final String field, final long total, final int max)
    {
        if (total > max)
        {
            throw RequestException.badRequest(field + ": at most " + max + " characters in all, not " + total);
        }
    }
}
