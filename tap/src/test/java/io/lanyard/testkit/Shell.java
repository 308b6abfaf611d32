package io.lanyard.testkit;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion and keeps its exit status and combined output. */
public final class Shell
{
    private static final long TIMEOUT_SECONDS = 120;

    private Shell()
    {
    }

    public record Result(List<String> command, int status, String output)
    {
        public Result assertOk()
        {
            if (status != 0)
            {
                throw new AssertionError(String.join(" ", command) + " exited " + status + ":\n" + output);
            }
            return this;
        }
    }

    public static Result run(final List<String> command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            final byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return new Result(command, -1, Namespaces.utf8(output) + "\n(timed out)");
            }
            return new Result(command, process.exitValue(), Namespaces.utf8(output));
        }
        catch (final IOException ex)
        {
            return new Result(command, -1, ex.toString());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new Result(command, -1, "interrupted");
        }
    }

    public static Result check(final String... command)
    {
        return run(List.of(command)).assertOk();
    }
}
