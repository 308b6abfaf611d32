package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.ports.PortBinding;
import io.lanyard.control.ports.PortSpec;
import io.lanyard.control.ports.ProxyLoops;
import io.lanyard.control.ports.PublishedPorts;
import io.lanyard.control.ports.UserlandProxy;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.endpoint;
import static io.lanyard.control.ModelFixtures.internalBridge;
import static io.lanyard.control.ModelFixtures.network;
import static io.lanyard.control.ModelFixtures.overlay;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Published ports led to the endpoint with the route out, over real proxy loops on 127.0.0.1 and
 * a real (portless) dataplane.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SandboxPortsTest
{
    @TempDir
    Path tempDir;

    private final NetworkTable networks = new NetworkTable();
    private final Network front = bridge("front", "172.18.0.0/16");
    private final Network other = bridge("other", "172.20.0.0/16");
    private final Network back = internalBridge("back", "172.19.0.0/16");
    private Dataplane dataplane;
    private ProxyLoops loops;
    private PublishedPorts published;
    private SwitchDomains domains;
    private SandboxPorts ports;
    private int hostPort;

    @BeforeEach
    void start() throws IOException
    {
        List.of(front, other, back).forEach(networks::put);
        dataplane = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("counters")).withRingSize(64));
        loops = ProxyLoops.create(1);
        published = new PublishedPorts(dataplane, loops, () -> 0, UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT);
        domains = new SwitchDomains(dataplane, ControlPlane.Routing.NONE);
        List.of(front, other, back).forEach(domains::add);
        ports = new SandboxPorts(published, networks, new SandboxWiring(networks, domains, null, dataplane, ControlPlane.Routing.NONE),
            domains);
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            hostPort = probe.getLocalPort();
        }
    }

    @AfterEach
    void close()
    {
        published.close();
        loops.close();
        dataplane.close();
    }

    private List<PortBinding> onLoopback()
    {
        return PortSpec.parseAll(List.of("127.0.0.1:" + hostPort + ":80"));
    }

    private boolean hostPortIsBound()
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), hostPort), 1);
            return false;
        }
        catch (final BindException ex)
        {
            return true;
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }

    @Test
    void shouldPublishNothingForNoPortsEvenOnADaemonThatCannotPublish()
    {
        final SandboxPorts none = new SandboxPorts(null, null, null, null);
        final Sandbox sandbox = sandbox('1', "c1", endpoint("e1", front, "eth0", "172.18.0.2"));

        assertEquals(List.of(), none.publish(sandbox, List.of()));
        none.release(sandbox);
        none.restore(sandbox);
        none.follow(sandbox);
        assertNull(none.via(sandbox), "no ports lead anywhere");
    }

    @Test
    void shouldBindTheHostPortUntilTheSandboxIsReleased()
    {
        final Sandbox sandbox = sandbox('1', "c1", endpoint("e1", front, "eth0", "172.18.0.2"));

        final List<PortBinding> bound = ports.publish(sandbox, onLoopback());

        assertEquals(onLoopback(), bound);
        assertEquals(bound, published.bound(sandbox.id()));
        assertEquals(true, hostPortIsBound());
        ports.release(sandbox);
        assertEquals(List.of(), published.bound(sandbox.id()));
        assertEquals(false, hostPortIsBound());
    }

    @Test
    void shouldLeadThePortsToTheEndpointWithTheRouteOutAndFollowItWhenItLeaves()
    {
        final Endpoint internal = endpoint("e0", back, "eth0", "172.19.0.2");
        final Endpoint routed = endpoint("e1", front, "eth1", "172.18.0.2");
        final Endpoint next = endpoint("e2", other, "eth2", "172.20.0.2");
        final Sandbox before = sandbox('1', "c1", internal, routed, next).withPorts(onLoopback());
        ports.restore(before);

        final Sandbox withoutRoute = before.withEndpoints(List.of(internal, next));
        ports.follow(withoutRoute);
        final List<PortBinding> afterMove = published.bound(before.id());
        final Sandbox isolated = before.withEndpoints(List.of(internal));
        ports.follow(isolated);

        assertEquals(routed.id(), ports.via(before));
        assertEquals(next.id(), ports.via(withoutRoute));
        assertEquals(onLoopback(), afterMove, "bound again for the next endpoint with a way out");
        assertNull(ports.via(isolated));
        assertEquals(List.of(), published.bound(before.id()), "no endpoint can carry them");
        assertEquals(false, hostPortIsBound());
    }

    @Test
    void shouldPublishASandboxOnAnOverlayThroughItsGatewayEndpointOnTheGatewayBridgesHostAddress()
    {
        final Network ov = overlay("ov", "10.0.0.0/24", 4096);
        final Network gatewayBridge = network(Network.DRIVER_BRIDGE, Network.GATEWAY_BRIDGE, false,
            Map.of(Network.OPTION_HOST_BINDING_IPV4, "127.0.0.1"), "172.21.0.0/16");
        List.of(ov, gatewayBridge).forEach(network ->
        {
            networks.put(network);
            domains.add(network);
        });
        final Endpoint gateway = endpoint("e2", gatewayBridge, "eth1", "172.21.0.2");
        final Sandbox sandbox = sandbox('1', "c1", endpoint("e1", ov, "eth0", "10.0.0.2"), gateway);

        final List<PortBinding> bound = ports.publish(sandbox, PortSpec.parseAll(List.of(hostPort + ":80")));

        assertEquals(List.of(new PortBinding("127.0.0.1", hostPort, 80, "tcp")), bound, "no address given: the network's host_binding_ipv4");
        assertEquals(gateway.id(), ports.via(sandbox.withPorts(bound)));
        assertEquals(true, hostPortIsBound());
    }

    @Test
    void shouldRefuseAHostPortThatIsTakenAndKeepNothing() throws IOException
    {
        final Sandbox sandbox = sandbox('1', "c1", endpoint("e1", front, "eth0", "172.18.0.2"));
        try (ServerSocket holder = new ServerSocket(hostPort, 1, InetAddress.getLoopbackAddress()))
        {
            assertThrows(RuntimeException.class, () -> ports.publish(sandbox, onLoopback()));
        }

        assertEquals(List.of(), published.bound(sandbox.id()));
    }
}
