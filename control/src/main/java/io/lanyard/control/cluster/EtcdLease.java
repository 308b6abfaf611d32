package io.lanyard.control.cluster;

import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.logging.Logger;

/**
 * An etcd lease kept alive by jetcd's keep-alive stream.
 *
 * <p>jetcd sends a keep-alive every TTL/3 and, when no answer came for a whole TTL, gives up on
 * the lease (its observer completes). That does not mean etcd dropped it: an etcd that was
 * restarted restores its leases with a fresh TTL, and then the keys are all still there. So
 * instead of declaring the lease lost, it becomes {@link State#UNCONFIRMED} and etcd is asked,
 * again and again until it answers: if it still holds the lease, keep-alive resumes and nobody is
 * disturbed; if not, the lease is {@link State#LAPSED}, is revoked for good (so that none of its
 * keys linger) and the owner's listener runs — with etcd answering, so that it can re-register
 * at once.
 */
final class EtcdLease implements Lease
{
    private static final Logger LOG = Logger.getLogger(EtcdLease.class.getName());
    /** Pause between asks while etcd is away; each ask itself waits up to the call timeout. */
    private static final long CONFIRM_RETRY_MILLIS = 250;

    private final EtcdClusterStore store;
    private final long id;
    private final Duration ttl;
    private final LapseListener listener;

    private State state = State.ALIVE;
    private CloseableClient keepAlive;
    private int generation;

    EtcdLease(final EtcdClusterStore store, final long id, final Duration ttl, final LapseListener listener)
    {
        this.store = store;
        this.id = id;
        this.ttl = ttl;
        this.listener = listener;
    }

    @Override
    public long id()
    {
        return id;
    }

    @Override
    public Duration ttl()
    {
        return ttl;
    }

    @Override
    public synchronized State state()
    {
        return state;
    }

    boolean belongsTo(final EtcdClusterStore owner)
    {
        return store == owner;
    }

    /** Starts (or restarts) the keep-alive stream's attention to this lease; jetcd is called outside this lease's lock. */
    void keepAlive()
    {
        final int current;
        synchronized (this)
        {
            if (state != State.ALIVE)
            {
                return;
            }
            current = ++generation;
        }
        final CloseableClient handle = store.client().getLeaseClient().keepAlive(id, new KeepAliveObserver(current));
        final boolean stale;
        synchronized (this)
        {
            stale = current != generation || state != State.ALIVE;
            if (!stale)
            {
                keepAlive = handle;
            }
        }
        if (stale)
        {
            handle.close();
        }
    }

    @Override
    public void revoke()
    {
        final State before;
        synchronized (this)
        {
            before = state;
            if (before == State.REVOKED || before == State.LAPSED)
            {
                return;
            }
            state = State.REVOKED;
            stopKeepAlive();
        }
        store.forget(this);
        revokeInEtcd();
    }

    /** The store is closing: stop keeping the lease alive; etcd lets it expire a TTL later. */
    synchronized void storeClosed()
    {
        if (state == State.ALIVE || state == State.UNCONFIRMED)
        {
            state = State.CLOSED;
            stopKeepAlive();
        }
    }

    @Override
    public String toString()
    {
        return "lease " + hex() + " (" + ttl.toSeconds() + " s)";
    }

    private String hex()
    {
        return Long.toHexString(id);
    }

    private void stopKeepAlive()
    {
        generation++;
        if (keepAlive != null)
        {
            keepAlive.close();
            keepAlive = null;
        }
    }

    /** jetcd gave up after a TTL without answers: ask etcd whether the lease is still there. */
    private void unanswered(final int from)
    {
        synchronized (this)
        {
            if (from != generation || state != State.ALIVE)
            {
                return;
            }
            state = State.UNCONFIRMED;
            stopKeepAlive();
        }
        LOG.warning(() -> store.prefix() + ": " + this + " got no keep-alive answer for " + ttl.toSeconds()
            + " s; asking etcd whether it still holds it");
        store.later(this::confirm, 0);
    }

