package io.lanyard.perf;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's DNS queries: a {@link DnsLoad} on a socket inside a sandbox asks the embedded DNS
 * at 127.0.0.11 for the names of the soak's fixed sandboxes, one query at a time with a pause
 * after each answer, in batches of {@value #BATCH} until the deadline. Every query that gets no
 * good answer (lost, or answered with an error) is counted and the batch logged; a socket error
 * is counted as one and the load carries on. The round trips since the last sample are kept, so
 * each row of the record has the p99 of its own interval.
 */
final class SoakDns implements Runnable
{
    private static final int BATCH = 200;
    private static final long PAUSE_AFTER_ERROR_MILLIS = 1_000;
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final DnsLoad load;
    private final Duration gap;
    private final SoakDeadline deadline;
    private final SoakFailures unanswered;
    private final AtomicLong queries = new AtomicLong();
    /** Round trips since the last {@link #takeP99Millis}; guarded by itself. */
    private final Histogram sinceSample = new Histogram(HIGHEST_NANOS, 3);

    /** @param gap the pause after each answer. */
    SoakDns(final DnsLoad load, final Duration gap, final SoakDeadline deadline, final SoakLog log)
    {
        this.load = load;
        this.gap = gap;
        this.deadline = deadline;
        this.unanswered = new SoakFailures("dns", deadline, log);
    }

    @Override
    public void run()
    {
        while (!deadline.passed())
        {
            try
            {
                final DnsLoad.Result result = load.paced(BATCH, gap);
                queries.addAndGet(result.sent());
                synchronized (sinceSample)
                {
                    sinceSample.add(result.latencies());
                }
                if (result.unanswered() > 0)
                {
                    unanswered.add(result.unanswered(), result.unanswered() + " of " + result.sent() + " queries unanswered (" +
                        result.lost() + " lost, " + result.failed() + " answered with an error or no record)");
                }
            }
            catch (final PerfException ex)
            {
                queries.incrementAndGet();
                if (!unanswered.add(1, ex.getMessage()))
                {
                    return;
                }
                deadline.pause(PAUSE_AFTER_ERROR_MILLIS);
            }
        }
    }

    long queries()
    {
        return queries.get();
    }

    long unanswered()
    {
        return unanswered.count();
    }

    /** The 99th percentile of the good answers' round trips since the last call, in ms; NaN if there were none. */
    double takeP99Millis()
    {
        synchronized (sinceSample)
        {
            final double p99 = sinceSample.getTotalCount() == 0 ? Double.NaN : sinceSample.getValueAtPercentile(99) / 1e6;
            sinceSample.reset();
            return p99;
        }
    }
}
