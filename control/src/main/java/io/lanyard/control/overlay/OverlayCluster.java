package io.lanyard.control.overlay;

import io.lanyard.control.cluster.ClusterStore;
import io.lanyard.control.cluster.ClusterStoreException;
import io.lanyard.control.cluster.Entry;
import io.lanyard.control.cluster.Lease;
import io.lanyard.control.cluster.PrefixSnapshot;
import io.lanyard.control.cluster.Watch;
import io.lanyard.control.cluster.WatchEvent;
import io.lanyard.control.model.Network;
import io.lanyard.control.overlay.ClusterRecords.AddressClaim;
import io.lanyard.control.overlay.ClusterRecords.Host;
import io.lanyard.control.overlay.ClusterRecords.RemoteEndpoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import static io.lanyard.control.overlay.ClusterRecords.decode;
import static io.lanyard.control.overlay.ClusterRecords.encode;

/**
 * This host's membership of a cluster: what it shares with the other hosts through the cluster
 * store (laid out as {@link ClusterKeys} says), and a {@link ClusterMirror} of what they share, kept
 * current by one watch.
 *
 * <p>The mirror starts from one read of {@link #ROOT} and follows the watch from the revision
 * after it. It is read by the control plane, which hears of each change through the listener (on
 * this class's own thread, changes coalesced). While the store does not answer, the mirror keeps
 * what it last saw, so the dataplane keeps forwarding; the watch and the lease resume by
 * themselves, and a lease that lapsed meanwhile is replaced and the host's keys written again.
 *
 * <p>Mutations are blocking calls, each bounded by the store's call timeout; they throw
 * {@link ClusterStoreException} with a one-line message naming the store.
 */
