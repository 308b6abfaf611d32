package io.lanyard.control.cluster;

/**
 * The cluster store did not answer within the call timeout, or the connection broke. The outcome
 * of a write that fails this way is unknown: it may have been applied just before the answer was
 * lost, so a caller that must know reads the key back once the store answers again.
 */
public final class ClusterStoreUnavailableException extends ClusterStoreException
{
    private static final long serialVersionUID = 1L;

    public ClusterStoreUnavailableException(final String message)
    {
        super(message);
    }
}
