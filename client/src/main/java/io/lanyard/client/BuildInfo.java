package io.lanyard.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What the jars were built from: the project's version (the pom's) and the git commit, read from
 * {@code build.properties} and {@code git.properties}, which the build writes. A tree built without git (a source
 * archive) says {@code unknown} for the commit. The daemon's {@code /version} and both programs'
 * {@code --version} and {@code lanyard version} show these.
 */
public final class BuildInfo
{
    public static final String UNKNOWN = "unknown";
    /** The version of Docker's Engine API the daemon answers and the client speaks. */
    public static final String API_VERSION = "1.43";

    private static final BuildInfo CURRENT = load();

    private final String version;
    private final String commit;
    private final boolean dirty;
    private final String commitTime;

    BuildInfo(final Properties properties)
    {
        version = filled(properties.getProperty("version"));
        commit = filled(properties.getProperty("commit"));
        dirty = "true".equals(properties.getProperty("dirty"));
        commitTime = filled(properties.getProperty("commitTime"));
    }

    public static BuildInfo current()
    {
        return CURRENT;
    }

    /** The pom's version, such as {@code 0.1.0-SNAPSHOT}. */
    public String version()
    {
        return version;
    }

    /** The abbreviated commit, with {@code -dirty} when the tree had changes not committed, or {@code unknown}. */
    public String commit()
    {
        return commit.equals(UNKNOWN) || !dirty ? commit : commit + "-dirty";
    }

    /** When that commit was made (ISO 8601), or {@code unknown}. */
    public String commitTime()
    {
        return commitTime;
    }

    /** The machine's architecture as Docker names it ({@code amd64}, {@code arm64}). */
    public static String arch()
    {
        final String arch = System.getProperty("os.arch");
        return "aarch64".equals(arch) ? "arm64" : arch;
    }

    /** {@code PROGRAM VERSION (commit C)}, what {@code --version} prints. */
    public String line(final String program)
    {
        return program + " " + version + " (commit " + commit() + ")";
    }

    private static BuildInfo load()
    {
        final Properties properties = new Properties();
        for (final String resource : new String[] {"build.properties", "git.properties"})
        {
            try (InputStream in = BuildInfo.class.getResourceAsStream(resource))
            {
                if (in != null)
                {
                    properties.load(in);
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return new BuildInfo(properties);
    }

    /** A value the build did not fill in (no git, or resources not filtered) is unknown. */
    private static String filled(final String value)
    {
        return value == null || value.isBlank() || value.contains("${") ? UNKNOWN : value.trim();
    }
}
