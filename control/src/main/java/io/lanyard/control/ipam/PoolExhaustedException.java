package io.lanyard.control.ipam;

/** No free address is left where one was asked for. */
public final class PoolExhaustedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public PoolExhaustedException(final String message)
    {
        super(message);
    }
}
