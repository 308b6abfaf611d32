package io.lanyard.control;

import io.lanyard.control.remote.PluginDiscovery;

import java.nio.file.Path;
import java.util.List;

/**
 * What the control plane needs to know of the daemon's flags.
 *
 * @param sandboxPrefix     a sandbox named {@code c1} lives in the named namespace {@code sandboxPrefix + "c1"}.
 * @param icc               inter-container communication on the default bridge ({@code --icc}).
 * @param pluginDirectories where remote network driver plugins are found ({@code --plugin-dirs}; Docker's by default).
 */
public record DaemonSettings(Path stateDirectory, String sandboxPrefix, boolean icc, List<Path> pluginDirectories)
{
    public DaemonSettings
    {
        pluginDirectories = List.copyOf(pluginDirectories);
    }

    /** Settings that find plugins where Docker does. */
    public DaemonSettings(final Path stateDirectory, final String sandboxPrefix, final boolean icc)
    {
        this(stateDirectory, sandboxPrefix, icc, PluginDiscovery.DOCKER_DIRECTORIES);
    }
}
