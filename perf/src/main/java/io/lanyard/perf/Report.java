package io.lanyard.perf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The side-by-side result: per metric, the median over rounds for each switch and Lanyard's
 * ratio to the bridge, as a text table and as JSON.
 *
 * <p>Ratios read the same way for every metric — Lanyard's performance relative to the bridge,
 * 1.00 for parity, higher is better: Lanyard/bridge for throughput, bridge/Lanyard for latency.
 * Each ratio is taken between the two medians of the same run.
 */
final class Report
{
    record Settings(String prefix, int rounds, int seconds, int streams, int pings, int intervalMillis,
        List<String> daemonFlags, int cpus, String kernel)
    {
    }

    record SideResult(TcpThroughput.Result tcp, PingLatency.Result ping)
    {
    }

    record Round(int number, List<String> order, SideResult bridge, SideResult lanyard)
    {
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

        /** Lanyard relative to the bridge, higher is better; NaN where a ratio means nothing. */
        double ratio(final double bridge, final double lanyard)
        {
            switch (better)
            {
                case HIGHER:
                    return bridge == 0 ? Double.NaN : lanyard / bridge;
                case LOWER:
                    return lanyard == 0 ? Double.NaN : bridge / lanyard;
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
    private final List<Round> rounds;

    Report(final Settings settings, final List<Round> rounds)
    {
        this.settings = settings;
        this.rounds = List.copyOf(rounds);
    }

    double median(final Metric metric, final boolean lanyard)
    {
        final double[] values = rounds.stream().mapToDouble(r -> metric.value().applyAsDouble(lanyard ? r.lanyard() : r.bridge())).toArray();
        return median(values);
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
        out.append(String.format(Locale.ROOT, "lanyard-perf: %s vs %s in the same run, %s%n", LinuxBridge.LABEL, LanyardSide.LABEL,
            rounds.size() == 1 ? "1 round" : "medians of " + rounds.size() + " rounds (alternating which goes first)"));
        out.append(String.format(Locale.ROOT, "  TCP: iperf3, %d stream%s, %d s, receiver rate.  Latency: %d pings every %d ms, RTT from ping's time=.%n",
            settings.streams(), settings.streams() == 1 ? "" : "s", settings.seconds(), settings.pings(), settings.intervalMillis()));
        out.append("  lanyardd flags: ").append(settings.daemonFlags().isEmpty() ? "(none: the daemon's defaults)" :
            String.join(" ", settings.daemonFlags()) + "  (others: the daemon's defaults)").append('\n');
        out.append(String.format(Locale.ROOT, "  machine: %d CPUs, Linux %s; namespaces %s*%n%n", settings.cpus(), settings.kernel(), settings.prefix()));

        final String row = "%-26s %14s %14s %8s%n";
        out.append(String.format(Locale.ROOT, row, "metric", LinuxBridge.LABEL, LanyardSide.LABEL, "ratio"));
        out.append(String.format(Locale.ROOT, row, "-".repeat(26), "-".repeat(14), "-".repeat(14), "-".repeat(8)));
        for (final Metric metric : METRICS)
        {
            final double bridge = median(metric, false);
            final double lanyard = median(metric, true);
            final double ratio = metric.ratio(bridge, lanyard);
            out.append(String.format(Locale.ROOT, row, metric.name(), metric.show(bridge), metric.show(lanyard),
                Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio)));
        }
        out.append("ratio: Lanyard relative to the bridge, 1.00 = parity, higher is better\n");
        out.append("       (throughput: Lanyard/bridge; latency: bridge/Lanyard, so 0.50 = Lanyard's RTT is twice the bridge's)\n");

        if (rounds.size() > 1)
        {
            out.append("\nrounds:\n");
            for (final Round round : rounds)
            {
                out.append(String.format(Locale.ROOT, "  %d  %-12s %6.2f Gbit/s  p50 %.3f ms  p99 %.3f ms   %-7s %6.2f Gbit/s  p50 %.3f ms  p99 %.3f ms%n",
                    round.number(),
                    LinuxBridge.LABEL, round.bridge().tcp().gbps(), round.bridge().ping().percentileMillis(50), round.bridge().ping().percentileMillis(99),
                    LanyardSide.LABEL, round.lanyard().tcp().gbps(), round.lanyard().ping().percentileMillis(50), round.lanyard().ping().percentileMillis(99)));
            }
        }
        return out.toString();
    }

    Map<String, Object> json()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("prefix", settings.prefix());
        json.put("rounds", rounds.size());
        json.put("tcp", Map.of("tool", "iperf3", "streams", settings.streams(), "seconds", settings.seconds(), "rate", "receiver"));
        json.put("ping", Map.of("count", settings.pings(), "intervalMs", settings.intervalMillis()));
        json.put("daemonFlags", settings.daemonFlags());
        json.put("machine", Map.of("cpus", settings.cpus(), "kernel", settings.kernel()));
        json.put("ratio", "Lanyard relative to the bridge, higher is better: Lanyard/bridge for throughput, bridge/Lanyard for latency");

        final List<Map<String, Object>> metrics = new ArrayList<>();
        for (final Metric metric : METRICS)
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            final double bridge = median(metric, false);
            final double lanyard = median(metric, true);
            entry.put("metric", metric.key());
            entry.put("name", metric.name());
            entry.put("bridge", finite(bridge));
            entry.put("lanyard", finite(lanyard));
            entry.put("ratio", finite(metric.ratio(bridge, lanyard)));
            metrics.add(entry);
        }
        json.put("medians", metrics);

        final List<Map<String, Object>> perRound = new ArrayList<>();
        for (final Round round : rounds)
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("round", round.number());
            entry.put("order", round.order());
            entry.put("bridge", values(round.bridge()));
            entry.put("lanyard", values(round.lanyard()));
            perRound.add(entry);
        }
        json.put("perRound", perRound);
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
