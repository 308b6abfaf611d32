package io.lanyard.control;

import io.lanyard.client.api.RunRequest;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.control.sandbox.SandboxProcesses;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.tap.TapDevice;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.lanyard.control.ModelFixtures.bareEndpoint;
import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.defaultBridge;
import static io.lanyard.control.ModelFixtures.endpoint;
import static io.lanyard.control.ModelFixtures.host;
import static io.lanyard.control.ModelFixtures.none;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The checks the façade's tests cannot reach without a namespace or a running command: what a
 * checked request is made of, and the refusals that depend on a sandbox's state or the host's.
 */
class RequestChecksTest
{
    @TempDir
    Path tempDir;

    private final NetworkTable networks = new NetworkTable();
    private final SandboxTable sandboxes = new SandboxTable();
    private final Network none = none();
    private final Network hostNetwork = host();
    private final Network bridge = defaultBridge();
    private final Network front = bridge("front", "172.18.0.0/16");
    private final SandboxPlumbing plumbing = new SandboxPlumbing(TapDevice.OFFLOAD_TCP);

    RequestChecksTest()
    {
        List.of(none, hostNetwork, bridge, front).forEach(networks::put);
    }

    @AfterEach
    void closePlumbing()
    {
        plumbing.close();
    }

    private RequestChecks checks(final String sandboxPrefix)
    {
        final LegacyLinks links = new LegacyLinks(networks, sandboxes,
            new SandboxWiring(networks, null, null, null, ControlPlane.Routing.NONE), null);
        return new RequestChecks(new DaemonSettings(tempDir, sandboxPrefix, true), networks, sandboxes, links, plumbing,
            new SandboxProcesses(tempDir.resolve("out")), ControlPlane.Routing.NONE);
    }

    private RequestChecks checks()
    {
        return checks(ControlPlaneFixture.SANDBOX_PREFIX);
    }

    private static RunRequest run(final String name, final String network, final String address, final List<String> links)
    {
        return new RunRequest(name, network, address, List.of(), List.of(), true, List.of(), List.of("192.0.2.53"), links);
    }

    @Test
    void shouldMakeARunOfTheNamedNetworkANamespaceAndLinksSpelledByTheLinkedContainersName()
    {
        final Sandbox db = put(sandbox('2', "db", endpoint("e2", front, "eth0", "172.18.0.3")));

        final RequestChecks.Run checked = checks().run(run("web", "front", "172.18.0.9", List.of("/" + db.shortId() + ":data")));

        assertSame(front, checked.network());
        assertEquals(ControlPlaneFixture.SANDBOX_PREFIX + "web", checked.netns());
        assertEquals(Ipv4Address.parse("172.18.0.9"), checked.staticAddress());
        assertEquals(List.of("192.0.2.53"), checked.dns());
        assertEquals(List.of("db:data"), checked.links());
        assertEquals(List.of(), checked.publish());
    }

    @Test
    void shouldRunOnTheDefaultBridgeWhenNoNetworkIsNamedAndInTheDaemonsNamespaceOnTheHostNetwork()
    {
        assertSame(bridge, checks().run(RunRequest.detached("c1", null)).network());
        assertNull(checks().run(RunRequest.detached("c2", "host")).netns());
    }

    @Test
    void shouldRefuseARunWhoseNamespaceSomeoneElseMade()
    {
        Privileges.requireNetAdmin("ip");
        try (Namespaces namespaces = new Namespaces("checks"))
        {
            final String netns = namespaces.add("c1");

            final RequestException refused = assertThrows(RequestException.class,
                () -> checks(namespaces.prefix()).run(run("c1", "front", null, List.of())));

            assertEquals(409, refused.status());
            assertEquals("network namespace " + netns + " already exists and is not Lanyard's", refused.getMessage());
        }
    }

    @Test
    void shouldRefuseToConnectASandboxOnTheNoneNetworkToAnother()
    {
        put(sandbox('1', "loner", bareEndpoint("e1", none)));

        final RequestException refused = assertThrows(RequestException.class, () -> checks().connect("front", "loner", null, List.of(), Map.of()));

        assertEquals(403, refused.status());
        assertEquals("container cannot be connected to multiple networks with one of the networks in private (none) mode",
            refused.getMessage());
    }

    @Test
    void shouldRefuseToConnectASandboxTwiceToOneNetwork()
    {
        put(sandbox('1', "web", endpoint("e1", front, "eth0", "172.18.0.2")));

        final RequestException refused = assertThrows(RequestException.class, () -> checks().connect("front", "web", "", List.of(), Map.of()));

        assertEquals(403, refused.status());
        assertEquals("endpoint with name web already exists in network front", refused.getMessage());
    }

    @Test
    void shouldMakeAConnectOfTheNetworkTheSandboxAndTheAddressAskedFor()
    {
        final Sandbox web = put(sandbox('1', "web", endpoint("e1", bridge, "eth0", "172.17.0.2")));

        final RequestChecks.Connect checked = checks().connect(front.shortId(), "web", "172.18.0.7", List.of("www"), Map.of());
        final RequestChecks.Connect dynamic = checks().connect("front", web.id(), "", List.of(), Map.of());

        assertEquals(new RequestChecks.Connect(front, web, Ipv4Address.parse("172.18.0.7")), checked);
        assertNull(dynamic.staticAddress(), "an empty --ip is none");
    }

    @Test
    void shouldFindTheEndpointADisconnectTakesAway()
    {
        final Endpoint onFront = endpoint("e2", front, "eth1", "172.18.0.2");
        final Sandbox web = put(sandbox('1', "web", endpoint("e1", bridge, "eth0", "172.17.0.2"), onFront));

        assertEquals(new RequestChecks.Disconnect(front, web, onFront), checks().disconnect("front", "web"));
    }

    @Test
    void shouldRefuseToRemoveASandboxWhoseCommandRunsUnlessForced()
    {
        final Sandbox running = put(new Sandbox("1".repeat(64), "busy", "lytunit-busy", ModelFixtures.CREATED, Sandbox.READY, List.of("sleep"),
            ProcessHandle.current().pid(), 0L, null, List.of()));

        final RequestException refused = assertThrows(RequestException.class, () -> checks().remove("busy", false));

        assertEquals(409, refused.status());
        assertEquals("You cannot remove a running container " + running.id() + ". Stop the container before attempting removal or " +
            "force remove", refused.getMessage());
        assertSame(running, checks().remove("busy", true));
    }

    private Sandbox put(final Sandbox sandbox)
    {
        sandboxes.put(sandbox);
        return sandbox;
    }
}
