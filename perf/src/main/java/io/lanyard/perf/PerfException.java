package io.lanyard.perf;

/** Something the run needs failed: reported as one line, after which everything made is removed. */
final class PerfException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    PerfException(final String message)
    {
        super(message);
    }
}
