package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.defaultBridge;
import static io.lanyard.control.ModelFixtures.endpoint;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which containers a legacy link joins, and the hosts lines it gives the linking one. */
class LegacyLinksTest
{
    private final NetworkTable networks = new NetworkTable();
    private final SandboxTable sandboxes = new SandboxTable();
    private final Network bridge = defaultBridge();
    private final Network front = bridge("front", "172.18.0.0/16");
    private final LegacyLinks links = new LegacyLinks(networks, sandboxes,
        new SandboxWiring(networks, null, null, null, ControlPlane.Routing.NONE), null);

    LegacyLinksTest()
    {
        networks.put(bridge);
        networks.put(front);
    }

    private Sandbox put(final Sandbox sandbox)
    {
        sandboxes.put(sandbox);
        return sandbox;
    }

    private static List<String> lines(final List<String[]> entries)
    {
        return entries.stream().map(entry -> String.join(" ", Arrays.asList(entry))).toList();
    }

    @Test
    void shouldTellTheDefaultBridgeOnlyByItsDriverAndPredefinedName()
    {
        assertTrue(LegacyLinks.isDefaultBridge(bridge));
        assertFalse(LegacyLinks.isDefaultBridge(front));
    }

    @Test
    void shouldFindTheSettledEndpointOnTheDefaultBridge()
    {
        final Endpoint onBridge = endpoint("e2", bridge, "eth1", "172.17.0.2");
        final Sandbox both = sandbox('1', "both", endpoint("e1", front, "eth0", "172.18.0.2"), onBridge);
        final Sandbox connecting = sandbox('2', "connecting", endpoint("e3", bridge, "eth0", "172.17.0.3").withState(Endpoint.CONNECTING));

        assertSame(onBridge, links.defaultBridgeEndpoint(both));
        assertNull(links.defaultBridgeEndpoint(connecting));
    }

    @Test
    void shouldGiveTheLinkingContainerALineForEachLinkedOneOnTheDefaultBridge()
    {
        final Sandbox db = put(sandbox('2', "db", endpoint("e2", bridge, "eth0", "172.17.0.3")));
        final Sandbox cache = put(sandbox('3', "cache", endpoint("e3", bridge, "eth0", "172.17.0.4")));
        put(sandbox('4', "gone", Sandbox.REMOVING, List.of(endpoint("e4", bridge, "eth0", "172.17.0.5")), List.of()));
        put(sandbox('5', "elsewhere", endpoint("e5", front, "eth0", "172.18.0.5")));
        final Sandbox web = put(sandbox('1', "web", Sandbox.READY, List.of(endpoint("e1", bridge, "eth0", "172.17.0.2")),
            List.of("db:db", "cache:kv", "gone:old", "elsewhere:far", "unknown:x")));

        assertEquals(List.of("172.17.0.3 db " + db.shortId(), "172.17.0.4 kv " + cache.shortId() + " cache"),
            lines(links.hostsEntries(web)));
    }

    @Test
    void shouldGiveNoLinkLinesToAContainerThatIsNotOnTheDefaultBridge()
    {
        put(sandbox('2', "db", endpoint("e2", bridge, "eth0", "172.17.0.3")));
        final Sandbox web = put(sandbox('1', "web", Sandbox.READY, List.of(endpoint("e1", front, "eth0", "172.18.0.2")), List.of("db:db")));

        assertEquals(List.of(), links.hostsEntries(web));
    }

    @Test
    void shouldListOnlySettledSandboxesThatLink()
    {
        final Sandbox web = put(sandbox('1', "web", Sandbox.READY, List.of(), List.of("db:db")));
        put(sandbox('2', "db"));
        put(sandbox('3', "half", Sandbox.CREATING, List.of(), List.of("db:db")));

        assertEquals(List.of(web), links.linking());
    }
}
