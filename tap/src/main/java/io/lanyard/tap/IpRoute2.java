package io.lanyard.tap;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Named network namespaces and link configuration through iproute2's {@code ip}, the tool every
 * operator already reads. Several changes to one namespace go in one {@code ip -batch} process.
 * A failure becomes a {@link LinuxException} carrying the first line {@code ip} printed.
 */
public final class IpRoute2
{
    public static final Path NETNS_DIR = Path.of("/run/netns");
    private static final long TIMEOUT_SECONDS = 30;

    private IpRoute2()
    {
    }

    /**
     * The file of a namespace: {@code /run/netns/NAME} for a name {@code ip netns} made, or the
     * reference itself when it is an absolute path (a namespace someone else made, such as
     * {@code /proc/PID/ns/net}).
     */
    public static Path netnsPath(final String name)
    {
        return isPath(name) ? Path.of(name) : NETNS_DIR.resolve(name);
    }

    /** Whether a namespace reference is a path rather than a name under {@code /run/netns}. */
    public static boolean isPath(final String netns)
    {
        return netns.startsWith("/");
    }

    public static boolean netnsExists(final String name)
    {
        return Files.exists(netnsPath(name));
    }

    public static void addNetns(final String name)
    {
        run(null, "netns", "add", name);
    }

    /** Deletes a namespace {@code ip netns} made; a path (someone else's namespace) is refused. */
    public static void deleteNetns(final String name)
    {
        if (isPath(name))
        {
            throw new IllegalArgumentException("will not delete " + name + ": not a namespace Lanyard made");
        }
        if (netnsExists(name))
        {
            run(null, "netns", "delete", name);
        }
    }

    /** Runs each command (an {@code ip} command line without the leading "ip") inside {@code netns}. */
    public static void batch(final String netns, final List<String> commands)
    {
        final StringBuilder input = new StringBuilder();
        for (final String command : commands)
        {
            input.append(command).append('\n');
        }
        if (isPath(netns))
        {
            runIn(netnsPath(netns), input.toString(), "-batch", "-");
        }
        else
        {
            run(input.toString(), "-n", netns, "-batch", "-");
        }
    }

    /** Runs {@code ip ARGS...} in the namespace at {@code netns} (through nsenter), feeding {@code stdin} if not null. */
    public static void runIn(final Path netns, final String stdin, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("nsenter", "--net=" + netns, "ip"));
        command.addAll(List.of(args));
        exec(command, stdin);
    }

    /** Runs {@code ip ARGS...} in the namespace at {@code netns} (through nsenter) and returns what it printed. */
    public static String query(final Path netns, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("nsenter", "--net=" + netns, "ip"));
        command.addAll(List.of(args));
        return exec(command, null);
    }

    /** Runs each command (an {@code ip} command line without the leading "ip") in the caller's own namespace. */
    public static void batchHere(final List<String> commands)
    {
        run(String.join("\n", commands) + "\n", "-batch", "-");
    }

    /** Runs {@code ip ARGS...}, feeding {@code stdin} if not null. */
    public static void run(final String stdin, final String... args)
    {
        final List<String> command = new ArrayList<>(args.length + 1);
        command.add("ip");
        command.addAll(List.of(args));
        exec(command, stdin);
    }

    private static String exec(final List<String> command, final String stdin)
    {
        final Process process;
        try
        {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            throw new LinuxException("cannot run " + command.get(0) + " (are iproute2 and util-linux installed?): " + ex.getMessage());
        }
        try
        {
            try (OutputStream in = process.getOutputStream())
            {
                if (stdin != null)
                {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new LinuxException(String.join(" ", command) + ": timed out");
            }
            if (process.exitValue() != 0)
            {
                final String firstLine = output.isEmpty() ? "exit status " + process.exitValue() : output.lines().findFirst().orElse("");
                throw new LinuxException(String.join(" ", command) + ": " + firstLine);
            }
            return output;
        }
        catch (final IOException ex)
        {
            throw new LinuxException(String.join(" ", command) + ": " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new LinuxException(String.join(" ", command) + ": interrupted");
        }
    }
}
