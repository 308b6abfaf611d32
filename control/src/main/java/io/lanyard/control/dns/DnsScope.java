package io.lanyard.control.dns;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one sandbox may resolve through the embedded DNS and where its other queries go.
 *
 * @param networkIds     the networks with embedded DNS it is on: their names resolve, no others.
 * @param links          its link aliases → the container name each stands for (aliases match
 *                       without regard to case, like every name)
 *                       ({@code run --link NAME:ALIAS} on a user-defined network).
 * @param upstreams      its resolvers for other names, in order ({@code run --dns}, else the host's).
 * @param externalAccess whether any of its networks has a way out; without one, other names get SERVFAIL.
 */
public record DnsScope(Set<String> networkIds, Map<String, String> links, List<InetSocketAddress> upstreams, boolean externalAccess)
{
    public DnsScope
    {
        networkIds = Set.copyOf(networkIds);
        final Map<String, String> canonical = new HashMap<>();
        links.forEach((alias, target) -> canonical.put(NameTable.canonical(alias), target));
        links = Map.copyOf(canonical);
        upstreams = List.copyOf(upstreams);
    }
}
