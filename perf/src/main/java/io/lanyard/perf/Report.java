package io.lanyard.perf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The side-by-side result: per scenario and metric, the median over rounds for Lanyard and for
 * the Linux peer it is compared with, and Lanyard's ratio to the peer, as text tables and as JSON.
 *
 * <p>Ratios read the same way for every metric — Lanyard's performance relative to the peer,
 * 1.00 for parity, higher is better: Lanyard/peer for throughput, peer/Lanyard for latency.
 * Each ratio is taken between the two medians of the same run.
 *
 * <p>A figure measured by a tool run ({@link ToolRun}) comes with the run's exact command line,
 * under the table and in the JSON; a run that gave no figure leaves the round out of the median
 * and is listed, and when every round of a side failed, its cell says why ("no connection").
 */
final class Report
{
    /** How the run measured; {@code daemonFlags} are the run's own lanyardd flags, given to every daemon. */
    record Settings(String prefix, int rounds, int seconds, int pings, int intervalMillis,
        List<String> daemonFlags, int cpus, String kernel)
    {
    }

    /**
     * What one side of a switch scenario measured in one round: TCP with one stream and, if the
     * scenario asks for them, with {@code -P N} streams and the 64-byte UDP rate (else null).
     */
    record SideResult(TcpThroughput.Result tcp, TcpThroughput.Result parallelTcp, UdpRate.Result udp, PingLatency.Result ping)
    {
    }

    /** One round of a scenario: what each side measured ({@code R}: a scenario kind's own result), in the order measured. */
    record Round<R>(int number, List<String> order, R peer, R lanyard)
    {
        R side(final boolean lanyard)
        {
            return lanyard ? this.lanyard : peer;
        }
    }

    /** A tool run of one side in one round, with the first row it stands behind (TCP's run gives its throughput and its retransmits). */
    record RowRun<R>(Metric<R> metric, ToolRun run)
    {
    }

    /**
     * One scenario's rounds, with the labels of the Linux peer it was measured against and of
     * Lanyard's side, the metrics its table shows, and the flags its Lanyard daemons got beyond
     * the run's own (an uplink, a store), which may name a per-host value as a pattern
     * ({@code 192.0.2.1X}).
     *
     * @param method how it was measured, one line under its title; null for the switch scenarios,
     *               whose method (iperf3 and ping) the report's heading gives.
     */
    record Section<R>(String scenario, String description, String method, String peerLabel, String lanyardLabel,
        List<String> lanyardFlags, List<Metric<R>> metrics, List<Round<R>> rounds)
    {
        Section
        {
            lanyardFlags = List.copyOf(lanyardFlags);
            metrics = List.copyOf(metrics);
            rounds = List.copyOf(rounds);
        }

        /** A switch scenario: iperf3 and ping on each side, the {@link #switchMetrics} it measured. */
        static Section<SideResult> ofSwitch(final String scenario, final String description, final String peerLabel,
            final List<String> lanyardFlags, final List<Metric<SideResult>> metrics, final List<Round<SideResult>> rounds)
        {
            return new Section<>(scenario, description, null, peerLabel, LanyardSide.LABEL, lanyardFlags, metrics, rounds);
        }

        double median(final Metric<R> metric, final boolean lanyard)
        {
            return Report.median(rounds.stream().mapToDouble(round -> metric.value().of(round, lanyard)).filter(x -> !Double.isNaN(x)).toArray());
        }

        String label(final boolean lanyard)
        {
            return lanyard ? lanyardLabel : peerLabel;
        }

        /** The tool runs behind a metric on one side, a round each (none for a metric no tool run measures). */
        List<ToolRun> runs(final Metric<R> metric, final boolean lanyard)
        {
            final List<ToolRun> runs = new ArrayList<>();
            for (final Round<R> round : rounds)
            {
                final ToolRun run = metric.run().apply(round.side(lanyard));
                if (run != null)
                {
                    runs.add(run);
                }
            }
            return runs;
        }

        /** The median's cell: what failed, if every round's run of that side failed; else the median. */
        String cell(final Metric<R> metric, final boolean lanyard)
        {
            final List<ToolRun> runs = runs(metric, lanyard);
            if (!runs.isEmpty() && runs.stream().allMatch(ToolRun::isFailed))
            {
                return runs.get(runs.size() - 1).failure();
            }
            return metric.show(median(metric, lanyard));
        }

        /** One side's tool runs in a round, each once, in the order of the rows. */
        List<RowRun<R>> distinctRuns(final Round<R> round, final boolean lanyard)
        {
            final List<RowRun<R>> runs = new ArrayList<>();
            final Set<ToolRun> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            for (final Metric<R> metric : metrics)
            {
                final ToolRun run = metric.run().apply(round.side(lanyard));
                if (run != null && seen.add(run))
                {
                    runs.add(new RowRun<>(metric, run));
                }
            }
            return runs;
        }
    }

