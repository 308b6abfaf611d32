package io.lanyard.control;

import io.lanyard.control.model.State;
import io.lanyard.control.remote.PluginDiscovery;
import io.lanyard.control.sandbox.EtcFiles;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.control.sandbox.SandboxProcesses;
import io.lanyard.control.store.StateStore;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import io.lanyard.tap.TapDevice;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A real {@link ControlPlane} over a real (portless) dataplane, with every file it writes under
 * a test's temporary directory. Nothing here needs root; tests must not ask it for anything that
 * would create a namespace or a device.
 */
public final class ControlPlaneFixture implements AutoCloseable
{
    /** Unique enough that a stray namespace name could never be someone else's. */
    public static final String SANDBOX_PREFIX = "lytunit-";

    private final StateStore store;
    private final Dataplane dataplane;
    private final SandboxPlumbing plumbing;
    private final ControlPlane control;
    private final Path etcRoot;

    /**
     * @param workDirectory  counters, /etc/netns stand-in, host resolv.conf, command output: this instance's own.
     * @param stateDirectory where the state file lives; shared by instances that stand for a daemon restart.
     */
    public ControlPlaneFixture(final Path workDirectory, final Path stateDirectory, final boolean icc)
    {
        this(workDirectory, stateDirectory, icc, PluginDiscovery.DOCKER_DIRECTORIES);
    }

    /** @param pluginDirectories where remote driver plugins are found: the test's own. */
    public ControlPlaneFixture(final Path workDirectory, final Path stateDirectory, final boolean icc,
        final List<Path> pluginDirectories)
    {
        this(workDirectory, stateDirectory, icc, pluginDirectories, SANDBOX_PREFIX, dataplane -> ControlPlane.Routing.NONE);
    }

    /**
     * A fixture whose sandboxes' namespaces are {@code sandboxPrefix} + name (a test's own
     * {@code Namespaces} prefix, for one that makes them) and whose control plane reaches the
     * host, the outside and the cluster as {@code routing}, made over its dataplane, says.
     */
    public ControlPlaneFixture(final Path workDirectory, final Path stateDirectory, final String sandboxPrefix,
        final Function<Dataplane, ControlPlane.Routing> routing)
    {
        this(workDirectory, stateDirectory, true, PluginDiscovery.DOCKER_DIRECTORIES, sandboxPrefix, routing);
    }

    private ControlPlaneFixture(final Path workDirectory, final Path stateDirectory, final boolean icc,
        final List<Path> pluginDirectories, final String sandboxPrefix, final Function<Dataplane, ControlPlane.Routing> routing)
    {
        this.etcRoot = workDirectory.resolve("etc-netns");
        final Path resolvConf = workDirectory.resolve("resolv.conf");
        try
        {
            Files.createDirectories(workDirectory);
            Files.writeString(resolvConf, "nameserver 192.0.2.53\n");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        this.store = new StateStore(stateDirectory);
        this.dataplane = Dataplane.start(DataplaneConfig.defaults(workDirectory.resolve("counters")).withRingSize(64));
        this.plumbing = new SandboxPlumbing(TapDevice.OFFLOAD_TCP);
        this.control = new ControlPlane(new DaemonSettings(stateDirectory, sandboxPrefix, icc, pluginDirectories), store, dataplane,
            plumbing, new EtcFiles(etcRoot, resolvConf), new SandboxProcesses(workDirectory.resolve("out")), routing.apply(dataplane));
    }

    /** A fixture whose control plane has been restored from an empty state: none, host and bridge exist. */
    public static ControlPlaneFixture fresh(final Path directory)
    {
        final ControlPlaneFixture fixture = new ControlPlaneFixture(directory.resolve("work"), directory.resolve("state"), true);
        fixture.control().restore(State.empty());
        return fixture;
    }

    public ControlPlane control()
    {
        return control;
    }

    public StateStore store()
    {
        return store;
    }

    /**
     * What the store holds on disk: the snapshot's bytes, then the journal's (none when it has
     * none), so a test can tell that a refused request stored nothing.
     */
    public static byte[] storedBytes(final StateStore store)
    {
        try
        {
            final byte[] snapshot = Files.readAllBytes(store.file());
            final byte[] journal = Files.exists(store.journal()) ? Files.readAllBytes(store.journal()) : new byte[0];
            final byte[] both = java.util.Arrays.copyOf(snapshot, snapshot.length + journal.length);
            System.arraycopy(journal, 0, both, snapshot.length, journal.length);
            return both;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public Path etcRoot()
    {
        return etcRoot;
    }

    @Override
    public void close()
    {
        control.close();
        dataplane.close();
        plumbing.close();
    }
}
