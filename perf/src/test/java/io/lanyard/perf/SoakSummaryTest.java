package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoakSummaryTest
{
    private static final double[] MINUTES = {0, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600};

    @Test
    void shouldFitTheSlopeOfAStraightLine()
    {
        final SoakSummary.Trend trend = SoakSummary.trend(MINUTES, line(i -> 100 + 0.5 * MINUTES[i]));

        assertEquals(0.5, trend.slopePerSecond(), 1e-9);
        assertEquals(300, trend.rise(), 1e-9);
        assertEquals(0, trend.riseError(), 1e-9);
        assertFalse(trend.isFlat(1));
    }

    @Test
    void shouldCallAFlatLineFlat()
    {
        assertTrue(SoakSummary.trend(MINUTES, line(i -> 42)).isFlat(1));
    }

    @Test
    void shouldCallARiseWithinTwoPercentOfTheMeanFlat()
    {
        // rises 1.5 over the half on a mean of about 100: under 2 %, though above the floor of 1
        assertTrue(SoakSummary.trend(MINUTES, line(i -> 100 + 1.5 * MINUTES[i] / 600)).isFlat(1));
    }

    @Test
    void shouldCallAWobbleWithNoTrendFlatThoughItIsLargerThanTheTolerance()
    {
        // descriptors of a churn caught at different moments: up and down by 6 around 60
        final SoakSummary.Trend trend = SoakSummary.trend(MINUTES, line(i -> 60 + (i % 2 == 0 ? 6 : -6)));

        assertTrue(trend.isFlat(1));
    }

    @Test
    void shouldNotJudgeWithFewerThanThreePoints()
    {
        assertFalse(SoakSummary.trend(new double[] {0, 60}, new double[] {1, 1}).isFlat(1));
    }

    @Test
    void shouldSkipValuesThatCouldNotBeRead()
    {
        final SoakSummary.Trend trend = SoakSummary.trend(new double[] {0, 60, 120, 180}, new double[] {10, Double.NaN, 12, 13});

        assertEquals(3, trend.points());
        assertEquals(1.0 / 60, trend.slopePerSecond(), 1e-3);
    }

    @Test
    void shouldSummariseEveryKindOfSeriesOnOneLine()
    {
        final List<SoakSample> samples = new ArrayList<>();
        for (int i = 0; i < MINUTES.length; i++)
        {
            final Map<SoakSeries, Double> values = new EnumMap<>(SoakSeries.class);
            values.put(SoakSeries.RSS_MB, 200.0 + i * 5);
            values.put(SoakSeries.HEAP_USED_MB, 20.0);
            values.put(SoakSeries.FDS, 60.0);
            values.put(SoakSeries.STAGE_ERRORS, i < 8 ? 0.0 : 2.0);
            values.put(SoakSeries.CHURN_CYCLES, i * 10.0);
            values.put(SoakSeries.DNS_P99_MS, 1.0 + i);
            samples.add(SoakSample.of(Instant.EPOCH.plusSeconds((long)MINUTES[i]), MINUTES[i], values));
        }

        final String line = SoakSummary.line(samples, 60);

        assertFalse(line.contains("\n"));
        assertTrue(line.startsWith("lanyard-soak 10.0 min, 11 samples every 60 s: NOT FLAT: rss_mb; "), line);
        assertTrue(line.contains("rss_mb 200 -> 250 (max 250, last half +300.0/h, growing)"), line);
        assertTrue(line.contains("heap_used_mb 20 -> 20 (max 20, last half +0.0/h, flat)"), line);
        assertTrue(line.contains("threads ? -> ? (max ?, last half ?/h, too few samples to judge)"), line);
        assertTrue(line.contains("stage_errors 2 (+2 in the last half)"), line);
        assertTrue(line.contains("churn_cycles 100"), line);
        assertTrue(line.contains("dns_p99_ms median 6 (1 to 11)"), line);
    }

    private static double[] line(final IntToDoubleFunction value)
    {
        final double[] y = new double[MINUTES.length];
        for (int i = 0; i < y.length; i++)
        {
            y[i] = value.applyAsDouble(i);
        }
        return y;
    }
}
