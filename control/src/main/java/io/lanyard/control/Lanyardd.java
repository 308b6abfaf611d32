package io.lanyard.control;

import io.lanyard.client.BuildInfo;
import io.lanyard.client.OneLineLogging;
import io.lanyard.control.api.ApiRoutes;
import io.lanyard.control.api.ApiServer;
import io.lanyard.control.metrics.ControlPlaneSource;
import io.lanyard.control.metrics.MetricsServer;
import io.lanyard.control.docker.DockerPluginRoutes;
import io.lanyard.control.dns.DnsCounters;
import io.lanyard.control.dns.EmbeddedDns;
import io.lanyard.control.dns.NameTable;
import io.lanyard.control.model.State;
import io.lanyard.control.ports.ProxyLoops;
import io.lanyard.control.ports.PublishedPorts;
import io.lanyard.control.ports.UserlandProxy;
import io.lanyard.control.remote.PluginDiscovery;
import io.lanyard.control.routing.HostInterfaces;
import io.lanyard.control.routing.Uplink;
import io.lanyard.control.sandbox.EtcFiles;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.control.sandbox.SandboxProcesses;
import io.lanyard.control.store.CorruptStateException;
import io.lanyard.control.store.StateStore;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.nat.ConntrackTimeouts;
import io.lanyard.tap.SystemdNotify;
import io.lanyard.tap.TapDevice;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The daemon: one per host, in the foreground, logging to stderr. It refuses to start (one line,
 * exit 1) without CAP_NET_ADMIN, when another daemon holds its socket or state directory, or
 * when the state file cannot be trusted. SIGTERM closes it cleanly; sandboxes, their devices
 * and their commands stay for the next start either way. Started by systemd with
 * {@code Type=notify}, it says {@code READY=1} once its API answers.
 *
 * <p>This class is the start and stop sequence and the flags of the switch and the API; the flags
 * of the cluster ({@link ClusterFlags}), of subnets ({@link AddressFlags}), of metrics and logs
 * ({@link OperatorFlags}) and of the sandboxes' output ({@link SandboxLogFlags}) are mixins with
 * their own checks, and {@code --config FILE} gives defaults to all of them ({@link ConfigFile}).
 */
@Command(name = "lanyardd", mixinStandardHelpOptions = true, versionProvider = Lanyardd.Version.class,
    description = "The Lanyard daemon: a userspace switch and the control plane of container networks.")
public final class Lanyardd implements Callable<Integer>
{
    private static final System.Logger LOG = System.getLogger(Lanyardd.class.getName());
    private static final int CAP_NET_ADMIN = 12;

    @Option(names = "--socket", description = "API socket (default: ${DEFAULT-VALUE})")
    Path socket = Path.of("/run/lanyard/lanyard.sock");

    @Option(names = "--docker-plugin", paramLabel = "PATH",
        description = "also serve Docker's network and IPAM driver plugin protocol on this Unix socket")
    Path dockerPlugin;

    @Option(names = "--plugin-dirs", paramLabel = "DIR", split = ",",
        description = "where remote network driver plugins are found, in order: NAME.sock or NAME.spec (default: Docker's, " +
            "/run/docker/plugins,/etc/docker/plugins,/usr/lib/docker/plugins)")
    List<Path> pluginDirs = PluginDiscovery.DOCKER_DIRECTORIES;

    @Option(names = "--state-dir", description = "where state is kept (default: ${DEFAULT-VALUE})")
    Path stateDir = Path.of("/var/lib/lanyard");

    @Option(names = "--sandbox-prefix", description = "sandbox NAME lives in netns PREFIX+NAME (default: ${DEFAULT-VALUE})")
    String sandboxPrefix = "lanyard-";

    @Option(names = "--io", description = "I/O backend: epoll or io_uring (default: ${DEFAULT-VALUE})")
    String io = "epoll";

    @Option(names = "--offload", description = "TAP checksum/segmentation offloads: on or off (default: ${DEFAULT-VALUE})")
    String offload = "on";

    @Option(names = "--resolv-conf", paramLabel = "PATH",
        description = "the resolver configuration containers copy and the embedded DNS forwards to (default: ${DEFAULT-VALUE})")
    Path resolvConf = Path.of("/etc/resolv.conf");

    @Option(names = "--icc", arity = "1", description = "inter-container communication on the default bridge (default: ${DEFAULT-VALUE})")
    boolean icc = true;

    @Option(names = "--ring-size", description = "frame slots in the ring, a power of two (default: ${DEFAULT-VALUE})")
    int ringSize = DataplaneConfig.DEFAULT_RING_SIZE;

