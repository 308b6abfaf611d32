package io.lanyard.perf;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The soak's log of what went wrong (a failed API call of the churn, an iperf3 run that gave
 * no figure, a DNS socket error): every event with its time in {@code soak-events.log} of the
 * output directory, and the first {@value #SHOWN} on the terminal too, so a broken load is seen
 * at once without a flood.
 */
final class SoakLog implements AutoCloseable
{
    static final String FILE = "soak-events.log";
    private static final int SHOWN = 20;

    private final Writer file;
    private final PrintStream terminal;
    private int events;

    private SoakLog(final Writer file, final PrintStream terminal)
    {
        this.file = file;
        this.terminal = terminal;
    }

    static SoakLog open(final Path dir, final PrintStream terminal)
    {
        try
        {
            return new SoakLog(Files.newBufferedWriter(dir.resolve(FILE), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING), terminal);
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot write " + dir.resolve(FILE) + ": " + ex.getMessage());
        }
    }

    /** Records one event of {@code load} ({@code churn}, {@code iperf3}, {@code dns}, {@code sample}). */
    synchronized void event(final String load, final String what)
    {
        final String line = Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + load + ": " + what;
        events++;
        if (events <= SHOWN)
        {
            terminal.println("lanyard-soak: " + load + ": " + what + (events == SHOWN ? " (more in " + FILE + " only)" : ""));
        }
        try
        {
            file.write(line);
            file.write('\n');
            file.flush();
        }
        catch (final IOException ignored)
        {
            // the count and the terminal still have it
        }
    }

    synchronized int events()
    {
        return events;
    }

    @Override
    public synchronized void close()
    {
        try
        {
            file.close();
        }
        catch (final IOException ignored)
        {
            // nothing more to write
        }
    }
}
