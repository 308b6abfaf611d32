package io.lanyard.control.remote;

import java.util.List;

/**
 * A plugin's answer to {@code Join}: the interface it made in the daemon's namespace
 * ({@code srcName}), the prefix of its name inside the sandbox, the gateway (null when the
 * plugin gives none) and the routes to add.
 */
public record JoinInfo(String srcName, String dstPrefix, String gateway, List<StaticRoute> staticRoutes)
{
    /** A route of a {@code Join} answer: through {@code nextHop}, or (when it is null) straight out of the interface. */
    public record StaticRoute(String destination, String nextHop)
    {
    }

    public JoinInfo
    {
        staticRoutes = List.copyOf(staticRoutes);
    }
}
