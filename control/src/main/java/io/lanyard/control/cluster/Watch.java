package io.lanyard.control.cluster;

/**
 * Changes to the keys under a prefix, delivered in revision order, each once. The watch resumes
 * by itself after etcd restarts or the connection breaks, from the revision after the last one
 * delivered, so nothing written in between is missed, until {@link #close()} or until etcd has
 * compacted away the history it would need (then {@link Listener#onCompacted} is called once and
 * the watch ends).
 */
public interface Watch extends AutoCloseable
{
    /**
     * Receives a watch's changes, one call at a time and never concurrently. A listener may call
     * the store (read, watch again, close this watch), but should hand long work off: the next
     * event of this watch waits for it. An exception it throws is logged, and the event counts
     * as delivered.
     */
    interface Listener
    {
        void onEvent(WatchEvent event);

        /**
         * etcd no longer has the history from the watch's next revision: re-read the prefix with
         * {@link ClusterStore#getPrefix} and watch again from that snapshot's revision + 1.
         *
         * @param compactRevision the oldest revision etcd still has.
         */
        void onCompacted(long compactRevision);
    }

    /** The prefix watched. */
    String prefix();

    /** The revision the watch would resume from: one after the last change it delivered or heard etcd vouch for. */
    long nextRevision();

    /** Stops delivering events; no listener call starts after this returns. */
    @Override
    void close();
}
