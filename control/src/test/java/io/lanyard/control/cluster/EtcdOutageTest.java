package io.lanyard.control.cluster;

import io.lanyard.control.cluster.EtcdClusterStoreTest.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EtcdClusterStore} while its etcd is killed, frozen and restarted: calls fail within the
 * call timeout with one clear line, and the client, its watches and its leases recover when etcd
 * returns on the same port and data directory. Each test has its own etcd.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdOutageTest
{
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(1);
    /** The call timeout, jetcd's own grace and a loaded machine's scheduling. */
    private static final long FAIL_WITHIN_MILLIS = CALL_TIMEOUT.toMillis() + 1500;
    private static final String PREFIX = "/lanyard-test/outage/";

    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private EtcdServer etcd;

    @BeforeEach
    void startEtcd()
    {
        etcd = EtcdServer.start();
    }

    @AfterEach
    void stopEtcd() throws Exception
    {
        for (final AutoCloseable closeable : closeAfter)
        {
            closeable.close();
        }
        if (etcd != null)
        {
            etcd.close();
        }
    }

    private EtcdClusterStore open()
    {
        final EtcdClusterStore store = new EtcdClusterStore(etcd.address(), CALL_TIMEOUT);
        closeAfter.add(0, store);
        return store;
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs {@code call}, expects it to fail as unavailable within the timeout, and returns how long it took. */
    private long assertUnavailableWithinTimeout(final String what, final Executable call)
    {
        final long start = System.nanoTime();
        final ClusterStoreUnavailableException ex = assertThrows(ClusterStoreUnavailableException.class, call, what);
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        final String expected = "cluster store etcd://127.0.0.1:" + etcd.clientPort() + " unavailable: ";
        assertTrue(ex.getMessage().startsWith(expected), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
        assertTrue(millis < FAIL_WITHIN_MILLIS, what + " took " + millis + " ms: " + ex.getMessage());
        System.out.printf("  %-14s failed after %4d ms: %s%n", what, millis, ex.getMessage());
        return millis;
    }

    /** Every kind of call, and revoking {@code lease} unless it is null. */
    private void assertEveryCallFailsWithinTheTimeout(final EtcdClusterStore store, final Lease lease)
    {
        assertUnavailableWithinTimeout("get", () -> store.get(PREFIX + "a"));
        assertUnavailableWithinTimeout("getPrefix", () -> store.getPrefix(PREFIX));
        assertUnavailableWithinTimeout("put", () -> store.put(PREFIX + "b", utf8("x")));
        assertUnavailableWithinTimeout("putIfAbsent", () -> store.putIfAbsent(PREFIX + "c", utf8("x")));
        assertUnavailableWithinTimeout("compareAndSet", () -> store.compareAndSet(PREFIX + "a", 1, utf8("x")));
        assertUnavailableWithinTimeout("delete", () -> store.delete(PREFIX + "a"));
        assertUnavailableWithinTimeout("deleteIfUnch.", () -> store.deleteIfUnchanged(PREFIX + "a", 1));
        assertUnavailableWithinTimeout("grantLease", () -> store.grantLease(Duration.ofSeconds(5)));
        if (lease != null)
        {
            assertUnavailableWithinTimeout("revoke", lease::revoke);
        }
    }

    /** Polls {@code call} until it succeeds and returns how long that took. */
    private static long millisUntilAnswered(final EtcdClusterStore store, final long limitMillis)
    {
        final long start = System.nanoTime();
        while (true)
        {
            try
            {
                store.get(PREFIX + "probe");
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
            catch (final ClusterStoreUnavailableException ex)
            {
                assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(limitMillis),
                    "no answer " + limitMillis + " ms after etcd returned: " + ex.getMessage());
            }
        }
    }

    @Test
    void shouldFailEveryCallWithinTheTimeoutWithOneClearLineWhileEtcdIsDown()
    {
        final EtcdClusterStore store = open();
        store.put(PREFIX + "a", utf8("1"));
        final Lease lease = store.grantLease(Duration.ofSeconds(10));

        etcd.kill();

        System.out.println("etcd killed; a client that was connected:");
        assertEveryCallFailsWithinTheTimeout(store, lease);
        System.out.println("a client created while etcd is down:");
        final EtcdClusterStore fresh = open();
        assertEveryCallFailsWithinTheTimeout(fresh, null);
    }

    /**
     * A frozen etcd is the nastier outage: the connection stays up and requests are sent, but no
     * answer comes. Calls still fail within the timeout; and writes that timed out may be applied
     * once etcd runs again — a failed write's outcome is unknown, which is why callers re-read.
     */
    @Test
    void shouldFailEveryCallWithinTheTimeoutWhileEtcdIsFrozen()
    {
        final EtcdClusterStore store = open();
        store.put(PREFIX + "a", utf8("1"));
        final Lease lease = store.grantLease(Duration.ofSeconds(30));

        etcd.freeze();

        System.out.println("etcd frozen (SIGSTOP): connected, but nothing answers:");
        assertEveryCallFailsWithinTheTimeout(store, lease);
        etcd.thaw();
        final long answeredMillis = millisUntilAnswered(store, 10_000);
        System.out.printf("answered %d ms after etcd thawed; of the writes that timed out, applied late: put b=%s, putIfAbsent c=%s, delete a=%s%n",
            answeredMillis, store.get(PREFIX + "b").isPresent(), store.get(PREFIX + "c").isPresent(), store.get(PREFIX + "a").isEmpty());
    }

    @Test
    void shouldRecoverAndResumeTheWatchWithoutMissingWritesAfterEtcdRestarts() throws Exception
    {
        final EtcdClusterStore watcher = open();
        final EtcdClusterStore writer = open();
        final long from = watcher.getPrefix(PREFIX).revision() + 1;
        final Recorder recorder = new Recorder();
        closeAfter.add(0, watcher.watchPrefix(PREFIX, from, recorder));
        writer.put(PREFIX + "before-1", utf8("1"));
        writer.put(PREFIX + "before-2", utf8("2"));
        assertEquals(2, recorder.take(2).size());

        etcd.kill();
        final long downMillis = 5000;
        EtcdServer.sleep(downMillis);
        assertUnavailableWithinTimeout("put (down)", () -> writer.put(PREFIX + "lost", utf8("x")));
        final long restarting = System.nanoTime();
        etcd.restart();
        final long restarted = System.nanoTime();

        final long writerMillis = millisUntilAnswered(writer, 30_000);
        for (int i = 1; i <= 5; i++)
        {
            writer.put(PREFIX + "after-" + i, utf8(Integer.toString(i)));
        }
        writer.delete(PREFIX + "before-1");
        final List<WatchEvent> events = recorder.take(6);
        final long watchMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);

        assertEquals(List.of("PUT " + PREFIX + "after-1=1", "PUT " + PREFIX + "after-2=2", "PUT " + PREFIX + "after-3=3",
            "PUT " + PREFIX + "after-4=4", "PUT " + PREFIX + "after-5=5", "DELETE " + PREFIX + "before-1="),
            events.stream().map(Recorder::describe).toList(), "after the restart, in order, nothing repeated");
        assertNull(recorder.events.poll(500, TimeUnit.MILLISECONDS), "nothing more");
        assertTrue(writerMillis < 1000 + SteadyReconnect.PERIOD_MILLIS * 2, "reconnected " + writerMillis + " ms after etcd returned");
        assertEquals(Optional.of("2"), watcher.get(PREFIX + "before-2").map(bytes -> new String(bytes, StandardCharsets.UTF_8)), "data kept");
        System.out.printf("etcd down %d ms, restarted in %d ms; writer answered %d ms and the watch delivered 6 writes %d ms after the restart%n",
            downMillis, TimeUnit.NANOSECONDS.toMillis(restarted - restarting), writerMillis, watchMillis);
    }

    /** Writes made by another host right after the restart, before this watch reconnects, still reach it. */
    @Test
    void shouldDeliverWritesMadeWhileTheWatchWasStillReconnecting() throws Exception
    {
        final EtcdClusterStore watcher = open();
        final long from = watcher.getPrefix(PREFIX).revision() + 1;
        final Recorder recorder = new Recorder();
        closeAfter.add(0, watcher.watchPrefix(PREFIX, from, recorder));
        watcher.put(PREFIX + "before", utf8("0"));
        recorder.take(1);

        etcd.kill();
        EtcdServer.sleep(3000);
        etcd.restart();
        final Map<String, String> written = new LinkedHashMap<>();
        try (EtcdClusterStore other = new EtcdClusterStore(etcd.address(), CALL_TIMEOUT))
        {
            for (int i = 1; i <= 20; i++)
            {
                other.put(PREFIX + "k" + i, utf8("v" + i));
                written.put(PREFIX + "k" + i, "v" + i);
            }
        }

        final List<WatchEvent> events = recorder.take(20);
        final Map<String, String> seen = new LinkedHashMap<>();
        events.forEach(event -> seen.put(event.key(), event.text()));
        assertEquals(written, seen);
        assertNull(recorder.events.poll(500, TimeUnit.MILLISECONDS), "nothing more");
    }

    /**
     * An etcd that restarts restores its leases with a fresh TTL, so a lease whose keep-alive went
     * unanswered for longer than its TTL is usually still there: it is kept, not reported lapsed.
     */
    @Test
    void shouldKeepALeaseThatEtcdStillHoldsAfterARestartLongerThanItsTtl()
    {
        final EtcdClusterStore owner = open();
        final BlockingQueue<Lease> lapsed = new LinkedBlockingQueue<>();
        final Lease lease = owner.grantLease(Duration.ofSeconds(3), lapsed::add);
        owner.put(PREFIX + "vtep", utf8("192.0.2.1"), lease);

        etcd.kill();
        final long downMillis = lease.ttl().toMillis() + 3000;
        EtcdServer.sleep(downMillis);
        final Lease.State whileDown = lease.state();
        etcd.restart();
        final long restarted = System.nanoTime();
        while (lease.state() != Lease.State.ALIVE)
        {
            assertTrue(System.nanoTime() - restarted < TimeUnit.SECONDS.toNanos(15), "state " + lease.state());
            EtcdServer.sleep(50);
        }
        final long aliveMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
        EtcdServer.sleep(2 * lease.ttl().toMillis());

        assertEquals(Lease.State.UNCONFIRMED, whileDown);
        assertEquals(Lease.State.ALIVE, lease.state());
        assertTrue(lapsed.isEmpty());
        assertEquals("192.0.2.1", new String(owner.get(PREFIX + "vtep").orElseThrow(), StandardCharsets.UTF_8),
            "still there two TTLs after keep-alive resumed");
        System.out.printf("lease of %d s unconfirmed while etcd was down %d ms; alive again %d ms after the restart%n",
            lease.ttl().toSeconds(), downMillis, aliveMillis);
    }

    /**
     * A frozen etcd lets the lease expire behind the owner's back (it revokes it when it runs again):
     * the owner hears of it once etcd answers, and re-registers.
     */
    @Test
    void shouldReportALapsedLeaseWhenEtcdAnswersAgainSoTheOwnerCanReRegister() throws Exception
    {
        final EtcdClusterStore owner = open();
        final EtcdClusterStore observer = open();
        final BlockingQueue<Lease> lapsed = new LinkedBlockingQueue<>();
        final BlockingQueue<String> reRegistered = new LinkedBlockingQueue<>();
        final Lease lease = owner.grantLease(Duration.ofSeconds(2), old ->
        {
            lapsed.add(old);
            final Lease fresh = owner.grantLease(Duration.ofSeconds(2));
            reRegistered.add(owner.putIfAbsent(PREFIX + "vtep", utf8("192.0.2.1 again"), fresh) ? "re-registered" : "key still taken");
        });
        owner.put(PREFIX + "vtep", utf8("192.0.2.1"), lease);
        final Recorder recorder = new Recorder();
        closeAfter.add(0, observer.watchPrefix(PREFIX, observer.getPrefix(PREFIX).revision() + 1, recorder));

        etcd.freeze();
        final long frozeAt = System.nanoTime();
        while (lease.state() == Lease.State.ALIVE)
        {
            assertTrue(System.nanoTime() - frozeAt < TimeUnit.SECONDS.toNanos(10), "still alive");
            EtcdServer.sleep(50);
        }
        final long unconfirmedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozeAt);
        EtcdServer.sleep(2000);
        assertTrue(lapsed.isEmpty(), "not reported while etcd cannot confirm it");
        etcd.thaw();
        final long thawed = System.nanoTime();

        assertEquals(lease, lapsed.poll(15, TimeUnit.SECONDS));
        final long lapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - thawed);
        assertEquals("re-registered", reRegistered.poll(5, TimeUnit.SECONDS));
        assertEquals(Lease.State.LAPSED, lease.state());
        assertEquals(List.of("DELETE " + PREFIX + "vtep=", "PUT " + PREFIX + "vtep=192.0.2.1 again"),
            recorder.take(2).stream().map(Recorder::describe).toList(), "what the other hosts see");
        assertNull(lapsed.poll(1, TimeUnit.SECONDS), "reported once");
        System.out.printf("lease of %d s: unconfirmed %d ms after etcd froze; reported lapsed %d ms after it thawed%n",
            lease.ttl().toSeconds(), unconfirmedMillis, lapsedMillis);
    }
}
