package io.lanyard.control.api;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The warning that a limit of the API was reached: logged once when it is reached, and again only
 * after the limit has eased, not once per refusal, so a client hammering at the limit cannot fill
 * the log.
 */
final class LimitWarning
{
    private final System.Logger log;
    private final String message;
    private final AtomicBoolean logged = new AtomicBoolean();

    LimitWarning(final System.Logger log, final String message)
    {
        this.log = log;
        this.message = message;
    }

    /** The limit refused something: logs the warning unless it was logged since the limit last eased. */
    void reached()
    {
        if (logged.compareAndSet(false, true))
        {
            log.log(System.Logger.Level.WARNING, message);
        }
    }

    /** The limit is far from reached again: the next time it is, it is logged. */
    void eased()
    {
        logged.set(false);
    }
}