    enum Better
    {
        HIGHER, LOWER, NEITHER
    }

    /** A metric's value for one side of one round: most read that side's result, a difference reads both. */
    interface Value<R>
    {
        /** NaN where the metric has no value for that side. */
        double of(Round<R> round, boolean lanyard);
    }

    /** A result that one run of a tool gave: the run says how it was made, and whether it gave its figures. */
    interface Measured
    {
        ToolRun run();
    }

    /**
     * One row of a scenario's table and one key of its JSON.
     *
     * @param roundFormat how the per-round lines show it ({@code "p50 %.3f ms"}); null: they do not.
     * @param run         the tool run behind a side's value, or null where there is none.
     */
    record Metric<R>(String name, String key, Value<R> value, Better better, String format, String roundFormat,
        Function<R, ToolRun> run)
    {
        /** A value each side has, read from that side's result. */
        static <R> Metric<R> of(final String name, final String key, final ToDoubleFunction<R> value, final Better better,
            final String format)
        {
            return new Metric<>(name, key, (round, lanyard) -> value.applyAsDouble(round.side(lanyard)), better, format, null, side -> null);
        }

        /**
         * A value read from what one tool run gave each side ({@code result}; null where the side
         * had no such run): NaN where the run failed, and the run's command line beside it.
         */
        static <R, T extends Measured> Metric<R> ofRun(final String name, final String key, final Function<R, T> result,
            final ToDoubleFunction<T> value, final Better better, final String format)
        {
            final Function<R, ToolRun> run = side ->
            {
                final T measured = result.apply(side);
                return measured == null ? null : measured.run();
            };
            return new Metric<>(name, key, (round, lanyard) ->
            {
                final T measured = result.apply(round.side(lanyard));
                return measured == null || measured.run().isFailed() ? Double.NaN : value.applyAsDouble(measured);
            }, better, format, null, run);
        }

        /** A value only the peer's side has (a baseline): the Lanyard column is empty. */
        static <R> Metric<R> ofPeer(final String name, final String key, final ToDoubleFunction<R> value, final String format)
        {
            return new Metric<>(name, key, (round, lanyard) -> lanyard ? Double.NaN : value.applyAsDouble(round.peer()), Better.NEITHER,
                format, null, side -> null);
        }

        /**
         * What Lanyard adds: per round, Lanyard's value less the peer's value of another
         * measure, in the Lanyard column; the median is taken over these per-round differences.
         */
        static <R> Metric<R> difference(final String name, final String key, final ToDoubleFunction<R> lanyardValue,
            final ToDoubleFunction<R> peerValue, final String format)
        {
            return new Metric<>(name, key, (round, lanyard) -> lanyard ?
                lanyardValue.applyAsDouble(round.lanyard()) - peerValue.applyAsDouble(round.peer()) : Double.NaN, Better.NEITHER, format, null,
                side -> null);
        }

        /** The same metric, shown in the per-round lines with {@code format}. */
        Metric<R> perRound(final String format)
        {
            return new Metric<>(name, key, value, better, this.format, format, run);
        }

        String show(final double x)
        {
            return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, format, x);
        }