    @Option(names = "--pipeline", description = "threads of the packet pipeline: inline, fused or staged (default: ${DEFAULT-VALUE})")
    String pipeline = DataplaneConfig.PIPELINE_INLINE;

    @Option(names = "--busy-poll", paramLabel = "MICROSECONDS", description = "keep the I/O thread polling this long after the last " +
        "frame before it sleeps: lower latency for traffic that answers within it, at the cost of a busy core while it lasts " +
        "(epoll only; default: ${DEFAULT-VALUE}, off)")
    long busyPollMicros;

    @Option(names = "--wait-strategy", description = "how idle stage threads wait: backoff, blocking, sleeping, yielding, busy (default: ${DEFAULT-VALUE})")
    String waitStrategy = "backoff";

    @Option(names = "--mac-table-size", description = "most learned MAC addresses (default: ${DEFAULT-VALUE})")
    int macTableSize = MacTable.DEFAULT_CAPACITY;

    @Option(names = "--mac-aging", description = "seconds a learned MAC lives without traffic (default: ${DEFAULT-VALUE})")
    int macAgingSeconds = (int)(MacTable.DEFAULT_AGING_NANOS / 1_000_000_000L);

    @Option(names = "--uplink", paramLabel = "IFACE",
        description = "the dataplane's own interface towards the outside: an interface with no address of the kernel's (opened as a raw packet socket), or tap:NAME for a TAP")
    String uplink;

    @Option(names = "--uplink-ip", paramLabel = "ADDR/PREFIX", description = "the uplink's address, answered and masqueraded to by Lanyard")
    String uplinkIp;

    @Option(names = "--uplink-gateway", paramLabel = "IP", description = "the next hop for destinations off the uplink's subnet")
    String uplinkGateway;

    @Option(names = "--nat-table-size", description = "most tracked connections; new flows beyond are dropped and counted (default: ${DEFAULT-VALUE})")
    int natTableSize = DataplaneConfig.DEFAULT_NAT_CAPACITY;

    @Option(names = "--conntrack-timeout", paramLabel = "KEY=SECONDS",
        description = "a connection-tracking timeout, as Linux's nf_conntrack_*_timeout_KEY (tcp_established, tcp_time_wait, udp, udp_stream, icmp, ...); repeatable")
    List<String> conntrackTimeouts = new ArrayList<>();

    @Option(names = "--userland-proxy", arity = "1",
        description = "proxy published ports for the daemon's own namespace (docker-proxy's job) (default: ${DEFAULT-VALUE})")
    boolean userlandProxy = true;

    @Mixin
    ClusterFlags cluster = new ClusterFlags();

    @Mixin
    AddressFlags addresses = new AddressFlags();

    @Mixin
    OperatorFlags operator = new OperatorFlags();

    @Mixin
    SandboxLogFlags sandboxLogs = new SandboxLogFlags();

    @Option(names = ConfigFile.FLAG, paramLabel = "FILE",
        description = "read flags from FILE first, one NAME=VALUE per line (uplink=eth1, icc=false); the command line's win")
    Path config;

    private Uplink.Settings uplinkSettings;

    public static void main(final String[] args)
    {
        OneLineLogging.install("lanyardd");
        if (System.getProperty("io.netty.machineId") == null)
        {
            // a daemon in a namespace without a NIC makes Netty warn about its channel IDs; any unique value does
            System.setProperty("io.netty.machineId", Identifiers.newId().substring(0, 16).replaceAll("(..)(?!$)", "$1:"));
        }
        System.exit(execute(args));
    }

    static int execute(final String... args)
    {
        final CommandLine commandLine = new CommandLine(new Lanyardd());
        commandLine.setParameterExceptionHandler((ex, arguments) ->
        {
            System.err.println("lanyardd: " + ex.getMessage());
            return 2;
        });
        final Path config = ConfigFile.named(args);
        if (config != null)
        {
            try
            {
                ConfigFile.apply(commandLine, config);
            }
            catch (final StartupException ex)
            {
                System.err.println("lanyardd: " + ex.getMessage());
                return 1;
            }
        }
        return commandLine.execute(args);
    }

    @Override
    public Integer call()
    {
        try
        {
            operator.configureLogging();
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("lanyardd: " + ex.getMessage());
            return 1;
        }
        try
        {
            return run();
        }
        catch (final StartupException ex)
        {
            System.err.println("lanyardd: " + ex.getMessage());
            return 1;
        }
    }

