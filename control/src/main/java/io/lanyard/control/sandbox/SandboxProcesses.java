package io.lanyard.control.sandbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Commands that {@code run -d} leaves running in a sandbox. They are started from a thread in
 * the daemon's own namespace ({@code ip netns exec} moves them into the sandbox's) in a session
 * of their own, so they outlive the daemon; they write their output to a file in the state
 * directory, and are known afterwards by PID and start time, so a PID the kernel reused for
 * something else is never signalled.
 */
public final class SandboxProcesses
{
    private static final System.Logger LOG = System.getLogger(SandboxProcesses.class.getName());

    private final Path outputDirectory;

    public SandboxProcesses(final Path outputDirectory)
    {
        this.outputDirectory = outputDirectory;
    }

    /** A started command: its PID and start time (epoch millis). */
    public record Started(long pid, long startMillis)
    {
    }

    public Path outputFile(final String sandboxId)
    {
        return outputDirectory.resolve(sandboxId + ".log");
    }

    /**
     * Starts {@code command} inside {@code netns} (or in the daemon's namespace when null).
     *
     * @param onExit called with the exit status when the command ends while this daemon runs.
     */
    public Started start(final String sandboxId, final String netns, final List<String> command, final IntConsumer onExit)
    {
        if (command.isEmpty() || !isExecutable(command.get(0)))
        {
            // setsid and ip netns exec would start and then fail: refuse the run before anything is made, as docker run does
            throw new IllegalArgumentException("cannot start " + String.join(" ", command) + ": " +
                (command.isEmpty() || command.get(0).contains("/") ? "no such executable file" : "executable file not found in $PATH"));
        }
        // a session of its own (setsid execs the command in place: the PID is the command's): a
        // Ctrl-C or a service manager's stop meant for the daemon's process group misses it, and
        // it keeps running while the daemon stops and starts again (live restore)
        final List<String> full = new ArrayList<>(List.of("setsid"));
        if (netns != null)
        {
            full.addAll(List.of("ip", "netns", "exec", netns));
        }
        full.addAll(command);
        try
        {
            Files.createDirectories(outputDirectory);
            final Process process = new ProcessBuilder(full)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile(sandboxId).toFile()))
                .start();
            final long startMillis = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
            process.onExit().thenAccept(p -> onExit.accept(p.exitValue()));
            return new Started(process.pid(), startMillis);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot start " + String.join(" ", command) + ": " + ex.getMessage());
        }
    }

    /** Whether {@code program} is an executable file, or names one on the daemon's PATH (which the command inherits). */
    static boolean isExecutable(final String program)
    {
        if (program.isEmpty())
        {
            return false;
        }
        if (program.contains("/"))
        {
            return Files.isRegularFile(Path.of(program)) && Files.isExecutable(Path.of(program));
        }
        final String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (final String directory : path.split(":"))
        {
            final Path candidate = Path.of(directory.isEmpty() ? "." : directory).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
            {
                return true;
            }
        }
        return false;
    }

    /** The live process with that PID, if it is still the one that was started at {@code startMillis}. */
    public Optional<ProcessHandle> find(final Long pid, final Long startMillis)
    {
        if (pid == null)
        {
            return Optional.empty();
        }
        return ProcessHandle.of(pid)
            .filter(ProcessHandle::isAlive)
            .filter(handle -> startMillis == null || startMillis == 0 ||
                handle.info().startInstant().map(Instant::toEpochMilli).orElse(-1L).equals(startMillis));
    }

    public boolean isAlive(final Long pid, final Long startMillis)
    {
        return find(pid, startMillis).isPresent();
    }

    /** Kills the command and everything it started, and waits briefly for them to go. */
    public void kill(final Long pid, final Long startMillis)
    {
        find(pid, startMillis).ifPresent(handle ->
        {
            final List<ProcessHandle> all = new ArrayList<>(handle.descendants().toList());
            all.add(handle);
            all.forEach(ProcessHandle::destroyForcibly);
            for (final ProcessHandle each : all)
            {
                try
                {
                    each.onExit().get(5, TimeUnit.SECONDS);
                }
                catch (final Exception ignored)
                {
                    // it was signalled with SIGKILL; if it lingers as a zombie its parent reaps it
                }
            }
        });
    }

    /**
     * Asks the command to stop: SIGTERM to it and everything it started, then, for what is still
     * there after {@code timeout}, {@link #kill}. Called without the control plane's lock.
     *
     * @return whether it was running.
     */
    public boolean stop(final Long pid, final Long startMillis, final Duration timeout)
    {
        final Optional<ProcessHandle> found = find(pid, startMillis);
        if (found.isEmpty())
        {
            return false;
        }
        final ProcessHandle handle = found.get();
        handle.descendants().forEach(ProcessHandle::destroy);
        handle.destroy();
        try
        {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final Exception stillThere)
        {
            kill(pid, startMillis);
        }
        return true;
    }

    /** The output file and the rotated ones before it ({@code ID.log}, {@code ID.log.1}, ...), for removal. */
    public void removeOutput(final String sandboxId)
    {
        try
        {
            Files.deleteIfExists(outputFile(sandboxId));
            if (Files.isDirectory(outputDirectory))
            {
                try (DirectoryStream<Path> rotated = Files.newDirectoryStream(outputDirectory, sandboxId + ".log.*"))
                {
                    for (final Path each : rotated)
                    {
                        Files.deleteIfExists(each);
                    }
                }
            }
        }
        catch (final IOException ignored)
        {
            // best effort
        }
    }

    /**
     * Keeps every output file within {@code maxBytes}, as Docker's {@code max-size} and
     * {@code max-file} do: a file over it has its last {@code maxBytes} copied to {@code .1}
     * (the older ones moving to {@code .2} and on, at most {@code keep - 1} of them) and is
     * emptied in place. The command
     * writes with O_APPEND, so it goes on at the start of the emptied file; lines it writes
     * between the copy and the emptying are lost, as with logrotate's copytruncate.
     */
    public void rotate(final long maxBytes, final int keep)
    {
        if (!Files.isDirectory(outputDirectory))
        {
            return;
        }
        try (DirectoryStream<Path> outputs = Files.newDirectoryStream(outputDirectory, "*.log"))
        {
            for (final Path output : outputs)
            {
                if (Files.size(output) > maxBytes)
                {
                    rotate(output, keep, maxBytes);
                }
            }
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "cannot rotate the sandboxes' output in " + outputDirectory + ": " + ex.getMessage());
        }
    }

    /** The copy keeps the file's last {@code maxBytes}: a command that wrote far past the size between two rounds costs no more. */
    private static void rotate(final Path output, final int keep, final long maxBytes) throws IOException
    {
        final String name = output.getFileName().toString();
        Files.deleteIfExists(output.resolveSibling(name + "." + (keep - 1)));
        for (int i = keep - 2; i >= 1; i--)
        {
            final Path older = output.resolveSibling(name + "." + i);
            if (Files.exists(older))
            {
                Files.move(older, output.resolveSibling(name + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (keep > 1)
        {
            try (FileChannel from = FileChannel.open(output, StandardOpenOption.READ);
                FileChannel to = FileChannel.open(output.resolveSibling(name + ".1"), StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING))
            {
                final long size = from.size();
                long at = Math.max(0, size - maxBytes);
                while (at < size)
                {
                    at += from.transferTo(at, size - at, to);
                }
            }
        }
        try (FileChannel channel = FileChannel.open(output, StandardOpenOption.WRITE))
        {
            channel.truncate(0);
        }
    }
}
