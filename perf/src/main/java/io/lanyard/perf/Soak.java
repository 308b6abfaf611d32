package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.tap.NamespaceThread;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code lanyard-soak}: one {@code lanyardd} under every kind of load at once for a long time,
 * watched from outside. In namespaces of its own ({@code lys<4 hex>-}, see {@link Workspace}) it
 * starts the daemon in a host namespace, makes two networks and two fixed sandboxes, and then, for
 * {@code --duration} minutes, runs together: iperf3 TCP between the fixed sandboxes
 * ({@link SoakTraffic}), sandboxes created, connected, disconnected and removed
 * ({@link SandboxChurn}), and DNS queries to the embedded DNS from inside a sandbox
 * ({@link SoakDns}). Every {@code --interval} seconds it records the daemon's RSS, heap used after
 * a full GC, metaspace, descriptors, threads ({@link DaemonProbe}), the run's namespaces, the
 * dataplane's {@code stage_errors} and what each load did and how often it failed, to a CSV
 * ({@link SoakRecord}); at the end it draws the chart ({@link SoakChart}) and writes a one-line
 * summary ({@link SoakSummary}). It reports and asserts nothing: its exit status is 0 unless the
 * run itself broke (it could not be set up, or the daemon died). Everything it made is removed at
 * the end, also after a failure or Ctrl-C.
 *
 * <pre>
 *   PREFIX-srv (iperf3 -s; alias web) ──┐ TAP                  PREFIX-host: lanyardd
 *   PREFIX-cli (iperf3 -c, DNS queries) ┴ soaknet 10.81.0.0/24   (no route anywhere: its embedded DNS forwards nothing)
 *   PREFIX-k1, k2, ... (churn)  ─ soaknet, and soakalt 10.82.0.0/24 while connected
 * </pre>
 */
@Command(name = "lanyard-soak", mixinStandardHelpOptions = true, version = "lanyard-soak 0.1",
    description = {
        "Soaks one lanyardd: iperf3 TCP between two sandboxes, sandboxes created,",
        "connected, disconnected and removed, and DNS queries to the embedded DNS,",
        "all at once for --duration minutes; every --interval seconds it records the",
        "daemon's RSS, heap used after GC, descriptors, threads, the dataplane's",
        "stage_errors and the loads' failures to DIR/soak.csv, and at the end draws",
        "DIR/soak.png and writes a one-line summary to DIR/soak-summary.txt.",
        "It reports; it asserts nothing. Builds everything in namespaces of its own",
        "(lys<hex>-*) and removes them on exit. Needs root, iperf3, ping, nsenter,",
        "ip, ss, jcmd. More lanyardd flags may follow '--'.",
        ""})
public final class Soak implements Callable<Integer>
{
    static final String NAME = "lanyard-soak";
    static final String NETWORK = "soaknet";
    static final String SUBNET = "10.81.0.0/24";
    static final String OTHER_NETWORK = "soakalt";
    static final String OTHER_SUBNET = "10.82.0.0/24";
    static final String SERVER = "srv";
    static final String CLIENT = "cli";
    static final String ALIAS = "web";
    static final String SUMMARY_FILE = "soak-summary.txt";
    private static final int DNS_PORT = 53;
    /** No API call of the soak waits longer for the daemon. */
    private static final Duration API_TIMEOUT = Duration.ofSeconds(60);
    /** How long the loads get to finish after the deadline: the last iperf3 run's grace, and the churn's last removals. */
    private static final Duration LOAD_FINISH = Iperf3.CLIENT_GRACE.plusSeconds(30);
    /**
     * The loads run this much past the end, so the last sample sees them at work, not winding
     * down (the churn removing its sandboxes); they are stopped as soon as it is taken.
     */
    private static final Duration LOADS_OUTLAST_SAMPLES = Duration.ofSeconds(15);

    @Option(names = "--duration", paramLabel = "MINUTES", description = "how long the loads run (default: ${DEFAULT-VALUE})")
    int durationMinutes = 60;

    @Option(names = "--interval", paramLabel = "SECONDS", description = "seconds between two samples (default: ${DEFAULT-VALUE})")
    int intervalSeconds = 60;

    @Option(names = "--out", paramLabel = "DIR", description = "where soak.csv, soak.png, soak-summary.txt and soak-events.log go " +
        "(default: soak-<date>-<time> in the current directory)")
    Path out;

    @Option(names = "--bitrate", paramLabel = "RATE", description = "iperf3 -b: the traffic's rate, e.g. 500M; 0 for as fast as it goes " +
        "(default: ${DEFAULT-VALUE})")
    String bitrate = "1G";

    @Option(names = "--churn-sandboxes", paramLabel = "N", description = "churned sandboxes alive at once (default: ${DEFAULT-VALUE})")
    int churnSandboxes = 3;

