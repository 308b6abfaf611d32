package io.lanyard.control;

import io.lanyard.control.ipam.AddressSpace;
import io.lanyard.control.remote.PluginDiscovery;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.nio.file.Path;
import java.util.List;

/**
 * What the control plane needs to know of the daemon's flags.
 *
 * @param sandboxPrefix     a sandbox named {@code c1} lives in the named namespace {@code sandboxPrefix + "c1"}.
 * @param icc               inter-container communication on the default bridge ({@code --icc}).
 * @param pluginDirectories where remote network driver plugins are found ({@code --plugin-dirs}; Docker's by default).
 * @param addressSpace      where local networks without {@code --subnet} get one, and the host routes none may overlap
 *                          ({@code --default-address-pool}).
 * @param bip               the default bridge's gateway address and prefix ({@code --bip}), or null for the first free pool.
 */
public record DaemonSettings(Path stateDirectory, String sandboxPrefix, boolean icc, List<Path> pluginDirectories,
    AddressSpace addressSpace, Ipv4Cidr bip)
{
    public DaemonSettings
    {
        pluginDirectories = List.copyOf(pluginDirectories);
    }

    /** Docker's default pools, and no host route to keep clear of (for tests, whose namespace's routes are not theirs). */
    public DaemonSettings(final Path stateDirectory, final String sandboxPrefix, final boolean icc, final List<Path> pluginDirectories)
    {
        this(stateDirectory, sandboxPrefix, icc, pluginDirectories, AddressSpace.docker(List::of), null);
    }

    /** Settings that find plugins where Docker does. */
    public DaemonSettings(final Path stateDirectory, final String sandboxPrefix, final boolean icc)
    {
        this(stateDirectory, sandboxPrefix, icc, PluginDiscovery.DOCKER_DIRECTORIES);
    }
}
