package io.lanyard.perf;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;

/**
 * The side-by-side result: per scenario and metric, the median over rounds of every side
 * measured — the Linux peer, Lanyard, and any further peer (Open vSwitch's userspace datapath) —
 * and Lanyard's ratio to each side it is compared with; shown as text tables ({@link ReportTable}),
 * as JSON ({@link ReportJson}) and as a chart of the ratios ({@link RatioChart}).
 *
 * <p>A scenario's sides have one fixed order, its {@link Section#labels}: side {@value #PEER} is
 * the Linux peer, the baseline that a baseline-only row ({@link Metric#ofPeer}) and a difference
 * ({@link Metric#difference}) read; side {@value #LANYARD} is Lanyard; sides from 2 on are
 * further peers. A round carries one result per side in that order, whatever order they were
 * measured in ({@link Round#measure}).
 *
 * <p>Ratios read the same way for every metric and every peer — Lanyard's performance relative
 * to that peer, 1.00 for parity, higher is better: Lanyard/peer for throughput, peer/Lanyard for
 * latency. Each ratio is taken between two medians of the same run. A table of two sides has one
 * ratio column, "ratio"; with more, one per peer, headed "vs" and the peer's short name
 * ({@link Section#shortName}: "vs Linux", "vs OVS").
 *
 * <p>A figure measured by a tool run ({@link ToolRun}) comes with the run's exact command line,
 * under the table and in the JSON; a run that gave no figure leaves the round out of the median
 * and is listed, and when every round of a side failed, its cell says why ("no connection").
 */
final class Report
{
    /** The side of a section that is the Linux peer: the baseline. */
    static final int PEER = 0;
    /** The side of a section that is Lanyard. */
    static final int LANYARD = 1;

    /**
     * How and where the run measured; {@code daemonFlags} are the run's own lanyardd flags, given
     * to every daemon.
     *
     * @param jdk     the JVM the harness ran on, as {@link #runningJdk} names it.
     * @param commit  {@code git rev-parse --short HEAD} of the checkout the harness ran from; null
     *                where there was none to be had (no git, no checkout, or one git refused).
     * @param started when the run began.
     */
    record Settings(String prefix, int rounds, int seconds, int pings, int intervalMillis, List<String> daemonFlags, int cpus,
        String kernel, String jdk, String commit, Instant started)
    {
        Settings
        {
            daemonFlags = List.copyOf(daemonFlags);
        }

        /** This JVM: {@code java.vm.name} and {@code java.runtime.version} ("OpenJDK 64-Bit Server VM 21.0.5+11"). */
        static String runningJdk()
        {
            return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        }
    }

    /**
     * What one side of a switch scenario measured in one round: TCP with one stream and, if the
     * scenario asks for them, with {@code -P N} streams and the 64-byte UDP rate (else null);
     * ping; the harness's own UDP latency probe (null where not measured); and the switch's CPU
     * seconds ({@link SwitchCpu}) per GB the 1-stream TCP run moved and per million datagrams the
     * UDP run delivered (NaN where not measured).
     */
    record SideResult(TcpThroughput.Result tcp, TcpThroughput.Result parallelTcp, UdpRate.Result udp, PingLatency.Result ping,
        UdpLatency.Result probe, double cpuSecondsPerGigabyte, double cpuSecondsPerMillionDatagrams)
    {
        SideResult(final TcpThroughput.Result tcp, final TcpThroughput.Result parallelTcp, final UdpRate.Result udp,
            final PingLatency.Result ping)
        {
            this(tcp, parallelTcp, udp, ping, null, Double.NaN, Double.NaN);
        }
    }

    /**
     * One round of a scenario: what each side measured ({@code R}: a scenario kind's own result),
     * in the order of its section's sides, none missing; {@code order} is the labels in the order
     * they were measured.
     */
    record Round<R>(int number, List<String> order, List<R> results)
    {
        Round
        {
            order = List.copyOf(order);
            results = List.copyOf(results);
        }

        R side(final int side)
        {
            return results.get(side);
        }

        /**
         * Measures round {@code number} (from 1) of the sides {@code labels}, each by {@code measure}
         * given its index, in the {@link #order} of that round, and runs {@code afterEach} after
         * every side (the checks that every process of the run is still there).
         */
        static <R> Round<R> measure(final int number, final List<String> labels, final IntFunction<R> measure, final Runnable afterEach)
        {
            final List<R> results = new ArrayList<>(Collections.nCopies(labels.size(), null));
            final List<String> order = new ArrayList<>();
            for (final int side : order(number, labels.size()))
            {
                results.set(side, measure.apply(side));
                order.add(labels.get(side));
                afterEach.run();
            }
            return new Round<>(number, order, results);
        }

