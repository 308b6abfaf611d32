package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.control.api.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lanyard-perf}: builds the Linux bridge and Lanyard side by side in one run, in
 * namespaces of its own, measures both the same way (iperf3 TCP, ping RTT), and prints a table.
 * Both switches live through the whole run, and rounds alternate between them, so the ratios
 * come from the same conditions on a noisy machine; with {@code --repeat} each figure is the
 * median over rounds. Everything the run made is removed at the end, also after a failure or
 * Ctrl-C.
 */
@Command(name = "lanyard-perf", mixinStandardHelpOptions = true, version = "lanyard-perf 0.1",
    description = {
        "Measures Lanyard against the Linux bridge in the same run: iperf3 TCP",
        "throughput and ping RTT between two namespaces on each switch. Builds",
        "everything in namespaces of its own (lyp<hex>-*) and removes them on exit.",
        "Needs root, iperf3, ping, nsenter, ip and ss. More lanyardd flags may",
        "follow '--', e.g.: lanyard-perf --repeat 3 -- --mac-aging 60",
        ""})
public final class LanyardPerf implements Callable<Integer>
{
    @Option(names = "--duration", paramLabel = "SECONDS", description = "iperf3 run length (default: ${DEFAULT-VALUE})")
    int duration = 10;

    @Option(names = "--streams", paramLabel = "N", description = "parallel TCP streams (default: ${DEFAULT-VALUE})")
    int streams = 1;

    @Option(names = "--pings", paramLabel = "N", description = "pings per measurement (default: ${DEFAULT-VALUE})")
    int pings = 200;

    @Option(names = "--ping-interval", paramLabel = "MS", description = "milliseconds between pings (default: ${DEFAULT-VALUE})")
    int pingIntervalMillis = 10;

    @Option(names = "--repeat", paramLabel = "K", description = "rounds, each measuring both switches; medians are reported (default: ${DEFAULT-VALUE})")
    int repeat = 1;

    @Option(names = "--json-out", paramLabel = "FILE", description = "also write the results as JSON to FILE")
    Path jsonOut;

    @Option(names = "--lanyard-home", paramLabel = "DIR", description = "the tools directory with bin/lanyardd (default: set by the script)")
    Path home = Path.of(System.getProperty("lanyard.home", System.getenv().getOrDefault("LANYARD_HOME", "tools")));

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

    @Parameters(paramLabel = "DAEMON_FLAG", description = "more lanyardd flags, after '--'")
    List<String> moreDaemonFlags = new ArrayList<>();

    private final PrintStream out = System.out;
    private final PrintStream progress = System.err;

