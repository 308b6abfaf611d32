package io.lanyard.control;

/** Why {@code lanyardd} does not start: one line, printed as {@code lanyardd: MESSAGE} with exit status 1. */
final class StartupException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    StartupException(final String message)
    {
        super(message);
    }
}
