package io.lanyard.control.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link ClusterStore} on etcd (v3 API, through jetcd).
 *
 * <p><b>Bounding every call.</b> jetcd waits for a connection before sending a request and sets
 * no deadline, so a call made while etcd is down would wait until etcd returns. Here each unary
 * call carries a gRPC deadline of the call timeout ({@link CallDeadline}) and the caller waits at
 * most that long plus a little for jetcd's own retries of reads; past it the call fails with a
 * {@link ClusterStoreUnavailableException}. Writes are never retried by jetcd, so a failed write
 * is at most applied once.
 *
 * <p><b>What survives an outage.</b> The gRPC channel reconnects by itself, every second while etcd
 * is away ({@link SteadyReconnect}) rather than on gRPC's growing backoff; watches resume from
 * the revision after the last one delivered ({@link EtcdWatch}); leases are kept alive through
 * the outage if it is shorter than their TTL and re-checked with etcd if it is longer
 * ({@link EtcdLease}).
 */
public final class EtcdClusterStore implements ClusterStore
{
    /** How long a call may take before it fails as unavailable. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);

    /** The largest answer accepted (a prefix read of many keys); gRPC's default is 4 MiB. */
    public static final int MAX_RESPONSE_BYTES = 64 << 20;

    /** Extra wait beyond the call timeout for jetcd to report the deadline itself. */
    private static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private static final Logger LOG = Logger.getLogger(EtcdClusterStore.class.getName());
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final StoreAddress address;
    private final Duration callTimeout;
    private final Client client;
    private final KV kv;
    private final ScheduledExecutorService background;
    private final ExecutorService callbacks;
    private final Set<EtcdLease> leases = ConcurrentHashMap.newKeySet();
    private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public EtcdClusterStore(final StoreAddress address)
    {
        this(address, DEFAULT_CALL_TIMEOUT);
    }

