package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code lanyard-perf}: builds Lanyard and its Linux peer side by side in one run, in namespaces
 * of its own, measures both the same way (iperf3 TCP, ping RTT), and prints a table per scenario:
 * {@code bridge} (two containers on one network; the peer is a Linux bridge, and Open vSwitch's
 * userspace datapath ({@link OvsUserspace}) is measured beside it as a further peer of
 * {@link Sides#others}; TCP with 4 streams beside 1, and the 64-byte UDP rate), {@code nat} (a container to a server outside, masqueraded; the peer is a
 * bridge, IP forwarding and iptables MASQUERADE) and {@code overlay} (two containers on two
 * hosts, across VXLAN on an underlay; the peer is a kernel VXLAN device behind a bridge on each
 * host, and Lanyard runs a daemon per host with an etcd as their store; beside TCP with one
 * stream it measures 4, the 64-byte UDP rate, and TCP with a kernel VTEP that is a static peer,
 * see {@link OverlayInterop}); and {@code dns} (a container's queries to the embedded DNS, for
 * container names and for an outside name it forwards; the peer is dnsmasq asked directly, see
 * {@link LanyardDns}). The switch scenarios also run the harness's own UDP latency probe
 * ({@link UdpLatency}) and read each switch's CPU time ({@link SwitchCpu}); see
 * {@link SwitchMeasure}. Every switch lives through the whole run, and each round measures them in
 * turn, each going first in its turn ({@link Report.Round#measure}), so the ratios come from the
 * same conditions on a noisy machine; with {@code --repeat} each figure is the median over
 * rounds. {@code --json-out} writes the results as JSON, {@code --chart} the ratios as a PNG
 * ({@link RatioChart}). Everything the run made is removed at the end, also after a failure
 * or Ctrl-C.
 */
@Command(name = "lanyard-perf", mixinStandardHelpOptions = true, version = "lanyard-perf 0.1",
    description = {
        "Measures Lanyard against Linux in the same run: iperf3 TCP throughput,",
        "ping RTT, a UDP latency probe and the switch's CPU per GB, per scenario:",
        "bridge (two containers on one network, vs a Linux bridge and Open",
        "vSwitch's userspace datapath; also TCP with 4 streams and 64-byte UDP",
        "datagrams/s), nat (a",
        "container to an outside namespace through masquerade, vs a bridge +",
        "ip_forward + iptables MASQUERADE) and overlay (two containers on two",
        "hosts across VXLAN, vs kernel VXLAN + bridge; Lanyard with a daemon per",
        "host and etcd; also TCP with 4 streams, 64-byte UDP datagrams/s, and TCP",
        "both ways with a kernel VTEP as static peer, vs kernel-kernel) and dns (a",
        "container's embedded DNS: queries/s and latency for container names and",
        "for a forwarded outside name, vs dnsmasq asked directly). Builds",
        "everything in namespaces of its own (lyp<hex>-*) and removes them on exit.",
        "Needs root, iperf3, ping, nsenter, ip, ss, sysctl; iptables for nat;",
        "bridge and etcd for overlay; dnsmasq for dns; openvswitch-switch for",
        "bridge's OVS column (left out with a note without it).",
        "More lanyardd flags (for every daemon) may follow '--', e.g.:",
        "lanyard-perf --repeat 3 -- --mac-aging 60",
        ""})
public final class LanyardPerf implements Callable<Integer>
{
    @Option(names = "--duration", paramLabel = "SECONDS", description = "iperf3 run length (default: ${DEFAULT-VALUE})")
    int duration = 10;

    @Option(names = "--streams", paramLabel = "N",
        description = "also measure TCP with N parallel streams (iperf3 -P N), beside 1 stream (default: 4 for bridge and overlay, none for nat)")
    Integer streams;

    @Option(names = "--pings", paramLabel = "N", description = "pings per measurement (default: ${DEFAULT-VALUE})")
    int pings = 200;

    @Option(names = "--ping-interval", paramLabel = "MS", description = "milliseconds between pings (default: ${DEFAULT-VALUE})")
    int pingIntervalMillis = 10;

    @Option(names = "--repeat", paramLabel = "K",
        description = "rounds, each measuring every side of every scenario, each side first in turn; medians are reported (default: ${DEFAULT-VALUE})")
    int repeat = 1;

    @Option(names = "--scenario", paramLabel = "NAME", split = ",",
        description = "what to measure: bridge (default), nat, overlay, dns, or all; repeatable or comma-separated, e.g. --scenario bridge,overlay")
    List<String> scenarioNames = new ArrayList<>();

    @Option(names = "--dns-seconds", paramLabel = "SECONDS",
        description = "dns: length of each rate measurement, 32 queries in flight (default: ${DEFAULT-VALUE})")
    int dnsSeconds = 5;

    @Option(names = "--dns-queries", paramLabel = "N",
        description = "dns: queries per latency measurement, one at a time, 1 ms apart (default: ${DEFAULT-VALUE})")
    int dnsQueries = 1000;

    @Option(names = "--json-out", paramLabel = "FILE", description = "also write the results as JSON to FILE")
    Path jsonOut;

    @Option(names = "--chart", paramLabel = "FILE",
        description = "also draw Lanyard's ratios to its peers in the switch scenarios as a PNG bar chart to FILE")
    Path chart;

    @Option(names = "--ovs", paramLabel = "on|off",
        description = "bridge: Open vSwitch's userspace datapath as a third side, started by the run in namespaces of its own " +
            "(default: ${DEFAULT-VALUE}; left out with a note when openvswitch-switch is not installed)")
    String ovs = "on";

    @Option(names = "--ovs-tso", paramLabel = "on|off",
        description = "bridge: OVS's other_config:userspace-tso-enable, as Lanyard's TAPs carry TSO (default: ${DEFAULT-VALUE})")
    String ovsTso = "on";

    @Option(names = "--probe-rate", paramLabel = "PER_SECOND",
        description = "the UDP latency probe's requests per second (default: ${DEFAULT-VALUE})")
    int probeRate = UdpEchoProbe.DEFAULT_RATE;

    @Option(names = "--probe-count", paramLabel = "N",
        description = "the UDP latency probe's measured requests per side and round, after its warm-up; 0: no probe (default: ${DEFAULT-VALUE})")
    int probeCount = UdpEchoProbe.DEFAULT_COUNT;

    @Option(names = "--io", paramLabel = "BACKEND", description = "lanyardd --io: epoll or io_uring")
    String io;

    @Option(names = "--pipeline", paramLabel = "LAYOUT", description = "lanyardd --pipeline: inline, fused or staged")
    String pipeline;

    @Option(names = "--wait-strategy", paramLabel = "STRATEGY", description = "lanyardd --wait-strategy: blocking, sleeping, yielding or busy")
    String waitStrategy;

    @Option(names = "--offload", paramLabel = "on|off", description = "lanyardd --offload")
    String offload;

    @Option(names = "--ring-size", paramLabel = "SLOTS", description = "lanyardd --ring-size")
    Integer ringSize;

    @Mixin
    DaemonOptions daemonOptions;

    private static final Duration GIT_TIMEOUT = Duration.ofSeconds(10);

    private final PrintStream out = System.out;
    private final PrintStream progress = System.err;

    public static void main(final String[] args)
    {
        System.setProperty("java.awt.headless", "true");
        PerfTool.main("lanyard-perf", new LanyardPerf(), args);
    }

    @Override
    public Integer call()
    {
        return PerfTool.inWorkspace("lanyard-perf", "lyp", () ->
        {
            checkArguments();
            final List<Scenario> scenarios = Scenario.parse(scenarioNames);
            checkPrerequisites(scenarios);
            return scenarios;
        }, this::run);
    }

    private int run(final Workspace workspace, final List<Scenario> scenarios)
    {
        final Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final String commit = commit(daemonOptions.home);
        final List<String> daemonFlags = daemonFlags();
        progress.println("lanyard-perf: building Linux and Lanyard for " + names(scenarios) + " (namespaces " + workspace.prefix() + "*)");
        final List<Runnable> aliveChecks = new ArrayList<>();
        LanyardSide lanyardSide = null;
        final boolean dns = scenarios.contains(Scenario.DNS);
        if (scenarios.contains(Scenario.BRIDGE) || scenarios.contains(Scenario.NAT) || dns)
        {
            lanyardSide = LanyardSide.start(workspace, daemonOptions.home, daemonFlags, scenarios.contains(Scenario.NAT) || dns, dns);
            aliveChecks.add(lanyardSide::checkAlive);
            final List<String> flags = new ArrayList<>(lanyardSide.ownFlags());
            flags.addAll(daemonFlags);
            progress.println("lanyard-perf: lanyardd pid " + lanyardSide.daemonPid() + (flags.isEmpty() ? "" : " with " + String.join(" ", flags)));
        }
        LanyardOverlay lanyardOverlay = null;
        OverlayInterop interop = null;
        LanyardDns lanyardDns = null;

        final Map<Scenario, Sides> sides = new LinkedHashMap<>();
        final Map<Endpoints, Iperf3.Server> servers = new HashMap<>();
        final Map<Endpoints, SwitchMeasure.Side> switchSides = new HashMap<>();
        final Map<Endpoints, SwitchCpu> cpus = new HashMap<>();
        String ovsDescription = null;
        for (final Scenario scenario : scenarios)
        {
            if (scenario == Scenario.DNS)
            {
                lanyardDns = LanyardDns.start(workspace, lanyardSide, dnsSeconds, dnsQueries);
                aliveChecks.add(lanyardDns::checkAlive);
                progress.println("lanyard-perf: dns: containers " + LanyardDns.CLIENT + ", " + String.join(", ", LanyardDns.CONTAINERS) +
                    " on " + LanyardDns.NETWORK + " " + LanyardDns.SUBNET + "; " + lanyardDns.describe());
                continue;
            }
            final Sides built;
            switch (scenario)
            {
                case BRIDGE:
                    final List<Endpoints> others = new ArrayList<>();
                    final OvsUserspace ovsSide = startOvs(workspace);
                    if (ovsSide != null)
                    {
                        aliveChecks.add(ovsSide::checkAlive);
                        cpus.put(ovsSide.endpoints(), SwitchCpu.ofProcess(ovsSide.vswitchdPid()));
                        ovsDescription = ovsSide.describe();
                        others.add(ovsSide.endpoints());
                    }
                    built = new Sides(LinuxBridge.build(workspace), lanyardSide.bridgeEndpoints(), lanyardSide.ownFlags(), others);
                    cpus.put(built.peer(), SwitchCpu.ofSoftirq());
                    cpus.put(built.lanyard(), SwitchCpu.ofProcess(lanyardSide.daemonPid()));
                    break;
                case NAT:
                    built = new Sides(LinuxNat.build(workspace), lanyardSide.natEndpoints(), lanyardSide.ownFlags(), List.of());
                    cpus.put(built.peer(), SwitchCpu.ofSoftirq());
                    cpus.put(built.lanyard(), SwitchCpu.ofProcess(lanyardSide.daemonPid()));
                    break;
                case OVERLAY:
                    final Endpoints peer = LinuxOverlay.build(workspace);
                    lanyardOverlay = LanyardOverlay.start(workspace, daemonOptions.home, daemonFlags);
                    aliveChecks.add(lanyardOverlay::checkAlive);
                    progress.println("lanyard-perf: overlay: " + lanyardOverlay.describe());
                    built = new Sides(peer, lanyardOverlay.endpoints(), lanyardOverlay.flags(), List.of());
                    interop = OverlayInterop.build(workspace, lanyardOverlay);
                    break;
                default:
                    throw new IllegalStateException("no sides for " + scenario);
            }
            progress.println("lanyard-perf: " + scenario.cliName() + ": " + describe(built.all()));
            for (final Endpoints side : built.all())
            {
                final Iperf3.Server server = Iperf3.Server.start(workspace, side);
                servers.put(side, server);
                PingLatency.warmUp(workspace, side);
                switchSides.put(side, new SwitchMeasure.Side(side, server, probeCount > 0 ? UdpLatency.Server.start(workspace, side) : null,
                    cpus.get(side)));
            }
            sides.put(scenario, built);
        }
        if (interop != null)
        {
            progress.println("lanyard-perf: " + OverlayInterop.NAME + ": " + describe(List.of(interop.peer(), interop.lanyard())));
            servers.put(interop.peer(), Iperf3.Server.start(workspace, interop.peer()));
            PingLatency.warmUp(workspace, interop.peer());
            servers.put(interop.lanyard(), Iperf3.Server.start(workspace, interop.lanyard()));
            final String unreachable = PingLatency.awaitReplies(workspace, interop.lanyard());
            if (unreachable != null)
            {
                progress.println("lanyard-perf: " + OverlayInterop.NAME + ": " + unreachable + "; measuring it all the same");
            }
        }
        aliveChecks.forEach(Runnable::run);

        final Map<Scenario, List<Report.Round<Report.SideResult>>> rounds = new LinkedHashMap<>();
        final List<Report.Round<OverlayInterop.Side>> interopRounds = new ArrayList<>();
        final List<Report.Round<LanyardDns.Side>> dnsRounds = new ArrayList<>();
        final Runnable checkAlive = () -> aliveChecks.forEach(Runnable::run);
        final SwitchMeasure switchMeasure = new SwitchMeasure(workspace, new SwitchMeasure.Settings(repeat, duration, streams, pings,
            pingIntervalMillis, probeRate, probeCount), progress);
        for (int round = 1; round <= repeat; round++)
        {
            final int number = round;
            for (final Map.Entry<Scenario, Sides> entry : sides.entrySet())
            {
                rounds.computeIfAbsent(entry.getKey(), s -> new ArrayList<>()).add(measureRound(round, entry.getValue().all(),
                    side -> switchMeasure.measure(entry.getKey(), switchSides.get(side), number), checkAlive));
            }
            if (interop != null)
            {
                interopRounds.add(measureRound(round, List.of(interop.peer(), interop.lanyard()),
                    side -> measureInterop(servers.get(side), number), checkAlive));
            }
            if (lanyardDns != null)
            {
                final LanyardDns dnsScenario = lanyardDns;
                dnsRounds.add(Report.Round.measure(round, List.of(LanyardDns.PEER_LABEL, LanyardSide.LABEL),
                    side -> measureDns(dnsScenario, side == Report.LANYARD, number), checkAlive));
            }
        }

        final List<Report.Section<?>> sections = new ArrayList<>();
        for (final Scenario scenario : scenarios)
        {
            if (scenario == Scenario.DNS)
            {
                sections.add(new Report.Section<>(scenario.cliName(), scenario.description(), lanyardDns.method(),
                    List.of(scenario.peerLabel(), LanyardSide.LABEL), lanyardSide.ownFlags(), LanyardDns.METRICS, dnsRounds));
                continue;
            }
            final Sides measured = sides.get(scenario);
            final boolean cpu = measured.all().stream().allMatch(cpus::containsKey);
            final String description = scenario == Scenario.BRIDGE && ovsDescription != null ?
                scenario.description() + "; " + OvsUserspace.LABEL + ": " + ovsDescription : scenario.description();
            sections.add(Report.Section.ofSwitch(scenario.cliName(), description, measured.labels(), measured.lanyardFlags(),
                Report.switchMetrics(scenario.parallelStreams(streams), scenario.measuresUdp(), probeCount > 0, cpu), rounds.get(scenario)));
            if (scenario == Scenario.OVERLAY)
            {
                sections.add(new Report.Section<>(OverlayInterop.NAME, OverlayInterop.description(), OverlayInterop.method(duration),
                    List.of(OverlayInterop.PEER_LABEL, OverlayInterop.LABEL), lanyardOverlay.flags(), OverlayInterop.METRICS, interopRounds));
            }
        }
        final Report report = new Report(new Report.Settings(workspace.prefix(), repeat, duration, pings, pingIntervalMillis,
            daemonFlags, Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"), Report.Settings.runningJdk(),
            commit, started), sections);
        out.println();
        out.print(report.table());
        out.flush();
        if (jsonOut != null)
        {
            final Map<String, Object> json = report.json();
            final JsonNode stats = lanyardSide == null ? null : lanyardSide.stats();
            if (stats != null)
            {
                json.put("lanyardStats", stats);
            }
            if (lanyardOverlay != null)
            {
                json.put("lanyardOverlayStats", lanyardOverlay.stats());
            }
            writeJson(json);
        }
        if (chart != null)
        {
            RatioChart.write(chart, report);
            progress.println("lanyard-perf: chart written to " + chart);
        }
        return 0;
    }

    /**
     * One scenario's sides: the Linux peer, Lanyard with the flags its daemons got beyond the
     * run's, and any further peers (for {@code bridge}: Open vSwitch's userspace datapath), each
     * measured as the others are, in the report after Lanyard in this order.
     */
    private record Sides(Endpoints peer, Endpoints lanyard, List<String> lanyardFlags, List<Endpoints> others)
    {
        Sides
        {
            lanyardFlags = List.copyOf(lanyardFlags);
            others = List.copyOf(others);
        }

        /** Every side in the report's order ({@link Report#PEER}, {@link Report#LANYARD}, then the others). */
        List<Endpoints> all()
        {
            final List<Endpoints> all = new ArrayList<>(List.of(peer, lanyard));
            all.addAll(others);
            return all;
        }

        List<String> labels()
        {
            return all().stream().map(Endpoints::label).toList();
        }
    }

    private static String describe(final List<Endpoints> sides)
    {
        final List<String> described = new ArrayList<>();
        for (final Endpoints side : sides)
        {
            described.add(side.label() + " " + side.clientNetns() + " -> " + side.serverNetns() + " (" + side.serverAddress() + ")");
        }
        return String.join("; ", described);
    }

    private static String names(final List<Scenario> scenarios)
    {
        final List<String> names = new ArrayList<>();
        scenarios.forEach(scenario -> names.add(scenario.cliName()));
        return String.join(", ", names);
    }

    /**
     * One round of a scenario's sides (in the report's order, the Linux peer first), each going
     * first in turn ({@link Report.Round#measure}), checking after each side that every process
     * of the run is still there.
     */
    private static <R> Report.Round<R> measureRound(final int round, final List<Endpoints> sides, final Function<Endpoints, R> measure,
        final Runnable checkAlive)
    {
        return Report.Round.measure(round, sides.stream().map(Endpoints::label).toList(), side -> measure.apply(sides.get(side)), checkAlive);
    }

    /**
     * {@code git rev-parse --short HEAD} of the checkout holding {@code home} (the tools directory),
     * for the report; null where it cannot be had: no git, not a checkout, or a checkout git will
     * not read for this user (root outside sudo, in a checkout of another user's: git's
     * safe.directory, which this does not override).
     */
    private static String commit(final Path home)
    {
        final Exec.Result result = Exec.run(List.of("git", "-C", home.toString(), "rev-parse", "--short", "HEAD"), GIT_TIMEOUT, process -> { });
        final String commit = result.stdout().strip();
        return result.ok() && !commit.isEmpty() ? commit : null;
    }

    /**
     * Open vSwitch for the bridge scenario's third side, or null when {@code --ovs off} or when it
     * is not installed here (then one line says so, and the run goes on without it).
     */
    private OvsUserspace startOvs(final Workspace workspace)
    {
        if (!on(ovs))
        {
            return null;
        }
        final String unavailable = OvsUserspace.unavailable();
        if (unavailable != null)
        {
            progress.println("lanyard-perf: bridge: no " + OvsUserspace.LABEL + " side: " + unavailable);
            return null;
        }
        final OvsUserspace side = OvsUserspace.build(workspace, on(ovsTso));
        progress.println("lanyard-perf: " + OvsUserspace.LABEL + ": ovs-vswitchd pid " + side.vswitchdPid() + ", " + side.describe());
        return side;
    }

    private static boolean on(final String onOrOff)
    {
        return "on".equals(onOrOff);
    }

    /** The interop's side: TCP out and back; a failure is the cell's, and the run carries on. */
    private OverlayInterop.Side measureInterop(final Iperf3.Server server, final int round)
    {
        progress.printf(Locale.ROOT, "[round %d/%d] %-7s %-14s iperf3 %d s out, then back (-R) ... ", round, repeat, "interop",
            server.endpoints().label(), duration);
        progress.flush();
        final OverlayInterop.Side side = OverlayInterop.measure(server, duration);
        progress.printf(Locale.ROOT, "out %s; back %s%n", show(side.out()), show(side.back()));
        return side;
    }

    private static String show(final TcpThroughput.Result tcp)
    {
        return tcp.run().isFailed() ? tcp.run().describeFailure() : String.format(Locale.ROOT, "%.2f Gbit/s (%d retransmits)", tcp.gbps(),
            tcp.retransmits());
    }

    private LanyardDns.Side measureDns(final LanyardDns dns, final boolean lanyard, final int round)
    {
        progress.printf(Locale.ROOT, "[round %d/%d] %-7s %-14s %d s x2 at %d in flight, %d queries x%d one at a time ... ", round, repeat,
            Scenario.DNS.cliName(), lanyard ? LanyardSide.LABEL : LanyardDns.PEER_LABEL, dnsSeconds, LanyardDns.IN_FLIGHT, dnsQueries,
            lanyard ? 2 : 3);
        progress.flush();
        final LanyardDns.Side side = dns.measure(lanyard);
        progress.printf(Locale.ROOT, "names %.0f q/s, p50 %.3f ms; outside %.0f q/s, p50 %.3f ms%s; %d unanswered%n",
            side.namesRate().queriesPerSecond(), side.namesLatency().percentileMillis(50),
            side.outsideRate().queriesPerSecond(), side.outsideLatency().percentileMillis(50),
            side.hostLatency() == null ? "" : String.format(Locale.ROOT, " (from the host ns p50 %.3f ms)", side.hostLatency().percentileMillis(50)),
            side.unanswered());
        return side;
    }

    private List<String> daemonFlags()
    {
        final List<String> flags = new ArrayList<>();
        addFlag(flags, "--io", io);
        addFlag(flags, "--pipeline", pipeline);
        addFlag(flags, "--wait-strategy", waitStrategy);
        addFlag(flags, "--offload", offload);
        addFlag(flags, "--ring-size", ringSize == null ? null : ringSize.toString());
        flags.addAll(daemonOptions.moreFlags);
        return List.copyOf(flags);
    }

    private static void addFlag(final List<String> flags, final String name, final String value)
    {
        if (value != null)
        {
            flags.add(name);
            flags.add(value);
        }
    }

    private void writeJson(final Map<String, Object> json)
    {
        try
        {
            final Path parent = jsonOut.toAbsolutePath().getParent();
            if (parent != null)
            {
                Files.createDirectories(parent);
            }
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(jsonOut.toFile(), json);
            progress.println("lanyard-perf: results written to " + jsonOut);
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot write " + jsonOut + ": " + ex.getMessage());
        }
    }

    private void checkArguments()
    {
        if (duration < 1 || (streams != null && streams < 1) || pings < 1 || pingIntervalMillis < 1 || repeat < 1 || dnsSeconds < 1 ||
            dnsQueries < 1)
        {
            throw new PerfException("--duration, --streams, --pings, --ping-interval, --repeat, --dns-seconds and --dns-queries must be at least 1");
        }
        if (probeRate < 1 || probeCount < 0)
        {
            throw new PerfException("--probe-rate must be at least 1 and --probe-count at least 0");
        }
        for (final String[] flag : new String[][] {{"--ovs", ovs}, {"--ovs-tso", ovsTso}})
        {
            if (!flag[1].equals("on") && !flag[1].equals("off"))
            {
                throw new PerfException(flag[0] + " takes on or off, not " + flag[1]);
            }
        }
    }

    private static void checkPrerequisites(final List<Scenario> scenarios)
    {
        PerfTool.requireRootAnd(List.of("ip", "nsenter", "iperf3", "ping", "ss", "sysctl"));
        if (scenarios.contains(Scenario.NAT) && !PerfTool.onPath("iptables"))
        {
            throw new PerfException("--scenario nat needs iptables on the PATH for the Linux peer's MASQUERADE rule " +
                "(Debian: apt-get install iptables); its rules go only into the run's own namespace");
        }
        if (scenarios.contains(Scenario.OVERLAY) && !PerfTool.onPath("bridge"))
        {
            throw new PerfException("--scenario overlay needs bridge (iproute2) on the PATH for the Linux peer's VXLAN forwarding entries");
        }
        if (scenarios.contains(Scenario.DNS) && !PerfTool.onPath("dnsmasq"))
        {
            throw new PerfException("--scenario dns needs dnsmasq on the PATH for the upstream resolver and the peer " +
                "(Debian: apt-get install dnsmasq-base); it runs inside the run's own namespaces");
        }
        if (scenarios.contains(Scenario.OVERLAY) && !PerfTool.onPath("etcd"))
        {
            throw new PerfException("--scenario overlay needs etcd on the PATH as the Lanyard daemons' store " +
                "(Debian: apt-get install etcd-server); it runs inside the run's own namespace");
        }
    }
}
