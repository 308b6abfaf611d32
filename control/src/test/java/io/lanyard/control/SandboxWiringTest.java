package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.sandbox.InterfaceSpec;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.TapDevice;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.ModelFixtures.bareEndpoint;
import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.endpoint;
import static io.lanyard.control.ModelFixtures.host;
import static io.lanyard.control.ModelFixtures.internalBridge;
import static io.lanyard.control.ModelFixtures.network;
import static io.lanyard.control.ModelFixtures.overlay;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a sandbox's interfaces are laid out (default route, names, addresses, MTU), and, with
 * CAP_NET_ADMIN, a real namespace and TAP wired to a real dataplane and taken apart again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SandboxWiringTest
{
    @TempDir
    Path tempDir;

    private final NetworkTable networks = new NetworkTable();
    private final Network internal = put(internalBridge("back", "172.19.0.0/16"));
    private final Network ov = put(overlay("ov", "10.0.0.0/24", 4096));
    private final Network front = put(bridge("front", "172.18.0.0/16", "10.30.0.0/24"));
    private final Network other = put(bridge("other", "172.20.0.0/16"));

    private Network put(final Network network)
    {
        networks.put(network);
        return network;
    }

    /** Wiring that may only lay out, not make anything. */
    private SandboxWiring layout()
    {
        return new SandboxWiring(networks, null, null, null, ControlPlane.Routing.NONE);
    }

    @Test
    void shouldRouteThroughTheFirstInterfaceOnABridgeWithAWayOut()
    {
        final Network hostNetwork = put(host());
        final Endpoint onFront = endpoint("e3", front, "eth2", "172.18.0.2");
        final Sandbox sandbox = sandbox('1', "c1", bareEndpoint("e0", hostNetwork), endpoint("e1", internal, "eth0", "172.19.0.2"),
            endpoint("e2", ov, "eth1", "10.0.0.2"), onFront, endpoint("e4", other, "eth3", "172.20.0.2"));

        assertEquals(onFront.id(), layout().defaultRouteFor(sandbox));
        assertNull(layout().defaultRouteFor(sandbox('2', "c2", endpoint("e5", internal, "eth0", "172.19.0.3"))),
            "an internal network has no way out");
    }

    @Test
    void shouldNameANewInterfaceWithTheLowestFreeEthNumber()
    {
        assertEquals("eth0", SandboxWiring.nextInterfaceName(sandbox('1', "c1")));
        assertEquals("eth1", SandboxWiring.nextInterfaceName(sandbox('1', "c1", endpoint("e1", front, "eth0", "172.18.0.2"),
            endpoint("e2", other, "eth2", "172.20.0.2"))));
    }

    @Test
    void shouldConfigureAnInterfaceWithTheGatewayOfTheSubnetHoldingItsAddress()
    {
        final InterfaceSpec spec = layout().interfaceSpec(endpoint("e1", front, "eth1", "10.30.0.7"), true);

        assertEquals(new InterfaceSpec("eth1", MacAddress.fromIpv4(Ipv4Address.parse("10.30.0.7")), Ipv4Address.parse("10.30.0.7"), 24,
            Ipv4Address.parse("10.30.0.1"), 1500, true), spec);
    }

    @Test
    void shouldLeaveRoomForVxlanOnAnOverlayUnlessItsMtuIsSet()
    {
        final Network small = put(network(Network.DRIVER_OVERLAY, "small", false,
            Map.of(Network.OPTION_VXLAN_ID, "4097", Network.OPTION_MTU, "1400"), "10.0.1.0/24"));

        assertEquals(1450, layout().interfaceSpec(endpoint("e1", ov, "eth0", "10.0.0.2"), false).mtu());
        assertEquals(1400, layout().interfaceSpec(endpoint("e2", small, "eth0", "10.0.1.2"), false).mtu());
    }

    @Test
    void shouldWireASandboxIntoItsOwnNamespaceAndTakeItApartAgain()
    {
        Privileges.requireNetAdmin("ip");
        try (Namespaces namespaces = new Namespaces("wire");
            SandboxPlumbing plumbing = new SandboxPlumbing(TapDevice.OFFLOAD_TCP))
        {
            final Dataplane dataplane = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("counters")).withRingSize(64));
            try
            {
                final SwitchDomains domains = new SwitchDomains(dataplane, ControlPlane.Routing.NONE);
                domains.add(front);
                final SandboxWiring wiring = new SandboxWiring(networks, domains, plumbing, dataplane, ControlPlane.Routing.NONE);
                final String netns = namespaces.prefix() + "c1";
                final Endpoint endpoint = endpoint("e1", front, "eth0", "172.18.0.2");
                final Sandbox sandbox = new Sandbox("1".repeat(64), "c1", netns, ModelFixtures.CREATED, Sandbox.CREATING, List.of(),
                    null, null, null, List.of(endpoint));

                wiring.wire(sandbox, false);

                final String address = namespaces.exec(netns, "ip", "-o", "addr", "show", "dev", "eth0").assertOk().output();
                final String link = namespaces.exec(netns, "ip", "-o", "link", "show", "dev", "eth0").assertOk().output();
                final String route = namespaces.exec(netns, "ip", "route", "show", "default").assertOk().output();
                assertTrue(address.contains("inet 172.18.0.2/16"), address);
                assertTrue(link.contains("link/ether 02:42:ac:12:00:02") && link.contains("mtu 1500"), link);
                assertTrue(route.contains("default via 172.18.0.1 dev eth0"), route);
                assertNotNull(wiring.attachment(endpoint.id()));
                assertEquals(List.of(endpoint), wiring.byPort().values().stream().map(Attachment::endpoint).toList());

                wiring.unwire(sandbox);

                assertNull(wiring.attachment(endpoint.id()));
                assertEquals(Map.of(), wiring.byPort());
                assertFalse(namespaces.exec(netns, "ip", "link", "show", "dev", "eth0").status() == 0, "the TAP is gone");
                wiring.deleteNamespace(sandbox);
                assertFalse(IpRoute2.netnsExists(netns));
                assertEquals("its network namespace " + netns + " is gone",
                    assertThrows(IllegalStateException.class, () -> wiring.connect(sandbox, endpoint)).getMessage());
            }
            finally
            {
                dataplane.close();
            }
        }
    }
}