    /**
     * Creates the client; it connects on first use, so this succeeds whether or not etcd is up.
     *
     * @param callTimeout how long any call may take before it fails as unavailable.
     */
    public EtcdClusterStore(final StoreAddress address, final Duration callTimeout)
    {
        if (callTimeout.isNegative() || callTimeout.isZero())
        {
            throw new IllegalArgumentException("the call timeout must be positive, not " + callTimeout);
        }
        this.address = address;
        this.callTimeout = callTimeout;
        this.client = Client.builder()
            .endpoints(address.uris())
            .connectTimeout(callTimeout)
            .maxInboundMessageSize(MAX_RESPONSE_BYTES)
            .interceptor(new CallDeadline(callTimeout))
            .build();
        this.kv = client.getKVClient();
        final String threadName = "lanyard-cluster-store-" + INSTANCES.incrementAndGet();
        final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, daemon(threadName));
        executor.setRemoveOnCancelPolicy(true);
        this.background = executor;
        this.callbacks = Executors.newSingleThreadExecutor(daemon(threadName + "-callbacks"));
        final SteadyReconnect reconnect = SteadyReconnect.of(client);
        if (reconnect != null)
        {
            executor.scheduleWithFixedDelay(reconnect, SteadyReconnect.PERIOD_MILLIS, SteadyReconnect.PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public StoreAddress address()
    {
        return address;
    }

    public Duration callTimeout()
    {
        return callTimeout;
    }

    @Override
    public Optional<byte[]> get(final String key)
    {
        return entry(key).map(Entry::value);
    }

    @Override
    public Optional<Entry> entry(final String key)
    {
        final GetResponse response = await("get " + key, kv.get(bytes(key)));
        return response.getKvs().isEmpty() ? Optional.empty() : Optional.of(entry(response.getKvs().get(0)));
    }

    @Override
    public PrefixSnapshot getPrefix(final String prefix)
    {
        final GetResponse response = await("get prefix " + prefix,
            kv.get(prefixBytes(prefix), GetOption.builder().isPrefix(true).build()));
        final SortedMap<String, Entry> entries = new TreeMap<>();
        for (final KeyValue keyValue : response.getKvs())
        {
            final Entry entry = entry(keyValue);
            entries.put(entry.key(), entry);
        }
        return new PrefixSnapshot(response.getHeader().getRevision(), entries);
    }

    @Override
    public void put(final String key, final byte[] value)
    {
        await("put " + key, kv.put(bytes(key), ByteSequence.from(value.clone())));
    }

    @Override
    public void put(final String key, final byte[] value, final Lease lease)
    {
        await("put " + key, kv.put(bytes(key), ByteSequence.from(value.clone()), underLease(lease)));
    }

    @Override
    public boolean putIfAbsent(final String key, final byte[] value)
    {
        return putIfAbsent(key, value, PutOption.DEFAULT);
    }

    @Override
    public boolean putIfAbsent(final String key, final byte[] value, final Lease lease)
    {
        return putIfAbsent(key, value, underLease(lease));
    }

    private boolean putIfAbsent(final String key, final byte[] value, final PutOption option)
    {
        final ByteSequence name = bytes(key);
        final TxnResponse response = await("put-if-absent " + key, kv.txn()
            .If(new Cmp(name, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
            .Then(Op.put(name, ByteSequence.from(value.clone()), option))
            .commit());
        return response.isSucceeded();
    }

    @Override
    public boolean compareAndSet(final String key, final long modRevision, final byte[] value)
    {
        requireRevision(modRevision);
        final ByteSequence name = bytes(key);
        final TxnResponse response = await("compare-and-set " + key, kv.txn()
            .If(new Cmp(name, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
            .Then(Op.put(name, ByteSequence.from(value.clone()), PutOption.DEFAULT))
            .commit());
        return response.isSucceeded();
    }

    @Override
    public boolean delete(final String key)
    {
        return await("delete " + key, kv.delete(bytes(key))).getDeleted() > 0;
    }

    @Override
    public boolean deleteIfUnchanged(final String key, final long modRevision)
    {
        requireRevision(modRevision);
        final ByteSequence name = bytes(key);
        final TxnResponse response = await("delete-if-unchanged " + key, kv.txn()
            .If(new Cmp(name, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
            .Then(Op.delete(name, DeleteOption.DEFAULT))
            .commit());
        return response.isSucceeded();
    }

    @Override
    public Lease grantLease(final Duration ttl, final Lease.LapseListener onLapsed)
    {
        final long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        final long[] granted = await("grant a lease of " + seconds + " s",
            client.getLeaseClient().grant(seconds).thenApply(response -> new long[] {response.getID(), response.getTTL()}));
        final EtcdLease lease = new EtcdLease(this, granted[0], Duration.ofSeconds(granted[1]), onLapsed);
        leases.add(lease);
        if (closed)
        {
            lease.storeClosed();
            throw closedException();
        }
        lease.keepAlive();
        return lease;
    }

    @Override
    public Watch watchPrefix(final String prefix, final long fromRevision, final Watch.Listener listener)
    {
        if (fromRevision < 1)
        {
            throw new IllegalArgumentException("a watch starts at revision 1 or later, not " + fromRevision);
        }
        final EtcdWatch watch = new EtcdWatch(this, prefix, prefixBytes(prefix), fromRevision, listener);
        watches.add(watch);
        if (closed)
        {
            watch.close();
            throw closedException();
        }
        watch.start();
        return watch;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final EtcdWatch watch : List.copyOf(watches))
        {
            watch.close();
        }
        for (final EtcdLease lease : List.copyOf(leases))
        {
            lease.storeClosed();
        }
        background.shutdownNow();
        callbacks.shutdownNow();
        client.close();
    }

    @Override
    public String toString()
    {
        return "cluster store " + address;
    }

    // ---- for EtcdLease and EtcdWatch

    Client client()
    {
        return client;
    }

    boolean isClosed()
    {
        return closed;
    }

    void forget(final EtcdLease lease)
    {
        leases.remove(lease);
    }

    void forget(final EtcdWatch watch)
    {
        watches.remove(watch);
    }

    /** Runs {@code task} on the store's background thread after {@code delayMillis}, unless the store closed. */
    void later(final Runnable task, final long delayMillis)
    {
        if (closed)
        {
            return;
        }
        try
        {
            background.schedule(() ->
            {
                if (closed)
                {
                    return;
                }
                try
                {
                    task.run();
                }
                catch (final RuntimeException ex)
                {
                    LOG.log(Level.WARNING, "cluster store " + address + ": background task failed: " + ex);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            // closed meanwhile
        }
    }

    /**
     * Runs an owner's listener on the store's callback thread: one at a time, in the order given,
     * and apart from the background thread so that a slow listener delays no reconnect or retry.
     */
    void callback(final Runnable task)
    {
        if (closed)
        {
            return;
        }
        try
        {
            callbacks.execute(() ->
            {
                try
                {
                    task.run();
                }
                catch (final RuntimeException ex)
                {
                    LOG.log(Level.WARNING, "cluster store " + address + ": a listener failed: " + ex);
                }
            });
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            // closed meanwhile
        }
    }

    private static ThreadFactory daemon(final String name)
    {
        return runnable ->
        {
            final Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Waits for {@code future} at most the call timeout (plus a little for jetcd to report its
     * deadline first) and turns any failure into a one-line {@link ClusterStoreException}.
     */
    <T> T await(final String operation, final CompletableFuture<T> future)
    {
        if (closed)
        {
            future.cancel(true);
            throw closedException();
        }
        try
        {
            return future.get(callTimeout.toNanos() + GRACE_NANOS, TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException ex)
        {
            future.cancel(true);
            throw new ClusterStoreUnavailableException(prefix() + " unavailable: no answer to " + operation + " within " + human(callTimeout));
        }
        catch (final ExecutionException | CompletionException ex)
        {
            throw failure(operation, ex.getCause() == null ? ex : ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ClusterStoreException(prefix() + ": interrupted while waiting for " + operation);
        }
        catch (final java.util.concurrent.CancellationException ex)
        {
            throw closed ? closedException() : new ClusterStoreException(prefix() + ": " + operation + " was cancelled");
        }
    }

    ClusterStoreException failure(final String operation, final Throwable error)
    {
        if (closed)
        {
            return closedException();
        }
        final Status status = Status.fromThrowable(error);
        switch (status.getCode())
        {
            case DEADLINE_EXCEEDED:
                return new ClusterStoreUnavailableException(prefix() + " unavailable: no answer to " + operation + " within " + human(callTimeout));
            case UNAVAILABLE:
                return new ClusterStoreUnavailableException(prefix() + " unavailable: " + operation + " failed: " + describe(status, error));
            case UNKNOWN:
            case CANCELLED:
                if (brokeInTransit(error))
                {
                    // the connection closed under the call (etcd died): no answer, not a refusal
                    return new ClusterStoreUnavailableException(prefix() + " unavailable: " + operation + " failed: " +
                        describe(status, error));
                }
                return new ClusterStoreException(prefix() + " refused " + operation + ": " + describe(status, error));
            default:
                return new ClusterStoreException(prefix() + " refused " + operation + ": " + describe(status, error));
        }
    }

    /** Whether a call failed because its connection broke (an I/O error or a closed channel in its causes) rather than by an answer. */
    static boolean brokeInTransit(final Throwable error)
    {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause())
        {
            final String message = String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (cause instanceof java.io.IOException || cause.getClass().getSimpleName().contains("Closed") ||
                message.contains("channel closed") || message.contains("connection was closed") || message.contains("connection reset"))
            {
                return true;
            }
        }
        return false;
    }

    static boolean isNotFound(final Throwable error)
    {
        return Status.fromThrowable(error).getCode() == Status.Code.NOT_FOUND;
    }

    String prefix()
    {
        return "cluster store " + address;
    }

    private ClusterStoreException closedException()
    {
        return new ClusterStoreException(prefix() + " is closed");
    }

    private PutOption underLease(final Lease lease)
    {
        if (!(lease instanceof EtcdLease etcdLease) || !etcdLease.belongsTo(this))
        {
            throw new IllegalArgumentException("lease " + lease + " was not granted by " + this);
        }
        return PutOption.builder().withLeaseId(lease.id()).build();
    }

    private static void requireRevision(final long modRevision)
    {
        if (modRevision < 1)
        {
            throw new IllegalArgumentException("a key's mod revision is 1 or more, not " + modRevision + " (use putIfAbsent for an absent key)");
        }
    }

    private static ByteSequence bytes(final String key)
    {
        if (key == null || key.isEmpty())
        {
            throw new IllegalArgumentException("a cluster store key must not be empty");
        }
        return ByteSequence.from(key, StandardCharsets.UTF_8);
    }

    private static ByteSequence prefixBytes(final String prefix)
    {
        if (prefix == null || prefix.isEmpty())
        {
            throw new IllegalArgumentException("a cluster store prefix must not be empty");
        }
        return ByteSequence.from(prefix, StandardCharsets.UTF_8);
    }

    private static Entry entry(final KeyValue keyValue)
    {
        return new Entry(keyValue.getKey().toString(StandardCharsets.UTF_8), keyValue.getValue().getBytes(),
            keyValue.getModRevision(), keyValue.getCreateRevision(), keyValue.getLease());
    }

    /** The gRPC status and its root cause, on one line, at most 200 characters. */
    private static String describe(final Status status, final Throwable error)
    {
        final List<String> parts = new ArrayList<>(3);
        parts.add(status.getDescription() != null ? status.getDescription() : status.getCode().toString());
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root)
        {
            root = root.getCause();
        }
        if (root.getMessage() != null && !parts.get(0).contains(root.getMessage()))
        {
            parts.add(root.getMessage());
        }
        final String text = String.join(": ", parts).replaceAll("\\s+", " ").trim();
        return text.length() <= 200 ? text : text.substring(0, 197) + "...";
    }

    static String human(final Duration duration)
    {
        final long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
