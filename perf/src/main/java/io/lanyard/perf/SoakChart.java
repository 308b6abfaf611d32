package io.lanyard.perf;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The soak's chart, {@value #FILE}: the daemon's memory (RSS, heap used after GC) above, its
 * open descriptors and threads below, over minutes since the loads started, one marker per
 * sample. Drawn with JFreeChart, headless ({@code java.awt.headless}): no display needed.
 */
final class SoakChart
{
    static final String FILE = "soak.png";
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 700;
    private static final double SECONDS_PER_MINUTE = 60;
    private static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};

    private SoakChart()
    {
    }

    /** Writes the chart of {@code samples} to {@code dir}/{@value #FILE}; {@code title} heads it. */
    static Path write(final Path dir, final List<SoakSample> samples, final String title)
    {
        final NumberAxis minutes = new NumberAxis("minutes since the loads started");
        final CombinedDomainXYPlot plot = new CombinedDomainXYPlot(minutes);
        plot.setGap(12);
        plot.add(subplot(samples, "MB", List.of(SoakSeries.RSS_MB, SoakSeries.HEAP_USED_MB), List.of("RSS", "heap used after GC"), 0), 3);
        plot.add(subplot(samples, "count", List.of(SoakSeries.FDS, SoakSeries.THREADS), List.of("open descriptors", "threads"), 2), 2);
        final JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        final Path png = dir.resolve(FILE);
        try
        {
            // no temporary-file cache: it would register a shutdown hook, refused while the JVM is exiting (the chart after Ctrl-C)
            ImageIO.setUseCache(false);
            ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot write " + png + ": " + ex.getMessage());
        }
        return png;
    }

    private static XYPlot subplot(final List<SoakSample> samples, final String unit, final List<SoakSeries> shown, final List<String> labels,
        final int firstColour)
    {
        final XYSeriesCollection data = new XYSeriesCollection();
        for (int i = 0; i < shown.size(); i++)
        {
            final XYSeries line = new XYSeries(labels.get(i), false, true);
            for (final SoakSample sample : samples)
            {
                final double value = sample.value(shown.get(i));
                if (!Double.isNaN(value))
                {
                    line.add(sample.elapsedSeconds() / SECONDS_PER_MINUTE, value);
                }
            }
            data.addSeries(line);
        }
        final NumberAxis axis = new NumberAxis(unit);
        axis.setAutoRangeIncludesZero(true);
        final XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < shown.size(); i++)
        {
            renderer.setSeriesPaint(i, COLOURS[firstColour + i]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        final XYPlot plot = new XYPlot(data, null, axis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }
}