    private void confirm()
    {
        synchronized (this)
        {
            if (state != State.UNCONFIRMED)
            {
                return;
            }
        }
        final long remaining;
        try
        {
            remaining = store.await("look up lease " + hex(),
                store.client().getLeaseClient().timeToLive(id, LeaseOption.DEFAULT).thenApply(LeaseTimeToLiveResponse::getTTL));
        }
        catch (final ClusterStoreException ex)
        {
            LOG.fine(() -> this + " still unconfirmed: " + ex.getMessage());
            store.later(this::confirm, CONFIRM_RETRY_MILLIS);
            return;
        }
        if (remaining > 0)
        {
            synchronized (this)
            {
                if (state != State.UNCONFIRMED)
                {
                    return;
                }
                state = State.ALIVE;
            }
            keepAlive();
            LOG.info(() -> store.prefix() + ": etcd still holds " + this + " (" + remaining + " s left); keeping it alive again");
        }
        else
        {
            lapsed("etcd no longer holds it");
        }
    }

    /**
     * The lease is lost. Before the owner hears of it, etcd is made to finish the job: a lease
     * past its TTL may not be revoked yet, and its keys would still block a re-registration.
     */
    private void lapsed(final String why)
    {
        synchronized (this)
        {
            if (state != State.ALIVE && state != State.UNCONFIRMED)
            {
                return;
            }
            state = State.LAPSED;
            stopKeepAlive();
        }
        store.forget(this);
        LOG.warning(() -> store.prefix() + ": " + this + " lapsed (" + why + "); its keys are gone or going");
        store.later(this::finishLapse, 0);
    }

    private void finishLapse()
    {
        try
        {
            revokeInEtcd();
        }
        catch (final ClusterStoreUnavailableException ex)
        {
            LOG.fine(() -> "lapsed " + this + " not yet revoked: " + ex.getMessage());
            store.later(this::finishLapse, CONFIRM_RETRY_MILLIS);
            return;
        }
        catch (final ClusterStoreException ex)
        {
            LOG.warning(() -> "lapsed " + this + " could not be revoked: " + ex.getMessage());
        }
        store.callback(() -> listener.onLapsed(this));
    }

    /** Revokes the lease in etcd; one etcd no longer knows counts as revoked. */
    private void revokeInEtcd()
    {
        store.await("revoke lease " + hex(), store.client().getLeaseClient().revoke(id)
            .thenApply(response -> Boolean.TRUE)
            .exceptionally(error ->
            {
                if (EtcdClusterStore.isNotFound(error))
                {
                    return Boolean.TRUE;
                }
                throw error instanceof CompletionException completion ? completion : new CompletionException(error);
            }));
    }

    private final class KeepAliveObserver implements StreamObserver<LeaseKeepAliveResponse>
    {
        private final int generationAtStart;

        KeepAliveObserver(final int generation)
        {
            this.generationAtStart = generation;
        }

        @Override
        public void onNext(final LeaseKeepAliveResponse response)
        {
        }

        /**
         * jetcd reports every break of the shared keep-alive stream here and reconnects by
         * itself; only etcd saying that it does not know the lease is final.
         */
        @Override
        public void onError(final Throwable error)
        {
            if (store.isClosed())
            {
                return;
            }
            if (EtcdClusterStore.isNotFound(error))
            {
                synchronized (EtcdLease.this)
                {
                    if (generationAtStart != generation)
                    {
                        return;
                    }
                }
                lapsed("etcd answered a keep-alive with: lease not found");
            }
            else
            {
                LOG.fine(() -> EtcdLease.this + ": keep-alive stream broke, jetcd reconnects: " + error);
            }
        }

        @Override
        public void onCompleted()
        {
            if (!store.isClosed())
            {
                unanswered(generationAtStart);
            }
        }
    }
}
