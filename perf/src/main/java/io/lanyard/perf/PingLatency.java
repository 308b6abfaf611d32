package io.lanyard.perf;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Round-trip latency with {@code ping}: {@code count} echo requests at a fixed interval, each
 * reply's {@code time=} (microsecond resolution) recorded in an HdrHistogram in nanoseconds.
 */
final class PingLatency
{
    private static final Pattern TIME = Pattern.compile("\\btime[=<]([0-9]+(?:\\.[0-9]+)?) ms");
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int WARM_UP_ATTEMPTS = 10;

    private PingLatency()
    {
    }

    record Result(int sent, Histogram rtts)
    {
        int received()
        {
            return (int)rtts.getTotalCount();
        }

        double percentileMillis(final double percentile)
        {
            return received() == 0 ? Double.NaN : rtts.getValueAtPercentile(percentile) / 1e6;
        }

        double maxMillis()
        {
            return received() == 0 ? Double.NaN : rtts.getMaxValue() / 1e6;
        }

        double meanMillis()
        {
            return received() == 0 ? Double.NaN : rtts.getMean() / 1e6;
        }
    }

    /**
     * Pings until replies come back (ARP resolved, MACs learned, the path up): fails the run,
     * naming the switch, if they never do.
     */
    static void warmUp(final Workspace workspace, final Endpoints endpoints)
    {
        final String failure = awaitReplies(workspace, endpoints);
        if (failure != null)
        {
            throw new PerfException(failure);
        }
    }

    /**
     * As {@link #warmUp}, for a path that may not work (the run carries on): null once replies
     * come back, else what the last attempt said.
     */
    static String awaitReplies(final Workspace workspace, final Endpoints endpoints)
    {
        Exec.Result last = null;
        for (int attempt = 0; attempt < WARM_UP_ATTEMPTS; attempt++)
        {
            last = workspace.run(Workspace.inNamespace(endpoints.clientNetns(),
                List.of("ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", endpoints.serverAddress())), Duration.ofSeconds(30));
            if (last.ok())
            {
                return null;
            }
            LanyardSide.sleep(500);
        }
        return endpoints.label() + ": no ping replies from " + endpoints.serverAddress() + " in " + endpoints.serverNetns() + ": " +
            last.describe();
    }

    static Result measure(final Workspace workspace, final Endpoints endpoints, final int count, final int intervalMillis)
    {
        final String interval = String.format(Locale.ROOT, "%.3f", intervalMillis / 1000.0);
        final Exec.Result run = workspace.run(Workspace.inNamespace(endpoints.clientNetns(),
            List.of("ping", "-n", "-c", Integer.toString(count), "-i", interval, "-W", "1", endpoints.serverAddress())),
            Duration.ofMillis((long)count * intervalMillis + 60_000));
        final Result result = parse(run.stdout(), count);
        if (result.received() == 0)
        {
            throw new PerfException(endpoints.label() + ": no ping replies: " + run.describe());
        }
        return result;
    }

    /** Records the {@code time=} of every reply line of ping's output. */
    static Result parse(final String output, final int sent)
    {
        final Histogram rtts = new Histogram(HIGHEST_NANOS, 3);
        for (final String line : output.split("\n"))
        {
            if (!line.contains("bytes from"))
            {
                continue;
            }
            final Matcher time = TIME.matcher(line);
            if (time.find())
            {
                final long nanos = Math.round(Double.parseDouble(time.group(1)) * 1e6);
                rtts.recordValue(Math.max(1, Math.min(HIGHEST_NANOS, nanos)));
            }
        }
        return new Result(sent, rtts);
    }
}
