package io.lanyard.perf;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The soak's samples, kept in memory for the summary and the chart and written to
 * {@value #FILE} as they come (one flushed row each, so a run cut short keeps what it sampled):
 * {@code time} (UTC), {@code elapsed_s}, then a column per {@link SoakSeries}, an empty cell
 * where a value could not be read.
 */
final class SoakRecord implements AutoCloseable
{
    static final String FILE = "soak.csv";

    private final Path path;
    private final Writer csv;
    private final List<SoakSample> samples = new ArrayList<>();

    private SoakRecord(final Path path, final Writer csv)
    {
        this.path = path;
        this.csv = csv;
    }

    static SoakRecord create(final Path dir)
    {
        final Path path = dir.resolve(FILE);
        try
        {
            final Writer csv = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
            final SoakRecord record = new SoakRecord(path, csv);
            record.writeLine(header());
            return record;
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot write " + path + ": " + ex.getMessage());
        }
    }

    static String header()
    {
        final StringBuilder header = new StringBuilder("time,elapsed_s");
        for (final SoakSeries series : SoakSeries.values())
        {
            header.append(',').append(series.column());
        }
        return header.toString();
    }

    static String row(final SoakSample sample)
    {
        final StringBuilder row = new StringBuilder(sample.time().truncatedTo(ChronoUnit.SECONDS).toString())
            .append(',').append(Math.round(sample.elapsedSeconds()));
        for (final SoakSeries series : SoakSeries.values())
        {
            final double value = sample.value(series);
            row.append(',');
            if (!Double.isNaN(value))
            {
                row.append(value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long)value) :
                    String.format(Locale.ROOT, "%.3f", value));
            }
        }
        return row.toString();
    }

    synchronized void add(final SoakSample sample)
    {
        samples.add(sample);
        try
        {
            writeLine(row(sample));
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot write " + path + ": " + ex.getMessage());
        }
    }

    synchronized List<SoakSample> samples()
    {
        return List.copyOf(samples);
    }

    private void writeLine(final String line) throws IOException
    {
        csv.write(line);
        csv.write('\n');
        csv.flush();
    }

    @Override
    public synchronized void close()
    {
        try
        {
            csv.close();
        }
        catch (final IOException ignored)
        {
            // every row was flushed as it came
        }
    }
}
