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

    record SideResult(TcpThroughput.Result tcp, PingLatency.Result ping)
    {
    }

    record Round(int number, List<String> order, SideResult peer, SideResult lanyard)
    {
    }

    /**
     * One scenario's rounds, with the label of the Linux peer it was measured against and the
     * flags its Lanyard daemons got beyond the run's own (an uplink, a store), which may name a
     * per-host value as a pattern ({@code 192.0.2.1X}).
     */
    record Section(String scenario, String description, String peerLabel, List<String> lanyardFlags, List<Round> rounds)
    {
        Section
        {
            lanyardFlags = List.copyOf(lanyardFlags);
            rounds = List.copyOf(rounds);
        }

        double median(final Metric metric, final boolean lanyard)
        {
            return Report.median(rounds.stream().mapToDouble(r -> metric.value().applyAsDouble(lanyard ? r.lanyard() : r.peer())).toArray());
        }
    }

    enum Better
    {
        HIGHER, LOWER, NEITHER
    }

    record Metric(String name, String key, ToDoubleFunction<SideResult> value, Better better, String format)
    {
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

    static final List<Metric> METRICS = List.of(
        new Metric("TCP throughput (Gbit/s)", "tcpGbps", r -> r.tcp().gbps(), Better.HIGHER, "%.2f"),
        new Metric("TCP retransmits", "tcpRetransmits", r -> r.tcp().retransmits(), Better.NEITHER, "%.0f"),
        new Metric("ping RTT p50 (ms)", "pingP50Ms", r -> r.ping().percentileMillis(50), Better.LOWER, "%.3f"),
        new Metric("ping RTT p99 (ms)", "pingP99Ms", r -> r.ping().percentileMillis(99), Better.LOWER, "%.3f"),
        new Metric("ping RTT max (ms)", "pingMaxMs", r -> r.ping().maxMillis(), Better.LOWER, "%.3f"),
        new Metric("ping RTT mean (ms)", "pingMeanMs", r -> r.ping().meanMillis(), Better.LOWER, "%.3f"),
        new Metric("ping replies", "pingReceived", r -> r.ping().received(), Better.NEITHER, "%.0f"));

    private final Settings settings;
    private final List<Section> sections;

    Report(final Settings settings, final List<Section> sections)
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
        out.append(String.format(Locale.ROOT, "  TCP: iperf3, %d stream%s, %d s, receiver rate.  Latency: %d pings every %d ms, RTT from ping's time=.%n",
            settings.streams(), settings.streams() == 1 ? "" : "s", settings.seconds(), settings.pings(), settings.intervalMillis()));
        out.append("  lanyardd flags: ").append(settings.daemonFlags().isEmpty() ? "(none)" : String.join(" ", settings.daemonFlags()))
            .append("  (and each scenario's own, if any, below; others: the daemon's defaults)\n");
        out.append(String.format(Locale.ROOT, "  machine: %d CPUs, Linux %s; namespaces %s*%n", settings.cpus(), settings.kernel(), settings.prefix()));

        final String row = "%-26s %14s %14s %8s%n";
        for (final Section section : sections)
        {
            out.append(String.format(Locale.ROOT, "%nscenario %s: %s%n", section.scenario(), section.description()));
            if (!section.lanyardFlags().isEmpty())
            {
                out.append("  its lanyardd flags: ").append(String.join(" ", section.lanyardFlags())).append('\n');
            }
            out.append(String.format(Locale.ROOT, row, "metric", section.peerLabel(), LanyardSide.LABEL, "ratio"));
            out.append(String.format(Locale.ROOT, row, "-".repeat(26), "-".repeat(14), "-".repeat(14), "-".repeat(8)));
            for (final Metric metric : METRICS)
            {
                final double peer = section.median(metric, false);
                final double lanyard = section.median(metric, true);
                final double ratio = metric.ratio(peer, lanyard);
                out.append(String.format(Locale.ROOT, row, metric.name(), metric.show(peer), metric.show(lanyard),
                    Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio)));
            }
        }
        out.append("\nratio: Lanyard relative to the Linux peer, 1.00 = parity, higher is better\n");
        out.append("       (throughput: Lanyard/peer; latency: peer/Lanyard, so 0.50 = Lanyard's RTT is twice the peer's)\n");

        if (settings.rounds() > 1)
        {
            out.append("\nrounds:\n");
            for (final Section section : sections)
            {
                for (final Round round : section.rounds())
                {
                    out.append(String.format(Locale.ROOT, "  %-7s %d  %-12s %6.2f Gbit/s  p50 %.3f ms  p99 %.3f ms   %-7s %6.2f Gbit/s  p50 %.3f ms  p99 %.3f ms%n",
                        section.scenario(), round.number(),
                        section.peerLabel(), round.peer().tcp().gbps(), round.peer().ping().percentileMillis(50), round.peer().ping().percentileMillis(99),
                        LanyardSide.LABEL, round.lanyard().tcp().gbps(), round.lanyard().ping().percentileMillis(50), round.lanyard().ping().percentileMillis(99)));
                }
            }
        }
        return out.toString();
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
        for (final Section section : sections)
        {
            final Map<String, Object> scenario = new LinkedHashMap<>();
            scenario.put("scenario", section.scenario());
            scenario.put("description", section.description());
            scenario.put("peer", section.peerLabel());
            scenario.put("lanyardFlags", section.lanyardFlags());

            final List<Map<String, Object>> metrics = new ArrayList<>();
            for (final Metric metric : METRICS)
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
            for (final Round round : section.rounds())
            {
                final Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("round", round.number());
                entry.put("order", round.order());
                entry.put("peer", values(round.peer()));
                entry.put("lanyard", values(round.lanyard()));
                perRound.add(entry);
            }
            scenario.put("perRound", perRound);
            scenarios.add(scenario);
        }
        json.put("scenarios", scenarios);
        return json;
    }

    private static Map<String, Object> values(final SideResult result)
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        for (final Metric metric : METRICS)
        {
            values.put(metric.key(), finite(metric.value().applyAsDouble(result)));
        }
        values.put("pingSent", result.ping().sent());
        return values;
    }

    private static Double finite(final double x)
    {
        return Double.isFinite(x) ? x : null;
    }
}
