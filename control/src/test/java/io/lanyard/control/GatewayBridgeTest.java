package io.lanyard.control;

import io.lanyard.control.ipam.AddressSpace;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import io.lanyard.tap.TapDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.defaultBridge;
import static io.lanyard.control.ModelFixtures.endpoint;
import static io.lanyard.control.ModelFixtures.internalBridge;
import static io.lanyard.control.ModelFixtures.network;
import static io.lanyard.control.ModelFixtures.overlay;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When a sandbox gets its gateway endpoint on {@value Network#GATEWAY_BRIDGE} and when it loses
 * it (Docker's {@code needDefaultGW}), the network made on first use, and what a change marks and
 * settles; over a real (portless) dataplane, with no namespace or device made.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class GatewayBridgeTest
{
    @TempDir
    Path tempDir;

    private final NetworkTable networks = new NetworkTable();
    private final Network ov = overlay("ov", "10.0.0.0/24", 4096);
    private final Network inner = network(Network.DRIVER_OVERLAY, "inner", true, Map.of(Network.OPTION_VXLAN_ID, "4097"), "10.0.1.0/24");
    private final Network front = bridge("front", "10.30.0.0/24");
    private final Network back = internalBridge("back", "10.31.0.0/24");
    private final Network plugin = network("weave", "weave-net", false, Map.of(), "10.32.0.0/24");
    private Dataplane dataplane;
    private SandboxPlumbing plumbing;
    private EndpointAddressing addressing;
    private SwitchDomains domains;
    private GatewayBridge gateways;

    @BeforeEach
    void start()
    {
        dataplane = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("counters")).withRingSize(64));
        plumbing = new SandboxPlumbing(TapDevice.OFFLOAD_TCP);
        addressing = new EndpointAddressing(networks, ControlPlane.Routing.NONE);
        domains = new SwitchDomains(dataplane, ControlPlane.Routing.NONE);
        final NetworkSetup setup = new NetworkSetup(networks, addressing, domains);
        List.of(defaultBridge(), ov, inner, front, back, plugin).forEach(setup::add);
        gateways = new GatewayBridge(networks, setup, addressing,
            new SandboxWiring(networks, domains, plumbing, dataplane, ControlPlane.Routing.NONE), AddressSpace.docker(List::of));
    }

    @AfterEach
    void stop()
    {
        plumbing.close();
        dataplane.close();
    }

    private static Sandbox on(final Endpoint... endpoints)
    {
        return sandbox('1', "c1", endpoints);
    }

    private Network gatewayBridge()
    {
        return networks.byName(Network.GATEWAY_BRIDGE).orElseThrow();
    }

    @Test
    void shouldGiveASandboxOnlyOnAnOverlayAGatewayEndpointOnABridgeMadeWithDockersOptions()
    {
        final Sandbox sandbox = on(endpoint("e1", ov, "eth0", "10.0.0.2"));

        final GatewayBridge.Change change = gateways.plan(sandbox, sandbox.endpoints());

        final Network made = gatewayBridge();
        assertEquals(Network.DRIVER_BRIDGE, made.driver());
        assertEquals(Network.SCOPE_LOCAL, made.scope());
        assertFalse(made.internal());
        assertEquals(Map.of(Network.OPTION_ENABLE_ICC, "false", Network.OPTION_ENABLE_IP_MASQUERADE, "true",
            Network.OPTION_BRIDGE_NAME, GatewayBridge.DEVICE), made.options());
        assertEquals("172.18.0.0/16", made.ipam().get(0).subnet(), "Docker's pick while 172.17.0.0/16 is the default bridge's");
        assertEquals("172.18.0.1", made.ipam().get(0).gateway());
        assertNotNull(domains.domainOf(made.id()), "set up as a bridge network of the switch");

        final Endpoint added = change.added();
        assertNull(change.removed());
        assertEquals(made.id(), added.networkId());
        assertEquals("eth1", added.interfaceName());
        assertEquals("172.18.0.2", added.ipv4Address());
        assertEquals(16, added.prefixLength());
        assertEquals("02:42:ac:12:00:02", added.macAddress());
        assertTrue(added.isSettled());
        assertTrue(gateways.isGateway(added));
        assertFalse(gateways.isGateway(sandbox.endpoints().get(0)));
        assertEquals("gateway_" + "1".repeat(12), GatewayBridge.endpointName(sandbox));
    }

    @Test
    void shouldTakeAPoolThatNoNetworkOfTheHostUsesOverlaysIncluded()
    {
        final NetworkSetup setup = new NetworkSetup(networks, addressing, domains);
        setup.add(bridge("b18", "172.18.0.0/16"));
        setup.add(overlay("ov19", "172.19.5.0/24", 4098));

        gateways.plan(on(endpoint("e1", ov, "eth0", "10.0.0.2")), List.of(endpoint("e1", ov, "eth0", "10.0.0.2")));

        assertEquals("172.20.0.0/16", gatewayBridge().ipam().get(0).subnet());
    }

    @Test
    void shouldUseTheGatewayBridgeThereIsAndMakeItOnlyOnce()
    {
        final Network own = network(Network.DRIVER_BRIDGE, Network.GATEWAY_BRIDGE, false, Map.of(), "10.99.0.0/16");
        new NetworkSetup(networks, addressing, domains).add(own);
        final int count = networks.all().size();

        final Endpoint first = gateways.plan(on(endpoint("e1", ov, "eth0", "10.0.0.2")),
            List.of(endpoint("e1", ov, "eth0", "10.0.0.2"))).added();
        final Sandbox other = sandbox('2', "c2", endpoint("e3", ov, "eth0", "10.0.0.3"));
        final Endpoint second = gateways.plan(other, other.endpoints()).added();

        assertEquals(count, networks.all().size(), "no second network");
        assertSame(own, gatewayBridge());
        assertEquals("10.99.0.2", first.ipv4Address());
        assertEquals("10.99.0.3", second.ipv4Address());
    }

    @Test
    void shouldGiveNoGatewayEndpointWhereDockerGivesNone()
    {
        final Endpoint onOverlay = endpoint("e1", ov, "eth0", "10.0.0.2");
        final Map<String, Sandbox> noGateway = Map.of(
            "an internal overlay only", on(endpoint("e1", inner, "eth0", "10.0.1.2")),
            "a bridge with a way out besides", on(onOverlay, endpoint("e2", front, "eth1", "10.30.0.2")),
            "a bridge with a way out before", on(endpoint("e2", front, "eth0", "10.30.0.2"), endpoint("e1", ov, "eth1", "10.0.0.2")),
            "a remote driver's network besides", on(onOverlay, endpoint("e2", plugin, "eth1", "10.32.0.2")),
            "bridges only", on(endpoint("e2", front, "eth0", "10.30.0.2"), endpoint("e3", back, "eth1", "10.31.0.2")),
            "nothing at all", on(),
            "a namespace a runtime attached", new Sandbox("3".repeat(64), "c3", "/proc/1234/ns/net", ModelFixtures.CREATED,
                Sandbox.READY, List.of(), null, null, null, List.of(onOverlay)));

        noGateway.forEach((why, sandbox) ->
            assertSame(GatewayBridge.Change.NONE, gateways.plan(sandbox, sandbox.endpoints()), why));
        assertTrue(networks.byName(Network.GATEWAY_BRIDGE).isEmpty(), "made only when needed");

        final Sandbox internalAndOverlay = on(endpoint("e3", back, "eth0", "10.31.0.2"), endpoint("e1", ov, "eth1", "10.0.0.2"));
        assertEquals("eth2", gateways.plan(internalAndOverlay, internalAndOverlay.endpoints()).added().interfaceName(),
            "an internal bridge is no way out");
    }

    @Test
    void shouldTakeTheGatewayEndpointAwayWhenTheSandboxLeavesItsLastOverlayOrJoinsANetworkWithAWayOut()
    {
        final Endpoint onOverlay = endpoint("e1", ov, "eth0", "10.0.0.2");
        final Endpoint gateway = gateways.plan(on(onOverlay), List.of(onOverlay)).added();

        final GatewayBridge.Change leaving = gateways.plan(on(onOverlay, gateway),
            List.of(onOverlay.withState(Endpoint.DISCONNECTING), gateway));
        final GatewayBridge.Change joining = gateways.plan(on(onOverlay, gateway),
            List.of(onOverlay, gateway, endpoint("e2", front, "eth2", "10.30.0.2").withState(Endpoint.CONNECTING)));
        final GatewayBridge.Change staying = gateways.plan(on(onOverlay, gateway),
            List.of(onOverlay, gateway, endpoint("e3", back, "eth2", "10.31.0.2").withState(Endpoint.CONNECTING)));

        assertEquals(new GatewayBridge.Change(null, gateway), leaving);
        assertEquals(new GatewayBridge.Change(null, gateway), joining);
        assertSame(GatewayBridge.Change.NONE, staying, "joining an internal network changes nothing");
    }

    @Test
    void shouldGiveTheGatewayEndpointWhenTheSandboxLeavesItsLastNetworkWithAWayOut()
    {
        final Endpoint onFront = endpoint("e2", front, "eth0", "10.30.0.2");
        final Endpoint onOverlay = endpoint("e1", ov, "eth1", "10.0.0.2");

        final GatewayBridge.Change change = gateways.plan(on(onFront, onOverlay), List.of(onFront.withState(Endpoint.DISCONNECTING),
            onOverlay));

        assertEquals("eth2", change.added().interfaceName(), "named among the sandbox's interfaces, the leaving one included");
        assertEquals(gatewayBridge().id(), change.added().networkId());
    }

    @Test
    void shouldMarkAChangeForTheWriteAheadAndSettleIt()
    {
        final Endpoint onOverlay = endpoint("e1", ov, "eth0", "10.0.0.2");
        final Endpoint gateway = gateways.plan(on(onOverlay), List.of(onOverlay)).added();
        final Endpoint onFront = endpoint("e2", front, "eth2", "10.30.0.2");
        final GatewayBridge.Change adding = new GatewayBridge.Change(gateway, null);
        final GatewayBridge.Change removing = new GatewayBridge.Change(null, gateway);

        assertEquals(List.of(onOverlay, gateway.withState(Endpoint.CONNECTING)), adding.marked(List.of(onOverlay)));
        assertEquals(List.of(onOverlay, gateway), adding.settled(List.of(onOverlay)));
        assertEquals(List.of(onOverlay, gateway.withState(Endpoint.DISCONNECTING), onFront),
            removing.marked(List.of(onOverlay, gateway, onFront)));
        assertEquals(List.of(onOverlay, onFront), removing.settled(List.of(onOverlay, gateway, onFront)));
        assertEquals(List.of(onOverlay), GatewayBridge.Change.NONE.marked(List.of(onOverlay)));
        assertEquals(List.of(onOverlay), GatewayBridge.Change.NONE.settled(List.of(onOverlay)));
    }

    @Test
    void shouldFreeTheAddressOfAnAbandonedPlan()
    {
        final Endpoint onOverlay = endpoint("e1", ov, "eth0", "10.0.0.2");
        final GatewayBridge.Change first = gateways.plan(on(onOverlay), List.of(onOverlay));

        gateways.abandon(first);

        assertEquals(first.added().ipv4Address(), gateways.plan(on(onOverlay), List.of(onOverlay)).added().ipv4Address());
    }

    @Test
    void shouldRefuseInOneLineWhenNoPoolIsFreeAndMakeNoNetwork()
    {
        final NetworkSetup setup = new NetworkSetup(networks, addressing, domains);
        setup.add(bridge("all-172", "172.16.0.0/12"));
        setup.add(bridge("all-192", "192.168.0.0/16"));
        final Endpoint onOverlay = endpoint("e1", ov, "eth0", "10.0.0.2");

        final RequestException refused = assertThrows(RequestException.class, () -> gateways.plan(on(onOverlay), List.of(onOverlay)));

        assertEquals(409, refused.status());
        assertEquals("cannot give c1 a way out on lanyard_gwbridge: could not find an available, non-overlapping IPv4 address pool " +
            "among the defaults to assign to the network", refused.getMessage());
        assertTrue(networks.byName(Network.GATEWAY_BRIDGE).isEmpty());
        assertSame(GatewayBridge.Change.NONE, gateways.planAtBest(on(onOverlay), List.of(onOverlay)), "a change that goes ahead anyway");
    }

    @Test
    void shouldRefuseAGatewayBridgeOfTheWrongKindByName()
    {
        new NetworkSetup(networks, addressing, domains).add(network(Network.DRIVER_BRIDGE, Network.GATEWAY_BRIDGE, true, Map.of(),
            "10.98.0.0/16"));
        final Endpoint onOverlay = endpoint("e1", ov, "eth0", "10.0.0.2");

        final RequestException refused = assertThrows(RequestException.class, () -> gateways.plan(on(onOverlay), List.of(onOverlay)));

        assertEquals(500, refused.status());
        assertEquals("cannot give c1 a way out on lanyard_gwbridge: the network of that name is internal, not a bridge with a way out",
            refused.getMessage());
    }

    @Test
    void shouldLeaveTheDeviceNameToTheNetworkThatHasItAlready()
    {
        new NetworkSetup(networks, addressing, domains).add(network(Network.DRIVER_BRIDGE, "squatter", false,
            Map.of(Network.OPTION_BRIDGE_NAME, GatewayBridge.DEVICE), "10.97.0.0/16"));
        final Endpoint onOverlay = endpoint("e1", ov, "eth0", "10.0.0.2");

        gateways.plan(on(onOverlay), List.of(onOverlay));

        assertFalse(gatewayBridge().options().containsKey(Network.OPTION_BRIDGE_NAME), "its host-side device is then ly- and its ID");
    }

    @Test
    void shouldGiveARestoredSandboxTheWayOutItLacksOrTakeTheOneItNoLongerNeeds()
    {
        final Endpoint onOverlay = endpoint("e1", ov, "eth0", "10.0.0.2");
        final Sandbox lacking = on(onOverlay);
        final Sandbox restored = gateways.restore(lacking);
        final Endpoint gateway = restored.endpoints().get(1);
        final Sandbox surplus = on(endpoint("e2", front, "eth0", "10.30.0.2"), onOverlay, gateway);

        final Sandbox trimmed = gateways.restore(surplus);

        assertEquals(List.of(onOverlay, gateway), restored.endpoints());
        assertTrue(gateway.isSettled() && gateways.isGateway(gateway));
        assertEquals(surplus.endpoints().subList(0, 2), trimmed.endpoints());
        assertEquals(gateway.ipv4Address(), gateways.plan(lacking, lacking.endpoints()).added().ipv4Address(), "its address is free again");
        assertSame(restored, gateways.restore(restored), "nothing to do");
    }

    @Test
    void shouldLeaveASandboxWithoutItsGatewayEndpointWhenItsInterfaceCannotBeMadeInAChangeThatGoesAhead()
    {
        final Endpoint onOverlay = endpoint("e1", ov, "eth0", "10.0.0.2");
        final GatewayBridge.Change change = gateways.plan(on(onOverlay), List.of(onOverlay));
        final Sandbox planned = on(onOverlay, change.added());

        final Sandbox result = gateways.connectAtBest(planned, change);

        assertEquals(List.of(onOverlay), result.endpoints(), ControlPlaneFixture.SANDBOX_PREFIX + "c1 does not exist");
        assertEquals(change.added().ipv4Address(), gateways.plan(on(onOverlay), List.of(onOverlay)).added().ipv4Address(),
            "its address was freed");
        assertSame(planned, gateways.connectAtBest(planned, GatewayBridge.Change.NONE));
    }
}
