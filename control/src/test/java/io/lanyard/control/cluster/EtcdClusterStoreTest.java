package io.lanyard.control.cluster;

import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link EtcdClusterStore} against a real etcd; each test works under its own key prefix. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdClusterStoreTest
{
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private static EtcdServer etcd;

    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private EtcdClusterStore store;
    private String prefix;

    @BeforeAll
    static void startEtcd()
    {
        // a missing etcd is reported by each test (skipped, or failed in CI), not hidden as a class with no tests
        if (EtcdServer.installed())
        {
            etcd = EtcdServer.start();
        }
    }

    @AfterAll
    static void stopEtcd()
    {
        if (etcd != null)
        {
            etcd.close();
        }
    }

    @BeforeEach
    void connect(final TestInfo test)
    {
        EtcdServer.requireInstalled();
        store = open();
        prefix = "/lanyard-test/" + test.getTestMethod().orElseThrow().getName() + "/";
    }

    @AfterEach
    void disconnect() throws Exception
    {
        for (final AutoCloseable closeable : closeAfter)
        {
            closeable.close();
        }
    }

    private EtcdClusterStore open()
    {
        final EtcdClusterStore opened = new EtcdClusterStore(etcd.address(), CALL_TIMEOUT);
        closeAfter.add(0, opened);
        return opened;
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(final Optional<byte[]> value)
    {
        return value.map(bytes -> new String(bytes, StandardCharsets.UTF_8)).orElse(null);
    }

    // ---- put, get, prefix, delete

    @Test
    void shouldReadBackWhatWasPutAndNothingForAnAbsentKey()
    {
        store.put(prefix + "a", utf8("one"));
        store.put(prefix + "a", utf8("two"));

        assertEquals("two", text(store.get(prefix + "a")));
        assertEquals(Optional.empty(), store.get(prefix + "b"));
        assertEquals(Optional.empty(), store.entry(prefix + "b"));
    }

    @Test
    void shouldKeepBinaryValuesAndUtf8KeysIntact()
    {
        final byte[] value = {0, 1, (byte) 0xff, (byte) 0x80, 10, 13};
        store.put(prefix + "ключ-λ", value);

        assertArrayEquals(value, store.get(prefix + "ключ-λ").orElseThrow());
        assertEquals(prefix + "ключ-λ", store.getPrefix(prefix).entries().firstKey());
    }

    @Test
    void shouldGiveTheRevisionsOfAnEntry()
    {
        store.put(prefix + "a", utf8("one"));
        final Entry first = store.entry(prefix + "a").orElseThrow();
        store.put(prefix + "a", utf8("two"));
        final Entry second = store.entry(prefix + "a").orElseThrow();

        assertEquals(first.createRevision(), second.createRevision());
        assertTrue(second.modRevision() > first.modRevision());
        assertEquals("two", second.text());
        assertEquals(0, second.leaseId());
    }

    @Test
    void shouldReadEveryKeyUnderAPrefixAtOneRevisionAndNoOtherKey()
    {
        store.put(prefix + "b", utf8("2"));
        store.put(prefix + "a", utf8("1"));
        store.put(prefix + "c/d", utf8("3"));
        store.put(prefix.substring(0, prefix.length() - 1) + "x", utf8("outside"));

        final PrefixSnapshot snapshot = store.getPrefix(prefix);

        assertEquals(List.of(prefix + "a", prefix + "b", prefix + "c/d"), List.copyOf(snapshot.entries().keySet()));
        assertEquals("3", new String(snapshot.values().get(prefix + "c/d"), StandardCharsets.UTF_8));
        final long newest = snapshot.entries().values().stream().mapToLong(Entry::modRevision).max().orElseThrow();
        assertTrue(snapshot.revision() >= newest, snapshot.revision() + " < " + newest);
        assertTrue(store.getPrefix(prefix + "nothing/").entries().isEmpty());
    }

    @Test
    void shouldDeleteOnceAndSayWhetherAKeyWasThere()
    {
        store.put(prefix + "a", utf8("1"));

        assertTrue(store.delete(prefix + "a"));
        assertFalse(store.delete(prefix + "a"));
        assertEquals(Optional.empty(), store.get(prefix + "a"));
    }

    @Test
    void shouldRefuseEmptyKeysAndPrefixes()
    {
        assertThrows(IllegalArgumentException.class, () -> store.get(""));
        assertThrows(IllegalArgumentException.class, () -> store.getPrefix(""));
        assertThrows(IllegalArgumentException.class, () -> store.watchPrefix("", 1, new Recorder()));
    }

    // ---- transactions

    @Test
    void shouldPutIfAbsentOnlyOnceAndKeepTheFirstValue()
    {
        assertTrue(store.putIfAbsent(prefix + "vni/4096", utf8("net-a")));
        assertFalse(store.putIfAbsent(prefix + "vni/4096", utf8("net-b")));

        assertEquals("net-a", text(store.get(prefix + "vni/4096")));
    }

    @Test
    void shouldPutIfAbsentAgainOnceTheKeyWasDeleted()
    {
        assertTrue(store.putIfAbsent(prefix + "k", utf8("1")));
        store.delete(prefix + "k");

        assertTrue(store.putIfAbsent(prefix + "k", utf8("2")));
        assertEquals("2", text(store.get(prefix + "k")));
    }

    /** What cluster-wide IPAM and VNI allocation rely on: two hosts racing for the same keys never both win one. */
    @Test
    void shouldGiveEachKeyToExactlyOneOfTwoRacingHosts() throws Exception
    {
        final int keys = 400;
        final List<EtcdClusterStore> hosts = List.of(open(), open());
        final CyclicBarrier start = new CyclicBarrier(hosts.size());
        final ExecutorService threads = Executors.newFixedThreadPool(hosts.size());
        try
        {
            final List<Future<Set<Integer>>> wins = new ArrayList<>();
            for (int h = 0; h < hosts.size(); h++)
            {
                final EtcdClusterStore host = hosts.get(h);
                final String name = "host-" + h;
                wins.add(threads.submit(() ->
                {
                    final Set<Integer> won = new HashSet<>();
                    start.await();
                    for (int i = 0; i < keys; i++)
                    {
                        if (host.putIfAbsent(prefix + "ip/" + i, utf8(name)))
                        {
                            won.add(i);
                        }
                    }
                    return won;
                }));
            }
            final Set<Integer> first = wins.get(0).get(30, TimeUnit.SECONDS);
            final Set<Integer> second = wins.get(1).get(30, TimeUnit.SECONDS);

            final Set<Integer> both = new HashSet<>(first);
            both.retainAll(second);
            assertEquals(Set.of(), both, "keys won by both hosts");
            assertEquals(keys, first.size() + second.size(), "every key won by someone");
            final Map<String, Entry> stored = store.getPrefix(prefix + "ip/").entries();
            assertEquals(keys, stored.size());
            for (int i = 0; i < keys; i++)
            {
                final String winner = first.contains(i) ? "host-0" : "host-1";
                assertEquals(winner, stored.get(prefix + "ip/" + i).text(), "key " + i);
            }
            System.out.printf("putIfAbsent race over %d keys: host-0 won %d, host-1 won %d%n", keys, first.size(), second.size());
        }
        finally
        {
            threads.shutdownNow();
        }
    }

    @Test
    void shouldCompareAndSetOnlyAgainstTheRevisionLastWritten()
    {
        store.put(prefix + "pool", utf8("v1"));
        final long revision = store.entry(prefix + "pool").orElseThrow().modRevision();

        assertTrue(store.compareAndSet(prefix + "pool", revision, utf8("v2")));
        assertFalse(store.compareAndSet(prefix + "pool", revision, utf8("v3")), "a stale revision");
        assertEquals("v2", text(store.get(prefix + "pool")));

        final long current = store.entry(prefix + "pool").orElseThrow().modRevision();
        store.delete(prefix + "pool");
        assertFalse(store.compareAndSet(prefix + "pool", current, utf8("v4")), "a deleted key");
        assertEquals(Optional.empty(), store.get(prefix + "pool"));
        assertThrows(IllegalArgumentException.class, () -> store.compareAndSet(prefix + "pool", 0, utf8("v5")));
    }

    @Test
    void shouldDeleteOnlyWhenUnchanged()
    {
        store.put(prefix + "endpoint", utf8("v1"));
        final long stale = store.entry(prefix + "endpoint").orElseThrow().modRevision();
        store.put(prefix + "endpoint", utf8("v2"));

        assertFalse(store.deleteIfUnchanged(prefix + "endpoint", stale));
        assertEquals("v2", text(store.get(prefix + "endpoint")));

        final long current = store.entry(prefix + "endpoint").orElseThrow().modRevision();
        assertTrue(store.deleteIfUnchanged(prefix + "endpoint", current));
        assertEquals(Optional.empty(), store.get(prefix + "endpoint"));
    }

    // ---- leases

    @Test
    void shouldKeepLeasedKeysWhileTheLeaseIsKeptAliveAndDeleteThemWhenRevoked()
    {
        final Lease lease = store.grantLease(Duration.ofSeconds(2));
        assertTrue(store.putIfAbsent(prefix + "vtep", utf8("192.0.2.1"), lease));
        store.put(prefix + "endpoint", utf8("10.0.0.2"), lease);
        assertEquals(lease.id(), store.entry(prefix + "vtep").orElseThrow().leaseId());

        EtcdServer.sleep(3 * lease.ttl().toMillis());

        assertEquals(Lease.State.ALIVE, lease.state());
        assertEquals("192.0.2.1", text(store.get(prefix + "vtep")), "kept alive for three TTLs");

        lease.revoke();

        assertEquals(Lease.State.REVOKED, lease.state());
        assertEquals(Map.of(), store.getPrefix(prefix).values(), "gone at once when revoked");
        lease.revoke();
    }

    @Test
    void shouldLetLeasedKeysExpireAboutATtlAfterTheOwnerStops()
    {
        final EtcdClusterStore owner = open();
        final Lease lease = owner.grantLease(Duration.ofSeconds(2));
        owner.put(prefix + "vtep", utf8("192.0.2.1"), lease);

        owner.close();
        final long stopped = System.nanoTime();

        assertEquals(Lease.State.CLOSED, lease.state());
        assertTrue(store.get(prefix + "vtep").isPresent(), "closing does not revoke");
        while (store.get(prefix + "vtep").isPresent())
        {
            assertTrue(System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(lease.ttl().toSeconds() + 3), "still there 3 s after the TTL");
            EtcdServer.sleep(50);
        }
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
        System.out.printf("leased key gone %d ms after its owner stopped (ttl %d s)%n", millis, lease.ttl().toSeconds());
        assertTrue(millis >= 1000, "gone after " + millis + " ms, too early for a 2 s TTL");
    }

    @Test
    void shouldRaiseATtlBelowOneSecondToWhatEtcdGrants()
    {
        final Lease lease = store.grantLease(Duration.ofMillis(100));

        assertTrue(lease.ttl().toSeconds() >= 1, lease.ttl().toString());
        lease.revoke();
    }

    @Test
    void shouldRefuseALeaseFromAnotherStoreAndWritesUnderARevokedLease()
    {
        final EtcdClusterStore other = open();
        final Lease foreign = other.grantLease(Duration.ofSeconds(5));
        assertThrows(IllegalArgumentException.class, () -> store.put(prefix + "k", utf8("v"), foreign));

        final Lease revoked = store.grantLease(Duration.ofSeconds(5));
        revoked.revoke();
        final ClusterStoreException ex = assertThrows(ClusterStoreException.class, () -> store.putIfAbsent(prefix + "k", utf8("v"), revoked));
        assertFalse(ex instanceof ClusterStoreUnavailableException);
        assertTrue(ex.getMessage().startsWith("cluster store " + etcd.address() + " refused put-if-absent " + prefix + "k: "), ex.getMessage());
        assertTrue(ex.getMessage().contains("lease not found"), ex.getMessage());
        assertEquals(Optional.empty(), store.get(prefix + "k"));
    }

    // ---- watches

    @Test
    void shouldDeliverPutsAndDeletesInOrderFromTheRevisionAfterARead() throws Exception
    {
        store.put(prefix + "a", utf8("before"));
        final PrefixSnapshot snapshot = store.getPrefix(prefix);
        final Recorder recorder = new Recorder();
        final Watch watch = store.watchPrefix(prefix, snapshot.revision() + 1, recorder);
        closeAfter.add(0, watch);

        store.put(prefix + "b", utf8("1"));
        store.put(prefix + "a", utf8("2"));
        store.put(prefix.substring(0, prefix.length() - 1) + "-outside", utf8("x"));
        store.delete(prefix + "b");
        store.delete(prefix + "a");

        final List<WatchEvent> events = recorder.take(4);
        assertEquals(List.of("PUT " + prefix + "b=1", "PUT " + prefix + "a=2", "DELETE " + prefix + "b=", "DELETE " + prefix + "a="),
            events.stream().map(Recorder::describe).toList());
        long previous = snapshot.revision();
        for (final WatchEvent event : events)
        {
            assertTrue(event.revision() > previous, events.toString());
            previous = event.revision();
        }
        assertEquals(previous + 1, watch.nextRevision());
        assertNull(recorder.events.poll(300, TimeUnit.MILLISECONDS), "nothing more");
    }

    @Test
    void shouldStartAtTheRevisionGivenAndNotBefore() throws Exception
    {
        store.put(prefix + "k", utf8("1"));
        store.put(prefix + "k", utf8("2"));
        final long second = store.entry(prefix + "k").orElseThrow().modRevision();
        store.put(prefix + "k", utf8("3"));
        final Recorder recorder = new Recorder();

        closeAfter.add(0, store.watchPrefix(prefix, second, recorder));

        assertEquals(List.of("PUT " + prefix + "k=2", "PUT " + prefix + "k=3"), recorder.take(2).stream().map(Recorder::describe).toList());
        assertNull(recorder.events.poll(300, TimeUnit.MILLISECONDS));
    }

    /** A writer keeps writing while the reader reads then watches: between the two, every write is seen exactly once. */
    @Test
    void shouldMissNoWriteBetweenAReadAndAWatchFromItsRevision() throws Exception
    {
        final int writes = 300;
        final EtcdClusterStore writer = open();
        final CountDownLatch halfway = new CountDownLatch(1);
        final Thread thread = new Thread(() ->
        {
            for (int i = 0; i < writes; i++)
            {
                writer.put(prefix + String.format("%04d", i), utf8(Integer.toString(i)));
                if (i == writes / 2)
                {
                    halfway.countDown();
                }
            }
        }, "writer");
        thread.start();
        assertTrue(halfway.await(20, TimeUnit.SECONDS));

        final PrefixSnapshot snapshot = store.getPrefix(prefix);
        final Recorder recorder = new Recorder();
        closeAfter.add(0, store.watchPrefix(prefix, snapshot.revision() + 1, recorder));
        thread.join(30_000);

        final int watched = writes - snapshot.entries().size();
        final List<WatchEvent> events = recorder.take(watched);
        final Set<String> seen = new HashSet<>(snapshot.entries().keySet());
        for (final WatchEvent event : events)
        {
            assertTrue(seen.add(event.key()), "seen twice: " + event);
        }
        assertEquals(writes, seen.size());
        assertNull(recorder.events.poll(300, TimeUnit.MILLISECONDS), "nothing more");
        System.out.printf("read %d keys at revision %d, then watched %d more%n", snapshot.entries().size(), snapshot.revision(), watched);
    }

    @Test
    void shouldDeliverEveryKeyOfATransactionWithTheSameRevision() throws Exception
    {
        final Recorder recorder = new Recorder();
        final long from = store.getPrefix(prefix).revision() + 1;
        closeAfter.add(0, store.watchPrefix(prefix, from, recorder));
        final Lease lease = store.grantLease(Duration.ofSeconds(10));
        store.put(prefix + "a", utf8("1"), lease);
        store.put(prefix + "b", utf8("2"), lease);
        recorder.take(2);

        lease.revoke();

        final List<WatchEvent> deletes = recorder.take(2);
        assertEquals(Set.of(prefix + "a", prefix + "b"), Set.of(deletes.get(0).key(), deletes.get(1).key()));
        assertEquals(WatchEvent.Type.DELETE, deletes.get(0).type());
        assertEquals(deletes.get(0).revision(), deletes.get(1).revision(), "one revocation, one revision");
    }

    @Test
    void shouldStopDeliveringOnceClosed() throws Exception
    {
        final Recorder recorder = new Recorder();
        final Watch watch = store.watchPrefix(prefix, store.getPrefix(prefix).revision() + 1, recorder);
        store.put(prefix + "a", utf8("1"));
        recorder.take(1);

        watch.close();
        store.put(prefix + "b", utf8("2"));

        assertNull(recorder.events.poll(500, TimeUnit.MILLISECONDS));
    }

    @Test
    void shouldReportCompactionWhenTheHistoryToResumeFromIsGone() throws Exception
    {
        store.put(prefix + "k", utf8("1"));
        final long old = store.entry(prefix + "k").orElseThrow().modRevision();
        store.put(prefix + "k", utf8("2"));
        final long now = store.getPrefix(prefix).revision();
        try (Client admin = Client.builder().endpoints(etcd.address().uris()).build())
        {
            admin.getKVClient().compact(now).get(10, TimeUnit.SECONDS);
        }
        final Recorder recorder = new Recorder();

        final Watch watch = store.watchPrefix(prefix, old, recorder);

        assertEquals(now, recorder.compacted.poll(10, TimeUnit.SECONDS));
        assertEquals(old, watch.nextRevision());
        assertNull(recorder.events.poll(200, TimeUnit.MILLISECONDS));

        // what the caller does then: read again and watch from there
        final PrefixSnapshot again = store.getPrefix(prefix);
        assertEquals("2", new String(again.values().get(prefix + "k"), StandardCharsets.UTF_8));
        closeAfter.add(0, store.watchPrefix(prefix, again.revision() + 1, recorder));
        store.put(prefix + "k", utf8("3"));
        assertEquals(List.of("PUT " + prefix + "k=3"), recorder.take(1).stream().map(Recorder::describe).toList());
    }

    @Test
    void shouldRefuseCallsAfterClose()
    {
        final EtcdClusterStore closed = open();
        closed.close();

        final ClusterStoreException ex = assertThrows(ClusterStoreException.class, () -> closed.get(prefix + "k"));
        assertEquals("cluster store " + etcd.address() + " is closed", ex.getMessage());
    }

    /** Collects a watch's events. */
    static final class Recorder implements Watch.Listener
    {
        final BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        final BlockingQueue<Long> compacted = new LinkedBlockingQueue<>();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicLong lastRevision = new AtomicLong();
        volatile String outOfOrder;

        @Override
        public void onEvent(final WatchEvent event)
        {
            calls.incrementAndGet();
            if (event.revision() < lastRevision.get())
            {
                outOfOrder = event + " after revision " + lastRevision.get();
            }
            lastRevision.set(event.revision());
            events.add(event);
        }

        @Override
        public void onCompacted(final long compactRevision)
        {
            compacted.add(compactRevision);
        }

        List<WatchEvent> take(final int count) throws InterruptedException
        {
            final List<WatchEvent> taken = new ArrayList<>(count);
            while (taken.size() < count)
            {
                final WatchEvent event = events.poll(10, TimeUnit.SECONDS);
                assertNotEquals(null, event, "only " + taken.size() + " of " + count + " events arrived: " + taken);
                taken.add(event);
            }
            assertNull(outOfOrder, outOfOrder);
            return taken;
        }

        static String describe(final WatchEvent event)
        {
            return event.type() + " " + event.key() + "=" + event.text();
        }
    }
}
