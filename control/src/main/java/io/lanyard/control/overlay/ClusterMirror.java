package io.lanyard.control.overlay;

import io.lanyard.control.cluster.PrefixSnapshot;
import io.lanyard.control.cluster.WatchEvent;
import io.lanyard.control.model.Network;
import io.lanyard.control.overlay.ClusterRecords.AddressClaim;
import io.lanyard.control.overlay.ClusterRecords.Host;
import io.lanyard.control.overlay.ClusterRecords.RemoteEndpoint;
import io.lanyard.forwarding.addr.Ipv4Address;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.lanyard.control.overlay.ClusterRecords.decode;

/**
 * What this host has last seen of the cluster store: its overlay networks, address claims,
 * endpoints and hosts. It is filled from one read of {@link OverlayCluster#ROOT}, kept current by
 * the watch's events, and updated at once by this host's own writes, so a caller sees what it has
 * just written before the watch brings it back. While the store does not answer it keeps what it
 * last saw. Values that do not decode are left out.
 * <p>
 * Every method locks the mirror, so readers on any thread see one event applied whole; what they
 * get back are copies.
 */
final class ClusterMirror
{
    private final Map<String, Network> networks = new LinkedHashMap<>();
    private final Map<String, Map<String, RemoteEndpoint>> endpoints = new HashMap<>();
    private final Map<String, Map<String, AddressClaim>> claims = new HashMap<>();
    private final Map<String, Host> hosts = new HashMap<>();
    private boolean synced;

    /** Forgets everything and takes the store's keys as {@code snapshot} read them. */
    synchronized void reset(final PrefixSnapshot snapshot)
    {
        networks.clear();
        endpoints.clear();
        claims.clear();
        hosts.clear();
        snapshot.entries().forEach((key, entry) -> apply(WatchEvent.Type.PUT, key, entry.value()));
        synced = true;
    }

    /** Whether the mirror has been read from the store at least once. */
    synchronized boolean isSynced()
    {
        return synced;
    }

    /** Applies one key's change, as the watch reports it. Keys outside the layout are ignored. */
    synchronized void apply(final WatchEvent.Type type, final String key, final byte[] value)
    {
        final boolean put = type == WatchEvent.Type.PUT;
        if (key.startsWith(ClusterKeys.NETWORKS))
        {
            applyTo(networks, key.substring(ClusterKeys.NETWORKS.length()), put, key, value, Network.class);
        }
        else if (key.startsWith(ClusterKeys.ADDRESSES))
        {
            applyPerNetwork(claims, key.substring(ClusterKeys.ADDRESSES.length()), put, key, value, AddressClaim.class);
        }
        else if (key.startsWith(ClusterKeys.ENDPOINTS))
        {
            applyPerNetwork(endpoints, key.substring(ClusterKeys.ENDPOINTS.length()), put, key, value, RemoteEndpoint.class);
        }
        else if (key.startsWith(ClusterKeys.HOSTS))
        {
            applyTo(hosts, key.substring(ClusterKeys.HOSTS.length()), put, key, value, Host.class);
        }
    }

    /** The cluster's overlay networks, oldest first. */
    synchronized List<Network> networks()
    {
        return networks.values().stream().sorted(Comparator.comparing(Network::created)).toList();
    }

    /** The containers of a network on every host. */
    synchronized List<RemoteEndpoint> endpoints(final String networkId)
    {
        return List.copyOf(endpoints.getOrDefault(networkId, Map.of()).values());
    }

    /** The addresses of a network taken cluster-wide: address → claim. */
    synchronized Map<String, AddressClaim> claims(final String networkId)
    {
        return Map.copyOf(claims.getOrDefault(networkId, Map.of()));
    }

    /** The hosts with containers on a network, by address (a host not registered shows its address as its name). */
    synchronized List<Host> peers(final String networkId)
    {
        final Map<String, Host> peers = new TreeMap<>(Comparator.comparingLong(ClusterMirror::sortKey));
        for (final RemoteEndpoint endpoint : endpoints.getOrDefault(networkId, Map.of()).values())
        {
            peers.computeIfAbsent(endpoint.host(), ip -> hosts.getOrDefault(ip, new Host(ip, ip)));
        }
        return List.copyOf(peers.values());
    }

    synchronized void putNetwork(final Network network)
    {
        networks.put(network.id(), network);
    }

    synchronized void removeNetwork(final String networkId)
    {
        networks.remove(networkId);
    }

    synchronized void putClaim(final String networkId, final String ip, final AddressClaim claim)
    {
        claims.computeIfAbsent(networkId, id -> new HashMap<>()).put(ip, claim);
    }

    /** Removes the claim of {@code ip}, if {@code endpointId} holds it. */
    synchronized void removeClaim(final String networkId, final String ip, final String endpointId)
    {
        final Map<String, AddressClaim> held = claims.get(networkId);
        if (held != null && held.get(ip) != null && endpointId.equals(held.get(ip).endpoint()))
        {
            held.remove(ip);
        }
    }

    synchronized void putEndpoint(final RemoteEndpoint endpoint)
    {
        endpoints.computeIfAbsent(endpoint.network(), id -> new HashMap<>()).put(endpoint.endpoint(), endpoint);
    }

    synchronized void removeEndpoint(final String networkId, final String endpointId)
    {
        final Map<String, RemoteEndpoint> held = endpoints.get(networkId);
        if (held != null)
        {
            held.remove(endpointId);
        }
    }

    /** A key that ends in {@code ID}: the record is put under the ID, or removed. */
    private static <T> void applyTo(
        final Map<String, T> table, final String id, final boolean put, final String key, final byte[] value, final Class<T> type)
    {
        if (put)
        {
            decode(key, value, type).ifPresent(record -> table.put(id, record));
        }
        else
        {
            table.remove(id);
        }
    }

    /** A key that ends in {@code NETWORK/ID}: the same in that network's table; a key without both parts is ignored. */
    private static <T> void applyPerNetwork(
        final Map<String, Map<String, T>> tables,
        final String networkAndId,
        final boolean put,
        final String key,
        final byte[] value,
        final Class<T> type)
    {
        final String[] parts = networkAndId.split("/", 2);
        if (parts.length == 2)
        {
            if (put)
            {
                decode(key, value, type).ifPresent(record ->
                    tables.computeIfAbsent(parts[0], id -> new HashMap<>()).put(parts[1], record));
            }
            else if (tables.containsKey(parts[0]))
            {
                tables.get(parts[0]).remove(parts[1]);
            }
        }
    }

    private static long sortKey(final String ip)
    {
        return Integer.toUnsignedLong(Ipv4Address.parse(ip));
    }
}
