package io.lanyard.control;

import io.lanyard.control.cluster.EtcdClusterStore;
import io.lanyard.control.cluster.EtcdServer;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.overlay.ClusterRecords.Host;
import io.lanyard.control.overlay.ClusterRecords.RemoteEndpoint;
import io.lanyard.control.overlay.OverlayCluster;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.lanyard.control.ModelFixtures.overlay;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Host A's collaborators for overlays — reconciliation and the endpoints it shares — against a
 * real etcd, with host B's membership standing for another host that creates networks, claims
 * addresses and reads what A registers.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OverlayReconciliationTest
{
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final Host A = new Host("host-a", "192.0.2.11");
    private static final Host B = new Host("host-b", "192.0.2.12");

    @TempDir
    Path tempDir;

    private EtcdServer etcd;
    private OverlayCluster a;
    private OverlayCluster b;
    private Dataplane dataplane;
    private final NetworkTable networks = new NetworkTable();
    private final SandboxTable sandboxes = new SandboxTable();
    private EndpointAddressing addressing;
    private SwitchDomains domains;
    private ClusterEndpoints endpoints;
    private OverlayReconciliation reconciliation;

    @BeforeEach
    void joinTwoHosts()
    {
        etcd = EtcdServer.start();
        a = join(A);
        b = join(B);
        assertTrue(eventually(() -> a.isSynced() && b.isSynced()), "both joined");
        dataplane = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("counters")).withRingSize(64));
        final ControlPlane.Routing routing = new ControlPlane.Routing(null, null, null, a);
        addressing = new EndpointAddressing(networks, routing);
        domains = new SwitchDomains(dataplane, routing);
        endpoints = new ClusterEndpoints(networks, routing);
        reconciliation = new OverlayReconciliation(a, networks, sandboxes, new NetworkSetup(networks, addressing, domains), domains,
            addressing, endpoints);
    }

    @AfterEach
    void leave()
    {
        for (final AutoCloseable closeable : new AutoCloseable[] {a, b, dataplane, etcd})
        {
            try
            {
                if (closeable != null)
                {
                    closeable.close();
                }
            }
            catch (final Exception ex)
            {
                throw new AssertionError(ex);
            }
        }
    }

    private OverlayCluster join(final Host host)
    {
        return OverlayCluster.join(new EtcdClusterStore(etcd.address(), Duration.ofSeconds(2)), host, TTL, 1450);
    }

    /** An overlay made by host B, once host A's mirror has it. */
    private Network createdOnB(final String name, final String subnet, final int vni)
    {
        final Network network = b.createNetwork(existing -> overlay(name, subnet, vni));
        assertTrue(eventually(() -> a.networks().contains(network)), "host a's mirror has " + name);
        return network;
    }

    @Test
    void shouldAddAnOverlayMadeOnAnotherHostAndDropItOnceItIsRemovedThere()
    {
        final Network network = createdOnB("ov", "10.0.0.0/24", 4096);

        assertTrue(reconciliation.reconcile(), "a network was added");
        assertFalse(reconciliation.reconcile(), "nothing more to do");

        assertEquals(network, networks.byId(network.id()));
        final Integer domain = domains.domainOf(network.id());
        assertNotNull(domain);
        assertNotNull(dataplane.overlays().port(domain), "its VXLAN port");
        assertEquals("vxlan:4096", domains.daemonPorts(networks.all()).get(dataplane.overlays().port(domain).id())[0]);

        assertEquals(List.of(), b.removeNetwork(network));
        assertTrue(eventually(() -> a.networks().isEmpty()));
        assertTrue(reconciliation.reconcile(), "a network was dropped");
        assertNull(networks.byId(network.id()));
        assertNull(domains.domainOf(network.id()));
    }

    @Test
    void shouldKeepAnOverlayThatIsGoneFromTheClusterWhileThisHostHasContainersOnIt()
    {
        final Network network = createdOnB("ov", "10.0.0.0/24", 4096);
        reconciliation.reconcile();
        sandboxes.put(sandbox('1', "c1", ModelFixtures.endpoint("e1", network, "eth0", "10.0.0.2")));

        b.removeNetwork(network);
        assertTrue(eventually(() -> a.networks().isEmpty()));

        assertFalse(reconciliation.reconcile());
        assertEquals(network, networks.byId(network.id()));
    }

    @Test
    void shouldMarkAddressesAnotherHostClaimsTakenUntilItLetsThemGo()
    {
        final Network network = createdOnB("ov", "10.0.0.0/24", 4096);
        reconciliation.reconcile();
        final int reserved = addressing.taken(network.id());

        assertTrue(b.claimAddress(network.id(), "10.0.0.2", "eb", "cb"));
        assertTrue(eventually(() -> a.claims(network.id()).containsKey("10.0.0.2")));
        reconciliation.reconcile();
        final int withClaim = addressing.taken(network.id());
        final Endpoint own = addressing.newEndpoint(network, "eth0", null, List.of(), "c1");
        b.releaseAddress(network.id(), "10.0.0.2", "eb");
        assertTrue(eventually(() -> !a.claims(network.id()).containsKey("10.0.0.2")));
        reconciliation.reconcile();

        assertEquals(reserved + 1, withClaim);
        assertEquals("10.0.0.3", own.ipv4Address(), "the claimed address is skipped");
        assertEquals(reserved + 1, addressing.taken(network.id()), "b's address freed, a's own kept");
    }

    @Test
    void shouldDeleteThisHostsClaimsNoEndpointHoldsAndRegisterEndpointsTheClusterLost()
    {
        final Network network = createdOnB("ov", "10.0.0.0/24", 4096);
        reconciliation.reconcile();
        assertTrue(a.claimAddress(network.id(), "10.0.0.9", "lost", "gone"));
        final Sandbox held = sandbox('1', "c1", ModelFixtures.endpoint("e1", network, "eth0", "10.0.0.2"));
        sandboxes.put(held);

        reconciliation.reconcile();

        assertTrue(eventually(() -> !b.claims(network.id()).containsKey("10.0.0.9")), "the stale claim is deleted");
        assertTrue(eventually(() -> b.endpoints(network.id()).stream().anyMatch(e -> e.endpoint().equals("e1"))), "c1 is registered again");
        final RemoteEndpoint registered = b.endpoints(network.id()).get(0);
        assertEquals(List.of("c1", A.ip(), "10.0.0.2", List.of(held.shortId())),
            List.of(registered.sandbox(), registered.host(), registered.ip(), registered.names()));
    }

    @Test
    void shouldShareAnEndpointWithTheOtherHostsAndWithdrawItWithItsClaim()
    {
        final Network network = createdOnB("ov", "10.0.0.0/24", 4096);
        reconciliation.reconcile();
        final Endpoint endpoint = addressing.newEndpoint(network, "eth0", null, List.of("www"), "c1");
        final Sandbox sandbox = sandbox('1', "c1", endpoint);

        endpoints.register(sandbox, endpoint);

        assertTrue(eventually(() -> b.endpoints(network.id()).size() == 1 && b.claims(network.id()).containsKey("10.0.0.2")));
        assertEquals(List.of("www", sandbox.shortId()), b.endpoints(network.id()).get(0).names());
        assertEquals(b.endpoints(network.id()), endpoints.shared(sandbox));

        endpoints.leave(sandbox, endpoint, "remove");

        assertTrue(eventually(() -> b.endpoints(network.id()).isEmpty() && b.claims(network.id()).isEmpty()), "withdrawn and released");
    }

    private static boolean eventually(final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline)
        {
            if (condition.getAsBoolean())
            {
                return true;
            }
            try
            {
                Thread.sleep(50);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }
}