public final class OverlayCluster implements AutoCloseable
{
    public static final String ROOT = "/lanyard/v1/";
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);

    private static final System.Logger LOG = System.getLogger(OverlayCluster.class.getName());
    private static final long RETRY_MILLIS = 2_000;
    private static final Duration LOCK_TTL = Duration.ofSeconds(10);
    private static final long LOCK_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long LOCK_POLL_MILLIS = 100;

    private final ClusterStore store;
    private final Host self;
    private final Duration ttl;
    private final int endpointMtu;
    private final ClusterMirror mirror = new ClusterMirror();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(runnable ->
    {
        final Thread thread = new Thread(runnable, "lanyard-cluster");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean changePending = new AtomicBoolean();
    /** This host's leased keys and their values, written again under a new lease when the old one lapses. */
    private final Map<String, byte[]> leased = new ConcurrentHashMap<>();

    // the lease and watch, guarded by this
    private Lease lease;
    private Watch watch;
    private volatile Runnable listener = () -> { };
    private volatile boolean closed;
    private boolean outageLogged;

    private OverlayCluster(final ClusterStore store, final Host self, final Duration ttl, final int endpointMtu)
    {
        this.store = store;
        this.self = self;
        this.ttl = ttl;
        this.endpointMtu = endpointMtu;
    }

    /**
     * Joins the cluster in the background: reads the shared state, watches it and registers this
     * host, retrying every 2 s while the store does not answer.
     *
     * @param endpointMtu the MTU of this host's overlay interfaces unless a network sets one (the
     *                    underlay's minus the 50 bytes of VXLAN encapsulation).
     */
    public static OverlayCluster join(final ClusterStore store, final Host self, final Duration ttl, final int endpointMtu)
    {
        final OverlayCluster cluster = new OverlayCluster(store, self, ttl, endpointMtu);
        cluster.worker.execute(cluster::sync);
        return cluster;
    }

    /** Tells {@code onChange} (on the cluster's thread, coalesced) whenever the mirror changes. */
    public void listen(final Runnable onChange)
    {
        this.listener = onChange;
        notifyChange();
    }

    public Host self()
    {
        return self;
    }

    public int endpointMtu()
    {
        return endpointMtu;
    }

    public String storeAddress()
    {
        return store.address().toString();
    }

    /** Whether the mirror has been read from the store at least once since the daemon started. */
    public boolean isSynced()
    {
        return mirror.isSynced();
    }

    // ------------------------------------------------------------------------------------------
    // the mirror
    // ------------------------------------------------------------------------------------------

    /** The cluster's overlay networks, oldest first. */
    public List<Network> networks()
    {
        return mirror.networks();
    }

    /** The containers of a network on every host, this one's included. */
    public List<RemoteEndpoint> endpoints(final String networkId)
    {
        return mirror.endpoints(networkId);
    }

    /** The addresses of a network taken cluster-wide: address → claim. */
    public Map<String, AddressClaim> claims(final String networkId)
    {
        return mirror.claims(networkId);
    }

    /** The hosts with containers on a network, by address (a host not registered shows its address as its name). */
    public List<Host> peers(final String networkId)
    {
        return mirror.peers(networkId);
    }

    // ------------------------------------------------------------------------------------------
    // changes
    // ------------------------------------------------------------------------------------------

    /**
     * Creates an overlay network while holding the cluster's network lock: {@code plan} sees every
     * network the store holds at that moment and returns the network to create (or throws to refuse).
     */
    public Network createNetwork(final Function<List<Network>, Network> plan)
    {
        return withNetworkLock(() ->
        {
            final List<Network> existing = new ArrayList<>();
            for (final Entry entry : store.getPrefix(ClusterKeys.NETWORKS).entries().values())
            {
                decode(entry.key(), entry.value(), Network.class).ifPresent(existing::add);
            }
            final Network network = plan.apply(existing);
            store.put(ClusterKeys.network(network.id()), encode(network));
            mirror.putNetwork(network);
            return network;
        });
    }

    /**
     * Removes an overlay network, while holding the network lock, unless some host's container still
     * has an address on it.
     *
     * @return the claims that keep it (then nothing was removed); empty when it was removed.
     */
    public List<AddressClaim> removeNetwork(final Network network)
    {
        return withNetworkLock(() ->
        {
            final List<AddressClaim> holders = new ArrayList<>();
            for (final Entry entry : store.getPrefix(ClusterKeys.addresses(network.id())).entries().values())
            {
                decode(entry.key(), entry.value(), AddressClaim.class).ifPresent(holders::add);
            }
            if (holders.isEmpty())
            {
                store.delete(ClusterKeys.network(network.id()));
                mirror.removeNetwork(network.id());
            }
            return holders;
        });
    }

    /**
     * Takes {@code ip} on a network for an endpoint, if no host has it.
     *
     * @return false when another endpoint holds it.
     */
    public boolean claimAddress(final String networkId, final String ip, final String endpointId, final String sandbox)
    {
        final AddressClaim claim = new AddressClaim(endpointId, sandbox, self.ip());
        if (!store.putIfAbsent(ClusterKeys.address(networkId, ip), encode(claim)))
        {
            return false;
        }
        mirror.putClaim(networkId, ip, claim);
        return true;
    }

    /** Gives an address back, if {@code endpointId} still holds it. */
    public void releaseAddress(final String networkId, final String ip, final String endpointId)
    {
        final String key = ClusterKeys.address(networkId, ip);
        final Optional<Entry> entry = store.entry(key);
        if (entry.isPresent())
        {
            final Optional<AddressClaim> claim = decode(key, entry.get().value(), AddressClaim.class);
            if (claim.isPresent() && endpointId.equals(claim.get().endpoint()))
            {
                store.deleteIfUnchanged(key, entry.get().modRevision());
            }
        }
        mirror.removeClaim(networkId, ip, endpointId);
    }

    /**
     * Publishes one of this host's endpoints to the other hosts, under the host's lease, and
     * remembers it: it is written again whenever the lease has to be replaced.
     */
    public void register(final RemoteEndpoint endpoint)
    {
        final String key = ClusterKeys.endpoint(endpoint.network(), endpoint.endpoint());
        final byte[] value = encode(endpoint);
        leased.put(key, value);
        mirror.putEndpoint(endpoint);
        store.put(key, value, currentLease());
    }

    /**
     * Remembers an endpoint restored at start, to be written once the store answers (without
     * waiting for it).
     */
    public void registerLater(final RemoteEndpoint endpoint)
    {
        final String key = ClusterKeys.endpoint(endpoint.network(), endpoint.endpoint());
        leased.put(key, encode(endpoint));
        onWorker(() -> writeLeased(key));
    }

    private void writeLeased(final String key)
    {
        final byte[] value = leased.get(key);
        if (closed || value == null)
        {
            return;
        }
        try
        {
            store.put(key, value, currentLease());
        }
        catch (final ClusterStoreException ex)
        {
            retryLater("register " + ClusterKeys.relative(key), ex, () -> writeLeased(key));
        }
    }

    /** Takes one of this host's endpoints out of the cluster. */
    public void withdraw(final String networkId, final String endpointId)
    {
        final String key = ClusterKeys.endpoint(networkId, endpointId);
        store.delete(key);
        leased.remove(key);
        mirror.removeEndpoint(networkId, endpointId);
    }

    /** Deletes a claim of this host's that no endpoint of it holds (left by a write whose answer was lost). */
    public void dropStaleClaim(final String networkId, final String ip, final AddressClaim claim)
    {
        if (self.ip().equals(claim.host()))
        {
            releaseAddress(networkId, ip, claim.endpoint());
        }
    }

    // ------------------------------------------------------------------------------------------
    // joining and staying joined
    // ------------------------------------------------------------------------------------------

    private void sync()
    {
        if (closed)
        {
            return;
        }
        try
        {
            currentLease();
            final PrefixSnapshot snapshot = store.getPrefix(ROOT);
            mirror.reset(snapshot);
            synchronized (this)
            {
                if (watch != null)
                {
                    watch.close();
                }
                watch = store.watchPrefix(ROOT, snapshot.revision() + 1, new Watch.Listener()
                {
                    @Override
                    public void onEvent(final WatchEvent event)
                    {
                        mirror.apply(event.type(), event.key(), event.value());
                        notifyChange();
                    }

                    @Override
                    public void onCompacted(final long compactRevision)
                    {
                        LOG.log(System.Logger.Level.WARNING, "the cluster store compacted past the watch; reading it again");
                        onWorker(OverlayCluster.this::sync);
                    }
                });
                outageLogged = false;
            }
            LOG.log(System.Logger.Level.INFO, "joined the cluster at " + store.address() + " as " + self.name() + " (" + self.ip() +
                "), " + snapshot.entries().size() + " keys");
            notifyChange();
        }
        catch (final ClusterStoreException ex)
        {
            retryLater("join the cluster", ex, this::sync);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "cannot join the cluster: " + ex.getMessage(), ex);
            retryLater("join the cluster", ex, this::sync);
        }
    }

    /** The host's lease, granted (and the host's keys written under it) when there is none alive. */
    private synchronized Lease currentLease()
    {
        if (lease != null && (lease.state() == Lease.State.ALIVE || lease.state() == Lease.State.UNCONFIRMED))
        {
            return lease;
        }
        final Lease granted = store.grantLease(ttl, lapsed -> onWorker(this::renewLease));
        try
        {
            store.put(ClusterKeys.host(self.ip()), encode(self), granted);
            for (final Map.Entry<String, byte[]> key : leased.entrySet())
            {
                store.put(key.getKey(), key.getValue(), granted);
            }
        }
        catch (final ClusterStoreException ex)
        {
            quietlyRevoke(granted);
            throw ex;
        }
        lease = granted;
        return granted;
    }

    private void renewLease()
    {
        if (closed)
        {
            return;
        }
        try
        {
            currentLease();
            LOG.log(System.Logger.Level.INFO, "the cluster lease lapsed while the store was away; " + leased.size() +
                " endpoints registered again");
        }
        catch (final ClusterStoreException ex)
        {
            retryLater("register again", ex, this::renewLease);
        }
    }

    private synchronized void retryLater(final String what, final RuntimeException ex, final Runnable retry)
    {
        if (closed)
        {
            return;
        }
        if (!outageLogged)
        {
            LOG.log(System.Logger.Level.WARNING, "cannot " + what + " yet, retrying every " + RETRY_MILLIS / 1000 + " s: " + ex.getMessage());
            outageLogged = true;
        }
        try
        {
            worker.schedule(retry, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (final java.util.concurrent.RejectedExecutionException ignored)
        {
            // closing
        }
    }

    private static void quietlyRevoke(final Lease lease)
    {
        try
        {
            lease.revoke();
        }
        catch (final RuntimeException ignored)
        {
            // it ends a TTL later by itself
        }
    }

    private <T> T withNetworkLock(final java.util.function.Supplier<T> work)
    {
        final Lease lock = store.grantLease(LOCK_TTL);
        try
        {
            final long deadline = System.nanoTime() + LOCK_WAIT_NANOS;
            while (!store.putIfAbsent(ClusterKeys.NETWORK_LOCK, self.ip().getBytes(java.nio.charset.StandardCharsets.UTF_8), lock))
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new ClusterStoreException("cluster store " + store.address() +
                        ": another host is creating or removing an overlay network; try again");
                }
                sleep(LOCK_POLL_MILLIS);
            }
            return work.get();
        }
        finally
        {
            // revoking the lock's lease deletes the lock; if the store is gone, it ends by itself
            quietlyRevoke(lock);
        }
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
            throw new ClusterStoreException("interrupted while waiting for the cluster's network lock");
        }
    }

    /** Runs {@code task} on the cluster's thread, unless the membership is closing. */
    private void onWorker(final Runnable task)
    {
        try
        {
            worker.execute(task);
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            if (!closed)
            {
                throw ex;
            }
        }
    }

    private void notifyChange()
    {
        if (changePending.compareAndSet(false, true))
        {
            onWorker(() ->
            {
                changePending.set(false);
                try
                {
                    listener.run();
                }
                catch (final RuntimeException ex)
                {
                    LOG.log(System.Logger.Level.ERROR, "cannot apply a cluster change: " + ex.getMessage(), ex);
                }
            });
        }
    }

    /** Stops watching and keeping the lease alive; this host's endpoints vanish from the others a TTL later. */
    @Override
    public void close()
    {
        closed = true;
        worker.shutdownNow();
        synchronized (this)
        {
            if (watch != null)
            {
                watch.close();
            }
        }
        store.close();
    }
}