        /**
         * The order round {@code number} measures {@code sides} sides in: rotated by one each
         * round, so each goes first in turn (and two alternate, the peer first in odd rounds) and
         * a drift over the run does not always favour the same side.
         */
        static List<Integer> order(final int number, final int sides)
        {
            final List<Integer> order = new ArrayList<>();
            for (int i = 0; i < sides; i++)
            {
                order.add((number - 1 + i) % sides);
            }
            return order;
        }
    }

    /** A tool run of one side in one round, with the first row it stands behind (TCP's run gives its throughput and its retransmits). */
    record RowRun<R>(Metric<R> metric, ToolRun run)
    {
    }

    /**
     * One scenario's rounds, with the labels of its sides (the Linux peer, Lanyard, then any
     * further peers), the metrics its table shows, and the flags its Lanyard daemons got beyond
     * the run's own (an uplink, a store), which may name a per-host value as a pattern
     * ({@code 192.0.2.1X}).
     *
     * @param method how it was measured, one line under its title; null for the switch scenarios,
     *               whose method (iperf3 and ping) the report's heading gives.
     */
    record Section<R>(String scenario, String description, String method, List<String> labels, List<String> lanyardFlags,
        List<Metric<R>> metrics, List<Round<R>> rounds)
    {
        Section
        {
            labels = List.copyOf(labels);
            lanyardFlags = List.copyOf(lanyardFlags);
            metrics = List.copyOf(metrics);
            rounds = List.copyOf(rounds);
            if (labels.size() <= LANYARD)
            {
                throw new IllegalArgumentException(scenario + ": a section has the Linux peer and Lanyard at least, not " + labels);
            }
            for (final Round<R> round : rounds)
            {
                if (round.results().size() != labels.size())
                {
                    throw new IllegalArgumentException(scenario + ", round " + round.number() + ": " + round.results().size() +
                        " results for the sides " + labels);
                }
            }
        }

        /** A switch scenario: iperf3 and ping on each side, the {@link #switchMetrics} it measured. */
        static Section<SideResult> ofSwitch(final String scenario, final String description, final List<String> labels,
            final List<String> lanyardFlags, final List<Metric<SideResult>> metrics, final List<Round<SideResult>> rounds)
        {
            return new Section<>(scenario, description, null, labels, lanyardFlags, metrics, rounds);
        }

        /** Whether this is a switch scenario, measured by iperf3 and ping as the report's heading says. */
        boolean isSwitch()
        {
            return method == null;
        }

        String label(final int side)
        {
            return labels.get(side);
        }

        /** The sides Lanyard is compared with: every other one, the Linux peer first. */
        List<Integer> compared()
        {
            final List<Integer> compared = new ArrayList<>();
            for (int side = 0; side < labels.size(); side++)
            {
                if (side != LANYARD)
                {
                    compared.add(side);
                }
            }
            return compared;
        }

        /**
         * A side's name in a ratio's heading: the first word of its label ("Linux", "OVS"), or
         * the whole label where another side's starts with the same word.
         */
        String shortName(final int side)
        {
            final String first = firstWord(labels.get(side));
            return labels.stream().filter(label -> firstWord(label).equals(first)).count() == 1 ? first : labels.get(side);
        }

        /** The heading of the ratio column against {@code side}: "ratio" where it is the only one, else "vs" and its short name. */
        String ratioHeading(final int side)
        {
            return labels.size() == 2 ? "ratio" : "vs " + shortName(side);
        }

        double median(final Metric<R> metric, final int side)
        {
            return Report.median(rounds.stream().mapToDouble(round -> metric.value().of(round, side)).filter(x -> !Double.isNaN(x)).toArray());
        }

        /** Lanyard's median relative to {@code side}'s, higher is better; NaN where a ratio means nothing. */
        double ratio(final Metric<R> metric, final int side)
        {
            return metric.ratio(median(metric, side), median(metric, LANYARD));
        }

        /** The tool runs behind a metric on one side, a round each (none for a metric no tool run measures). */
        List<ToolRun> runs(final Metric<R> metric, final int side)
        {
            final List<ToolRun> runs = new ArrayList<>();
            for (final Round<R> round : rounds)
            {
                final ToolRun run = metric.run().apply(round.side(side));
                if (run != null)
                {
                    runs.add(run);
                }
            }
            return runs;
        }

        /** The median's cell: what failed, if every round's run of that side failed; else the median. */
        String cell(final Metric<R> metric, final int side)
        {
            final List<ToolRun> runs = runs(metric, side);
            if (!runs.isEmpty() && runs.stream().allMatch(ToolRun::isFailed))
            {
                return runs.get(runs.size() - 1).failure();
            }
            return metric.show(median(metric, side));
        }

        /** One side's tool runs in a round, each once, in the order of the rows. */
        List<RowRun<R>> distinctRuns(final Round<R> round, final int side)
        {
            final List<RowRun<R>> runs = new ArrayList<>();
            final Set<ToolRun> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            for (final Metric<R> metric : metrics)
            {
                final ToolRun run = metric.run().apply(round.side(side));
                if (run != null && seen.add(run))
                {
                    runs.add(new RowRun<>(metric, run));
                }
            }
            return runs;
        }

        private static String firstWord(final String label)
        {
            final int space = label.indexOf(' ');
            return space < 0 ? label : label.substring(0, space);
        }
    }

