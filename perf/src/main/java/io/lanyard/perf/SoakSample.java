package io.lanyard.perf;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * One row of the soak's record: when it was taken, seconds since the loads started, and a value
 * for each {@link SoakSeries} (NaN where it could not be read: the CSV leaves that cell empty).
 */
record SoakSample(Instant time, double elapsedSeconds, double[] values)
{
    static SoakSample of(final Instant time, final double elapsedSeconds, final Map<SoakSeries, Double> values)
    {
        final double[] all = new double[SoakSeries.values().length];
        Arrays.fill(all, Double.NaN);
        values.forEach((series, value) -> all[series.ordinal()] = value);
        return new SoakSample(time, elapsedSeconds, all);
    }

    double value(final SoakSeries series)
    {
        return values[series.ordinal()];
    }
}