    @Option(names = "--churn-pause", paramLabel = "MS", description = "pause after each churn cycle (default: ${DEFAULT-VALUE})")
    int churnPauseMillis = 500;

    @Option(names = "--dns-gap", paramLabel = "MS", description = "pause after each DNS answer (default: ${DEFAULT-VALUE})")
    int dnsGapMillis = 5;

    @Mixin
    DaemonOptions daemonOptions;


    private final PrintStream progress = System.err;
    /** Whether the chart and summary are written: by the run's end, or by the shutdown hook after Ctrl-C. */
    private boolean reported;
    /** Why the run broke (the daemon died), for the summary; null while it has not. */
    private volatile String broke;

    public static void main(final String[] args)
    {
        System.setProperty("java.awt.headless", "true");
        PerfTool.main(NAME, new Soak(), args);
    }

    @Override
    public Integer call()
    {
        return PerfTool.inWorkspace(NAME, "lys", () ->
        {
            checkArguments();
            PerfTool.requireRootAnd(List.of("ip", "nsenter", "iperf3", "ping", "ss", "jcmd"));
            return outputDirectory();
        }, this::soak);
    }

    /** The run with its record and log in {@code dir}; the chart and summary are written however it ends. */
    private int soak(final Workspace workspace, final Path dir)
    {
        try (SoakRecord record = SoakRecord.create(dir); SoakLog log = SoakLog.open(dir, progress))
        {
            final Thread reportOnExit = new Thread(() -> report(dir, record), "lanyard-soak-report");
            Runtime.getRuntime().addShutdownHook(reportOnExit);
            try
            {
                return run(workspace, record, log) ? 0 : 1;
            }
            finally
            {
                report(dir, record);
                removeHook(reportOnExit);
            }
        }
    }

    /** Builds the soak, runs the loads while sampling, and waits for the loads to finish; false if the daemon died. */
    private boolean run(final Workspace workspace, final SoakRecord record, final SoakLog log)
    {
        progress.println("lanyard-soak: " + durationMinutes + " min, a sample every " + intervalSeconds + " s; namespaces " +
            workspace.prefix() + "*; iperf3 -b " + bitrate + ", " + churnSandboxes + " churned sandboxes, DNS every " + dnsGapMillis + " ms");
        final String host = workspace.addNamespace("host");
        // the daemon's resolver configuration names no nameserver: its embedded DNS forwards nothing, anywhere
        final Path resolvConf = workspace.writeFile("resolv.conf", "# lanyard-soak: no nameserver, so the embedded DNS forwards nothing\n");
        final List<String> flags = new ArrayList<>(List.of("--resolv-conf", resolvConf.toString()));
        flags.addAll(daemonOptions.moreFlags);
        final LanyardDaemon daemon = LanyardDaemon.start(workspace, daemonOptions.home, "host", host, workspace.prefix(), flags);
        final DaemonProbe probe = DaemonProbe.of(workspace, daemon.pid());
        progress.println("lanyard-soak: lanyardd pid " + daemon.pid() + " with " + String.join(" ", flags));
        final ApiClient api = new ApiClient(daemon.api().socket(), "lanyardd", "application/json", API_TIMEOUT);

        daemon.createNetwork(NETWORK, SUBNET);
        daemon.createNetwork(OTHER_NETWORK, OTHER_SUBNET);
        final JsonNode server = daemon.createSandbox(SERVER, NETWORK, List.of(ALIAS));
        final JsonNode client = daemon.createSandbox(CLIENT, NETWORK);
        final String serverAddress = LanyardDaemon.address(server, NETWORK);
        final Endpoints endpoints = new Endpoints(LanyardSide.LABEL, client.path("Netns").asText(), server.path("Netns").asText(),
            serverAddress, LanyardDaemon.address(client, NETWORK));
        final Iperf3.Server iperf = Iperf3.Server.start(workspace, endpoints);
        PingLatency.warmUp(workspace, endpoints);
        final DnsLoad dnsLoad = openDns(endpoints.clientNetns(), serverAddress, LanyardDaemon.address(client, NETWORK));

        final SoakDeadline deadline = new SoakDeadline(Duration.ofMinutes(durationMinutes).plus(LOADS_OUTLAST_SAMPLES), workspace::isClosed);
        final SoakTraffic traffic = new SoakTraffic(iperf, bitrate, deadline, log);
        final SandboxChurn churn = new SandboxChurn(api, NETWORK, OTHER_NETWORK, churnSandboxes, churnPauseMillis, deadline, log);
        final SoakDns dns = new SoakDns(dnsLoad, Duration.ofMillis(dnsGapMillis), deadline, log);
        final Instant started = Instant.now();
        final long start = System.nanoTime();
        final List<Thread> loads = List.of(startLoad("iperf3", traffic), startLoad("churn", churn), startLoad("dns", dns));
        progress.println("lanyard-soak: loads started " + started.truncatedTo(ChronoUnit.SECONDS) + ": iperf3 " + endpoints.clientNetns() +
            " -> " + serverAddress + " " + String.join(" ", traffic.options()) + "; churn on " + NETWORK + " + " + OTHER_NETWORK +
            "; DNS from " + endpoints.clientNetns() + " to 127.0.0.11");

        boolean alive = true;
        final long total = TimeUnit.MINUTES.toSeconds(durationMinutes);
        long due = 0;
        try
        {
            while (true)
            {
                sleepUntil(start + TimeUnit.SECONDS.toNanos(due), workspace);
                final SoakSample sample = sample(daemon, probe, api, workspace, start, traffic, churn, dns, log);
                record.add(sample);
                progress.println(describe(sample));
                if (due >= total)
                {
                    break;
                }
                due = Math.min(total, due + intervalSeconds);
            }
        }
        catch (final PerfException ex)
        {
            if (workspace.isClosed())
            {
                throw ex;
            }
            progress.println("lanyard-soak: the run broke: " + ex.getMessage());
            log.event("sample", "the run broke: " + ex.getMessage());
            broke = ex.getMessage().lines().findFirst().orElse("");
            alive = false;
        }
        deadline.stop();
        awaitLoads(loads, log);
        dnsLoad.close();
        if (alive)
        {
            progress.println("lanyard-soak: after the loads: " + workspace.namespaces().size() + " namespaces " + workspace.prefix() +
                "* (3 when every churned sandbox went: host, " + SERVER + ", " + CLIENT + ")");
        }
        return alive;
    }

