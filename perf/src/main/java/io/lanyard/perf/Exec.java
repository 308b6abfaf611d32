package io.lanyard.perf;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs a command to completion with a deadline and keeps its exit status, stdout and stderr apart. */
final class Exec
{
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Exec()
    {
    }

    /** @param timedOut whether it was killed for running past its timeout (status -1). */
    record Result(List<String> command, int status, String stdout, String stderr, boolean timedOut)
    {
        boolean ok()
        {
            return status == 0;
        }

        String describe()
        {
            final String output = (stdout + stderr).strip();
            return String.join(" ", command) + " exited " + status + (output.isEmpty() ? "" : ": " + output);
        }
    }

    /** Runs the command; fails the run with its output if it exits non-zero. */
    static Result check(final List<String> command)
    {
        final Result result = run(command, DEFAULT_TIMEOUT, p -> { });
        if (!result.ok())
        {
            throw new PerfException(result.describe());
        }
        return result;
    }

    /**
     * @param started told about the process as soon as it exists, so the caller can stop it
     *                from another thread; a process past {@code timeout} is killed (status -1).
     */
    static Result run(final List<String> command, final Duration timeout, final Consumer<Process> started)
    {
        final Process process;
        try
        {
            process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        }
        catch (final IOException ex)
        {
            return new Result(command, -1, "", "cannot start " + command.get(0) + ": " + ex.getMessage(), false);
        }
        started.accept(process);
        final Drain out = new Drain(process.getInputStream());
        final Drain err = new Drain(process.getErrorStream());
        try
        {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                return new Result(command, -1, out.text(), err.text() + "\n(killed after " + timeout.toSeconds() + " s)", true);
            }
            return new Result(command, process.exitValue(), out.text(), err.text(), false);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return new Result(command, -1, "", "interrupted", false);
        }
    }

    /** Reads a stream to its end on its own thread, so neither pipe can fill and stall the process. */
    private static final class Drain
    {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Thread thread;

        Drain(final InputStream in)
        {
            thread = new Thread(() ->
            {
                try (in)
                {
                    in.transferTo(bytes);
                }
                catch (final IOException ignored)
                {
                    // the process went away: keep what was read
                }
            }, "exec-drain");
            thread.setDaemon(true);
            thread.start();
        }

        String text()
        {
            try
            {
                thread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
