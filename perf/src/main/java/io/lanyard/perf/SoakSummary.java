package io.lanyard.perf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The soak's one-line summary. For what the daemon holds (RSS, heap, descriptors, threads,
 * namespaces): start, end and maximum, and the least-squares slope over the last half of the run
 * (the first half holds the JVM's warm-up: heap sizing, JIT, pools filling), per hour, and
 * whether that is <b>flat</b>: the line's rise across the last half is at most 2 % of the
 * series' mean there ({@link #FLAT_FRACTION}; or the series' floor, {@link SoakSeries#floor()}, whichever is more),
 * or no more than twice its own standard error (a wobble, not a trend). It takes at least
 * {@value #MIN_POINTS} samples in the last half to judge. For failures: the total, and how many
 * came in the last half; for the loads: their totals and pace. It reports; it judges nothing
 * but the shape of the lines.
 */
final class SoakSummary
{
    static final double FLAT_FRACTION = 0.02;
    static final int MIN_POINTS = 3;
    private static final double SECONDS_PER_HOUR = 3600;

    private SoakSummary()
    {
    }

    /**
     * A series over the last half: the fitted slope (per second), how far the fitted line rises
     * across the half, that rise's standard error, and the mean.
     */
    record Trend(int points, double slopePerSecond, double rise, double riseError, double mean)
    {
        /** Flat as the class says; false with too few points to judge. */
        boolean isFlat(final double floor)
        {
            if (points < MIN_POINTS)
            {
                return false;
            }
            final double tolerance = Math.max(FLAT_FRACTION * Math.abs(mean), floor);
            return Math.abs(rise) <= tolerance || Math.abs(rise) <= 2 * riseError;
        }
    }

    /** The least-squares line through the points {@code (x[i], y[i])} that are not NaN. */
    static Trend trend(final double[] x, final double[] y)
    {
        int n = 0;
        double sumX = 0;
        double sumY = 0;
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++)
        {
            if (!Double.isNaN(y[i]))
            {
                n++;
                sumX += x[i];
                sumY += y[i];
                minX = Math.min(minX, x[i]);
                maxX = Math.max(maxX, x[i]);
            }
        }
        if (n < 2)
        {
            return new Trend(n, Double.NaN, Double.NaN, Double.NaN, n == 0 ? Double.NaN : sumY);
        }
        final double meanX = sumX / n;
        final double meanY = sumY / n;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < x.length; i++)
        {
            if (!Double.isNaN(y[i]))
            {
                sxx += (x[i] - meanX) * (x[i] - meanX);
                sxy += (x[i] - meanX) * (y[i] - meanY);
            }
        }
        final double slope = sxx == 0 ? 0 : sxy / sxx;
        double residuals = 0;
        for (int i = 0; i < x.length; i++)
        {
            if (!Double.isNaN(y[i]))
            {
                final double residual = y[i] - meanY - slope * (x[i] - meanX);
                residuals += residual * residual;
            }
        }
        final double slopeError = n > 2 && sxx > 0 ? Math.sqrt(residuals / (n - 2) / sxx) : Double.NaN;
        final double span = maxX - minX;
        return new Trend(n, slope, slope * span, slopeError * span, meanY);
    }

    /**
     * The summary of a run.
     *
     * @param intervalSeconds the sampling interval, for the line's head.
     */
    static String line(final List<SoakSample> samples, final int intervalSeconds)
    {
        if (samples.isEmpty())
        {
            return "lanyard-soak: no samples";
        }
        final double end = samples.get(samples.size() - 1).elapsedSeconds();
        final List<SoakSample> lastHalf = samples.stream().filter(sample -> sample.elapsedSeconds() >= end / 2).toList();
        final double[] halfX = lastHalf.stream().mapToDouble(SoakSample::elapsedSeconds).toArray();
        final List<String> parts = new ArrayList<>();
        final List<String> growing = new ArrayList<>();
        final List<String> unjudged = new ArrayList<>();
        for (final SoakSeries series : SoakSeries.values())
        {
            final double[] all = samples.stream().mapToDouble(sample -> sample.value(series)).toArray();
            final double first = firstOf(all);
            final double last = lastOf(all);
            switch (series.kind())
            {
                case HELD ->
                {
                    final Trend trend = trend(halfX, lastHalf.stream().mapToDouble(sample -> sample.value(series)).toArray());
                    final boolean flat = trend.isFlat(series.floor());
                    final String verdict = trend.points() < MIN_POINTS ? "too few samples to judge" : flat ? "flat" : "growing";
                    if (trend.points() < MIN_POINTS)
                    {
                        unjudged.add(series.column());
                    }
                    else if (!flat)
                    {
                        growing.add(series.column() + (trend.rise() < 0 ? " (falling)" : ""));
                    }
                    final double perHour = trend.slopePerSecond() * SECONDS_PER_HOUR;
                    parts.add(String.format(Locale.ROOT, "%s %s -> %s (max %s, last half %s/h, %s)", series.column(), number(first),
                        number(last), number(max(all)), Double.isNaN(perHour) ? "?" : String.format(Locale.ROOT, "%+.1f", perHour), verdict));
                }
                case ERRORS ->
                {
                    final double atHalf = firstOf(lastHalf.stream().mapToDouble(sample -> sample.value(series)).toArray());
                    final double inLastHalf = last - atHalf;
                    parts.add(series.column() + " " + number(last) + (inLastHalf > 0 ? " (+" + number(inLastHalf) + " in the last half)" : ""));
                }
                case DONE -> parts.add(series.column() + " " + number(last));
                case PACE ->
                {
                    final double[] seen = Arrays.stream(all).filter(value -> !Double.isNaN(value)).sorted().toArray();
                    parts.add(seen.length == 0 ? series.column() + " none" : series.column() + " median " + number(seen[seen.length / 2]) +
                        " (" + number(seen[0]) + " to " + number(seen[seen.length - 1]) + ")");
                }
                default -> throw new IllegalStateException("no summary for " + series.kind());
            }
        }
        final String verdict = !growing.isEmpty() ? "NOT FLAT: " + String.join(", ", growing) :
            !unjudged.isEmpty() ? "too few samples to judge " + String.join(", ", unjudged) : "flat";
        return String.format(Locale.ROOT, "lanyard-soak %s, %d samples every %d s: %s; %s", minutes(end), samples.size(), intervalSeconds,
            verdict, String.join("; ", parts));
    }

    private static String minutes(final double seconds)
    {
        return String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }

    /** A value as the summary shows it: whole numbers whole, others to 1 decimal (3 below 1); "?" for NaN. */
    static String number(final double value)
    {
        if (Double.isNaN(value))
        {
            return "?";
        }
        if (value == Math.rint(value))
        {
            return Long.toString((long)value);
        }
        return String.format(Locale.ROOT, Math.abs(value) < 1 ? "%.3f" : "%.1f", value);
    }

    private static double firstOf(final double[] values)
    {
        return Arrays.stream(values).filter(value -> !Double.isNaN(value)).findFirst().orElse(Double.NaN);
    }

    private static double lastOf(final double[] values)
    {
        for (int i = values.length - 1; i >= 0; i--)
        {
            if (!Double.isNaN(values[i]))
            {
                return values[i];
            }
        }
        return Double.NaN;
    }

    private static double max(final double[] values)
    {
        return Arrays.stream(values).filter(value -> !Double.isNaN(value)).max().orElse(Double.NaN);
    }
}