    /** One row: the daemon's resources, its counters, the run's namespaces and the loads' totals. */
    private SoakSample sample(final LanyardDaemon daemon, final DaemonProbe probe, final ApiClient api, final Workspace workspace,
        final long start, final SoakTraffic traffic, final SandboxChurn churn, final SoakDns dns, final SoakLog log)
    {
        daemon.checkAlive();
        final Instant time = Instant.now();
        final double elapsed = (System.nanoTime() - start) / 1e9;
        final DaemonProbe.Reading reading = probe.read();
        final Map<SoakSeries, Double> values = new EnumMap<>(SoakSeries.class);
        values.put(SoakSeries.RSS_MB, reading.rssMb());
        values.put(SoakSeries.HEAP_USED_MB, reading.heapUsedMb());
        values.put(SoakSeries.METASPACE_MB, reading.metaspaceMb());
        values.put(SoakSeries.FDS, (double)reading.fds());
        values.put(SoakSeries.THREADS, (double)reading.threads());
        values.put(SoakSeries.NAMESPACES, (double)workspace.namespaces().size());
        values.put(SoakSeries.STAGE_ERRORS, stageErrors(api, log));
        values.put(SoakSeries.CHURN_ERRORS, (double)churn.errors());
        values.put(SoakSeries.DNS_UNANSWERED, (double)dns.unanswered());
        values.put(SoakSeries.IPERF_FAILURES, (double)traffic.failures());
        values.put(SoakSeries.CHURN_CYCLES, (double)churn.cycles());
        values.put(SoakSeries.DNS_QUERIES, (double)dns.queries());
        values.put(SoakSeries.IPERF_RUNS, (double)traffic.runs());
        values.put(SoakSeries.DNS_P99_MS, dns.takeP99Millis());
        values.put(SoakSeries.IPERF_GBPS, traffic.lastGbps());
        if (Double.isNaN(reading.heapUsedMb()))
        {
            log.event("sample", "jcmd gave no heap figure");
        }
        return SoakSample.of(time, elapsed, values);
    }

    /** The dataplane's {@code stage_errors} ({@code GET /stats}); NaN, and logged, if the daemon does not say. */
    private static double stageErrors(final ApiClient api, final SoakLog log)
    {
        try
        {
            final ApiClient.Response stats = api.get("/stats");
            final JsonNode errors = stats.isSuccess() ? stats.json().path("Dataplane").path("stage_errors") : null;
            if (errors != null && errors.isNumber())
            {
                return errors.asDouble();
            }
            log.event("sample", "GET /stats gave no Dataplane.stage_errors: " + stats.status());
        }
        catch (final RuntimeException ex)
        {
            log.event("sample", "GET /stats failed: " + ex.getMessage());
        }
        return Double.NaN;
    }