    @SuppressWarnings("try") // the lock is held by keeping its channel open for the daemon's life
    private int run()
    {
        if (!"on".equals(offload) && !"off".equals(offload))
        {
            throw new StartupException("--offload must be on or off, not '" + offload + "'");
        }
        if (!hasNetAdmin())
        {
            throw new StartupException("CAP_NET_ADMIN is required to manage namespaces and TAP devices (run as root)");
        }
        final DataplaneConfig config;
        try
        {
            uplinkSettings = uplink == null && uplinkIp == null && uplinkGateway == null ? null :
                Uplink.Settings.parse(uplink, uplinkIp, uplinkGateway);
            cluster.parse();
            operator.parse();
            addresses.parse();
            sandboxLogs.parse();
            config = new DataplaneConfig(ringSize, io, pipeline, waitStrategy, socket.toAbsolutePath().getParent().resolve("lanyard.counters"),
                macTableSize, macAgingSeconds * 1_000_000_000L, DataplaneConfig.DEFAULT_MAX_PORTS, DataplaneConfig.DEFAULT_MAX_DOMAINS,
                natTableSize, ConntrackTimeouts.parse(conntrackTimeouts), Math.min(busyPollMicros, Long.MAX_VALUE / 1_000L) * 1_000L);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new StartupException(ex.getMessage());
        }
        try
        {
            ApiServer.ensureFree(socket);
        }
        catch (final IllegalStateException ex)
        {
            throw new StartupException(ex.getMessage());
        }
        catch (final IOException ex)
        {
            throw new StartupException("cannot use socket " + socket + ": " + ex.getMessage());
        }

        try (FileChannel lockFile = lockStateDir())
        {
            final StateStore store = new StateStore(stateDir);
            final State state;
            try
            {
                state = store.load();
            }
            catch (final CorruptStateException ex)
            {
                throw new StartupException(ex.getMessage());
            }
            // bound before anything is made, so an address in use changes nothing
            final MetricsServer metrics = operator.bindMetrics();
            try
            {
                return serve(config, store, state, metrics);
            }
            catch (final RuntimeException ex)
            {
                closeQuietly(metrics);
                throw ex;
            }
        }
        catch (final IOException ex)
        {
            throw new StartupException("cannot use state directory " + stateDir + ": " + ex.getMessage());
        }
    }

