package io.lanyard.tap;

/** A Linux call or command that failed; the message is one line naming what failed and why. */
public final class LinuxException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int errno;

    public LinuxException(final String message)
    {
        this(message, 0);
    }

    public LinuxException(final String message, final int errno)
    {
        super(message);
        this.errno = errno;
    }

    /** From the errno of the last failed libc call on this thread. */
    public static LinuxException lastError(final String what)
    {
        return new LinuxException(LinuxCalls.describe(what), LinuxCalls.errno());
    }

    public int errno()
    {
        return errno;
    }
}