    private static String describe(final SoakSample sample)
    {
        final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%3d:%02d]", (long)sample.elapsedSeconds() / 60,
            (long)sample.elapsedSeconds() % 60));
        for (final SoakSeries series : SoakSeries.values())
        {
            line.append(' ').append(series.column()).append(' ').append(SoakSummary.number(sample.value(series)));
        }
        return line.toString();
    }

    /**
     * A DNS load from the client's namespace to its embedded DNS, asking for the fixed sandboxes'
     * names (the server by name, qualified by its network and by alias, the client by name), each
     * checked first to resolve to its address.
     */
    private static DnsLoad openDns(final String clientNetns, final String serverAddress, final String clientAddress)
    {
        final Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put(SERVER, List.of(serverAddress));
        expected.put(SERVER + "." + NETWORK, List.of(serverAddress));
        expected.put(ALIAS, List.of(serverAddress));
        expected.put(CLIENT, List.of(clientAddress));
        final DnsLoad load;
        try (NamespaceThread inside = new NamespaceThread())
        {
            load = DnsLoad.open(inside, clientNetns, new InetSocketAddress(LanyardDns.EMBEDDED_ADDRESS, DNS_PORT), List.copyOf(expected.keySet()),
                "Lanyard's embedded DNS " + LanyardDns.EMBEDDED_ADDRESS + " in " + clientNetns);
        }
        LanyardDns.check(load, expected);
        return load;
    }

    private static Thread startLoad(final String name, final Runnable load)
    {
        final Thread thread = new Thread(load, "lanyard-soak-" + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void awaitLoads(final List<Thread> loads, final SoakLog log)
    {
        final long until = System.nanoTime() + LOAD_FINISH.toNanos();
        for (final Thread load : loads)
        {
            try
            {
                load.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
            if (load.isAlive())
            {
                log.event("sample", load.getName() + " did not finish within " + LOAD_FINISH.toSeconds() + " s of the end; left to the clean-up");
            }
        }
    }

    private static void sleepUntil(final long nanos, final Workspace workspace)
    {
        while (nanos - System.nanoTime() > 0)
        {
            if (workspace.isClosed())
            {
                throw new PerfException("interrupted");
            }
            LanyardSide.sleep(Math.min(200, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos - System.nanoTime()))));
        }
    }

    /** Writes the chart and the summary of what was sampled, once: at the end of the run, or on the way out after Ctrl-C. */
    private synchronized void report(final Path dir, final SoakRecord record)
    {
        if (reported)
        {
            return;
        }
        reported = true;
        final List<SoakSample> samples = record.samples();
        if (samples.isEmpty())
        {
            progress.println("lanyard-soak: no samples, so no chart or summary");
            return;
        }
        final String summary = (broke == null ? "" : "THE RUN BROKE (" + broke + "), the record ends before: ") +
            SoakSummary.line(samples, intervalSeconds);
        try
        {
            Files.writeString(dir.resolve(SUMMARY_FILE), summary + "\n", StandardCharsets.UTF_8);
            final Path png = SoakChart.write(dir, samples, String.format(Locale.ROOT, "lanyardd under soak: %.1f min from %s",
                samples.get(samples.size() - 1).elapsedSeconds() / 60, samples.get(0).time().truncatedTo(ChronoUnit.SECONDS)));
            System.out.println(summary);
            progress.println("lanyard-soak: wrote " + dir.resolve(SoakRecord.FILE) + ", " + png + ", " + dir.resolve(SUMMARY_FILE) +
                " and " + dir.resolve(SoakLog.FILE));
        }
        catch (final IOException | RuntimeException ex)
        {
            progress.println("lanyard-soak: cannot write the report: " + ex);
        }
    }

    private Path outputDirectory()
    {
        final Path dir = out != null ? out : Path.of("soak-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        try
        {
            return Files.createDirectories(dir).toAbsolutePath();
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot create " + dir + ": " + ex.getMessage());
        }
    }

    private void checkArguments()
    {
        if (durationMinutes < 1 || intervalSeconds < 1 || churnSandboxes < 1 || churnPauseMillis < 0 || dnsGapMillis < 0)
        {
            throw new PerfException("--duration, --interval and --churn-sandboxes must be at least 1, --churn-pause and --dns-gap at least 0");
        }
        if (intervalSeconds > TimeUnit.MINUTES.toSeconds(durationMinutes))
        {
            throw new PerfException("--interval " + intervalSeconds + " is longer than the run (" + durationMinutes + " min)");
        }
        if (!bitrate.matches("[0-9]+(\\.[0-9]+)?[KMGkmg]?"))
        {
            throw new PerfException("--bitrate " + bitrate + " is not a rate iperf3 takes (e.g. 500M, 1G, 0)");
        }
    }

    private static void removeHook(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ignored)
        {
            // the JVM is shutting down and runs the hook itself
        }
    }
}
