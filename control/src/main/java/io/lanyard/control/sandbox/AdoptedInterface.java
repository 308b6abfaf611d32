package io.lanyard.control.sandbox;

import java.util.ArrayList;
import java.util.List;

/**
 * An interface a remote driver plugin made in the daemon's namespace ({@code srcName}), as it is
 * to be inside the sandbox: renamed, with its MAC and address, up, with the default route (when
 * {@code gateway} is not null) and the plugin's routes.
 *
 * @param routes {@code ip route} destinations and their way: {@code "10.1.0.0/16 via 10.0.0.1"} or {@code "10.2.0.0/16"}.
 */
public record AdoptedInterface(String srcName, String name, String mac, String cidr, String gateway, List<String> routes)
{
    public AdoptedInterface
    {
        routes = List.copyOf(routes);
    }

    /** The {@code ip} commands run inside the sandbox once the interface is there under {@code srcName}. */
    List<String> commands()
    {
        final String link = "link set dev " + name;
        final List<String> commands = new ArrayList<>(List.of("link set dev " + srcName + " name " + name, link + " address " + mac,
            "addr replace " + cidr + " dev " + name, link + " up"));
        if (gateway != null)
        {
            commands.add("route replace default via " + gateway + " dev " + name);
        }
        routes.forEach(route -> commands.add("route replace " + route + " dev " + name));
        return commands;
    }
}