    enum Better
    {
        HIGHER, LOWER, NEITHER
    }

    /** A metric's value for one side of one round: most read that side's result, a difference reads two. */
    interface Value<R>
    {
        /** NaN where the metric has no value for that side. */
        double of(Round<R> round, int side);
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
            return new Metric<>(name, key, (round, side) -> value.applyAsDouble(round.side(side)), better, format, null, result -> null);
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
            return new Metric<>(name, key, (round, side) ->
            {
                final T measured = result.apply(round.side(side));
                return measured == null || measured.run().isFailed() ? Double.NaN : value.applyAsDouble(measured);
            }, better, format, null, run);
        }

        /** A value only the Linux peer's side has (a baseline): every other column is empty. */
        static <R> Metric<R> ofPeer(final String name, final String key, final ToDoubleFunction<R> value, final String format)
        {
            return new Metric<>(name, key, (round, side) -> side == PEER ? value.applyAsDouble(round.side(PEER)) : Double.NaN,
                Better.NEITHER, format, null, result -> null);
        }

        /**
         * What Lanyard adds: per round, Lanyard's value less the Linux peer's value of another
         * measure, in the Lanyard column only; the median is taken over these per-round differences.
         */
        static <R> Metric<R> difference(final String name, final String key, final ToDoubleFunction<R> lanyardValue,
            final ToDoubleFunction<R> peerValue, final String format)
        {
            return new Metric<>(name, key, (round, side) -> side == LANYARD ?
                lanyardValue.applyAsDouble(round.side(LANYARD)) - peerValue.applyAsDouble(round.side(PEER)) : Double.NaN,
                Better.NEITHER, format, null, result -> null);
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

        /** Lanyard relative to another side, higher is better; NaN where a ratio means nothing. */
        double ratio(final double other, final double lanyard)
        {
            switch (better)
            {
                case HIGHER:
                    return other == 0 ? Double.NaN : lanyard / other;
                case LOWER:
                    return lanyard == 0 ? Double.NaN : other / lanyard;
                default:
                    return Double.NaN;
            }
        }
    }

