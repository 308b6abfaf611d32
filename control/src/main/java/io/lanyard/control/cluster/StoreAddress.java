package io.lanyard.control.cluster;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where the cluster store is: the value of {@code --store etcd://HOST:PORT[,HOST:PORT...]}.
 * HOST is a name, an IPv4 address or a bracketed IPv6 address; PORT is required.
 *
 * @param endpoints the etcd members, in the order given, without duplicates.
 */
public record StoreAddress(List<Endpoint> endpoints)
{
    public static final String SCHEME = "etcd://";
    public static final String SYNTAX = "etcd://HOST:PORT[,HOST:PORT...]";

    /** Most members one address may name; etcd clusters have 3, 5 or 7. */
    public static final int MAX_ENDPOINTS = 16;

    private static final Pattern HOST_NAME = Pattern.compile(
        "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Pattern NUMERIC = Pattern.compile("[0-9.]+");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    /** One etcd member's client address. */
    public record Endpoint(String host, int port)
    {
        /** {@code HOST:PORT}, with an IPv6 host in brackets. */
        @Override
        public String toString()
        {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }

        /** The URI jetcd is given: etcd's client URLs are plain HTTP/2 here. */
        public URI uri()
        {
            return URI.create("http://" + this);
        }
    }

    public StoreAddress
    {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty())
        {
            throw new IllegalArgumentException("a store address needs at least one endpoint");
        }
    }

    /**
     * @throws IllegalArgumentException with a one-line message naming what is wrong with {@code text}.
     */
    public static StoreAddress parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw bad(String.valueOf(text), "it is empty");
        }
        if (!text.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
        {
            final int scheme = text.indexOf("://");
            throw bad(text, scheme > 0 ? "the scheme " + text.substring(0, scheme + 3) + " is not supported, only " + SCHEME
                : "it does not start with " + SCHEME);
        }
        final String list = text.substring(SCHEME.length());
        if (list.isEmpty())
        {
            throw bad(text, "it names no HOST:PORT");
        }
        final String[] items = list.split(",", -1);
        if (items.length > MAX_ENDPOINTS)
        {
            throw bad(text, "it names " + items.length + " endpoints, at most " + MAX_ENDPOINTS + " are allowed");
        }
        final List<Endpoint> endpoints = new ArrayList<>(items.length);
        final Set<Endpoint> seen = new HashSet<>();
        for (final String item : items)
        {
            final Endpoint endpoint = endpoint(text, item);
            if (!seen.add(endpoint))
            {
                throw bad(text, endpoint + " is named twice");
            }
            endpoints.add(endpoint);
        }
        return new StoreAddress(endpoints);
    }

    private static Endpoint endpoint(final String text, final String item)
    {
        if (item.isEmpty())
        {
            throw bad(text, "an endpoint between commas is empty");
        }
        for (int i = 0; i < item.length(); i++)
        {
            final char c = item.charAt(i);
            if (c == '/' || c == '?' || c == '#' || c == '@' || Character.isWhitespace(c))
            {
                throw bad(text, "'" + item + "' is not HOST:PORT (no paths, users or spaces)");
            }
        }
        final String host;
        final String port;
        if (item.startsWith("["))
        {
            final int close = item.indexOf(']');
            if (close < 0 || close + 1 >= item.length() || item.charAt(close + 1) != ':')
            {
                throw bad(text, "'" + item + "' is not [IPV6]:PORT");
            }
            host = item.substring(1, close);
            port = item.substring(close + 2);
            if (!IPV6.matcher(host).matches() || host.indexOf(':') < 0)
            {
                throw bad(text, "'" + host + "' is not an IPv6 address");
            }
        }
        else
        {
            final int colon = item.lastIndexOf(':');
            if (colon < 0)
            {
                throw bad(text, "'" + item + "' has no :PORT");
            }
            host = item.substring(0, colon);
            port = item.substring(colon + 1);
            if (host.isEmpty())
            {
                throw bad(text, "'" + item + "' has no HOST");
            }
            if (host.indexOf(':') >= 0)
            {
                throw bad(text, "'" + item + "' looks like an IPv6 address; write it as [IPV6]:PORT");
            }
            if (!HOST_NAME.matcher(host).matches() || (NUMERIC.matcher(host).matches() && !isIpv4(host)))
            {
                throw bad(text, "'" + host + "' is not a host name or IPv4 address");
            }
        }
        return new Endpoint(host, port(text, item, port));
    }

    private static boolean isIpv4(final String host)
    {
        final String[] octets = host.split("\\.", -1);
        if (octets.length != 4)
        {
            return false;
        }
        for (final String octet : octets)
        {
            if (octet.isEmpty() || octet.length() > 3 || Integer.parseInt(octet) > 255)
            {
                return false;
            }
        }
        return true;
    }

    private static int port(final String text, final String item, final String port)
    {
        if (port.isEmpty())
        {
            throw bad(text, "'" + item + "' has no PORT after the colon");
        }
        if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            throw bad(text, "the port '" + port + "' is not a number from 1 to 65535");
        }
        final int value = Integer.parseInt(port);
        if (value < 1 || value > 65535)
        {
            throw bad(text, "the port " + value + " is not from 1 to 65535");
        }
        return value;
    }

    private static IllegalArgumentException bad(final String text, final String why)
    {
        return new IllegalArgumentException(oneLine("--store must be " + SYNTAX + ", but in '" + text + "' " + why));
    }

    private static String oneLine(final String text)
    {
        return text.replaceAll("\\p{Cntrl}", "?");
    }

    /** The etcd client URIs, one per endpoint. */
    public List<URI> uris()
    {
        return endpoints.stream().map(Endpoint::uri).toList();
    }

    /** {@code etcd://HOST:PORT[,HOST:PORT...]}, as parsed. */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder(SCHEME);
        for (int i = 0; i < endpoints.size(); i++)
        {
            text.append(i == 0 ? "" : ",").append(endpoints.get(i));
        }
        return text.toString();
    }
}
