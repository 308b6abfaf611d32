package io.lanyard.control.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Commands that {@code run -d} leaves running in a sandbox. They are started from a thread in
 * the daemon's own namespace ({@code ip netns exec} moves them into the sandbox's), write their
 * output to a file in the state directory, and are known afterwards by PID and start time, so a
 * PID the kernel reused for something else is never signalled.
 */
public final class SandboxProcesses
{
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
        final List<String> full = new ArrayList<>();
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

    public void removeOutput(final String sandboxId)
    {
        try
        {
            Files.deleteIfExists(outputFile(sandboxId));
        }
        catch (final IOException ignored)
        {
            // best effort
        }
    }
}