    public static void main(final String[] args)
    {
        final CommandLine commandLine = new CommandLine(new LanyardPerf());
        commandLine.setParameterExceptionHandler((ex, arguments) ->
        {
            System.err.println("lanyard-perf: " + ex.getMessage());
            return 2;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call()
    {
        try
        {
            checkArguments();
            checkPrerequisites();
        }
        catch (final PerfException ex)
        {
            System.err.println("lanyard-perf: " + ex.getMessage());
            return 1;
        }
        final Workspace workspace = Workspace.create();
        try
        {
            return run(workspace);
        }
        catch (final PerfException ex)
        {
            if (!workspace.isClosed())
            {
                System.err.println("lanyard-perf: " + ex.getMessage());
            }
            return 1;
        }
        finally
        {
            progress.println("lanyard-perf: removing namespaces " + workspace.prefix() + "*, processes and temporary files");
            workspace.close();
        }
    }

    private int run(final Workspace workspace)
    {
        final List<String> daemonFlags = daemonFlags();
        progress.println("lanyard-perf: building the Linux bridge and Lanyard (namespaces " + workspace.prefix() + "*)");
        final Endpoints bridge = LinuxBridge.build(workspace);
        final LanyardSide lanyardSide = LanyardSide.start(workspace, home, daemonFlags);
        final Endpoints lanyard = lanyardSide.endpoints();
        progress.println("lanyard-perf: lanyardd pid " + lanyardSide.daemonPid() + (daemonFlags.isEmpty() ? "" : " with " + String.join(" ", daemonFlags)) +
            "; sandboxes " + lanyard.clientNetns() + " -> " + lanyard.serverNetns() + " (" + lanyard.serverAddress() + ")");

        for (final Endpoints side : List.of(bridge, lanyard))
        {
            TcpThroughput.startServer(workspace, side);
            PingLatency.warmUp(workspace, side);
        }
        lanyardSide.checkAlive();

        final List<Report.Round> rounds = new ArrayList<>();
        for (int round = 1; round <= repeat; round++)
        {
            final boolean bridgeFirst = round % 2 == 1;
            final Map<String, Report.SideResult> results = new LinkedHashMap<>();
            for (final Endpoints side : bridgeFirst ? List.of(bridge, lanyard) : List.of(lanyard, bridge))
            {
                results.put(side.label(), measure(workspace, side, round));
                lanyardSide.checkAlive();
            }
            rounds.add(new Report.Round(round, List.copyOf(results.keySet()), results.get(LinuxBridge.LABEL), results.get(LanyardSide.LABEL)));
        }

        final Report report = new Report(new Report.Settings(workspace.prefix(), repeat, duration, streams, pings, pingIntervalMillis,
            daemonFlags, Runtime.getRuntime().availableProcessors(), System.getProperty("os.version")), rounds);
        out.println();
        out.print(report.table());
        out.flush();
        if (jsonOut != null)
        {
            final Map<String, Object> json = report.json();
            final JsonNode stats = lanyardSide.stats();
            if (stats != null)
            {
                json.put("lanyardStats", stats);
            }
            writeJson(json);
        }
        return 0;
    }

    private Report.SideResult measure(final Workspace workspace, final Endpoints side, final int round)
    {
        progress.printf(Locale.ROOT, "[round %d/%d] %-12s ping x%d ... ", round, repeat, side.label(), pings);
        progress.flush();
        final PingLatency.Result ping = PingLatency.measure(workspace, side, pings, pingIntervalMillis);
        progress.printf(Locale.ROOT, "p50 %.3f ms p99 %.3f ms; iperf3 %d s ... ", ping.percentileMillis(50), ping.percentileMillis(99), duration);
        progress.flush();
        final TcpThroughput.Result tcp = TcpThroughput.measure(workspace, side, duration, streams);
        progress.printf(Locale.ROOT, "%.2f Gbit/s (%d retransmits)%n", tcp.gbps(), tcp.retransmits());
        return new Report.SideResult(tcp, ping);
    }

    private List<String> daemonFlags()
    {
        final List<String> flags = new ArrayList<>();
        addFlag(flags, "--io", io);
        addFlag(flags, "--pipeline", pipeline);
        addFlag(flags, "--wait-strategy", waitStrategy);
        addFlag(flags, "--offload", offload);
        addFlag(flags, "--ring-size", ringSize == null ? null : ringSize.toString());
        flags.addAll(moreDaemonFlags);
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
        if (duration < 1 || streams < 1 || pings < 1 || pingIntervalMillis < 1 || repeat < 1)
        {
            throw new PerfException("--duration, --streams, --pings, --ping-interval and --repeat must be at least 1");
        }
    }

    private static void checkPrerequisites()
    {
        if (!hasNetAdmin())
        {
            throw new PerfException("needs CAP_NET_ADMIN to build namespaces (run as root)");
        }
        for (final String tool : List.of("ip", "nsenter", "iperf3", "ping", "ss"))
        {
            if (!onPath(tool))
            {
                throw new PerfException("needs " + tool + " on the PATH");
            }
        }
    }

    private static boolean hasNetAdmin()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("CapEff:"))
                {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 12)) != 0;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return false;
        }
        return false;
    }

    private static boolean onPath(final String tool)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"))
        {
            if (Files.isExecutable(Path.of(dir, tool)))
            {
                return true;
            }
        }
        return false;
    }
}
