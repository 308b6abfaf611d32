package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.routing.HostInterfaces;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import io.lanyard.tap.TapDevice;
import org.junit.jupiter.api.AfterEach;
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
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a start settles before it serves, over a real (portless) dataplane and no namespaces. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class StartupRecoveryTest
{
    @TempDir
    Path tempDir;

    private final NetworkTable networks = new NetworkTable();
    private final SandboxTable sandboxes = new SandboxTable();
    private final EndpointAddressing addressing = new EndpointAddressing(networks, ControlPlane.Routing.NONE);
    private Dataplane dataplane;
    private SandboxPlumbing plumbing;

    @AfterEach
    void close()
    {
        if (dataplane != null)
        {
            dataplane.close();
        }
        if (plumbing != null)
        {
            plumbing.close();
        }
    }

    private StartupRecovery recovery(final boolean icc)
    {
        dataplane = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("counters")).withRingSize(64));
        plumbing = new SandboxPlumbing(TapDevice.OFFLOAD_TCP);
        final SwitchDomains domains = new SwitchDomains(dataplane, ControlPlane.Routing.NONE);
        final SandboxWiring wiring = new SandboxWiring(networks, domains, plumbing, dataplane, ControlPlane.Routing.NONE);
        return new StartupRecovery(new DaemonSettings(tempDir, ControlPlaneFixture.SANDBOX_PREFIX, icc), networks, sandboxes,
            new NetworkSetup(networks, addressing, domains), wiring, addressing);
    }

    @Test
    void shouldMakeNoneHostAndTheDefaultBridgeWithThisStartsFlags()
    {
        final StartupRecovery recovery = recovery(false);

        final List<Network> missing = recovery.missingPredefined();

        assertEquals(List.of("none", "host", "bridge"), missing.stream().map(Network::name).toList());
        assertEquals(List.of(Network.DRIVER_NULL, Network.DRIVER_HOST, Network.DRIVER_BRIDGE), missing.stream().map(Network::driver).toList());
        final Network bridge = missing.get(2);
        assertEquals(List.of(new IpamPool("172.17.0.0/16", "172.17.0.1", null, null)), bridge.ipam());
        assertEquals(Map.of(Network.OPTION_DEFAULT_BRIDGE, "true", Network.OPTION_ENABLE_ICC, "false",
            Network.OPTION_ENABLE_IP_MASQUERADE, "true", Network.OPTION_HOST_BINDING_IPV4, "0.0.0.0",
            Network.OPTION_BRIDGE_NAME, HostInterfaces.DEFAULT_BRIDGE_DEVICE, Network.OPTION_MTU, "1500"), bridge.options());
    }

    @Test
    void shouldGiveTheStoredDefaultBridgeThisStartsOptionsButKeepWhatMakesItTheSameNetwork()
    {
        final StartupRecovery recovery = recovery(true);
        final Network stored = defaultBridge();
        networks.put(stored);

        final Network reconfigured = recovery.reconfiguredDefaultBridge().orElseThrow();
        networks.put(reconfigured);

        assertEquals(List.of(stored.id(), stored.created(), stored.ipam()), List.of(reconfigured.id(), reconfigured.created(), reconfigured.ipam()));
        assertEquals("true", reconfigured.options().get(Network.OPTION_ENABLE_ICC));
        assertTrue(recovery.reconfiguredDefaultBridge().isEmpty(), "nothing to change once its options are this start's");
        assertEquals(List.of("none", "host"), recovery.missingPredefined().stream().map(Network::name).toList());
    }

    @Test
    void shouldSetUpTheStoredNetworksPastOneThatCannotBeThenThePredefinedOnes()
    {
        final StartupRecovery recovery = recovery(true);
        final Network bad = new Network(ModelFixtures.id('b', "1"), "bad", Network.DRIVER_BRIDGE, Network.SCOPE_LOCAL,
            ModelFixtures.CREATED, false, false, List.of(new IpamPool("172.18.0.0/16", "172.18.0.1", null, Map.of("x", "10.9.9.9"))),
            null, null);
        final Network front = bridge("front", "172.19.0.0/16");

        recovery.restoreNetworks(List.of(bad, front));

        assertEquals(List.of("front", "none", "host", "bridge"), networks.all().stream().map(Network::name).toList());
        assertEquals(3, addressing.taken(front.id()));
    }

    @Test
    void shouldTellTheSandboxesAPreviousDaemonWasMakingOrRemoving()
    {
        final StartupRecovery recovery = recovery(true);

        assertTrue(recovery.isHalfDone(sandbox('1', "a", Sandbox.CREATING, List.of(), List.of())));
        assertTrue(recovery.isHalfDone(sandbox('2', "b", Sandbox.REMOVING, List.of(), List.of())));
        assertFalse(recovery.isHalfDone(sandbox('3', "c", Sandbox.READY, List.of(), List.of())));
    }

    @Test
    void shouldDropTheEndpointsOfAnInterruptedConnectOrDisconnectAndFreeTheirAddresses()
    {
        final StartupRecovery recovery = recovery(true);
        final Network front = bridge("front", "172.18.0.0/16");
        addressing.addPools(front);
        networks.put(front);
        final Endpoint kept = endpoint("e1", front, "eth0", "172.18.0.2");
        final Sandbox stored = sandbox('1', "c1", kept, endpoint("e2", front, "eth1", "172.18.0.3").withState(Endpoint.CONNECTING),
            endpoint("e3", front, "eth2", "172.18.0.4").withState(Endpoint.DISCONNECTING));
        recovery.load(List.of(stored));
        final int loaded = addressing.taken(front.id());

        final Sandbox settled = recovery.settleEndpoints(stored);

        assertEquals(3 + 3, loaded, "reserved addresses and the three endpoints'");
        assertEquals(List.of(kept), settled.endpoints());
        assertEquals(settled, sandboxes.byId(stored.id()));
        assertEquals(3 + 1, addressing.taken(front.id()));
        assertNotNull(sandboxes.resolve("c1"));
    }
}
