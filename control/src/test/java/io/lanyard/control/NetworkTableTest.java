package io.lanyard.control;

import io.lanyard.control.model.Network;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.defaultBridge;
import static io.lanyard.control.ModelFixtures.none;
import static io.lanyard.control.ModelFixtures.overlay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkTableTest
{
    private final NetworkTable table = new NetworkTable();

    @Test
    void shouldKeepTheOrderNetworksWereMadeInEvenWhenOneIsReplaced()
    {
        final Network bridge = defaultBridge();
        table.put(none());
        table.put(bridge);
        table.put(bridge("front", "172.18.0.0/16"));
        final Network changed = new Network(bridge.id(), bridge.name(), bridge.driver(), bridge.scope(), bridge.created(), false,
            false, bridge.ipam(), java.util.Map.of(Network.OPTION_ENABLE_ICC, "false"), null);

        table.put(changed);

        assertEquals(List.of("none", "bridge", "front"), table.all().stream().map(Network::name).toList());
        assertSame(changed, table.byId(bridge.id()));
    }

    @Test
    void shouldForgetARemovedNetwork()
    {
        final Network front = bridge("front", "172.18.0.0/16");
        table.put(front);

        table.remove(front.id());

        assertNull(table.byId(front.id()));
        assertTrue(table.byName("front").isEmpty());
        assertEquals(404, assertThrows(RequestException.class, () -> table.resolve("front")).status());
    }

    @Test
    void shouldResolveAnExactIdBeforeANameAndANameBeforeAPrefix()
    {
        final Network named = new Network("f".repeat(64), "abcd", Network.DRIVER_NULL, "local", ModelFixtures.CREATED, false, false,
            null, null, null);
        final Network prefixed = new Network("abcd" + "0".repeat(60), "other", Network.DRIVER_NULL, "local", ModelFixtures.CREATED,
            false, false, null, null, null);
        table.put(named);
        table.put(prefixed);

        assertSame(named, table.resolve("abcd"));
        assertSame(prefixed, table.resolve(prefixed.id()));
        assertSame(prefixed, table.resolve("abcd0"));
    }

    @Test
    void shouldListEverySubnetForPlanningButOnlyThisHostsForAnOverlay()
    {
        table.put(none());
        table.put(defaultBridge());
        table.put(bridge("two-pools", "172.18.0.0/16", "10.30.0.0/24"));
        table.put(overlay("ov", "10.0.0.0/24", 4096));

        assertEquals(List.of(Ipv4Cidr.parse("172.17.0.0/16"), Ipv4Cidr.parse("172.18.0.0/16"), Ipv4Cidr.parse("10.30.0.0/24"),
            Ipv4Cidr.parse("10.0.0.0/24")), table.subnetsInUse());
        assertEquals(List.of(Ipv4Cidr.parse("172.17.0.0/16"), Ipv4Cidr.parse("172.18.0.0/16"), Ipv4Cidr.parse("10.30.0.0/24")),
            table.localSubnets());
    }
}
