package io.lanyard.control.overlay;

import io.lanyard.control.cluster.Entry;
import io.lanyard.control.cluster.PrefixSnapshot;
import io.lanyard.control.cluster.WatchEvent;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.overlay.ClusterRecords.AddressClaim;
import io.lanyard.control.overlay.ClusterRecords.Host;
import io.lanyard.control.overlay.ClusterRecords.RemoteEndpoint;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mirror alone, fed the keys of the store's layout by hand: what each kind of key does to it. */
class ClusterMirrorTest
{
    private static final Instant EARLIER = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant LATER = Instant.parse("2026-01-02T00:00:00Z");
    private static final Network OLDER = network("n1", "ov1", EARLIER);
    private static final Network NEWER = network("n2", "ov2", LATER);

    private final ClusterMirror mirror = new ClusterMirror();

    @Test
    void shouldTakeEveryKindOfRecordFromASnapshotAndCountAsSynced()
    {
        final RemoteEndpoint web = new RemoteEndpoint("n1", "e1", "web", "192.0.2.12", "02:42:0a:00:00:02", "10.0.0.2");
        final TreeMap<String, Entry> entries = new TreeMap<>();
        put(entries, "/lanyard/v1/networks/n1", ClusterRecords.encode(OLDER));
        put(entries, "/lanyard/v1/addresses/n1/10.0.0.2", ClusterRecords.encode(new AddressClaim("e1", "web", "192.0.2.12")));
        put(entries, "/lanyard/v1/endpoints/n1/e1", ClusterRecords.encode(web));
        put(entries, "/lanyard/v1/hosts/192.0.2.12", ClusterRecords.encode(new Host("host-b", "192.0.2.12")));
        put(entries, "/lanyard/v1/locks/networks", "192.0.2.11".getBytes(StandardCharsets.UTF_8));
        assertFalse(mirror.isSynced());

        mirror.reset(new PrefixSnapshot(7, entries));

        assertTrue(mirror.isSynced());
        assertEquals(List.of(OLDER), mirror.networks());
        assertEquals(Map.of("10.0.0.2", new AddressClaim("e1", "web", "192.0.2.12")), mirror.claims("n1"));
        assertEquals(List.of(web), mirror.endpoints("n1"));
        assertEquals(List.of(new Host("host-b", "192.0.2.12")), mirror.peers("n1"));
    }

    @Test
    void shouldForgetWhatItHeldBeforeASnapshot()
    {
        mirror.putNetwork(NEWER);
        mirror.putEndpoint(new RemoteEndpoint("n2", "e9", "db", "192.0.2.13", "02:42:0a:00:00:09", "10.0.0.9"));

        mirror.reset(new PrefixSnapshot(3, new TreeMap<>()));

        assertEquals(List.of(), mirror.networks());
        assertEquals(List.of(), mirror.endpoints("n2"));
    }

    @Test
    void shouldFollowPutsAndDeletesOfEachKind()
    {
        final RemoteEndpoint web = new RemoteEndpoint("n1", "e1", "web", "192.0.2.12", "02:42:0a:00:00:02", "10.0.0.2");
        event(WatchEvent.Type.PUT, "/lanyard/v1/networks/n1", ClusterRecords.encode(OLDER));
        event(WatchEvent.Type.PUT, "/lanyard/v1/addresses/n1/10.0.0.2", ClusterRecords.encode(new AddressClaim("e1", "web", "192.0.2.12")));
        event(WatchEvent.Type.PUT, "/lanyard/v1/endpoints/n1/e1", ClusterRecords.encode(web));
        event(WatchEvent.Type.PUT, "/lanyard/v1/hosts/192.0.2.12", ClusterRecords.encode(new Host("host-b", "192.0.2.12")));
        assertEquals(List.of(new Host("host-b", "192.0.2.12")), mirror.peers("n1"));

        event(WatchEvent.Type.DELETE, "/lanyard/v1/hosts/192.0.2.12", new byte[0]);
        assertEquals(List.of(new Host("192.0.2.12", "192.0.2.12")), mirror.peers("n1"), "an unregistered host is named by its address");

        event(WatchEvent.Type.DELETE, "/lanyard/v1/endpoints/n1/e1", new byte[0]);
        event(WatchEvent.Type.DELETE, "/lanyard/v1/addresses/n1/10.0.0.2", new byte[0]);
        event(WatchEvent.Type.DELETE, "/lanyard/v1/networks/n1", new byte[0]);
        assertEquals(List.of(), mirror.endpoints("n1"));
        assertEquals(Map.of(), mirror.claims("n1"));
        assertEquals(List.of(), mirror.networks());
        assertFalse(mirror.isSynced(), "events alone are not a read of the store");
    }