        /** Lanyard relative to the peer, higher is better; NaN where a ratio means nothing. */
        double ratio(final double peer, final double lanyard)
        {
            switch (better)
            {
                case HIGHER:
                    return peer == 0 ? Double.NaN : lanyard / peer;
                case LOWER:
                    return lanyard == 0 ? Double.NaN : peer / lanyard;
                default:
                    return Double.NaN;
            }
        }
    }

    /** The switch scenarios' metrics measured in every round: TCP with one stream first. */
    private static final List<Metric<SideResult>> SINGLE_STREAM = List.of(
        Metric.ofRun("TCP throughput (Gbit/s)", "tcpGbps", SideResult::tcp, TcpThroughput.Result::gbps, Better.HIGHER, "%.2f")
            .perRound("%6.2f Gbit/s"),
        Metric.ofRun("TCP retransmits", "tcpRetransmits", SideResult::tcp, TcpThroughput.Result::retransmits, Better.NEITHER, "%.0f"));

    /** The 64-byte UDP rate: the receiver's count is the figure, the sender's shows whether the sender was the limit. */
    private static final List<Metric<SideResult>> UDP = List.of(
        Metric.ofRun("UDP 64 B received (datagrams/s)", "udp64ReceivedPerSecond", SideResult::udp, UdpRate.Result::receivedPerSecond,
            Better.HIGHER, "%.0f").perRound("udp64 %.0f/s"),
        Metric.ofRun("UDP 64 B sent (datagrams/s)", "udp64SentPerSecond", SideResult::udp, UdpRate.Result::sentPerSecond,
            Better.NEITHER, "%.0f"));

    private static final List<Metric<SideResult>> PING = List.of(
        Metric.<SideResult>of("ping RTT p50 (ms)", "pingP50Ms", r -> r.ping().percentileMillis(50), Better.LOWER, "%.3f").perRound("p50 %.3f ms"),
        Metric.<SideResult>of("ping RTT p99 (ms)", "pingP99Ms", r -> r.ping().percentileMillis(99), Better.LOWER, "%.3f").perRound("p99 %.3f ms"),
        Metric.<SideResult>of("ping RTT max (ms)", "pingMaxMs", r -> r.ping().maxMillis(), Better.LOWER, "%.3f"),
        Metric.<SideResult>of("ping RTT mean (ms)", "pingMeanMs", r -> r.ping().meanMillis(), Better.LOWER, "%.3f"),
        Metric.<SideResult>of("ping replies", "pingReceived", r -> r.ping().received(), Better.NEITHER, "%.0f"),
        Metric.<SideResult>of("ping requests", "pingSent", r -> r.ping().sent(), Better.NEITHER, "%.0f"));

    /**
     * A switch scenario's rows: TCP with one stream; with {@code -P parallelStreams} too if that
     * is more than one; the 64-byte UDP rate if {@code udp}; and ping.
     */
    static List<Metric<SideResult>> switchMetrics(final int parallelStreams, final boolean udp)
    {
        final List<Metric<SideResult>> metrics = new ArrayList<>(SINGLE_STREAM);
        if (parallelStreams > 1)
        {
            metrics.add(Metric.ofRun("TCP " + parallelStreams + " streams (Gbit/s)", "tcpParallelGbps", SideResult::parallelTcp,
                TcpThroughput.Result::gbps, Better.HIGHER, "%.2f").perRound("-P " + parallelStreams + " %.2f Gbit/s"));
            metrics.add(Metric.ofRun("TCP " + parallelStreams + " streams retransmits", "tcpParallelRetransmits", SideResult::parallelTcp,
                TcpThroughput.Result::retransmits, Better.NEITHER, "%.0f"));
        }
        if (udp)
        {
            metrics.addAll(UDP);
        }
        metrics.addAll(PING);
        return List.copyOf(metrics);
    }

    private static final int NAME_WIDTH = 26;

    private final Settings settings;
    private final List<Section<?>> sections;

    Report(final Settings settings, final List<Section<?>> sections)
    {
        this.settings = settings;
        this.sections = List.copyOf(sections);
    }

    static double median(final double[] values)
    {
        if (values.length == 0)
        {
            return Double.NaN;
        }
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    String table()
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "lanyard-perf: %s vs Linux in the same run, %s%n", LanyardSide.LABEL,
            settings.rounds() == 1 ? "1 round" : "medians of " + settings.rounds() + " rounds (alternating which goes first)"));
        if (sections.stream().anyMatch(section -> section.method() == null))
        {
            out.append(String.format(Locale.ROOT, "  TCP: iperf3, %d s, receiver rate, 1 stream where the row names no more.  " +
                "Latency: %d pings every %d ms, RTT from ping's time=.%n", settings.seconds(), settings.pings(), settings.intervalMillis()));
        }
        out.append("  lanyardd flags: ").append(settings.daemonFlags().isEmpty() ? "(none)" : String.join(" ", settings.daemonFlags()))
            .append("  (and each scenario's own, if any, below; others: the daemon's defaults)\n");
        out.append(String.format(Locale.ROOT, "  machine: %d CPUs, Linux %s; namespaces %s*%n", settings.cpus(), settings.kernel(), settings.prefix()));

        sections.forEach(section -> appendTable(out, section));
        out.append("\nratio: Lanyard relative to the Linux peer, 1.00 = parity, higher is better\n");
        out.append("       (throughput: Lanyard/peer; latency: peer/Lanyard, so 0.50 = Lanyard's RTT is twice the peer's)\n");

        if (settings.rounds() > 1)
        {
            out.append("\nrounds:\n");
            sections.forEach(section -> appendRounds(out, section));
        }
        return out.toString();
    }

    private static <R> void appendTable(final StringBuilder out, final Section<R> section)
    {
        out.append(String.format(Locale.ROOT, "%nscenario %s: %s%n", section.scenario(), section.description()));
        if (section.method() != null)
        {
            out.append("  ").append(section.method()).append('\n');
        }
        if (!section.lanyardFlags().isEmpty())
        {
            out.append("  its lanyardd flags: ").append(String.join(" ", section.lanyardFlags())).append('\n');
        }
        final int width = Math.max(NAME_WIDTH, section.metrics().stream().mapToInt(metric -> metric.name().length()).max().orElse(0));
        final String row = "%-" + width + "s %14s %14s %8s%n";
        out.append(String.format(Locale.ROOT, row, "metric", section.peerLabel(), section.lanyardLabel(), "ratio"));
        out.append(String.format(Locale.ROOT, row, "-".repeat(width), "-".repeat(14), "-".repeat(14), "-".repeat(8)));
        for (final Metric<R> metric : section.metrics())
        {
            final double peer = section.median(metric, false);
            final double lanyard = section.median(metric, true);
            final double ratio = metric.ratio(peer, lanyard);
            out.append(String.format(Locale.ROOT, row, metric.name(), section.cell(metric, false), section.cell(metric, true),
                Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio)));
        }
        appendFailures(out, section);
        appendCommands(out, section);
    }

    /** Every run that gave no figure, by round and side; a run behind several rows is named once. */
    private static <R> void appendFailures(final StringBuilder out, final Section<R> section)
    {
        for (final Round<R> round : section.rounds())
        {
            for (final boolean lanyard : List.of(false, true))
            {
                for (final RowRun<R> failed : section.distinctRuns(round, lanyard))
                {
                    if (failed.run().isFailed())
                    {
                        out.append(String.format(Locale.ROOT, "  no figure: round %d, %s, %s: %s%n", round.number(), section.label(lanyard),
                            failed.metric().name(), failed.run().describeFailure()));
                    }
                }
            }
        }
    }

    /** The command line behind each row of each side, as run in the last round (every round runs the same). */
    private static <R> void appendCommands(final StringBuilder out, final Section<R> section)
    {
        if (section.rounds().isEmpty())
        {
            return;
        }
        final Round<R> last = section.rounds().get(section.rounds().size() - 1);
        final List<String> lines = new ArrayList<>();
        for (final boolean lanyard : List.of(false, true))
        {
            for (final RowRun<R> run : section.distinctRuns(last, lanyard))
            {
                lines.add(String.format(Locale.ROOT, "    %s, %s: %s%n", section.label(lanyard), run.metric().name(), run.run().commandLine()));
            }
        }
        if (!lines.isEmpty())
        {
            out.append("  commands:\n");
            lines.forEach(out::append);
        }
    }

    private static <R> void appendRounds(final StringBuilder out, final Section<R> section)
    {
        for (final Round<R> round : section.rounds())
        {
            out.append(String.format(Locale.ROOT, "  %-7s %d  %-12s %s   %-7s %s%n", section.scenario(), round.number(),
                section.peerLabel(), roundSummary(section, round, false), section.lanyardLabel(), roundSummary(section, round, true)));
        }
    }

    /** One side's metrics that have a per-round format, in order. */
    private static <R> String roundSummary(final Section<R> section, final Round<R> round, final boolean lanyard)
    {
        final List<String> shown = new ArrayList<>();
        for (final Metric<R> metric : section.metrics())
        {
            if (metric.roundFormat() != null)
            {
                final ToolRun run = metric.run().apply(round.side(lanyard));
                final double x = metric.value().of(round, lanyard);
                final String value = Double.isNaN(x) ? "-" : String.format(Locale.ROOT, metric.roundFormat(), x);
                shown.add(run != null && run.isFailed() ? run.failure() : value);
            }
        }
        return String.join("  ", shown);
    }

    Map<String, Object> json()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("prefix", settings.prefix());
        json.put("rounds", settings.rounds());
        json.put("tcp", Map.of("tool", "iperf3", "seconds", settings.seconds(), "rate", "receiver"));
        json.put("ping", Map.of("count", settings.pings(), "intervalMs", settings.intervalMillis()));
        json.put("daemonFlags", settings.daemonFlags());
        json.put("machine", Map.of("cpus", settings.cpus(), "kernel", settings.kernel()));
        json.put("ratio", "Lanyard relative to the Linux peer, higher is better: Lanyard/peer for throughput, peer/Lanyard for latency");

        final List<Map<String, Object>> scenarios = new ArrayList<>();
        sections.forEach(section -> scenarios.add(json(section)));
        json.put("scenarios", scenarios);
        return json;
    }

    private static <R> Map<String, Object> json(final Section<R> section)
    {
        final Map<String, Object> scenario = new LinkedHashMap<>();
        scenario.put("scenario", section.scenario());
        scenario.put("description", section.description());
        if (section.method() != null)
        {
            scenario.put("method", section.method());
        }
        scenario.put("peer", section.peerLabel());
        scenario.put("lanyard", section.lanyardLabel());
        scenario.put("lanyardFlags", section.lanyardFlags());

        final List<Map<String, Object>> metrics = new ArrayList<>();
        for (final Metric<R> metric : section.metrics())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            final double peer = section.median(metric, false);
            final double lanyard = section.median(metric, true);
            entry.put("metric", metric.key());
            entry.put("name", metric.name());
            entry.put("peer", finite(peer));
            entry.put("lanyard", finite(lanyard));
            entry.put("ratio", finite(metric.ratio(peer, lanyard)));
            putRuns(entry, section, metric);
            metrics.add(entry);
        }
        scenario.put("medians", metrics);

        final List<Map<String, Object>> perRound = new ArrayList<>();
        for (final Round<R> round : section.rounds())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("round", round.number());
            entry.put("order", round.order());
            entry.put("peer", values(section, round, false));
            entry.put("lanyard", values(section, round, true));
            final Map<String, Object> failures = new LinkedHashMap<>();
            for (final boolean lanyard : List.of(false, true))
            {
                final Map<String, String> failed = failures(section, round, lanyard);
                if (!failed.isEmpty())
                {
                    failures.put(lanyard ? "lanyard" : "peer", failed);
                }
            }
            if (!failures.isEmpty())
            {
                entry.put("failures", failures);
            }
            perRound.add(entry);
        }
        scenario.put("perRound", perRound);
        return scenario;
    }

    /**
     * A median's tool runs: each side's command line (the last round's), and the rounds whose run
     * gave no figure, with why.
     */
    private static <R> void putRuns(final Map<String, Object> entry, final Section<R> section, final Metric<R> metric)
    {
        final Map<String, Object> commands = new LinkedHashMap<>();
        final Map<String, Object> failed = new LinkedHashMap<>();
        for (final boolean lanyard : List.of(false, true))
        {
            final String side = lanyard ? "lanyard" : "peer";
            final List<ToolRun> runs = section.runs(metric, lanyard);
            if (!runs.isEmpty())
            {
                commands.put(side, runs.get(runs.size() - 1).commandLine());
            }
            final List<String> failures = runs.stream().filter(ToolRun::isFailed).map(ToolRun::describeFailure).toList();
            if (!failures.isEmpty())
            {
                failed.put(side, failures);
            }
        }
        if (!commands.isEmpty())
        {
            entry.put("commands", commands);
        }
        if (!failed.isEmpty())
        {
            entry.put("failures", failed);
        }
    }

    /** One side's failed runs in a round, by the key of the first metric each stands behind. */
    private static <R> Map<String, String> failures(final Section<R> section, final Round<R> round, final boolean lanyard)
    {
        final Map<String, String> failures = new LinkedHashMap<>();
        for (final RowRun<R> failed : section.distinctRuns(round, lanyard))
        {
            if (failed.run().isFailed())
            {
                failures.put(failed.metric().key(), failed.run().describeFailure());
            }
        }
        return failures;
    }

    /** One side's value of every metric in a round (null where it has none). */
    private static <R> Map<String, Object> values(final Section<R> section, final Round<R> round, final boolean lanyard)
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        for (final Metric<R> metric : section.metrics())
        {
            values.put(metric.key(), finite(metric.value().of(round, lanyard)));
        }
        return values;
    }

    private static Double finite(final double x)
    {
        return Double.isFinite(x) ? x : null;
    }
}
