package io.lanyard.control.routing;

import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The IPv4 routes of the daemon's network namespace that a Lanyard network must not overlap, as
 * Docker checks its networks against the host's routes: every route but the default one and those
 * of Lanyard's own host-side devices ({@code lanyard0}, {@code ly-*}), read from
 * {@code /proc/net/route} (the reader's namespace) at each call.
 */
public final class HostRoutes
{
    /** A route: its destination, and the device it goes out of. */
    public record Route(Ipv4Cidr destination, String device)
    {
        @Override
        public String toString()
        {
            return destination + " dev " + device;
        }
    }

    private final Path file;

    public HostRoutes()
    {
        this(Path.of("/proc/net/route"));
    }

    public HostRoutes(final Path file)
    {
        this.file = file;
    }

    /** The routes now; none when the file cannot be read (no IPv4 in the namespace). */
    public List<Route> routes()
    {
        final String text;
        try
        {
            text = Files.readString(file);
        }
        catch (final IOException ex)
        {
            if (Files.exists(file))
            {
                throw new UncheckedIOException("cannot read " + file, ex);
            }
            return List.of();
        }
        return parse(text);
    }

    /** The routes of a {@code /proc/net/route} text: hex addresses in the kernel's byte order (little-endian on x86 and arm64). */
    static List<Route> parse(final String text)
    {
        final List<Route> routes = new ArrayList<>();
        for (final String line : text.split("\n"))
        {
            final String[] fields = line.trim().split("\\s+");
            if (fields.length < 8 || fields[0].equals("Iface"))
            {
                continue;
            }
            final String device = fields[0];
            final int destination = Integer.reverseBytes((int)Long.parseLong(fields[1], 16));
            final int mask = Integer.reverseBytes((int)Long.parseLong(fields[7], 16));
            if (mask == 0 || isLanyards(device))
            {
                continue;
            }
            routes.add(new Route(new Ipv4Cidr(destination, Integer.bitCount(mask)), device));
        }
        return routes;
    }

    private static boolean isLanyards(final String device)
    {
        return device.equals(HostInterfaces.DEFAULT_BRIDGE_DEVICE) || device.startsWith("ly-");
    }
}