    private int serve(final DataplaneConfig config, final StateStore store, final State state, final MetricsServer metrics)
    {
        final Dataplane dataplane;
        try
        {
            dataplane = Dataplane.start(config);
        }
        catch (final RuntimeException ex)
        {
            throw new StartupException("cannot start the dataplane: " + ex.getMessage());
        }
        final int offloads = "on".equals(offload) ? TapDevice.OFFLOAD_TCP_UDP : TapDevice.OFFLOAD_NONE;
        final SandboxPlumbing plumbing = new SandboxPlumbing(offloads);
        final Uplink uplinkPort;
        try
        {
            uplinkPort = uplinkSettings == null ? null : Uplink.open(dataplane, uplinkSettings);
        }
        catch (final RuntimeException ex)
        {
            dataplane.close();
            plumbing.close();
            throw new StartupException("cannot open the uplink: " + ex.getMessage());
        }
        final ClusterFlags.Joined cluster;
        try
        {
            cluster = this.cluster.join(dataplane);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(uplinkPort);
            dataplane.close();
            plumbing.close();
            throw ex instanceof StartupException ? ex : new StartupException("cannot join the cluster: " + ex.getMessage());
        }
        final ProxyLoops proxyLoops = ProxyLoops.create(1);
        final ControlPlane.Routing routing = new ControlPlane.Routing(new HostInterfaces(dataplane, offloads), uplinkPort,
            new PublishedPorts(dataplane, userlandProxy ? proxyLoops : null, () -> uplinkPort == null ? 0 : uplinkPort.address(),
                UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT), cluster == null ? null : cluster.membership());
        final EmbeddedDns dns = new EmbeddedDns(new NameTable(), new DnsCounters());
        final SandboxProcesses processes = new SandboxProcesses(stateDir.resolve("output"));
        final ControlPlane control = new ControlPlane(new DaemonSettings(stateDir, sandboxPrefix, icc, pluginDirs, addresses.addressSpace(), addresses.bridgeAddress()), store, dataplane,
            plumbing, new EtcFiles(EtcFiles.SYSTEM_ROOT, resolvConf), processes, routing, dns);
        final ApiServer server;
        ApiServer plugin = null;
        try
        {
            control.restore(state);
            if (metrics != null)
            {
                metrics.serve(new ControlPlaneSource(control), ApiRoutes.VERSION);
            }
            if (dockerPlugin != null)
            {
                ApiServer.ensureFree(dockerPlugin);
                plugin = ApiServer.start(dockerPlugin, new DockerPluginRoutes(control, stateDir), DockerPluginRoutes.MEDIA_TYPE);
            }
            server = ApiServer.start(socket, new ApiRoutes(control));
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(plugin);
            closeInOrder(null, control, dns, cluster, uplinkPort, dataplane, proxyLoops, plumbing);
            throw ex instanceof StartupException ? (StartupException)ex : new StartupException("cannot start: " + ex.getMessage());
        }

        final CountDownLatch stopped = new CountDownLatch(1);
        final ApiServer pluginServer = plugin;
        final SystemdNotify serviceManager = SystemdNotify.fromEnvironment();
        final ScheduledExecutorService logRotation = sandboxLogs.startRotation(processes);
        final Thread shutdown = new Thread(() ->
        {
            LOG.log(System.Logger.Level.INFO, "stopping; sandboxes stay for the next start");
            notifyQuietly(serviceManager, "STOPPING=1");
            logRotation.shutdownNow();
            closeQuietly(pluginServer);
            closeQuietly(metrics);
            closeInOrder(server, control, dns, cluster, uplinkPort, dataplane, proxyLoops, plumbing);
            stopped.countDown();
        }, "lanyard-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        LOG.log(System.Logger.Level.INFO, "listening on " + socket + (dockerPlugin == null ? "" : " and, for Docker, " + dockerPlugin) + " (io " + dataplane.ioBackend() + ", offload " + offload +
            ", " + control.sandboxes().size() + " sandboxes, state in " + stateDir +
            (metrics == null ? "" : ", metrics on http://" + operator.metricsAddress() + "/metrics") + ")");
        // a unit with Type=notify counts the service started from here: the API answers
        notifyQuietly(serviceManager, "READY=1\nMAINPID=" + ProcessHandle.current().pid() + "\nSTATUS=listening on " + socket);
        try
        {
            stopped.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Tells the service manager, if one started the daemon; one that cannot be told is logged, not fatal. */
    private static void notifyQuietly(final SystemdNotify serviceManager, final String state)
    {
        try
        {
            serviceManager.send(state);
        }
        catch (final IllegalStateException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "cannot tell the service manager " + state.lines().findFirst().orElse("") + ": " + ex.getMessage());
        }
    }

    /**
     * Closes what the daemon runs, each part before what it uses: the API (no new requests), the
     * control plane, the embedded DNS, the cluster membership, the uplink, the dataplane, and
     * only then the VXLAN socket, proxy loops and namespace thread the dataplane and proxies used.
     *
     * @param server null when the daemon stops before it served.
     */
    private static void closeInOrder(final ApiServer server, final ControlPlane control, final EmbeddedDns dns, final ClusterFlags.Joined cluster,
        final Uplink uplinkPort, final Dataplane dataplane, final ProxyLoops proxyLoops, final SandboxPlumbing plumbing)
    {
        if (server != null)
        {
            server.close();
        }
        control.close();
        dns.close();
        if (cluster != null)
        {
            cluster.membership().close();
        }
        closeQuietly(uplinkPort);
        dataplane.close();
        if (cluster != null)
        {
            cluster.socket().close();
        }
        proxyLoops.close();
        plumbing.close();
    }

    private static void closeQuietly(final MetricsServer metrics)
    {
        if (metrics != null)
        {
            metrics.close();
        }
    }

    private static void closeQuietly(final ApiServer server)
    {
        if (server != null)
        {
            server.close();
        }
    }

    private static void closeQuietly(final Uplink uplinkPort)
    {
        if (uplinkPort != null)
        {
            try
            {
                uplinkPort.close();
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "could not close the uplink: " + ex.getMessage());
            }
        }
    }

    /** One daemon per state directory: an exclusive lock held for the daemon's life. */
    private FileChannel lockStateDir() throws IOException
    {
        Files.createDirectories(stateDir);
        final FileChannel channel = FileChannel.open(stateDir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        final FileLock lock = channel.tryLock();
        if (lock == null)
        {
            channel.close();
            throw new StartupException("state directory " + stateDir + " is in use by another lanyardd");
        }
        return channel;
    }

    static boolean hasNetAdmin()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("CapEff:"))
                {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << CAP_NET_ADMIN)) != 0;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return false;
        }
        return false;
    }

    /** {@code lanyardd --version}: the build's line. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            return new String[] {BuildInfo.current().line("lanyardd")};
        }
    }
}
