package io.lanyard.control.metrics;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Where {@code /metrics} is served: {@code HOST:PORT} ({@code [V6]:PORT} for an IPv6 literal),
 * HOST an address literal or {@code localhost}. A scrape endpoint shows every sandbox's name,
 * network and traffic, so an address other than loopback is refused unless the operator says
 * so with {@code --metrics-allow-remote}.
 */
public record MetricsAddress(InetSocketAddress socketAddress)
{
    /**
     * @throws IllegalArgumentException with a one-line reason naming the flag.
     */
    public static MetricsAddress parse(final String text, final boolean allowRemote)
    {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1)
        {
            throw new IllegalArgumentException("--metrics-addr " + text + ": expected HOST:PORT, e.g. 127.0.0.1:9323");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        else if (host.indexOf(':') >= 0)
        {
            throw new IllegalArgumentException("--metrics-addr " + text + ": write an IPv6 address in brackets, e.g. [::1]:9323");
        }
        final int port;
        try
        {
            port = Integer.parseInt(text.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--metrics-addr " + text + ": the port is not a number");
        }
        if (port < 1 || port > 65_535)
        {
            throw new IllegalArgumentException("--metrics-addr " + text + ": a port is 1 to 65535");
        }
        final InetAddress address = resolve(text, host);
        if (!address.isLoopbackAddress() && !allowRemote)
        {
            throw new IllegalArgumentException("--metrics-addr " + text + ": not a loopback address; metrics name every sandbox " +
                "and its traffic, so serving them to other hosts needs --metrics-allow-remote");
        }
        return new MetricsAddress(new InetSocketAddress(address, port));
    }

    private static InetAddress resolve(final String text, final String host)
    {
        if (host.equals("localhost"))
        {
            return InetAddress.getLoopbackAddress();
        }
        try
        {
            if (host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}"))
            {
                final byte[] octets = new byte[4];
                final String[] parts = host.split("\\.");
                for (int i = 0; i < 4; i++)
                {
                    final int octet = Integer.parseInt(parts[i]);
                    if (octet > 255)
                    {
                        throw new UnknownHostException(host);
                    }
                    octets[i] = (byte)octet;
                }
                return InetAddress.getByAddress(octets);
            }
            if (host.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*"))
            {
                // an IPv6 literal: parsed, never looked up
                return InetAddress.getByName(host);
            }
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("--metrics-addr " + text + ": " + host + " is not an IP address");
        }
        throw new IllegalArgumentException("--metrics-addr " + text + ": HOST is an IP address or localhost, not a name to look up");
    }

    @Override
    public String toString()
    {
        final InetAddress address = socketAddress.getAddress();
        final String host = address.getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + socketAddress.getPort();
    }
}
