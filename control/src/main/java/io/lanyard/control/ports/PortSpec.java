package io.lanyard.control.ports;

import io.netty.util.NetUtil;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker's {@code -p/--publish} short syntax, {@code [[hostIp:][hostPort]:]containerPort[/protocol]}:
 * {@code 80}, {@code 8080:80}, {@code 127.0.0.1:8081:80}, {@code 127.0.0.1::80}, {@code 5353:53/udp}.
 * <p>
 * The split follows Docker's: the last {@code :}-separated part is the container port, the one
 * before it the host port, and everything before that the host IP, so a bracketed IPv6 address
 * survives the split and can be refused by name instead of as gibberish. Refusals are one line in
 * Docker's wording ({@code invalid containerPort: 99999}) so users recognise them. Three things Docker
 * accepts are refused here: port ranges and IPv6 host IPs, which are not supported yet, and an empty
 * field before a colon ({@code :80}, {@code :8080:80}), which is more likely a typo than a request for
 * a chosen port on all addresses.
 */
public final class PortSpec
{
    private PortSpec()
    {
    }

    /**
     * @throws IllegalArgumentException with a one-line reason when the spec is malformed, a port is
     *                                  out of range, the protocol is not tcp or udp, a port range
     *                                  or IPv6 host IP is given, or the host IP is not IPv4.
     */
    public static PortBinding parse(final String spec)
    {
        if (spec == null || spec.isEmpty())
        {
            throw new IllegalArgumentException("no port specified: <empty>");
        }

        final String[] parts = spec.split(":", -1);
        final int count = parts.length;
        final String containerPart = parts[count - 1];
        final String hostPortText = count >= 2 ? parts[count - 2] : "";
        final String hostIpText = count >= 3 ? String.join(":", Arrays.copyOf(parts, count - 2)) : "";

        final int slash = containerPart.indexOf('/');
        final String containerPortText = slash < 0 ? containerPart : containerPart.substring(0, slash);
        final String protocolText = slash < 0 ? "" : containerPart.substring(slash + 1);
        if (containerPortText.isEmpty())
        {
            throw new IllegalArgumentException("no port specified: " + spec);
        }
        final String protocol = PortBinding.normaliseProtocol(protocolText);

        if (isRange(containerPortText) || isRange(hostPortText))
        {
            throw new IllegalArgumentException("port ranges are not supported yet: " + spec);
        }
        if ((count == 2 && hostPortText.isEmpty()) || (count >= 3 && hostIpText.isEmpty()))
        {
            throw new IllegalArgumentException("invalid port specification: \"" + spec + "\"");
        }

        final String hostIp = hostIp(hostIpText);
        final int containerPort = port(containerPortText);
        if (containerPort < 1)
        {
            throw new IllegalArgumentException("invalid containerPort: " + containerPortText);
        }
        final int hostPort = hostPortText.isEmpty() ? 0 : port(hostPortText);
        if (hostPort < 0)
        {
            throw new IllegalArgumentException("invalid hostPort: " + hostPortText);
        }

        return new PortBinding(hostIp, hostPort, containerPort, protocol);
    }

    /**
     * Parses every spec and refuses a set that cannot all be bound: the same host port and protocol
     * twice on one address (or on all addresses and a specific one, which the kernel would refuse at
     * bind time anyway), and the exact same binding with a chosen host port twice. One container port
     * on several host ports is allowed, as Docker allows it.
     *
     * @throws IllegalArgumentException with a one-line reason naming the first offending spec or port.
     */
    public static List<PortBinding> parseAll(final List<String> specs)
    {
        final List<PortBinding> bindings = new ArrayList<>(specs.size());
        final Map<String, Set<String>> hostIpsByHostPort = new HashMap<>();
        final Set<PortBinding> chosenHostPort = new HashSet<>();
        for (final String spec : specs)
        {
            final PortBinding binding = parse(spec);
            if (binding.hostPort() != 0)
            {
                final String hostPortKey = binding.hostPort() + "/" + binding.protocol();
                final Set<String> hostIps = hostIpsByHostPort.computeIfAbsent(hostPortKey, key -> new HashSet<>());
                if (hostIps.contains(binding.hostIp()) || hostIps.contains("") ||
                    (binding.bindsAllAddresses() && !hostIps.isEmpty()))
                {
                    throw new IllegalArgumentException("host port " + hostPortKey + " is published twice");
                }
                hostIps.add(binding.hostIp());
            }
            else if (!chosenHostPort.add(binding))
            {
                throw new IllegalArgumentException(
                    "container port " + binding.containerPortKey() + " is published twice on " + binding.hostAddress());
            }
            bindings.add(binding);
        }
        return List.copyOf(bindings);
    }

    /** Unwraps a bracketed address; what it is, and whether it is refused, is the binding's to say. */
    private static String hostIp(final String text)
    {
        final boolean bracketed = text.length() >= 2 && text.charAt(0) == '[' && text.charAt(text.length() - 1) == ']';
        if (!bracketed)
        {
            return text;
        }
        final String address = text.substring(1, text.length() - 1);
        if (!NetUtil.isValidIpV6Address(address))
        {
            throw new IllegalArgumentException("invalid IP address: " + text);
        }
        return address;
    }

    /** Decimal digits only, as Go's ParseUint; returns -1 for anything else or past 65535. */
    private static int port(final String text)
    {
        if (text.isEmpty())
        {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            value = value * 10 + (c - '0');
            if (value > PortBinding.MAX_PORT)
            {
                return -1;
            }
        }
        return value;
    }

    /** {@code 8000-8001}: digits, a dash, digits. Anything else with a dash is just a bad port. */
    private static boolean isRange(final String text)
    {
        final int dash = text.indexOf('-');
        return dash > 0 && dash < text.length() - 1 && isDigits(text, 0, dash) && isDigits(text, dash + 1, text.length());
    }

    private static boolean isDigits(final String text, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                return false;
            }
        }
        return true;
    }
}
