package io.lanyard.perf;

import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * What the harness's command-line tools ({@code lanyard-perf}, {@code lanyard-soak}) share: a bad
 * flag said in one line (exit status 2), the checks for root and for the programs a run needs
 * before anything is built, and a run inside a {@link Workspace} that is removed after it,
 * whatever happened. A {@link PerfException} is one line on stderr and exit status 1 (no line
 * once the run was interrupted: the clean-up speaks for itself).
 */
final class PerfTool
{
    private PerfTool()
    {
    }

    /** Runs {@code command} (a picocli command) with the JVM's arguments and exits with its status. */
    static void main(final String tool, final Object command, final String[] args)
    {
        final CommandLine commandLine = new CommandLine(command);
        commandLine.setParameterExceptionHandler((ex, arguments) ->
        {
            System.err.println(tool + ": " + ex.getMessage());
            return 2;
        });
        System.exit(commandLine.execute(args));
    }

    /**
     * Checks and prepares with {@code prepare} (nothing made yet if it fails), then runs {@code run}
     * with what it gave in a new workspace, prefix {@code TAG<4 hex>-}, removed after.
     *
     * @return the exit status: {@code run}'s, or 1 after a {@link PerfException}.
     */
    static <T> int inWorkspace(final String tool, final String tag, final Supplier<T> prepare, final BiFunction<Workspace, T, Integer> run)
    {
        final T prepared;
        try
        {
            prepared = prepare.get();
        }
        catch (final PerfException ex)
        {
            System.err.println(tool + ": " + ex.getMessage());
            return 1;
        }
        final Workspace workspace = Workspace.create(tool, tag);
        try
        {
            return run.apply(workspace, prepared);
        }
        catch (final PerfException ex)
        {
            if (!workspace.isClosed())
            {
                System.err.println(tool + ": " + ex.getMessage());
            }
            return 1;
        }
        finally
        {
            System.err.println(tool + ": removing namespaces " + workspace.prefix() + "*, processes and temporary files");
            workspace.close();
        }
    }

    /** Fails unless this process may build namespaces and every one of {@code programs} is on the PATH. */
    static void requireRootAnd(final List<String> programs)
    {
        if (!hasNetAdmin())
        {
            throw new PerfException("needs CAP_NET_ADMIN to build namespaces (run as root)");
        }
        for (final String program : programs)
        {
            if (!onPath(program))
            {
                throw new PerfException("needs " + program + " on the PATH");
            }
        }
    }

    static boolean onPath(final String program)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"))
        {
            if (Files.isExecutable(Path.of(dir, program)))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean hasNetAdmin()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("CapEff:"))
                {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 12)) != 0;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return false;
        }
        return false;
    }
}
