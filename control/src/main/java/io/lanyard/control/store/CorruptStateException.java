package io.lanyard.control.store;

/** The state file exists but cannot be trusted; the daemon must not start over it. */
public final class CorruptStateException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public CorruptStateException(final String message)
    {
        super(message);
    }
}
