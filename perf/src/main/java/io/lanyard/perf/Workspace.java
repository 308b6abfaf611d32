package io.lanyard.perf;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Everything one run makes, and its removal: network namespaces named with a unique prefix
 * ({@code lyp<4 hex>-} for lanyard-perf, {@code lys<4 hex>-} for lanyard-soak), the processes
 * started in them, and a temporary directory for the daemon's socket, state and logs.
 *
 * <p>{@link #close()} — also run by a JVM shutdown hook, so it happens after a failure or
 * Ctrl-C too — stops every process this run started, by PID (SIGTERM, then SIGKILL for what is
 * still there after a grace period, children included), deletes every namespace and
 * {@code /etc/netns} directory carrying the prefix (also those the daemon made for its
 * sandboxes), and the temporary directory. Nothing in the root namespace is created or changed:
 * all links are made with {@code ip -n} inside the run's own namespaces.
 */
final class Workspace implements AutoCloseable
{
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration GRACE = Duration.ofSeconds(10);

    private final String prefix;
    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final Thread shutdownHook;
    /** Held for the whole clean-up, so the shutdown hook waits for one already under way (the JVM halts when hooks return). */
    private final Object cleanUpLock = new Object();
    private boolean closed;
    private boolean cleanedUp;

    private Workspace(final String prefix, final Path dir)
    {
        this.prefix = prefix;
        this.dir = dir;
        this.shutdownHook = new Thread(this::cleanUp, "lanyard-perf-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * @param tool names the temporary directory ({@code TOOL-PREFIX...}).
     * @param tag  starts the prefix, {@code TAG<4 hex>-} ({@code lyp}, {@code lys}), so each tool's leftovers are told apart.
     */
    static Workspace create(final String tool, final String tag)
    {
        final String prefix = tag + String.format("%04x", RANDOM.nextInt(0x10000)) + "-";
        try
        {
            return new Workspace(prefix, Files.createTempDirectory(tool + "-" + prefix));
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot create a temporary directory: " + ex.getMessage());
        }
    }

    String prefix()
    {
        return prefix;
    }

    Path dir()
    {
        return dir;
    }

    /** Writes a file of the run into its temporary directory and returns its path. */
    Path writeFile(final String name, final String text)
    {
        final Path file = dir.resolve(name);
        try
        {
            return Files.writeString(file, text, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot write " + file + ": " + ex.getMessage());
        }
    }

    /** Creates namespace {@code prefix + name} with loopback up and returns its full name. */
    String addNamespace(final String name)
    {
        final String netns = prefix + name;
        synchronized (this)
        {
            ensureOpen();
            Exec.check(List.of("ip", "netns", "add", netns));
        }
        Exec.check(List.of("ip", "-n", netns, "link", "set", "lo", "up"));
        return netns;
    }

    /** The command line that runs {@code command} inside {@code netns}. */
    static List<String> inNamespace(final String netns, final List<String> command)
    {
        final List<String> full = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns, "--"));
        full.addAll(command);
        return full;
    }

    /** Starts a long-lived process (a server, the daemon); it is stopped on close. */
    Process spawn(final List<String> command, final Path log)
    {
        return spawn(command, log, environment -> { });
    }

    /** Starts a long-lived process with an environment adjusted from this one's; it is stopped on close. */
    Process spawn(final List<String> command, final Path log, final Consumer<Map<String, String>> environment)
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.appendTo(log.toFile()));
        environment.accept(builder.environment());
        synchronized (this)
        {
            ensureOpen();
            try
            {
                final Process process = builder.start();
                processes.add(process);
                return process;
            }
            catch (final IOException ex)
            {
                throw new PerfException("cannot start " + String.join(" ", command) + ": " + ex.getMessage());
            }
        }
    }

    /**
     * Starts a server ({@code what}, for messages) in {@code netns} and waits until {@code ss}
     * there shows it listening on {@code port} (UDP or TCP); if it exits first, or does not
     * listen within {@code timeout}, it is stopped and the failure names it with its log.
     */
    Process spawnListening(final String what, final String netns, final List<String> command, final Path log, final boolean udp,
        final int port, final Duration timeout)
    {
        final Process server = spawn(inNamespace(netns, command), log);
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (!server.isAlive())
            {
                throw new PerfException(what + " in " + netns + " exited " + server.exitValue() + ": " + oneLine(log));
            }
            final Exec.Result listening = run(inNamespace(netns, List.of("ss", udp ? "-Hlun" : "-Hltn", "sport = :" + port)),
                Duration.ofSeconds(10));
            if (listening.ok() && !listening.stdout().isBlank())
            {
                return server;
            }
            LanyardSide.sleep(50);
        }
        stop(server);
        throw new PerfException(what + " in " + netns + " did not listen within " + timeout.toSeconds() + " s: " + oneLine(log));
    }

    /** A log's lines joined into one, for a message; empty when there is none. */
    static String oneLine(final Path log)
    {
        try
        {
            return String.join(" ", Files.readString(log).strip().lines().toList());
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    /** Runs a command to completion; while it runs it is one of the processes stopped on close. */
    Exec.Result run(final List<String> command, final Duration timeout)
    {
        return Exec.run(command, timeout, process ->
        {
            synchronized (this)
            {
                if (closed)
                {
                    process.destroyForcibly();
                    return;
                }
                processes.add(process);
            }
        });
    }

    /** Stops one process this run started: SIGTERM, then SIGKILL after the grace period. */
    void stop(final Process process)
    {
        final List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        awaitExit(process.toHandle(), GRACE);
        children.forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive())
        {
            process.destroyForcibly();
            awaitExit(process.toHandle(), GRACE);
        }
    }

    /** Whether close has begun (the run was interrupted): callers stop quietly. */
    synchronized boolean isClosed()
    {
        return closed;
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
            // the JVM is shutting down and runs the hook itself
        }
    }

    private void cleanUp()
    {
        synchronized (cleanUpLock)
        {
            if (cleanedUp)
            {
                return;
            }
            final List<Process> started;
            synchronized (this)
            {
                closed = true;
                started = new ArrayList<>(processes);
            }
            // newest first: servers and clients before the daemon that switches their traffic
            for (int i = started.size() - 1; i >= 0; i--)
            {
                final Process process = started.get(i);
                if (process.isAlive())
                {
                    stop(process);
                }
            }
            for (final String netns : namespaces())
            {
                Exec.run(List.of("ip", "netns", "delete", netns), Duration.ofSeconds(30), p -> { });
            }
            try (Stream<Path> dirs = Files.list(Path.of("/etc/netns")))
            {
                dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).forEach(Workspace::deleteTree);
            }
            catch (final IOException ignored)
            {
                // no /etc/netns: nothing to remove
            }
            deleteTree(dir);
            cleanedUp = true;
        }
    }

    /** Every namespace that now carries the prefix: the run's own and the daemon's sandboxes. */
    List<String> namespaces()
    {
        final List<String> names = new ArrayList<>();
        final Exec.Result list = Exec.run(List.of("ip", "netns", "list"), Duration.ofSeconds(30), p -> { });
        for (final String line : list.stdout().split("\n"))
        {
            final String name = line.trim().split("\\s+")[0];
            if (name.startsWith(prefix))
            {
                names.add(name);
            }
        }
        return names;
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new PerfException("interrupted");
        }
    }

    private static void awaitExit(final ProcessHandle process, final Duration timeout)
    {
        try
        {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final Exception ignored)
        {
            // still alive (or interrupted): the caller escalates
        }
    }

    static void deleteTree(final Path root)
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
}
