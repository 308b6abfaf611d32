package io.lanyard.control;

import io.lanyard.client.api.RunRequest;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import io.lanyard.control.ports.ProxyLoops;
import io.lanyard.control.ports.PublishedPorts;
import io.lanyard.control.ports.UserlandProxy;
import io.lanyard.control.sandbox.EtcFiles;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.control.sandbox.SandboxProcesses;
import io.lanyard.control.store.StateStore;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.TapDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.NetworkRequest.named;
import static io.lanyard.control.RefusalAssertions.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code run -p} requests that must be refused before anything is made: no sandbox, no
 * namespace, no stored change and no port published.
 *
 * <p>Two daemons: one that cannot publish ({@link ControlPlane.Routing#NONE}, as
 * {@link ControlPlaneFixture} makes it) and one that can (a real {@link PublishedPorts} on real
 * proxy loops, with no uplink and no host-side ports). No request here may succeed, since a
 * sandbox on a bridge needs a namespace.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublishRequestTest
{
    /** The name every refused run asks for; its namespace must never appear. */
    private static final String NEW_SANDBOX = "c1";
    private static final String INTERNAL = "back";
    private static final String USER_BRIDGE = "front";

    @TempDir
    static Path tempDir;

    private ControlPlaneFixture fixture;

    private Dataplane publishingDataplane;
    private SandboxPlumbing publishingPlumbing;
    private ProxyLoops loops;
    private PublishedPorts ports;
    private StateStore publishingStore;
    private ControlPlane publishing;
    /** A port free on 127.0.0.1 when the class starts; requests name it so a stray publish would hold it. */
    private int hostPort;

    @BeforeAll
    void startBothDaemons() throws IOException
    {
        fixture = new ControlPlaneFixture(tempDir.resolve("work"), tempDir.resolve("state"), true);
        fixture.control().restore(State.empty());
        fixture.control().createNetwork(named(INTERNAL).internal().build());
        fixture.control().createNetwork(named(USER_BRIDGE).build());

        final Path work = tempDir.resolve("publishing-work");
        final Path state = tempDir.resolve("publishing-state");
        Files.createDirectories(work);
        final Path resolvConf = work.resolve("resolv.conf");
        Files.writeString(resolvConf, "nameserver 192.0.2.53\n");
        publishingStore = new StateStore(state);
        publishingDataplane = Dataplane.start(DataplaneConfig.defaults(work.resolve("counters")).withRingSize(64));
        publishingPlumbing = new SandboxPlumbing(TapDevice.OFFLOAD_TCP);
        loops = ProxyLoops.create(1);
        ports = new PublishedPorts(publishingDataplane, loops, () -> 0, UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT);
        publishing = new ControlPlane(new DaemonSettings(state, ControlPlaneFixture.SANDBOX_PREFIX, true), publishingStore,
            publishingDataplane, publishingPlumbing, new EtcFiles(work.resolve("etc-netns"), resolvConf),
            new SandboxProcesses(work.resolve("out")), new ControlPlane.Routing(null, null, ports));
        publishing.restore(State.empty());
        publishing.createNetwork(named(INTERNAL).internal().build());
        publishing.createNetwork(named(USER_BRIDGE).build());

        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            hostPort = probe.getLocalPort();
        }
    }

    @AfterAll
    void close()
    {
        fixture.close();
        publishing.close();
        loops.close();
        publishingDataplane.close();
        publishingPlumbing.close();
    }

    @BeforeEach
    void assertNoNamespaceYet()
    {
        assertFalse(IpRoute2.netnsExists(ControlPlaneFixture.SANDBOX_PREFIX + NEW_SANDBOX), "the class relies on it not existing");
    }

    @AfterEach
    void assertNothingWasMade() throws IOException
    {
        assertFalse(IpRoute2.netnsExists(ControlPlaneFixture.SANDBOX_PREFIX + NEW_SANDBOX), "no namespace was made");
        assertFalse(Files.exists(fixture.etcRoot()), "no sandbox files were written");
        assertFalse(Files.exists(tempDir.resolve("publishing-work").resolve("etc-netns")), "no sandbox files were written");
        assertEquals(List.of(), fixture.control().sandboxes());
        assertEquals(List.of(), publishing.sandboxes());
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), hostPort), 1);
        }
    }

    private static RunRequest run(final String network, final List<String> publish)
    {
        return new RunRequest(NEW_SANDBOX, network, null, List.of(), List.of("true"), true, publish, List.of(), List.of());
    }

    private String onLoopback(final int containerPort)
    {
        return "127.0.0.1:" + hostPort + ":" + containerPort;
    }

    /** What {@link RefusalAssertions#assertRefused} checks, for the daemon that publishes. */
    private void assertRefusedByThePublishingDaemon(final String message, final RunRequest request) throws IOException
    {
        final List<Network> networks = publishing.networks();
        final List<Sandbox> sandboxes = publishing.sandboxes();
        final byte[] stateFile = ControlPlaneFixture.storedBytes(publishingStore);

        final RequestException refusal = assertThrows(RequestException.class, () -> publishing.run(request));

        assertEquals(400, refusal.status(), refusal.getMessage());
        assertEquals(message, refusal.getMessage());
        assertEquals(networks, publishing.networks(), "networks");
        assertEquals(sandboxes, publishing.sandboxes(), "sandboxes");
        assertArrayEquals(stateFile, ControlPlaneFixture.storedBytes(publishingStore), StateStore.FILE_NAME);
    }

    // ------------------------------------------------------------------------------------------
    // malformed -p
    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "-p \"{0}\"")
    @CsvSource(delimiter = '|', value = {
        "99999             | invalid containerPort: 99999",
        "8080:0            | invalid containerPort: 0",
        "70000:80          | invalid hostPort: 70000",
        "8080:80/sctp      | invalid proto: sctp (only tcp and udp are supported)",
        "8000-8001:80      | port ranges are not supported yet: 8000-8001:80",
        "[::1]:8080:80     | IPv6 host IPs are not supported yet: ::1",
        "300.0.0.1:8080:80 | invalid IP address: 300.0.0.1",
        ":80               | invalid port specification: \":80\"",
        "''                | no port specified: <empty>",
    })
    void shouldRefuseAMalformedSpecWithoutMakingAnything(final String spec, final String message) throws IOException
    {
        for (final String network : List.of("bridge", USER_BRIDGE))
        {
            assertRefused(fixture, 400, message, () -> fixture.control().run(run(network, List.of(spec))));
            assertRefusedByThePublishingDaemon(message, run(network, List.of(spec)));
        }
    }

    @Test
    void shouldRefuseAGoodSpecNextToABadOneWithoutPublishingTheGoodOne() throws IOException
    {
        final List<String> publish = List.of(onLoopback(80), "8080:99999");

        assertRefusedByThePublishingDaemon("invalid containerPort: 99999", run(USER_BRIDGE, publish));
        assertRefused(fixture, 400, "invalid containerPort: 99999", () -> fixture.control().run(run(USER_BRIDGE, publish)));
    }

    @Test
    void shouldRefuseTheSameHostPortTwiceInOneRun() throws IOException
    {
        final List<String> publish = List.of(onLoopback(80), onLoopback(81));
        final String message = "host port " + hostPort + "/tcp is published twice";

        assertRefusedByThePublishingDaemon(message, run(USER_BRIDGE, publish));
        assertRefused(fixture, 400, message, () -> fixture.control().run(run(USER_BRIDGE, publish)));
    }

    // ------------------------------------------------------------------------------------------
    // networks ports cannot be published on
    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "--net {0}")
    @CsvSource(delimiter = '|', value = {
        "none | cannot publish ports on network none (driver null): a bridge network with a route out is needed",
        "host | cannot publish ports on network host (driver host): a bridge network with a route out is needed",
        "back | cannot publish ports on network back (internal): a bridge network with a route out is needed",
    })
    void shouldRefuseToPublishOnANetworkWithoutARouteOut(final String network, final String message) throws IOException
    {
        final List<String> publish = List.of(onLoopback(80));

        assertRefusedByThePublishingDaemon(message, run(network, publish));
        assertRefused(fixture, 400, message, () -> fixture.control().run(run(network, publish)));
    }

    // ------------------------------------------------------------------------------------------
    // a daemon that does not publish
    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "--net {0}")
    @ValueSource(strings = {"bridge", USER_BRIDGE})
    void shouldRefuseAGoodSpecOnADaemonThatDoesNotPublish(final String network)
    {
        for (final String spec : List.of("80", "8080:80", onLoopback(80), "127.0.0.1::80", "5353:53/udp"))
        {
            assertRefused(fixture, 400, "this daemon does not publish ports", () -> fixture.control().run(run(network, List.of(spec))));
        }
    }
}
