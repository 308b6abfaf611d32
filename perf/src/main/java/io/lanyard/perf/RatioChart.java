package io.lanyard.perf;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Locale;

/**
 * {@code lanyard-perf --chart FILE}: Lanyard's ratio to each peer, one group of bars per metric
 * of the switch scenarios that has a ratio (throughput, latency), one bar per peer ("Lanyard vs
 * Linux", "Lanyard vs OVS") and a line at 1.00, parity — a bar past it is Lanyard ahead. The
 * bars lie down, so the metrics' names read beside them, and the image grows with their number.
 * Drawn with JFreeChart, headless ({@code java.awt.headless}), as {@link SoakChart} is.
 */
final class RatioChart
{
    static final int WIDTH = 1000;
    /** Title, subtitle, legend and the ratio axis. */
    private static final int FRAME_HEIGHT = 160;
    private static final int HEIGHT_PER_METRIC = 40;
    /** The ratio axis runs past the longest bar (and past parity) by this much, room for its label. */
    private static final double HEADROOM = 1.15;
    private static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x9467bd)};

    private RatioChart()
    {
    }

    /** The image's height for a chart of {@code metrics} groups of bars. */
    static int height(final int metrics)
    {
        return FRAME_HEIGHT + HEIGHT_PER_METRIC * Math.max(1, metrics);
    }

    /** Writes the chart of {@code report}'s ratios to {@code png}, making its directory if need be. */
    static void write(final Path png, final Report report)
    {
        final List<Report.Ratio> ratios = report.switchRatios();
        final DefaultCategoryDataset data = new DefaultCategoryDataset();
        double longest = 1;
        for (final Report.Ratio ratio : ratios)
        {
            data.addValue(ratio.value(), LanyardSide.LABEL + " vs " + ratio.peer(), ratio.scenario() + ": " + ratio.metric());
            longest = Math.max(longest, ratio.value());
        }

        final NumberAxis axis = new NumberAxis("Lanyard relative to the peer: throughput Lanyard/peer, latency and CPU peer/Lanyard");
        axis.setRange(0, longest * HEADROOM);
        final CategoryAxis metrics = new CategoryAxis();
        metrics.setMaximumCategoryLabelWidthRatio(0.4f);
        final CategoryPlot plot = new CategoryPlot(data, metrics, axis, renderer(data.getRowCount()));
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        final ValueMarker parity = new ValueMarker(1.0, Color.BLACK, new BasicStroke(1.5f));
        parity.setLabel("parity");
        parity.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        parity.setLabelTextAnchor(TextAnchor.TOP_LEFT);
        plot.addRangeMarker(parity);

        final JFreeChart chart = new JFreeChart(title(report.settings()), JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.addSubtitle(new TextTitle(subtitle(report.settings())));
        chart.setBackgroundPaint(Color.WHITE);
        try
        {
            final Path parent = png.toAbsolutePath().getParent();
            if (parent != null)
            {
                Files.createDirectories(parent);
            }
            // no temporary-file cache: it would register a shutdown hook, refused while the JVM is exiting (after Ctrl-C)
            ImageIO.setUseCache(false);
            ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, height(data.getColumnCount()));
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot write " + png + ": " + why(ex));
        }
    }

    /** What went wrong, in one line: a file system exception's message may be no more than a path, so its kind is named too. */
    private static String why(final IOException ex)
    {
        return ex instanceof FileSystemException ? ex.getClass().getSimpleName() + " " + ex.getMessage() : ex.getMessage();
    }

    private static BarRenderer renderer(final int peers)
    {
        final BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        for (int i = 0; i < peers; i++)
        {
            renderer.setSeriesPaint(i, COLOURS[i % COLOURS.length]);
        }
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.00")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        return renderer;
    }

    private static String title(final Report.Settings settings)
    {
        return String.format(Locale.ROOT, "lanyard-perf: Lanyard relative to its peers, commit %s, %s",
            settings.commit() == null ? "unknown" : settings.commit(), settings.started());
    }

    private static String subtitle(final Report.Settings settings)
    {
        return String.format(Locale.ROOT, "%s; higher is better, 1.00 = parity; %d CPUs, Linux %s",
            settings.rounds() == 1 ? "1 round" : "medians of " + settings.rounds() + " rounds", settings.cpus(), settings.kernel());
    }
}
