package io.lanyard.perf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The side-by-side result: per scenario and metric, the median over rounds for Lanyard and for
 * the Linux peer it is compared with, and Lanyard's ratio to the peer, as text tables and as JSON.
 *
 * <p>Ratios read the same way for every metric — Lanyard's performance relative to the peer,
 * 1.00 for parity, higher is better: Lanyard/peer for throughput, peer/Lanyard for latency.
 * Each ratio is taken between the two medians of the same run.
 */
final class Report
{
    /** How the run measured; {@code daemonFlags} are the run's own lanyardd flags, given to every daemon. */
    record Settings(String prefix, int rounds, int seconds, int streams, int pings, int intervalMillis,
        List<String> daemonFlags, int cpus, String kernel)
    {
    }

    /** What one side of a switch scenario measured in one round. */
    record SideResult(TcpThroughput.Result tcp, PingLatency.Result ping)
    {
    }

    /** One round of a scenario: what each side measured ({@code R}: a scenario kind's own result), in the order measured. */
    record Round<R>(int number, List<String> order, R peer, R lanyard)
    {
    }

    /**
     * One scenario's rounds, with the label of the Linux peer it was measured against, the
     * metrics its table shows, and the flags its Lanyard daemons got beyond the run's own (an
     * uplink, a store), which may name a per-host value as a pattern ({@code 192.0.2.1X}).
     *
     * @param method how it was measured, one line under its title; null for the switch scenarios,
     *               whose method (iperf3 and ping) the report's heading gives.
     */
    record Section<R>(String scenario, String description, String method, String peerLabel, List<String> lanyardFlags,
        List<Metric<R>> metrics, List<Round<R>> rounds)
    {
        Section
        {
            lanyardFlags = List.copyOf(lanyardFlags);
            metrics = List.copyOf(metrics);
            rounds = List.copyOf(rounds);
        }

        /** A switch scenario: iperf3 and ping on each side, {@link #METRICS}. */
        static Section<SideResult> ofSwitch(final String scenario, final String description, final String peerLabel,
            final List<String> lanyardFlags, final List<Round<SideResult>> rounds)
        {
            return new Section<>(scenario, description, null, peerLabel, lanyardFlags, METRICS, rounds);
        }

        double median(final Metric<R> metric, final boolean lanyard)
        {
            return Report.median(rounds.stream().mapToDouble(round -> metric.value().of(round, lanyard)).filter(x -> !Double.isNaN(x)).toArray());
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

    /**
     * One row of a scenario's table and one key of its JSON.
     *
     * @param roundFormat how the per-round lines show it ({@code "p50 %.3f ms"}); null: they do not.
     */
    record Metric<R>(String name, String key, Value<R> value, Better better, String format, String roundFormat)
    {
        /** A value each side has, read from that side's result. */
        static <R> Metric<R> of(final String name, final String key, final ToDoubleFunction<R> value, final Better better,
            final String format)
        {
            return new Metric<>(name, key, (round, lanyard) -> value.applyAsDouble(lanyard ? round.lanyard() : round.peer()), better,
                format, null);
        }

        /** A value only the peer's side has (a baseline): the Lanyard column is empty. */
        static <R> Metric<R> ofPeer(final String name, final String key, final ToDoubleFunction<R> value, final String format)
        {
            return new Metric<>(name, key, (round, lanyard) -> lanyard ? Double.NaN : value.applyAsDouble(round.peer()), Better.NEITHER,
                format, null);
        }

        /**
         * What Lanyard adds: per round, Lanyard's value less the peer's value of another
         * measure, in the Lanyard column; the median is taken over these per-round differences.
         */
        static <R> Metric<R> difference(final String name, final String key, final ToDoubleFunction<R> lanyardValue,
            final ToDoubleFunction<R> peerValue, final String format)
        {
            return new Metric<>(name, key, (round, lanyard) -> lanyard ?
                lanyardValue.applyAsDouble(round.lanyard()) - peerValue.applyAsDouble(round.peer()) : Double.NaN, Better.NEITHER, format, null);
        }

        /** The same metric, shown in the per-round lines with {@code format}. */
        Metric<R> perRound(final String format)
        {
            return new Metric<>(name, key, value, better, this.format, format);
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

    /** The switch scenarios' metrics: iperf3 and ping on each side. */
    static final List<Metric<SideResult>> METRICS = List.of(
        Metric.<SideResult>of("TCP throughput (Gbit/s)", "tcpGbps", r -> r.tcp().gbps(), Better.HIGHER, "%.2f").perRound("%6.2f Gbit/s"),
        Metric.<SideResult>of("TCP retransmits", "tcpRetransmits", r -> r.tcp().retransmits(), Better.NEITHER, "%.0f"),
        Metric.<SideResult>of("ping RTT p50 (ms)", "pingP50Ms", r -> r.ping().percentileMillis(50), Better.LOWER, "%.3f").perRound("p50 %.3f ms"),
        Metric.<SideResult>of("ping RTT p99 (ms)", "pingP99Ms", r -> r.ping().percentileMillis(99), Better.LOWER, "%.3f").perRound("p99 %.3f ms"),
        Metric.<SideResult>of("ping RTT max (ms)", "pingMaxMs", r -> r.ping().maxMillis(), Better.LOWER, "%.3f"),
        Metric.<SideResult>of("ping RTT mean (ms)", "pingMeanMs", r -> r.ping().meanMillis(), Better.LOWER, "%.3f"),
        Metric.<SideResult>of("ping replies", "pingReceived", r -> r.ping().received(), Better.NEITHER, "%.0f"),
        Metric.<SideResult>of("ping requests", "pingSent", r -> r.ping().sent(), Better.NEITHER, "%.0f"));

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
            out.append(String.format(Locale.ROOT, "  TCP: iperf3, %d stream%s, %d s, receiver rate.  Latency: %d pings every %d ms, RTT from ping's time=.%n",
                settings.streams(), settings.streams() == 1 ? "" : "s", settings.seconds(), settings.pings(), settings.intervalMillis()));
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
        out.append(String.format(Locale.ROOT, row, "metric", section.peerLabel(), LanyardSide.LABEL, "ratio"));
        out.append(String.format(Locale.ROOT, row, "-".repeat(width), "-".repeat(14), "-".repeat(14), "-".repeat(8)));
        for (final Metric<R> metric : section.metrics())
        {
            final double peer = section.median(metric, false);
            final double lanyard = section.median(metric, true);
            final double ratio = metric.ratio(peer, lanyard);
            out.append(String.format(Locale.ROOT, row, metric.name(), metric.show(peer), metric.show(lanyard),
                Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio)));
        }
    }

    private static <R> void appendRounds(final StringBuilder out, final Section<R> section)
    {
        for (final Round<R> round : section.rounds())
        {
            out.append(String.format(Locale.ROOT, "  %-7s %d  %-12s %s   %-7s %s%n", section.scenario(), round.number(),
                section.peerLabel(), roundSummary(section, round, false), LanyardSide.LABEL, roundSummary(section, round, true)));
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
                final double x = metric.value().of(round, lanyard);
                shown.add(Double.isNaN(x) ? "-" : String.format(Locale.ROOT, metric.roundFormat(), x));
            }
        }
        return String.join("  ", shown);
    }

    Map<String, Object> json()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("prefix", settings.prefix());
        json.put("rounds", settings.rounds());
        json.put("tcp", Map.of("tool", "iperf3", "streams", settings.streams(), "seconds", settings.seconds(), "rate", "receiver"));
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
            perRound.add(entry);
        }
        scenario.put("perRound", perRound);
        return scenario;
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
