package io.lanyard.perf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The other userspace switch: Open vSwitch's userspace datapath ({@code datapath_type=netdev}),
 * the dataplane users pick when they want OVS without its kernel module, with TAP ports as
 * Lanyard has them. {@code ovsdb-server} and {@code ovs-vswitchd} are started by the run, not by
 * a service manager: their database, sockets, pid files and logs live in a directory of the
 * run's own ({@code OVS_RUNDIR}, {@code OVS_DBDIR}, {@code OVS_LOGDIR} and every command's
 * {@code --db}), so an installed Open vSwitch is neither used nor disturbed, and
 * {@code ovs-vswitchd} runs inside a switch namespace of the run, where its bridge and its TAPs
 * are made, with {@code --disable-system}: only the userspace datapath is wanted, and without it
 * ovs-vswitchd would look up the kernel datapath, which may load the host's {@code openvswitch}
 * module. Every {@code ovs-vsctl} has a timeout and is one of the run's processes, so none is
 * left waiting for a database that Ctrl-C stopped. Each TAP is then moved into its container namespace (OVS keeps its descriptor, so
 * the port keeps forwarding; it logs "No such device" for the name it no longer sees).
 *
 * <p>With TSO ({@code other_config:userspace-tso-enable=true}, the default here, as for
 * Lanyard's TAPs) the TAPs carry 64 KB segments and partial checksums as Lanyard's do; without,
 * every frame is MTU-sized.
 *
 * <pre>
 *   PREFIX-o1 (tap1 10.42.2.1) ┐
 *                              ├ br0 (netdev)   PREFIX-ovs: ovs-vswitchd
 *   PREFIX-o2 (tap2 10.42.2.2) ┘
 * </pre>
 */
final class OvsUserspace
{
    static final String LABEL = "OVS userspace";
    static final List<String> PROGRAMS = List.of("ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovsdb-tool");
    private static final String SUBNET = "10.42.2.";
    private static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");
    private static final Duration START = Duration.ofSeconds(20);

    private final Endpoints endpoints;
    private final Process vswitchd;
    private final boolean tso;

    private OvsUserspace(final Endpoints endpoints, final Process vswitchd, final boolean tso)
    {
        this.endpoints = endpoints;
        this.vswitchd = vswitchd;
        this.tso = tso;
    }

    /**
     * Why this side cannot be built here (a program or the schema missing), or null when it can:
     * the run then leaves the column out with that line.
     */
    static String unavailable()
    {
        for (final String program : PROGRAMS)
        {
            if (!PerfTool.onPath(program))
            {
                return "no " + program + " on the PATH (Debian: apt-get install openvswitch-switch)";
            }
        }
        return Files.isReadable(SCHEMA) ? null : "no " + SCHEMA + " (Debian: apt-get install openvswitch-switch)";
    }

    /** Starts the two daemons and builds the bridge with a TAP port into each container namespace. */
    static OvsUserspace build(final Workspace workspace, final boolean tso)
    {
        final Path dir = workspace.dir().resolve("ovs");
        try
        {
            Files.createDirectories(dir);
        }
        catch (final java.io.IOException ex)
        {
            throw new PerfException("cannot create " + dir + ": " + ex.getMessage());
        }
        final Consumer<Map<String, String>> environment = env ->
        {
            env.put("OVS_RUNDIR", dir.toString());
            env.put("OVS_DBDIR", dir.toString());
            env.put("OVS_LOGDIR", dir.toString());
        };
        final String db = "unix:" + dir.resolve("db.sock");
        final Path database = dir.resolve("conf.db");
        Exec.check(List.of("ovsdb-tool", "create", database.toString(), SCHEMA.toString()));
        final Process ovsdb = workspace.spawn(List.of("ovsdb-server", database.toString(), "--remote=punix:" + dir.resolve("db.sock"),
            "--unixctl=" + dir.resolve("ovsdb-server.ctl"), "--pidfile=" + dir.resolve("ovsdb-server.pid"), "--no-chdir"),
            dir.resolve("ovsdb-server.log"), environment);
        awaitSocket(dir.resolve("db.sock"), ovsdb, dir.resolve("ovsdb-server.log"));
        vsctl(workspace, db, List.of("--no-wait", "init"));
        vsctl(workspace, db, List.of("--no-wait", "set", "Open_vSwitch", ".", "other_config:userspace-tso-enable=" + tso));

        final String switchNetns = workspace.addNamespace("ovs");
        final String first = workspace.addNamespace("o1");
        final String second = workspace.addNamespace("o2");
        final Process vswitchd = workspace.spawn(Workspace.inNamespace(switchNetns, List.of("ovs-vswitchd", db, "--disable-system",
            "--unixctl=" + dir.resolve("ovs-vswitchd.ctl"), "--pidfile=" + dir.resolve("ovs-vswitchd.pid"), "--no-chdir")),
            dir.resolve("ovs-vswitchd.log"), environment);
        vsctl(workspace, db, List.of("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev"));
        final String[] containers = {first, second};
        for (int i = 1; i <= containers.length; i++)
        {
            final String tap = "tap" + i;
            vsctl(workspace, db, List.of("add-port", "br0", tap, "--", "set", "Interface", tap, "type=tap"));
            Exec.check(List.of("ip", "-n", switchNetns, "link", "set", tap, "netns", containers[i - 1]));
            Exec.check(List.of("ip", "-n", containers[i - 1], "addr", "add", SUBNET + i + "/24", "dev", tap));
            Exec.check(List.of("ip", "-n", containers[i - 1], "link", "set", tap, "up"));
        }
        final OvsUserspace ovs = new OvsUserspace(new Endpoints(LABEL, first, second, SUBNET + 2, SUBNET + 1), vswitchd, tso);
        ovs.checkAlive();
        return ovs;
    }

    Endpoints endpoints()
    {
        return endpoints;
    }

    /** The switch's process, whose CPU time is the switch's cost. */
    long vswitchdPid()
    {
        return vswitchd.pid();
    }

    /** How it was set up, for the report. */
    String describe()
    {
        return "ovs-vswitchd " + version() + ", datapath_type=netdev, TAP ports, userspace-tso-enable=" + tso;
    }

    void checkAlive()
    {
        if (!vswitchd.isAlive())
        {
            throw new PerfException(LABEL + ": ovs-vswitchd exited (status " + vswitchd.exitValue() + ")");
        }
    }

    private static String version()
    {
        final Exec.Result result = Exec.run(List.of("ovs-vswitchd", "--version"), Duration.ofSeconds(10), p -> { });
        final String first = result.stdout().lines().findFirst().orElse("");
        final String[] words = first.trim().split("\\s+");
        return words.length == 0 || words[words.length - 1].isEmpty() ? "(unknown version)" : words[words.length - 1];
    }

    /** The last line of a daemon's log, for the error that says it exited. */
    private static String lastLine(final Path log)
    {
        try
        {
            final List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "(its log " + log + " is empty)" : lines.get(lines.size() - 1);
        }
        catch (final java.io.IOException ex)
        {
            return "(no log at " + log + ")";
        }
    }

    /** One {@code ovs-vsctl}, bounded by its own {@code --timeout} and by the run's (it is one of the run's processes). */
    private static void vsctl(final Workspace workspace, final String db, final List<String> arguments)
    {
        final List<String> command = new ArrayList<>(List.of("ovs-vsctl", "--db=" + db, "--timeout=" + START.toSeconds()));
        command.addAll(arguments);
        final Exec.Result result = workspace.run(command, START.plusSeconds(10));
        if (result.status() != 0 || result.timedOut())
        {
            throw new PerfException(LABEL + ": " + String.join(" ", command) + ": " +
                (result.timedOut() ? "timed out" : result.stderr().strip()));
        }
    }

    private static void awaitSocket(final Path socket, final Process ovsdb, final Path log)
    {
        final long deadline = System.nanoTime() + START.toNanos();
        while (!Files.exists(socket))
        {
            if (!ovsdb.isAlive())
            {
                throw new PerfException(LABEL + ": ovsdb-server exited (status " + ovsdb.exitValue() + "): " + lastLine(log));
            }
            if (System.nanoTime() > deadline)
            {
                throw new PerfException(LABEL + ": ovsdb-server made no " + socket + " in " + START.toSeconds() + " s");
            }
            try
            {
                Thread.sleep(50);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new PerfException("interrupted");
            }
        }
    }
}
