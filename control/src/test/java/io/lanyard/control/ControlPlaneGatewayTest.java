package io.lanyard.control;

import io.lanyard.client.api.ConnectRequest;
import io.lanyard.client.api.RunRequest;
import io.lanyard.control.cluster.EtcdClusterStore;
import io.lanyard.control.cluster.EtcdServer;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import io.lanyard.control.overlay.ClusterRecords.Host;
import io.lanyard.control.overlay.OverlayCluster;
import io.lanyard.control.ports.PortBinding;
import io.lanyard.control.ports.ProxyLoops;
import io.lanyard.control.ports.PublishedPorts;
import io.lanyard.control.ports.UserlandProxy;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.RefusalAssertions.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The façade's requests as they give and take sandboxes' gateway endpoints on
 * {@value Network#GATEWAY_BRIDGE} ({@link GatewayBridge}): run, connect, disconnect, rm, the
 * refusals, and a restart over the state a crash leaves between the write-ahead brackets. Real
 * namespaces and TAPs (CAP_NET_ADMIN) and a real etcd for the overlay's cluster; the daemon has
 * no host-side ports or uplink, so nothing is made outside the test's namespaces.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ControlPlaneGatewayTest
{
    private static final Duration TTL = Duration.ofSeconds(5);

    @TempDir
    Path tempDir;

    private EtcdServer etcd;
    private OverlayCluster cluster;
    private Namespaces namespaces;
    private ProxyLoops loops;
    private final List<ControlPlaneFixture> started = new ArrayList<>();
    private ControlPlaneFixture daemon;

    @BeforeEach
    void startOneHostOfACluster() throws InterruptedException
    {
        Privileges.requireNetAdmin("ip");
        etcd = EtcdServer.start();
        cluster = OverlayCluster.join(new EtcdClusterStore(etcd.address(), Duration.ofSeconds(2)), new Host("host-a", "192.0.2.11"),
            TTL, 1450);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!cluster.isSynced() && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertTrue(cluster.isSynced(), "joined the cluster");
        namespaces = new Namespaces("gwb");
        loops = ProxyLoops.create(1);
        daemon = start(State.empty());
        daemon.control().createNetwork(new NetworkCreate("ov", Network.DRIVER_OVERLAY, List.of(new IpamPool("10.0.0.0/24", null, null,
            null)), false, false, Map.of(), Map.of()));
    }

    @AfterEach
    void stopEverything() throws Exception
    {
        for (final AutoCloseable closeable : new AutoCloseable[] {() -> started.forEach(ControlPlaneFixture::close), loops, cluster,
            namespaces, etcd})
        {
            if (closeable != null)
            {
                closeable.close();
            }
        }
    }

    /** A daemon start over the state every start shares, with this test's namespaces and cluster and a userland proxy. */
    private ControlPlaneFixture start(final State state)
    {
        final ControlPlaneFixture fixture = new ControlPlaneFixture(tempDir.resolve("work" + started.size()), tempDir.resolve("state"),
            namespaces.prefix(), dataplane -> new ControlPlane.Routing(null, null,
            new PublishedPorts(dataplane, loops, () -> 0, UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT), cluster));
        started.add(fixture);
        fixture.control().restore(state);
        return fixture;
    }

    /** A daemon that stops and starts again over what it stored (changed as {@code crash} says). */
    private ControlPlaneFixture restart(final java.util.function.UnaryOperator<State> crash)
    {
        final State stored = daemon.store().load();
        daemon.close();
        started.remove(daemon);
        return start(crash.apply(stored));
    }

    private ControlPlane control()
    {
        return daemon.control();
    }

    private Sandbox run(final String name, final String network, final String... publish)
    {
        return control().run(new RunRequest(name, network, null, List.of(), List.of(), true, List.of(publish), List.of(), List.of()));
    }

    private String inSandbox(final String name, final String... command)
    {
        return namespaces.exec(namespaces.prefix() + name, command).assertOk().output().trim();
    }

    private List<String> interfaces(final String name)
    {
        final List<String> names = new ArrayList<>();
        for (final String line : inSandbox(name, "ip", "-o", "link", "show").split("\n"))
        {
            names.add(line.split(": ")[1].split("@")[0]);
        }
        return names;
    }

    private Network gatewayBridge()
    {
        return control().network(Network.GATEWAY_BRIDGE);
    }

    private static Endpoint on(final Sandbox sandbox, final Network network)
    {
        return sandbox.endpoints().stream().filter(e -> e.networkId().equals(network.id())).findFirst().orElseThrow();
    }

    @Test
    void shouldGiveASandboxOnAnOverlayItsWayOutAndPortsOnTheGatewayBridgeAndTakeThemAwayWithIt() throws IOException
    {
        final int hostPort = freePort();
        final Sandbox c1 = run("c1", "ov", "127.0.0.1:" + hostPort + ":80");

        final Network bridge = gatewayBridge();
        assertEquals(Network.DRIVER_BRIDGE, bridge.driver());
        assertEquals(Map.of(Network.OPTION_ENABLE_ICC, "false", Network.OPTION_ENABLE_IP_MASQUERADE, "true",
            Network.OPTION_BRIDGE_NAME, GatewayBridge.DEVICE), bridge.options());
        assertEquals("172.18.0.0/16", bridge.ipam().get(0).subnet());
        final Endpoint gateway = c1.endpoints().get(1);
        assertEquals(List.of("ov", Network.GATEWAY_BRIDGE), c1.endpoints().stream().map(e -> control().networkById(e.networkId()).name())
            .toList());
        assertEquals("eth1", gateway.interfaceName());
        assertEquals("172.18.0.2", gateway.ipv4Address());
        assertEquals("default via 172.18.0.1 dev eth1", inSandbox("c1", "ip", "route", "show", "default"));
        assertEquals("10.0.0.0/24 proto kernel scope link src 10.0.0.2", inSandbox("c1", "ip", "route", "show", "dev", "eth0"),
            "the overlay's interface keeps its subnet route only");
        assertEquals(List.of(new PortBinding("127.0.0.1", hostPort, 80, "tcp")), c1.ports());
        assertEquals(gateway.id(), control().publishedVia(c1), "published through the gateway endpoint");
        assertEquals(Map.of(c1, gateway), control().members(bridge));
        final String hosts = Files.readString(daemon.etcRoot().resolve(namespaces.prefix() + "c1").resolve("hosts"));
        assertTrue(hosts.contains("10.0.0.2\t" + c1.shortId()) && !hosts.contains("172.18.0.2"), "no name for the way out:\n" + hosts);

        assertRefused(daemon, 409, "error while removing network: network lanyard_gwbridge id " + bridge.id() +
            " has active endpoints (gateway_" + c1.shortId() + ")", () -> control().removeNetwork(Network.GATEWAY_BRIDGE));
        assertRefused(daemon, 403, "container " + c1.id() + " is not connected to network lanyard_gwbridge",
            () -> control().disconnect(Network.GATEWAY_BRIDGE, "c1"));
        final String ownedByLanyard = "network lanyard_gwbridge is Lanyard's own way out for containers on overlay networks: " +
            "nothing is run on it or connected to it by hand";
        assertRefused(daemon, 403, ownedByLanyard, () -> control().connect(Network.GATEWAY_BRIDGE, new ConnectRequest("c1", null, List.of())));
        assertRefused(daemon, 403, ownedByLanyard, () -> run("c9", Network.GATEWAY_BRIDGE));

        control().remove("c1", true);

        assertEquals(Map.of(), control().members(bridge));
        assertEquals(bridge, gatewayBridge(), "the network stays, as Docker's does");
        assertFalse(namespaces.existing().contains(namespaces.prefix() + "c1"));
        final Sandbox c2 = run("c2", "ov");
        assertEquals("172.18.0.2", on(c2, bridge).ipv4Address(), "c1's address is free again");
        control().remove("c2", true);
        control().removeNetwork(Network.GATEWAY_BRIDGE);
        assertFalse(control().networks().stream().anyMatch(Network::isGatewayBridge), "removable once no endpoint uses it");
    }

    @Test
    void shouldMoveTheWayOutAsTheSandboxJoinsAndLeavesNetworks()
    {
        control().createNetwork(new NetworkCreate("inner", Network.DRIVER_OVERLAY, List.of(), true, false, Map.of(), Map.of()));
        final Sandbox i1 = run("i1", "inner");
        assertEquals(1, i1.endpoints().size());
        assertEquals("", inSandbox("i1", "ip", "route", "show", "default"), "an internal overlay has no way out");
        assertFalse(control().networks().stream().anyMatch(Network::isGatewayBridge), "made on first need only");

        run("o1", "ov");
        final Network bridge = gatewayBridge();
        assertEquals(List.of("lo", "eth0", "eth1"), interfaces("o1"));

        Sandbox o1 = control().connect("bridge", new ConnectRequest("o1", null, List.of()));
        assertEquals(List.of("eth0", "eth2"), o1.endpoints().stream().map(Endpoint::interfaceName).toList(), "the gateway endpoint went");
        assertEquals(List.of("lo", "eth0", "eth2"), interfaces("o1"));
        assertEquals("default via 172.17.0.1 dev eth2", inSandbox("o1", "ip", "route", "show", "default"));
        assertEquals(Map.of(), control().members(bridge));

        o1 = control().disconnect("bridge", "o1");
        assertEquals("eth1", on(o1, bridge).interfaceName(), "the gateway endpoint came back");
        assertEquals("default via 172.18.0.1 dev eth1", inSandbox("o1", "ip", "route", "show", "default"));

        o1 = control().disconnect("ov", "o1");
        assertEquals(List.of(), o1.endpoints(), "its last overlay took the way out with it");
        assertEquals(List.of("lo"), interfaces("o1"));

        o1 = control().connect("ov", new ConnectRequest("o1", null, List.of()));
        assertEquals(List.of("eth0", "eth1"), o1.endpoints().stream().map(Endpoint::interfaceName).toList());
        assertEquals("default via 172.18.0.1 dev eth1", inSandbox("o1", "ip", "route", "show", "default"));

        run("b1", "bridge");
        final Sandbox b1 = control().connect("ov", new ConnectRequest("b1", null, List.of()));
        assertEquals(2, b1.endpoints().size(), "a sandbox with a bridge has its way out there");
        assertEquals("default via 172.17.0.1 dev eth0", inSandbox("b1", "ip", "route", "show", "default"));
        assertEquals(List.of("o1"), control().members(bridge).keySet().stream().map(Sandbox::name).toList());
    }

    @Test
    void shouldBringTheGatewayBridgeAndItsEndpointsBackAfterARestartAndSettleWhatACrashLeftHalfDone()
    {
        for (final String name : List.of("kept", "born", "leaving", "joining", "stored-before"))
        {
            run(name, "ov");
        }
        final Network bridge = gatewayBridge();
        final Endpoint joiningGateway = on(control().sandbox("joining"), bridge);
        control().connect("bridge", new ConnectRequest("joining", null, List.of()));
        final Sandbox kept = control().sandbox("kept");
        final String keptIndex = inSandbox("kept", "cat", "/sys/class/net/eth1/ifindex");

        daemon = restart(stored -> new State(stored.version(), stored.networks(), stored.sandboxes().stream().map(sandbox ->
        {
            final List<Endpoint> endpoints = new ArrayList<>(sandbox.endpoints());
            switch (sandbox.name())
            {
                case "born" -> // died in run, between its two state writes
                {
                    return sandbox.withState(Sandbox.CREATING);
                }
                case "leaving" -> // died in disconnect ov, after the write-ahead marker
                    endpoints.replaceAll(e -> e.withState(Endpoint.DISCONNECTING));
                case "joining" -> // died in connect bridge, after its wiring: eth1 gone, eth2 made
                {
                    endpoints.set(1, endpoints.get(1).withState(Endpoint.CONNECTING));
                    endpoints.add(1, joiningGateway.withState(Endpoint.DISCONNECTING));
                }
                case "stored-before" -> // a state written before gateway endpoints (its eth1 left in the namespace)
                    endpoints.remove(1);
                default ->
                {
                }
            }
            return sandbox.withEndpoints(endpoints);
        }).toList(), stored.ports()));

        assertEquals(bridge, gatewayBridge(), "the same network, from the state");
        assertEquals(kept, control().sandbox("kept"));
        assertEquals(keptIndex, inSandbox("kept", "cat", "/sys/class/net/eth1/ifindex"), "its TAP re-attached, not made again");
        assertEquals("default via 172.18.0.1 dev eth1", inSandbox("kept", "ip", "route", "show", "default"));

        assertFalse(control().sandboxes().stream().anyMatch(s -> s.name().equals("born")));
        assertFalse(namespaces.existing().contains(namespaces.prefix() + "born"), "the half-made sandbox is undone");
        assertEquals(List.of(), control().sandbox("leaving").endpoints());
        assertEquals(List.of("lo"), interfaces("leaving"), "the disconnect is finished, its gateway endpoint's interface too");
        for (final String name : List.of("joining", "stored-before"))
        {
            final Sandbox sandbox = control().sandbox(name);
            assertEquals(List.of("ov", Network.GATEWAY_BRIDGE), sandbox.endpoints().stream()
                .map(e -> control().networkById(e.networkId()).name()).toList(), name);
            assertEquals(List.of("lo", "eth0", "eth1"), interfaces(name), name);
            assertEquals("default via 172.18.0.1 dev eth1", inSandbox(name, "ip", "route", "show", "default"), name);
        }
        final List<String> addresses = control().members(bridge).values().stream().map(Endpoint::ipv4Address).sorted().toList();
        assertEquals(3, addresses.size(), addresses.toString());
        assertEquals(3, addresses.stream().distinct().count(), "no address given twice: " + addresses);
        final String next = on(run("next", "ov"), bridge).ipv4Address();
        assertFalse(addresses.contains(next), next + " is none of " + addresses);
        assertNotEquals(daemon.store().load().sandboxes().stream().filter(s -> s.name().equals("joining")).findFirst().orElseThrow()
            .endpoints().get(1).state(), Endpoint.CONNECTING, "settled in the state too");
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return probe.getLocalPort();
        }
    }
}
