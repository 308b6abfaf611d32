package io.lanyard.control.cluster;

import java.time.Duration;
import java.util.Optional;

/**
 * The state the hosts of a cluster share: a key-value store with revisions, transactions on
 * single keys, leases and prefix watches — what the overlay's control plane needs and no more.
 *
 * <p>Every call returns or throws within the store's call timeout: a store that does not answer
 * gives a {@link ClusterStoreUnavailableException} with a one-line message such as
 * {@code cluster store etcd://127.0.0.1:2379 unavailable: no answer to get /k within 5 s};
 * any other refusal is a {@link ClusterStoreException}. Keys are UTF-8 text; values are bytes.
 */
public interface ClusterStore extends AutoCloseable
{
    /** Where the store is, for messages. */
    StoreAddress address();

    /** The value of {@code key}, or empty when there is none. */
    Optional<byte[]> get(String key);

    /** {@code key} with its revisions, for a following {@link #compareAndSet} or {@link #deleteIfUnchanged}. */
    Optional<Entry> entry(String key);

    /**
     * Every key that starts with {@code prefix} (not empty), read at one revision, so that
     * {@link #watchPrefix}{@code (prefix, snapshot.revision() + 1, …)} continues exactly after it.
     */
    PrefixSnapshot getPrefix(String prefix);

    /** Writes {@code value} under {@code key}, detaching the key from any lease it had. */
    void put(String key, byte[] value);

    /** Writes {@code value} under {@code key}, which then lives as long as {@code lease}. */
    void put(String key, byte[] value, Lease lease);

    /**
     * Creates {@code key} only if it does not exist, atomically: of any number of hosts racing for
     * the same key, exactly one gets {@code true}.
     */
    boolean putIfAbsent(String key, byte[] value);

    /** {@link #putIfAbsent(String, byte[])} with the new key living as long as {@code lease}. */
    boolean putIfAbsent(String key, byte[] value, Lease lease);

    /**
     * Replaces the value of {@code key} only if the key was last written at {@code modRevision}
     * (from {@link #entry} or a {@link PrefixSnapshot}). The write carries no lease.
     *
     * @return false when the key changed or vanished since.
     */
    boolean compareAndSet(String key, long modRevision, byte[] value);

    /** @return whether a key was deleted. */
    boolean delete(String key);

    /** Deletes {@code key} only if it was last written at {@code modRevision}; @return whether it did. */
    boolean deleteIfUnchanged(String key, long modRevision);

    /** {@link #grantLease(Duration, Lease.LapseListener)} for an owner that does not re-register. */
    default Lease grantLease(final Duration ttl)
    {
        return grantLease(ttl, Lease.LapseListener.IGNORE);
    }

    /**
     * Grants a lease of {@code ttl} (whole seconds, rounded up) and keeps it alive in the background
     * until it is revoked or the store closes.
     *
     * @param onLapsed told, once, if the lease is lost (etcd went unanswered for longer than the TTL
     *                 and no longer holds it); it runs when etcd answers again, so it can re-register.
     */
    Lease grantLease(Duration ttl, Lease.LapseListener onLapsed);

    /**
     * Watches every key starting with {@code prefix} (not empty), from {@code fromRevision} on
     * (the revision of a {@link PrefixSnapshot} + 1, so nothing is missed between the two).
     * Creating a watch needs no answer from the store: it connects, and reconnects, by itself.
     */
    Watch watchPrefix(String prefix, long fromRevision, Watch.Listener listener);

    /** Stops watches and keep-alives (leases then expire a TTL later) and disconnects. */
    @Override
    void close();
}
