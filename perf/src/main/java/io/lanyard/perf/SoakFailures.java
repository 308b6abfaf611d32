package io.lanyard.perf;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One load's failures: each counted and written to the {@link SoakLog} under the load's name,
 * but none once the run is interrupted (the clean-up stopping the daemon under the load is no
 * finding of the soak's).
 */
final class SoakFailures
{
    private final String load;
    private final SoakDeadline deadline;
    private final SoakLog log;
    private final AtomicLong count = new AtomicLong();

    SoakFailures(final String load, final SoakDeadline deadline, final SoakLog log)
    {
        this.load = load;
        this.deadline = deadline;
        this.log = log;
    }

    /** Counts {@code failures} (one event, {@code what}); false, counting nothing, once the run is interrupted. */
    boolean add(final long failures, final String what)
    {
        if (deadline.interrupted())
        {
            return false;
        }
        count.addAndGet(failures);
        log.event(load, what);
        return true;
    }

    long count()
    {
        return count.get();
    }
}
