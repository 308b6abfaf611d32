package io.lanyard.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time a switch spends, read from {@code /proc} before and after a measurement: a
 * userspace switch's is its process's (user + system time of all its threads, from
 * {@code /proc/PID/stat}); the Linux bridge has no process, and its work is done in the
 * kernel's network softirq, so its figure is the machine's softirq time (from
 * {@code /proc/stat}, every CPU), which also holds what the kernel's TCP/IP stack does in
 * softirq for the two containers' sockets. Both are in clock ticks of {@code USER_HZ} (100 per
 * second on Linux), so a figure is good to 10 ms: a measurement should last seconds.
 */
interface SwitchCpu
{
    /** The kernel's clock ticks per second in /proc ({@code USER_HZ}); 100 on every Linux architecture the JVM runs on. */
    long TICKS_PER_SECOND = 100;

    /** What the figure counts, for the report. */
    String describe();

    /** CPU ticks spent so far (a counter: only differences mean anything). */
    long ticks();

    /** CPU seconds between two readings of {@link #ticks()}. */
    static double seconds(final long before, final long after)
    {
        return (after - before) / (double)TICKS_PER_SECOND;
    }

    /** A process's CPU time, all its threads. */
    static SwitchCpu ofProcess(final String name, final long pid)
    {
        final Path stat = Path.of("/proc", Long.toString(pid), "stat");
        return new SwitchCpu()
        {
            @Override
            public String describe()
            {
                return name + " (pid " + pid + ") user+system time";
            }

            @Override
            public long ticks()
            {
                return processTicks(read(stat));
            }
        };
    }

    /** The machine's softirq time, every CPU: where the Linux bridge switches. */
    static SwitchCpu ofSoftirq()
    {
        final Path stat = Path.of("/proc/stat");
        return new SwitchCpu()
        {
            @Override
            public String describe()
            {
                return "the kernel's softirq time, all CPUs";
            }

            @Override
            public long ticks()
            {
                return softirqTicks(read(stat));
            }
        };
    }

    /**
     * utime + stime of a {@code /proc/PID/stat} line: fields 14 and 15, counted after the
     * command name's closing parenthesis (a name may hold spaces and parentheses).
     */
    static long processTicks(final String stat)
    {
        final int end = stat.lastIndexOf(')');
        if (end < 0)
        {
            throw new PerfException("not a /proc/PID/stat line: " + stat);
        }
        final String[] fields = stat.substring(end + 1).trim().split("\\s+");
        // fields[0] is field 3 (state): utime is field 14, stime 15
        if (fields.length < 13)
        {
            throw new PerfException("not a /proc/PID/stat line: " + stat);
        }
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** The softirq column (the 7th number) of {@code /proc/stat}'s aggregate {@code cpu} line. */
    static long softirqTicks(final String stat)
    {
        for (final String line : stat.split("\n"))
        {
            if (line.startsWith("cpu "))
            {
                final String[] fields = line.trim().split("\\s+");
                if (fields.length < 8)
                {
                    break;
                }
                return Long.parseLong(fields[7]);
            }
        }
        throw new PerfException("no aggregate cpu line in /proc/stat");
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.US_ASCII);
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot read " + file + ": " + ex.getMessage());
        }
    }
}