    /**
     * Lanyard's ratio to one peer in one metric of a switch scenario, a bar of {@link RatioChart}.
     *
     * @param peer the peer's {@link Section#shortName}, so one peer's bars are one series across scenarios.
     */
    record Ratio(String scenario, String metric, String peer, double value)
    {
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
            Better.NEITHER, "%.0f"),
        Metric.ofRun("UDP 64 B dropped by the receiving socket (datagrams/s)", "udp64SocketDropsPerSecond", SideResult::udp,
            UdpRate.Result::socketDropsPerSecond, Better.NEITHER, "%.0f"));

    private static final List<Metric<SideResult>> PING = List.of(
        Metric.<SideResult>of("ping RTT p50 (ms)", "pingP50Ms", r -> r.ping().percentileMillis(50), Better.LOWER, "%.3f").perRound("p50 %.3f ms"),
        Metric.<SideResult>of("ping RTT p99 (ms)", "pingP99Ms", r -> r.ping().percentileMillis(99), Better.LOWER, "%.3f").perRound("p99 %.3f ms"),
        Metric.<SideResult>of("ping RTT max (ms)", "pingMaxMs", r -> r.ping().maxMillis(), Better.LOWER, "%.3f"),
        Metric.<SideResult>of("ping RTT mean (ms)", "pingMeanMs", r -> r.ping().meanMillis(), Better.LOWER, "%.3f"),
        Metric.<SideResult>of("ping replies", "pingReceived", r -> r.ping().received(), Better.NEITHER, "%.0f"),
        Metric.<SideResult>of("ping requests", "pingSent", r -> r.ping().sent(), Better.NEITHER, "%.0f"));

    /** The harness's own latency probe ({@link UdpLatency}): 64-byte UDP request/response at a fixed rate. */
    private static final List<Metric<SideResult>> PROBE = List.of(
        Metric.ofRun("UDP probe RTT p50 (ms)", "probeP50Ms", SideResult::probe, r -> r.percentileMillis(50), Better.LOWER, "%.3f")
            .perRound("probe p50 %.3f ms"),
        Metric.ofRun("UDP probe RTT p99 (ms)", "probeP99Ms", SideResult::probe, r -> r.percentileMillis(99), Better.LOWER, "%.3f")
            .perRound("p99 %.3f ms"),
        Metric.ofRun("UDP probe RTT p99.9 (ms)", "probeP999Ms", SideResult::probe, r -> r.percentileMillis(99.9), Better.LOWER, "%.3f"),
        Metric.ofRun("UDP probe RTT max (ms)", "probeMaxMs", SideResult::probe, UdpLatency.Result::maxMillis, Better.LOWER, "%.3f"),
        // what was lost is a figure also of a probe that lost everything (a failed run, whose other rows are empty)
        Metric.<SideResult>of("UDP probe requests lost", "probeLost", r -> r.probe() == null ? Double.NaN : r.probe().lost(), Better.NEITHER,
            "%.0f"));

    /** The switch's CPU cost ({@link SwitchCpu}: its process, if any, and softirq): CPU seconds per GB of TCP and per million 64-byte datagrams. */
    private static final Metric<SideResult> CPU_PER_GIGABYTE = Metric.<SideResult>of("switch+softirq CPU s/GB (TCP 1 stream)",
        "cpuSecondsPerGigabyte", SideResult::cpuSecondsPerGigabyte, Better.LOWER, "%.3f").perRound("cpu %.3f s/GB");
    private static final Metric<SideResult> CPU_PER_MILLION_DATAGRAMS = Metric.<SideResult>of("switch+softirq CPU s/M UDP datagrams",
        "cpuSecondsPerMillionDatagrams", SideResult::cpuSecondsPerMillionDatagrams, Better.LOWER, "%.2f");

    /**
     * A switch scenario's rows: TCP with one stream; with {@code -P parallelStreams} too if that
     * is more than one; the 64-byte UDP rate if {@code udp}; ping; the latency probe if
     * {@code probe}; and the switch's CPU cost if {@code cpu}.
     */
    static List<Metric<SideResult>> switchMetrics(final int parallelStreams, final boolean udp, final boolean probe, final boolean cpu)
    {
        final List<Metric<SideResult>> metrics = new ArrayList<>(switchMetrics(parallelStreams, udp));
        if (probe)
        {
            metrics.addAll(PROBE);
        }
        if (cpu)
        {
            metrics.add(CPU_PER_GIGABYTE);
            if (udp)
            {
                metrics.add(CPU_PER_MILLION_DATAGRAMS);
            }
        }
        return List.copyOf(metrics);
    }

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

    Settings settings()
    {
        return settings;
    }

    List<Section<?>> sections()
    {
        return sections;
    }

    /** The JSON ({@link ReportJson} describes its shape), as a map that Jackson writes as it is. */
    Map<String, Object> json()
    {
        return ReportJson.of(this);
    }

    /** Every ratio of the switch scenarios that has a value, scenario by scenario, in the order of the rows and then of the peers. */
    List<Ratio> switchRatios()
    {
        final List<Ratio> ratios = new ArrayList<>();
        sections.stream().filter(Section::isSwitch).forEach(section -> addRatios(ratios, section));
        return ratios;
    }

    private static <R> void addRatios(final List<Ratio> ratios, final Section<R> section)
    {
        for (final Metric<R> metric : section.metrics())
        {
            for (final int side : section.compared())
            {
                final double ratio = section.ratio(metric, side);
                if (Double.isFinite(ratio))
                {
                    ratios.add(new Ratio(section.scenario(), metric.name(), section.shortName(side), ratio));
                }
            }
        }
    }

    /** The text tables ({@link ReportTable}). */
    String table()
    {
        return ReportTable.of(this);
    }
}
