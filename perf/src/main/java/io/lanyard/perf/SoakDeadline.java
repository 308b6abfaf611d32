package io.lanyard.perf;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * When the soak's loads stop: at the end of the run, or at once when the run breaks or is
 * interrupted (the workspace is being removed). Each load asks it between two operations, so
 * none starts work past it, and pauses through it, so none sleeps past it.
 */
final class SoakDeadline
{
    private final long endNanos;
    private final BooleanSupplier interrupted;
    private volatile boolean stopped;

    SoakDeadline(final Duration length, final BooleanSupplier interrupted)
    {
        this.endNanos = System.nanoTime() + length.toNanos();
        this.interrupted = interrupted;
    }

    /** Ends the loads now. */
    void stop()
    {
        stopped = true;
    }

    boolean passed()
    {
        return stopped || interrupted.getAsBoolean() || System.nanoTime() - endNanos >= 0;
    }

    /** Whether the run was interrupted (not ended by time or {@link #stop}): a load's failure then is no finding. */
    boolean interrupted()
    {
        return interrupted.getAsBoolean();
    }

    /** Whole seconds left; 0 once passed. */
    long secondsLeft()
    {
        return passed() ? 0 : TimeUnit.NANOSECONDS.toSeconds(endNanos - System.nanoTime());
    }

    /** Sleeps for {@code millis}, less if the deadline comes first. */
    void pause(final long millis)
    {
        final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!passed() && until - System.nanoTime() > 0)
        {
            LanyardSide.sleep(Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()))));
        }
    }
}
