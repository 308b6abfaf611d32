package io.lanyard.tools;

/** Ends the command with one line on stderr and exit status 1. */
final class CliException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    CliException(final String message)
    {
        super(message);
    }
}
