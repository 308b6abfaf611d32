package io.lanyard.testkit;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * End-to-end tests need CAP_NET_ADMIN. Without it they are skipped with a message, except when
 * {@code LANYARD_E2E_REQUIRED=1} (set by {@code .ci/run}): then a missing privilege or tool fails
 * the run, because a skipped e2e test in CI would hide a regression.
 */
public final class Privileges
{
    private static final int CAP_NET_ADMIN = 12;

    private Privileges()
    {
    }

    public static boolean required()
    {
        return "1".equals(System.getenv("LANYARD_E2E_REQUIRED"));
    }

    /** Skips (or, in CI, fails) the calling test unless this process holds CAP_NET_ADMIN and the tools exist. */
    public static void requireNetAdmin(final String... tools)
    {
        if (!hasNetAdmin())
        {
            unavailable("needs CAP_NET_ADMIN (run as root)");
        }
        for (final String tool : tools)
        {
            if (!onPath(tool))
            {
                unavailable("needs " + tool + " on the PATH");
            }
        }
    }

    public static boolean hasNetAdmin()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("CapEff:"))
                {
                    final long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (caps & (1L << CAP_NET_ADMIN)) != 0;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return false;
        }
        return false;
    }

    public static boolean onPath(final String tool)
    {
        final String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (final String dir : path.split(":"))
        {
            if (Files.isExecutable(Path.of(dir, tool)))
            {
                return true;
            }
        }
        return false;
    }

    private static void unavailable(final String why)
    {
        if (required())
        {
            fail("end-to-end test cannot run: " + why + " (LANYARD_E2E_REQUIRED=1 forbids skipping)");
        }
        Assumptions.abort("end-to-end test skipped: " + why);
    }
}
