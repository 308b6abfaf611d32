package io.lanyard.control.overlay;

import io.lanyard.control.cluster.ClusterStoreException;
import io.lanyard.control.cluster.ClusterStoreUnavailableException;
import io.lanyard.control.cluster.EtcdClusterStore;
import io.lanyard.control.cluster.EtcdServer;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.overlay.ClusterRecords.AddressClaim;
import io.lanyard.control.overlay.ClusterRecords.Host;
import io.lanyard.control.overlay.ClusterRecords.RemoteEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two hosts' memberships of one real etcd: what each writes, what the other's mirror shows, and races between them. */
class OverlayClusterTest
{
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final Host A = new Host("host-a", "192.0.2.11");
    private static final Host B = new Host("host-b", "192.0.2.12");

    private EtcdServer etcd;
    private OverlayCluster a;
    private OverlayCluster b;
    private final AtomicInteger changesSeenByB = new AtomicInteger();

    @BeforeEach
    void setUp()
    {
        etcd = EtcdServer.start();
        a = join(A);
        b = join(B);
        b.listen(changesSeenByB::incrementAndGet);
        assertTrue(eventually(() -> a.isSynced() && b.isSynced()), "both joined");
    }

    @AfterEach
    void tearDown()
    {
        for (final OverlayCluster cluster : new OverlayCluster[] {a, b})
        {
            if (cluster != null)
            {
                cluster.close();
            }
        }
        if (etcd != null)
        {
            etcd.close();
        }
    }

    @Test
    void shouldShowANetworkCreatedOnOneHostOnTheOther()
    {
        final int before = changesSeenByB.get();
        final Network created = a.createNetwork(existing -> network("ov", "10.0.0.0/24", 4096));
        assertEquals(List.of(created), a.networks(), "the creator's mirror has it at once");
        assertTrue(eventually(() -> b.networks().equals(List.of(created))), "the other host's mirror: " + b.networks());
        assertTrue(eventually(() -> changesSeenByB.get() > before), "the other host's listener heard of it");

        assertEquals(List.of(), b.removeNetwork(created));
        assertTrue(eventually(() -> a.networks().isEmpty()), "removed from any host, gone from every mirror");
    }

