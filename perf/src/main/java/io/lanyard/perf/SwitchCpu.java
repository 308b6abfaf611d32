package io.lanyard.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time a switch costs, read from {@code /proc} before and after a measurement. The Linux
 * bridge has no process: its work is done in the kernel's network softirq, so its figure is the
 * machine's softirq time ({@code /proc/stat}, every CPU). A userspace switch's figure is its
 * process's user + system time (all its threads, {@code /proc/PID/stat}) <em>plus</em> the same
 * softirq time, since the frames it writes to TAPs are taken up by the kernel in softirq too:
 * so every side counts the kernel's softirq work, which also holds what the containers' TCP/IP
 * stacks do in softirq, and the userspace switches their own threads on top. (Kernel work done
 * in a process's own context — a sender's system time in {@code veth_xmit}, the containers'
 * socket calls — is counted on no side.) Both are in clock ticks of {@code USER_HZ} (100 per
 * second on Linux), so a figure is good to 10 ms: a measurement should last seconds.
 */
@FunctionalInterface
interface SwitchCpu
{
    /** The kernel's clock ticks per second in /proc ({@code USER_HZ}); 100 on every Linux architecture the JVM runs on. */
    long TICKS_PER_SECOND = 100;

    /** CPU ticks spent so far (a counter: only differences mean anything). */
    long ticks();

    /** CPU seconds between two readings of {@link #ticks()}. */
    static double seconds(final long before, final long after)
    {
        return (after - before) / (double)TICKS_PER_SECOND;
    }

    /** A userspace switch: its process's CPU time, all its threads, and the machine's softirq time. */
    static SwitchCpu ofProcess(final long pid)
    {
        final Path stat = Path.of("/proc", Long.toString(pid), "stat");
        final SwitchCpu softirq = ofSoftirq();
        return () -> processTicks(read(stat)) + softirq.ticks();
    }

    /** The machine's softirq time, every CPU: where the Linux bridge switches. */
    static SwitchCpu ofSoftirq()
    {
        final Path stat = Path.of("/proc/stat");
        return () -> softirqTicks(read(stat));
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
