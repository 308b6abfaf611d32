package io.lanyard.control;

import java.nio.file.Path;

/**
 * What the control plane needs to know of the daemon's flags.
 *
 * @param sandboxPrefix a sandbox named {@code c1} lives in the named namespace {@code sandboxPrefix + "c1"}.
 * @param icc           inter-container communication on the default bridge ({@code --icc}).
 */
public record DaemonSettings(Path stateDirectory, String sandboxPrefix, boolean icc)
{
}
