package io.lanyard.control.cluster;

import java.time.Duration;

/**
 * A store lease: keys written under it vanish when it ends. The store keeps it alive in the
 * background; when etcd goes unanswered for longer than the TTL the lease may lapse, and once
 * etcd confirms that it has, the {@link LapseListener} hears about it so the owner can grant a
 * new lease and write its keys again.
 */
public interface Lease
{
    enum State
    {
        /** Keep-alives are being answered. */
        ALIVE,
        /** No keep-alive answer for a whole TTL; waiting for etcd to say whether the lease still exists. */
        UNCONFIRMED,
        /** etcd no longer holds the lease (its keys are gone); the listener was told. */
        LAPSED,
        /** Revoked by its owner. */
        REVOKED,
        /** Keep-alive stopped because the store closed; the lease expires a TTL later. */
        CLOSED
    }

    /** Told once, on a store thread, when etcd has confirmed that the lease is gone. */
    @FunctionalInterface
    interface LapseListener
    {
        LapseListener IGNORE = lease -> { };

        void onLapsed(Lease lease);
    }

    /** etcd's lease id. */
    long id();

    /** The TTL etcd granted (it raises a TTL below its minimum, 2 s with default timings). */
    Duration ttl();

    State state();

    /**
     * Stops the keep-alive and asks etcd to end the lease now, deleting its keys. A lease etcd no
     * longer knows counts as revoked.
     *
     * @throws ClusterStoreUnavailableException when etcd does not answer in time; the lease then
     *                                          still ends, a TTL after its last keep-alive.
     */
    void revoke();
}
