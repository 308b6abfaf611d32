package io.lanyard.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's traffic: iperf3 TCP between two sandboxes, one client run after another of at most
 * {@value #SEGMENT_SECONDS} s each (the last cut to the time left), at {@code -b RATE}, so the
 * switch carries a steady stream for the whole run and a run that breaks costs one segment, not
 * the rest. {@link Iperf3.Server} starts its server anew after a failed run; a failure is counted
 * and logged, never the end of the soak. The receiver's rate of the last run that gave one is
 * kept for the record.
 */
final class SoakTraffic implements Runnable
{
    static final int SEGMENT_SECONDS = 30;
    /** A run shorter than this is not worth starting at the end. */
    private static final int SHORTEST_SECONDS = 2;
    private static final long PAUSE_AFTER_FAILURE_MILLIS = 2_000;

    private final Iperf3.Server server;
    private final String bitrate;
    private final SoakDeadline deadline;
    private final SoakFailures failures;
    private final AtomicLong runs = new AtomicLong();
    private volatile double lastGbps = Double.NaN;

    /** @param bitrate iperf3's {@code -b} ({@code 1G}, {@code 500M}; {@code 0}: as fast as it goes). */
    SoakTraffic(final Iperf3.Server server, final String bitrate, final SoakDeadline deadline, final SoakLog log)
    {
        this.server = server;
        this.bitrate = bitrate;
        this.deadline = deadline;
        this.failures = new SoakFailures("iperf3", deadline, log);
    }

    /** The client's options: one stream, sending, at the bitrate. */
    List<String> options()
    {
        final List<String> options = new ArrayList<>(TcpThroughput.options(1, false));
        options.addAll(List.of("-b", bitrate));
        return options;
    }

    @Override
    public void run()
    {
        while (!deadline.passed())
        {
            final int seconds = (int)Math.min(SEGMENT_SECONDS, deadline.secondsLeft());
            if (seconds < SHORTEST_SECONDS)
            {
                return;
            }
            String failure;
            try
            {
                final TcpThroughput.Result result = TcpThroughput.of(server.client(seconds, options()));
                runs.incrementAndGet();
                if (!result.run().isFailed())
                {
                    lastGbps = result.gbps();
                    continue;
                }
                failure = result.run().commandLine() + ": " + result.run().describeFailure();
            }
            catch (final PerfException ex)
            {
                runs.incrementAndGet();
                failure = ex.getMessage();
            }
            if (!failures.add(1, failure))
            {
                return;
            }
            deadline.pause(PAUSE_AFTER_FAILURE_MILLIS);
        }
    }

    /** Client runs made (each up to {@value #SEGMENT_SECONDS} s). */
    long runs()
    {
        return runs.get();
    }

    /** Runs that gave no figure. */
    long failures()
    {
        return failures.count();
    }

    /** The receiver's rate of the last run that gave one, Gbit/s; NaN before the first. */
    double lastGbps()
    {
        return lastGbps;
    }
}