    @Test
    void shouldLetEveryCreatorSeeEveryNetworkUnderTheLock() throws Exception
    {
        // eight creations from two hosts at once: each plan sees all the networks made before it
        final ExecutorService pool = Executors.newFixedThreadPool(8);
        final CountDownLatch start = new CountDownLatch(1);
        final List<Future<Network>> results = new ArrayList<>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                final OverlayCluster host = i % 2 == 0 ? a : b;
                final Callable<Network> create = () ->
                {
                    start.await();
                    return host.createNetwork(existing ->
                    {
                        final int vni = 4096 + existing.size();
                        return network("n" + vni, "10.0." + existing.size() + ".0/24", vni);
                    });
                };
                results.add(pool.submit(create));
            }
            start.countDown();
            final List<Integer> vnis = new ArrayList<>();
            for (final Future<Network> result : results)
            {
                vnis.add(result.get().vni());
            }
            vnis.sort(Integer::compare);
            assertEquals(List.of(4096, 4097, 4098, 4099, 4100, 4101, 4102, 4103), vnis, "no two plans saw the same networks");
        }
        finally
        {
            pool.shutdownNow();
        }
        assertTrue(eventually(() -> a.networks().size() == 8 && b.networks().size() == 8));
    }

    @Test
    void shouldGiveAnAddressToExactlyOneOfTwoHostsRacingForIt() throws Exception
    {
        final Network network = a.createNetwork(existing -> network("ov", "10.0.0.0/24", 4096));
        for (int round = 0; round < 20; round++)
        {
            final String ip = "10.0.0." + (2 + round);
            final String tag = Integer.toString(round);
            final CountDownLatch start = new CountDownLatch(1);
            final ExecutorService pool = Executors.newFixedThreadPool(2);
            try
            {
                final Future<Boolean> byA = pool.submit(() -> { start.await(); return a.claimAddress(network.id(), ip, "ea" + tag, "ca"); });
                final Future<Boolean> byB = pool.submit(() -> { start.await(); return b.claimAddress(network.id(), ip, "eb" + tag, "cb"); });
                start.countDown();
                assertTrue(byA.get() ^ byB.get(), "exactly one host got " + ip);
            }
            finally
            {
                pool.shutdownNow();
            }
        }
        assertTrue(eventually(() -> a.claims(network.id()).size() == 20 && b.claims(network.id()).size() == 20));
    }

    @Test
    void shouldReleaseOnlyTheClaimOfTheEndpointThatHoldsIt()
    {
        final Network network = a.createNetwork(existing -> network("ov", "10.0.0.0/24", 4096));
        assertTrue(a.claimAddress(network.id(), "10.0.0.2", "endpoint-1", "c1"));
        assertFalse(b.claimAddress(network.id(), "10.0.0.2", "endpoint-2", "c2"), "taken");

        b.releaseAddress(network.id(), "10.0.0.2", "endpoint-2");
        assertTrue(eventually(() -> b.claims(network.id()).containsKey("10.0.0.2")), "a release by a non-holder changes nothing");
        assertEquals(new AddressClaim("endpoint-1", "c1", A.ip()), b.claims(network.id()).get("10.0.0.2"));

        final List<AddressClaim> holders = b.removeNetwork(network);
        assertEquals(List.of(new AddressClaim("endpoint-1", "c1", A.ip())), holders, "a network with a claim stays");
        assertEquals(1, a.networks().size());

        a.releaseAddress(network.id(), "10.0.0.2", "endpoint-1");
        assertTrue(eventually(() -> b.claims(network.id()).isEmpty()));
        assertTrue(b.claimAddress(network.id(), "10.0.0.2", "endpoint-2", "c2"), "free again");
    }

    @Test
    void shouldWithdrawADeadHostsEndpointsAfterItsLease()
    {
        final Network network = a.createNetwork(existing -> network("ov", "10.0.0.0/24", 4096));
        a.register(new RemoteEndpoint(network.id(), "endpoint-1", "c1", A.ip(), "02:42:0a:00:00:02", "10.0.0.2"));
        b.register(new RemoteEndpoint(network.id(), "endpoint-2", "c2", B.ip(), "02:42:0a:00:00:03", "10.0.0.3"));
        assertTrue(eventually(() -> a.endpoints(network.id()).size() == 2 && b.endpoints(network.id()).size() == 2));
        assertEquals(List.of(A, B), b.peers(network.id()));

        a.close(); // as a daemon that dies: no revoke, the keep-alives just stop
        final long closed = System.nanoTime();
        a = null;
        assertTrue(eventually(() -> b.endpoints(network.id()).size() == 1), "withdrawn after the TTL");
        assertTrue(System.nanoTime() - closed >= TTL.toNanos() - Duration.ofSeconds(1).toNanos(), "not before the lease could run out");
        assertEquals(List.of(B), b.peers(network.id()));

        a = join(A);
        a.registerLater(new RemoteEndpoint(network.id(), "endpoint-1", "c1", A.ip(), "02:42:0a:00:00:02", "10.0.0.2"));
        assertTrue(eventually(() -> b.peers(network.id()).equals(List.of(A, B))), "a restarted host registers its endpoints again");
    }

    @Test
    void shouldRefuseChangesWhileEtcdIsFrozenAndRegisterAgainWhenItThaws()
    {
        final Network network = a.createNetwork(existing -> network("ov", "10.0.0.0/24", 4096));
        a.register(new RemoteEndpoint(network.id(), "endpoint-1", "c1", A.ip(), "02:42:0a:00:00:02", "10.0.0.2"));
        assertTrue(eventually(() -> b.endpoints(network.id()).size() == 1));

        etcd.freeze();
        final long before = System.nanoTime();
        final ClusterStoreException refused = assertThrows(ClusterStoreException.class,
            () -> a.createNetwork(existing -> network("other", "10.0.1.0/24", 4097)));
        assertTrue(refused instanceof ClusterStoreUnavailableException, refused.toString());
        assertTrue(refused.getMessage().contains("unavailable"), refused.getMessage());
        assertThrows(ClusterStoreUnavailableException.class, () -> a.claimAddress(network.id(), "10.0.0.9", "e", "c"));
        assertTrue(System.nanoTime() - before < Duration.ofSeconds(15).toNanos(), "bounded by the call timeout");
        assertEquals(1, b.endpoints(network.id()).size(), "the mirror keeps what it saw");

        sleep(TTL.toMillis() + 2_000);
        etcd.thaw();
        // etcd expires the leases it did not hear about; each host then registers again under a new one
        assertTrue(eventually(() -> b.peers(network.id()).equals(List.of(A))), "host a registered c1 again: " + b.peers(network.id()));
        // (the claim of 10.0.0.9 that timed out may have been applied when etcd thawed: a later write, not this one, must work)
        assertTrue(a.claimAddress(network.id(), "10.0.0.10", "e2", "c"), "changes work again");
    }

    private OverlayCluster join(final Host host)
    {
        return OverlayCluster.join(new EtcdClusterStore(etcd.address(), CALL_TIMEOUT), host, TTL, 1450);
    }

    private static Network network(final String name, final String subnet, final int vni)
    {
        return new Network(io.lanyard.control.Identifiers.newId(), name, Network.DRIVER_OVERLAY, Network.SCOPE_GLOBAL, Instant.now(),
            false, false, List.of(new IpamPool(subnet, subnet.replace(".0/24", ".1"), null, Map.of())),
            Map.of(Network.OPTION_VXLAN_ID, Integer.toString(vni)), Map.of());
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
            sleep(50);
        }
        return condition.getAsBoolean();
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
