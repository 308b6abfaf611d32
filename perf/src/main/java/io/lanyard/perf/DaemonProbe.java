package io.lanyard.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A running {@code lanyardd} as its host sees it, read from outside the process: the resident
 * set and the thread count from {@code /proc/PID/status}, open descriptors from
 * {@code /proc/PID/fd}, and, through one {@code jcmd PID -f FILE} that runs {@code GC.run} (a full
 * collection) and then {@code GC.heap_info}, the heap used after GC and the metaspace used. jcmd
 * attaches through a Unix socket in the JVM's temporary directory, not the network, so it reaches
 * a daemon inside another network namespace. The full GC it asks for is part of what it costs
 * the daemon to be watched.
 */
final class DaemonProbe
{
    private static final Duration JCMD_TIMEOUT = Duration.ofSeconds(60);
    private static final double KB_PER_MB = 1024.0;
    /** A heap space's line of {@code GC.heap_info}: G1's one ("garbage-first heap"), or each generation of Serial and Parallel. */
    private static final Pattern HEAP_SPACE = Pattern.compile("\\btotal [0-9]+K, used ([0-9]+)K");
    private static final Pattern METASPACE = Pattern.compile("^\\s*Metaspace\\s+used ([0-9]+)K", Pattern.MULTILINE);

    /** One reading; NaN for the heap and metaspace when jcmd gave nothing. */
    record Reading(double rssMb, double heapUsedMb, double metaspaceMb, int fds, int threads)
    {
    }

    private final Workspace workspace;
    private final long pid;
    private final Path commands;

    private DaemonProbe(final Workspace workspace, final long pid, final Path commands)
    {
        this.workspace = workspace;
        this.pid = pid;
        this.commands = commands;
    }

    /** A probe of the JVM with this PID; the run fails unless it is a Java process jcmd can read. */
    static DaemonProbe of(final Workspace workspace, final long pid)
    {
        final DaemonProbe probe = new DaemonProbe(workspace, pid, workspace.writeFile("jcmd-commands", "GC.run\nGC.heap_info\n"));
        if (Double.isNaN(probe.read().heapUsedMb()))
        {
            throw new PerfException("jcmd " + pid + " GC.heap_info gives no heap: is process " + pid + " the daemon's JVM?");
        }
        return probe;
    }

    /** Reads everything now; fails the run if the process is gone. */
    Reading read()
    {
        final String status;
        final int fds;
        try (Stream<Path> open = Files.list(Path.of("/proc", Long.toString(pid), "fd")))
        {
            status = Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII);
            fds = (int)open.count();
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot read /proc/" + pid + ": " + ex.getMessage());
        }
        final Exec.Result jcmd = workspace.run(List.of("jcmd", Long.toString(pid), "-f", commands.toString()), JCMD_TIMEOUT);
        final String heapInfo = jcmd.ok() ? jcmd.stdout() : "";
        return new Reading(statusField(status, "VmRSS") / KB_PER_MB, heapUsedKb(heapInfo) / KB_PER_MB, metaspaceUsedKb(heapInfo) / KB_PER_MB,
            fds, (int)statusField(status, "Threads"));
    }

    /** A number field of {@code /proc/PID/status} ({@code VmRSS:   123456 kB} is 123456); NaN if absent. */
    static double statusField(final String status, final String field)
    {
        final Matcher matcher = Pattern.compile("^" + Pattern.quote(field) + ":\\s+([0-9]+)", Pattern.MULTILINE).matcher(status);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    /** The heap used, in KB, that {@code GC.heap_info} shows: the sum over its heap spaces; NaN if it shows none. */
    static double heapUsedKb(final String heapInfo)
    {
        final Matcher matcher = HEAP_SPACE.matcher(heapInfo);
        double used = Double.NaN;
        while (matcher.find())
        {
            used = (Double.isNaN(used) ? 0 : used) + Double.parseDouble(matcher.group(1));
        }
        return used;
    }

    /** The metaspace used, in KB, that {@code GC.heap_info} shows; NaN if it shows none. */
    static double metaspaceUsedKb(final String heapInfo)
    {
        final Matcher matcher = METASPACE.matcher(heapInfo);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }
}
