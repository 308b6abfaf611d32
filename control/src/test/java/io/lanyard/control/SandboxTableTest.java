package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.defaultBridge;
import static io.lanyard.control.ModelFixtures.endpoint;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SandboxTableTest
{
    private final SandboxTable table = new SandboxTable();
    private final Network bridge = defaultBridge();
    private final Network front = bridge("front", "172.18.0.0/16");

    @Test
    void shouldListTheMembersOfANetworkWithTheirEndpointOnIt()
    {
        final Endpoint web = endpoint("e1", bridge, "eth0", "172.17.0.2");
        final Endpoint webFront = endpoint("e2", front, "eth1", "172.18.0.2");
        final Endpoint db = endpoint("e3", bridge, "eth0", "172.17.0.3");
        final Sandbox first = sandbox('1', "web", web, webFront);
        final Sandbox second = sandbox('2', "db", db);
        table.put(first);
        table.put(second);

        assertEquals(Map.of(first, web, second, db), table.members(bridge));
        assertEquals(Map.of(first, webFront), table.members(front));
    }

    @Test
    void shouldHoldANameUntilItsSandboxIsGoneButNotShowARemovedOneToOthers()
    {
        final Sandbox removing = sandbox('1', "web", Sandbox.REMOVING, List.of(), List.of());
        table.put(removing);

        assertSame(removing, table.withName("web").orElseThrow(), "a run must not take the name yet");
        assertTrue(table.named("web").isEmpty(), "links and hosts files no longer see it");
        assertSame(removing, table.resolve("web"));

        table.remove(removing.id());

        assertTrue(table.withName("web").isEmpty());
    }

    @Test
    void shouldResolveAUniqueIdPrefixAndAnswer404ForAnyOther()
    {
        final Sandbox one = sandbox('1', "one");
        table.put(one);
        table.put(new Sandbox("1" + "2".repeat(63), "two", null, ModelFixtures.CREATED, Sandbox.READY, List.of(), null, null, null,
            List.of()));

        assertSame(one, table.resolve("11"));
        assertSame(one, table.resolve(one.id()));
        assertEquals("No such container: 1", assertThrows(RequestException.class, () -> table.resolve("1")).getMessage());
        assertEquals(404, assertThrows(RequestException.class, () -> table.resolve("")).status());
    }
}
