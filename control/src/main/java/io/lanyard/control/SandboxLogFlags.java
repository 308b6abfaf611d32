package io.lanyard.control;

import io.lanyard.control.sandbox.SandboxProcesses;
import io.netty.util.concurrent.DefaultThreadFactory;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How much the sandboxes' commands may write, as dockerd's {@code --log-opt}: {@code max-size}
 * (bytes, or with k, m or g; 10m by default) and {@code max-file} (how many files to keep,
 * the current one included; 3 by default). Every second a file over the size is rotated
 * ({@link SandboxProcesses#rotate}).
 */
final class SandboxLogFlags
{
    /** Each round stats every output file: cheap; a command writing fast overshoots by at most a round's output. */
    static final long ROTATE_EVERY_SECONDS = 1;

    @Option(names = "--log-opt", paramLabel = "KEY=VALUE", split = ",",
        description = "the sandboxes' output: max-size=SIZE (default 10m), max-file=N (default 3) (repeatable)")
    List<String> options = new ArrayList<>();

    private long maxBytes = 10L * 1024 * 1024;
    private int maxFiles = 3;

    /**
     * Checks every {@code --log-opt}.
     *
     * @throws StartupException naming the one it cannot take.
     */
    void parse()
    {
        for (final String option : options)
        {
            final int equals = option.indexOf('=');
            final String key = equals < 0 ? option : option.substring(0, equals);
            final String value = equals < 0 ? "" : option.substring(equals + 1);
            switch (key)
            {
                case "max-size" -> maxBytes = size(value);
                case "max-file" -> maxFiles = files(value);
                default -> throw new StartupException("--log-opt: unknown option '" + key + "' (max-size and max-file are understood)");
            }
        }
    }

    long maxBytes()
    {
        return maxBytes;
    }

    int maxFiles()
    {
        return maxFiles;
    }

    /** Rotates the sandboxes' output every {@value #ROTATE_EVERY_SECONDS} s until the returned executor is shut down. */
    ScheduledExecutorService startRotation(final SandboxProcesses processes)
    {
        final ScheduledExecutorService rotation = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("lanyard-log-rotation", true));
        rotation.scheduleWithFixedDelay(() -> processes.rotate(maxBytes, maxFiles), ROTATE_EVERY_SECONDS, ROTATE_EVERY_SECONDS,
            TimeUnit.SECONDS);
        return rotation;
    }

    static long size(final String value)
    {
        final String text = value.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        String digits = text;
        if (text.endsWith("k") || text.endsWith("m") || text.endsWith("g"))
        {
            unit = switch (text.charAt(text.length() - 1))
            {
                case 'k' -> 1024L;
                case 'm' -> 1024L * 1024;
                default -> 1024L * 1024 * 1024;
            };
            digits = text.substring(0, text.length() - 1);
        }
        try
        {
            final long bytes = Long.parseLong(digits) * unit;
            if (bytes >= 1024)
            {
                return bytes;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // refused below
        }
        throw new StartupException("--log-opt max-size: a size of at least 1k such as 10m, not '" + value + "'");
    }

    private static int files(final String value)
    {
        try
        {
            final int files = Integer.parseInt(value.trim());
            if (files >= 1 && files <= 100)
            {
                return files;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // refused below
        }
        throw new StartupException("--log-opt max-file: a number from 1 to 100, not '" + value + "'");
    }
}