    @Test
    void shouldSkipAValueThatIsNotTheRecordItsKeyHoldsAndKeysOutsideTheLayout()
    {
        event(WatchEvent.Type.PUT, "/lanyard/v1/networks/n1", "not json".getBytes(StandardCharsets.UTF_8));
        event(WatchEvent.Type.PUT, "/lanyard/v1/endpoints/n1", ClusterRecords.encode(
            new RemoteEndpoint("n1", "e1", "web", "192.0.2.12", "02:42:0a:00:00:02", "10.0.0.2")));
        event(WatchEvent.Type.DELETE, "/lanyard/v1/addresses/unknown/10.0.0.2", new byte[0]);

        assertEquals(List.of(), mirror.networks());
        assertEquals(List.of(), mirror.endpoints("n1"), "an endpoint key needs a network and an endpoint");
    }

    @Test
    void shouldListNetworksOldestFirstAndPeersByAddress()
    {
        mirror.putNetwork(NEWER);
        mirror.putNetwork(OLDER);
        mirror.putEndpoint(new RemoteEndpoint("n1", "e1", "web", "192.0.2.100", "02:42:0a:00:00:02", "10.0.0.2"));
        mirror.putEndpoint(new RemoteEndpoint("n1", "e2", "db", "192.0.2.9", "02:42:0a:00:00:03", "10.0.0.3"));
        mirror.putEndpoint(new RemoteEndpoint("n1", "e3", "api", "192.0.2.100", "02:42:0a:00:00:04", "10.0.0.4"));

        assertEquals(List.of(OLDER, NEWER), mirror.networks());
        assertEquals(List.of(new Host("192.0.2.9", "192.0.2.9"), new Host("192.0.2.100", "192.0.2.100")), mirror.peers("n1"),
            "numeric order, one entry per host");
    }

    @Test
    void shouldRemoveAClaimOnlyForTheEndpointThatHoldsIt()
    {
        final AddressClaim claim = new AddressClaim("e1", "web", "192.0.2.11");
        mirror.putClaim("n1", "10.0.0.2", claim);

        mirror.removeClaim("n1", "10.0.0.2", "e2");
        assertEquals(Map.of("10.0.0.2", claim), mirror.claims("n1"));

        mirror.removeClaim("n1", "10.0.0.2", "e1");
        assertEquals(Map.of(), mirror.claims("n1"));
    }

    private void event(final WatchEvent.Type type, final String key, final byte[] value)
    {
        mirror.apply(type, key, value);
    }

    private static void put(final TreeMap<String, Entry> entries, final String key, final byte[] value)
    {
        entries.put(key, new Entry(key, value, 1, 1, 0));
    }

    private static Network network(final String id, final String name, final Instant created)
    {
        return new Network(id, name, Network.DRIVER_OVERLAY, Network.SCOPE_GLOBAL, created, false, false,
            List.of(new IpamPool("10.0.0.0/24", "10.0.0.1", null, Map.of())), Map.of(Network.OPTION_VXLAN_ID, "4096"), Map.of());
    }
}
