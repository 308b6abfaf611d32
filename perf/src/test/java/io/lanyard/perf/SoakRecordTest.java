package io.lanyard.perf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class SoakRecordTest
{
    @Test
    void shouldWriteAColumnPerSeriesAndLeaveWhatWasNotReadEmpty(@TempDir final Path dir) throws IOException
    {
        try (SoakRecord record = SoakRecord.create(dir))
        {
            record.add(sample(0, 181.25, 12));
            record.add(sample(15, 183.5, Double.NaN));
        }

        final List<String> lines = Files.readAllLines(dir.resolve(SoakRecord.FILE));
        assertEquals("time,elapsed_s,rss_mb,heap_used_mb,metaspace_mb,fds,threads,namespaces,stage_errors,churn_errors,dns_unanswered," +
            "iperf_failures,churn_cycles,dns_queries,iperf_runs,dns_p99_ms,iperf_gbps", lines.get(0));
        assertEquals("1970-01-01T00:00:00Z,0,181.250,,,12,,,,,,,,,,,", lines.get(1));
        assertEquals("1970-01-01T00:00:15Z,15,183.500,,,,,,,,,,,,,,", lines.get(2));
    }

    @Test
    void shouldDrawTheChartHeadless(@TempDir final Path dir) throws IOException
    {
        System.setProperty("java.awt.headless", "true");

        final Path png = SoakChart.write(dir, List.of(sample(0, 180, 60), sample(60, 182, 61), sample(120, 181, 60)), "a test");

        final BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image);
        assertEquals(1000, image.getWidth());
        assertEquals(700, image.getHeight());
    }

    private static SoakSample sample(final long seconds, final double rss, final double fds)
    {
        final Map<SoakSeries, Double> values = new EnumMap<>(SoakSeries.class);
        values.put(SoakSeries.RSS_MB, rss);
        values.put(SoakSeries.FDS, fds);
        return SoakSample.of(Instant.EPOCH.plusSeconds(seconds), seconds, values);
    }
}
