package io.lanyard.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The network namespaces of one test, all named with a unique prefix, and the processes the test
 * started in them. {@link #close()} kills those processes (by PID) and deletes every namespace
 * and {@code /etc/netns} directory carrying the prefix — also ones a daemon under test made —
 * and a JVM shutdown hook does the same if the test run dies first. The root namespace is never
 * touched.
 */
public final class Namespaces implements AutoCloseable
{
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String prefix;
    private final List<Process> processes = new ArrayList<>();
    private final Thread shutdownHook;
    private boolean closed;

    public Namespaces(final String label)
    {
        prefix = "lyt" + label + String.format("%04x", RANDOM.nextInt(0x10000)) + "-";
        shutdownHook = new Thread(this::cleanUp, "cleanup-" + prefix);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The unique prefix, e.g. {@code lytab12f-}; pass it to the daemon as its sandbox prefix. */
    public String prefix()
    {
        return prefix;
    }

    /** Creates namespace {@code prefix + name} with loopback up and returns its full name. */
    public String add(final String name)
    {
        final String netns = prefix + name;
        Shell.check("ip", "netns", "add", netns);
        Shell.check("ip", "-n", netns, "link", "set", "lo", "up");
        return netns;
    }

    /** Starts {@code command} in the background inside {@code netns}; it is killed on close. */
    public Process spawn(final String netns, final Path output, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns, "--"));
        full.addAll(List.of(command));
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
            builder.redirectOutput(output == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.appendTo(output.toFile()));
            final Process process = builder.start();
            synchronized (processes)
            {
                processes.add(process);
            }
            return process;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot start " + full, ex);
        }
    }

    /** Runs {@code command} inside {@code netns} and returns what it printed. */
    public Shell.Result exec(final String netns, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(List.of(command));
        return Shell.run(full);
    }

    /** All namespaces that now carry this test's prefix (the test's own and those a daemon made). */
    public List<String> existing()
    {
        return listNetns().stream().filter(n -> n.startsWith(prefix)).toList();
    }

    @Override
    public void close()
    {
        cleanUp();
        try
        {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (final IllegalStateException ignored)
        {
            // the JVM is already shutting down and runs the hook itself
        }
    }

    private synchronized void cleanUp()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        synchronized (processes)
        {
            for (final Process process : processes)
            {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            for (final Process process : processes)
            {
                try
                {
                    process.waitFor(5, TimeUnit.SECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
        killProcessesInside(existing());
        for (final String netns : existing())
        {
            Shell.run(List.of("ip", "netns", "delete", netns));
        }
        try (Stream<Path> dirs = Files.list(Path.of("/etc/netns")))
        {
            dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).forEach(Namespaces::deleteTree);
        }
        catch (final IOException ignored)
        {
            // no /etc/netns: nothing to remove
        }
    }

    /**
     * Ends every process living in one of these namespaces (a daemon under test may have started
     * commands there): deleting a namespace does not end its processes, they would keep it alive.
     */
    private static void killProcessesInside(final List<String> netnsNames)
    {
        final java.util.Set<Object> inodes = new java.util.HashSet<>();
        for (final String netns : netnsNames)
        {
            try
            {
                inodes.add(Files.readAttributes(Path.of("/run/netns", netns), "unix:ino").get("ino"));
            }
            catch (final IOException | UnsupportedOperationException ignored)
            {
                // gone already
            }
        }
        if (inodes.isEmpty())
        {
            return;
        }
        final List<ProcessHandle> inside = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(process ->
        {
            try
            {
                final Object inode = Files.readAttributes(Path.of("/proc/" + process.pid() + "/ns/net"), "unix:ino").get("ino");
                if (inodes.contains(inode))
                {
                    inside.add(process);
                }
            }
            catch (final IOException | UnsupportedOperationException | SecurityException ignored)
            {
                // exited meanwhile, or a kernel thread
            }
        });
        inside.forEach(ProcessHandle::destroyForcibly);
        for (final ProcessHandle process : inside)
        {
            try
            {
                process.onExit().get(5, TimeUnit.SECONDS);
            }
            catch (final Exception ignored)
            {
                // SIGKILL was sent; a zombie is its parent's to reap
            }
        }
    }

    private static List<String> listNetns()
    {
        final List<String> names = new ArrayList<>();
        for (final String line : Shell.run(List.of("ip", "netns", "list")).output().split("\n"))
        {
            if (!line.isBlank())
            {
                names.add(line.trim().split("\\s+")[0]);
            }
        }
        return names;
    }

    public static void deleteTree(final Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ignored)
        {
            // best effort
        }
    }

    static String utf8(final byte[] bytes)
    {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
