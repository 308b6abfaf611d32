package io.lanyard.control.ports;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.netty.util.NetUtil;

import java.util.Locale;

/**
 * One published port: a host address and port that forward to a container port, as
 * {@code docker run -p} makes them. The JSON names are Docker's {@code PortBinding} fields plus the
 * container side, so a stored binding reads like Docker's API.
 *
 * @param hostIp        IPv4 address to listen on; {@code ""} means all addresses ({@code 0.0.0.0}),
 *                      which is also what an explicit {@code 0.0.0.0} is normalised to so that the
 *                      two spellings compare equal.
 * @param hostPort      0 when the host port is to be chosen at start, else 1 to 65535.
 * @param containerPort 1 to 65535.
 * @param protocol      {@link #TCP} or {@link #UDP}.
 */
public record PortBinding(
    @JsonProperty("HostIp") String hostIp,
    @JsonProperty("HostPort") int hostPort,
    @JsonProperty("ContainerPort") int containerPort,
    @JsonProperty("Protocol") String protocol)
{
    public static final String TCP = "tcp";
    public static final String UDP = "udp";
    public static final String ALL_ADDRESSES = "0.0.0.0";
    public static final int MAX_PORT = 65_535;

    /**
     * Checks what {@link PortSpec} checks, so a binding read back from JSON or built by hand cannot
     * hold what the parser would have refused.
     *
     * @throws IllegalArgumentException with a one-line reason.
     */
    public PortBinding
    {
        hostIp = normaliseHostIp(hostIp);
        if (hostPort < 0 || hostPort > MAX_PORT)
        {
            throw new IllegalArgumentException("invalid hostPort: " + hostPort);
        }
        if (containerPort < 1 || containerPort > MAX_PORT)
        {
            throw new IllegalArgumentException("invalid containerPort: " + containerPort);
        }
        protocol = normaliseProtocol(protocol);
    }

    /** The address to bind: {@code 0.0.0.0} when the binding is for all addresses. */
    public String hostAddress()
    {
        return hostIp.isEmpty() ? ALL_ADDRESSES : hostIp;
    }

    /** True for a binding on every host address, which overlaps any specific address on the same port. */
    public boolean bindsAllAddresses()
    {
        return hostIp.isEmpty();
    }

    /** The same binding once the host port has been chosen. */
    public PortBinding withHostPort(final int chosenHostPort)
    {
        return new PortBinding(hostIp, chosenHostPort, containerPort, protocol);
    }

    /** The container side as Docker keys it in {@code NetworkSettings.Ports}: {@code 80/tcp}. */
    public String containerPortKey()
    {
        return containerPort + "/" + protocol;
    }

    /** As {@code docker ps} shows it: {@code 0.0.0.0:8080->80/tcp}. */
    public String display()
    {
        return hostAddress() + ":" + hostPort + "->" + containerPortKey();
    }

    @Override
    public String toString()
    {
        return display();
    }

    static String normaliseProtocol(final String protocol)
    {
        if (protocol == null || protocol.isEmpty())
        {
            return TCP;
        }
        final String lower = protocol.toLowerCase(Locale.ROOT);
        if (!TCP.equals(lower) && !UDP.equals(lower))
        {
            throw new IllegalArgumentException("invalid proto: " + protocol + " (only tcp and udp are supported)");
        }
        return lower;
    }

    private static String normaliseHostIp(final String hostIp)
    {
        if (hostIp == null || hostIp.isEmpty())
        {
            return "";
        }
        if (NetUtil.isValidIpV6Address(hostIp))
        {
            throw new IllegalArgumentException("IPv6 host IPs are not supported yet: " + hostIp);
        }
        final int address;
        try
        {
            address = Ipv4Address.parse(hostIp);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("invalid IP address: " + hostIp);
        }
        return address == 0 ? "" : Ipv4Address.format(address);
    }
}
