package io.lanyard.control.cluster;

/** The cluster store refused or failed an operation; the message is one line, naming the store. */
public class ClusterStoreException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public ClusterStoreException(final String message)
    {
        super(message);
    }
}
