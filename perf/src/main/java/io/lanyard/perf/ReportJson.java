package io.lanyard.perf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Report} as JSON: nested maps and lists that Jackson writes as they are. A value that
 * is not there (no round gave one, or a ratio that means nothing) is {@code null}.
 *
 * <pre>
 * { "commit": "1b984cb" or null, "date": "2026-12-07T12:00:00Z",
 *   "prefix", "rounds", "tcp": {tool, seconds, rate}, "ping": {count, intervalMs}, "daemonFlags": [...],
 *   "machine": {"cpus", "kernel", "jdk"}, "ratio": "what a ratio is",
 *   "scenarios": [ {
 *     "scenario", "description", "method" (not for the switch scenarios),
 *     "peer": "Linux bridge", "lanyard": "Lanyard", "others": ["OVS userspace"], "lanyardFlags": [...],
 *     "medians": [ { "metric": "tcpGbps", "name",
 *                    "peer": 12.0, "lanyard": 5.0, "ratio": 0.42,
 *                    "commands": {"peer": "...", "lanyard": "..."}, "failures": {"lanyard": ["no connection: ..."]},
 *                    "others": [ {"label": "OVS userspace", "value": 8.0, "ratio": 0.63, "command": "...", "failures": [...]} ] } ],
 *     "perRound": [ { "round": 2, "order": ["Lanyard", "OVS userspace", "Linux bridge"],
 *                     "peer": {"tcpGbps": 12.0, ...}, "lanyard": {...}, "failures": {"lanyard": {"tcpGbps": "no connection: ..."}},
 *                     "others": [ {"label": "OVS userspace", "values": {...}, "failures": {...}} ] } ] } ] }
 * </pre>
 *
 * <p>The Linux peer and Lanyard keep keys of their own ({@code peer}, {@code lanyard}, and
 * {@code ratio}: Lanyard relative to the Linux peer), as they have since there were only two
 * sides; every further peer is an entry of {@code others}, in the section's order, with its
 * label, its value, Lanyard's ratio to it, and its command and failures. A scenario of two sides
 * has no {@code others} anywhere; {@code commands} and {@code failures} appear only where there
 * are some.
 */
final class ReportJson
{
    private ReportJson()
    {
    }

    static Map<String, Object> of(final Report report)
    {
        final Report.Settings settings = report.settings();
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("commit", settings.commit());
        json.put("date", settings.started().toString());
        json.put("prefix", settings.prefix());
        json.put("rounds", settings.rounds());
        json.put("tcp", Map.of("tool", "iperf3", "seconds", settings.seconds(), "rate", "receiver"));
        json.put("ping", Map.of("count", settings.pings(), "intervalMs", settings.intervalMillis()));
        json.put("daemonFlags", settings.daemonFlags());
        final Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", settings.cpus());
        machine.put("kernel", settings.kernel());
        machine.put("jdk", settings.jdk());
        json.put("machine", machine);
        json.put("ratio", "Lanyard relative to the Linux peer (others[].ratio: to that peer), higher is better: " +
            "Lanyard/peer for throughput, peer/Lanyard for latency and CPU");

        final List<Map<String, Object>> scenarios = new ArrayList<>();
        report.sections().forEach(section -> scenarios.add(scenario(section)));
        json.put("scenarios", scenarios);
        return json;
    }

    private static <R> Map<String, Object> scenario(final Report.Section<R> section)
    {
        final Map<String, Object> scenario = new LinkedHashMap<>();
        scenario.put("scenario", section.scenario());
        scenario.put("description", section.description());
        if (section.method() != null)
        {
            scenario.put("method", section.method());
        }
        scenario.put("peer", section.label(Report.PEER));
        scenario.put("lanyard", section.label(Report.LANYARD));
        if (section.labels().size() > Report.LANYARD + 1)
        {
            scenario.put("others", section.labels().subList(Report.LANYARD + 1, section.labels().size()));
        }
        scenario.put("lanyardFlags", section.lanyardFlags());

        final List<Map<String, Object>> medians = new ArrayList<>();
        section.metrics().forEach(metric -> medians.add(median(section, metric)));
        scenario.put("medians", medians);

        final List<Map<String, Object>> perRound = new ArrayList<>();
        section.rounds().forEach(round -> perRound.add(round(section, round)));
        scenario.put("perRound", perRound);
        return scenario;
    }

    private static <R> Map<String, Object> median(final Report.Section<R> section, final Report.Metric<R> metric)
    {
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("metric", metric.key());
        entry.put("name", metric.name());
        entry.put("peer", finite(section.median(metric, Report.PEER)));
        entry.put("lanyard", finite(section.median(metric, Report.LANYARD)));
        entry.put("ratio", finite(section.ratio(metric, Report.PEER)));
        final Map<String, Object> commands = new LinkedHashMap<>();
        final Map<String, Object> failures = new LinkedHashMap<>();
        for (final int side : List.of(Report.PEER, Report.LANYARD))
        {
            final String key = side == Report.LANYARD ? "lanyard" : "peer";
            final String command = lastCommand(section, metric, side);
            if (command != null)
            {
                commands.put(key, command);
            }
            final List<String> failed = failures(section, metric, side);
            if (!failed.isEmpty())
            {
                failures.put(key, failed);
            }
        }
        if (!commands.isEmpty())
        {
            entry.put("commands", commands);
        }
        if (!failures.isEmpty())
        {
            entry.put("failures", failures);
        }

        final List<Map<String, Object>> others = new ArrayList<>();
        for (int side = Report.LANYARD + 1; side < section.labels().size(); side++)
        {
            final Map<String, Object> other = new LinkedHashMap<>();
            other.put("label", section.label(side));
            other.put("value", finite(section.median(metric, side)));
            other.put("ratio", finite(section.ratio(metric, side)));
            final String command = lastCommand(section, metric, side);
            if (command != null)
            {
                other.put("command", command);
            }
            final List<String> failed = failures(section, metric, side);
            if (!failed.isEmpty())
            {
                other.put("failures", failed);
            }
            others.add(other);
        }
        if (!others.isEmpty())
        {
            entry.put("others", others);
        }
        return entry;
    }

    /** A median's command line on one side: the last round's (every round runs the same); null where no tool run measures it. */
    private static <R> String lastCommand(final Report.Section<R> section, final Report.Metric<R> metric, final int side)
    {
        final List<ToolRun> runs = section.runs(metric, side);
        return runs.isEmpty() ? null : runs.get(runs.size() - 1).commandLine();
    }

    /** Why each of a median's runs on one side gave no figure, round by round. */
    private static <R> List<String> failures(final Report.Section<R> section, final Report.Metric<R> metric, final int side)
    {
        return section.runs(metric, side).stream().filter(ToolRun::isFailed).map(ToolRun::describeFailure).toList();
    }

    private static <R> Map<String, Object> round(final Report.Section<R> section, final Report.Round<R> round)
    {
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("round", round.number());
        entry.put("order", round.order());
        entry.put("peer", values(section, round, Report.PEER));
        entry.put("lanyard", values(section, round, Report.LANYARD));
        final Map<String, Object> failures = new LinkedHashMap<>();
        for (final int side : List.of(Report.PEER, Report.LANYARD))
        {
            final Map<String, String> failed = failures(section, round, side);
            if (!failed.isEmpty())
            {
                failures.put(side == Report.LANYARD ? "lanyard" : "peer", failed);
            }
        }
        if (!failures.isEmpty())
        {
            entry.put("failures", failures);
        }

        final List<Map<String, Object>> others = new ArrayList<>();
        for (int side = Report.LANYARD + 1; side < section.labels().size(); side++)
        {
            final Map<String, Object> other = new LinkedHashMap<>();
            other.put("label", section.label(side));
            other.put("values", values(section, round, side));
            final Map<String, String> failed = failures(section, round, side);
            if (!failed.isEmpty())
            {
                other.put("failures", failed);
            }
            others.add(other);
        }
        if (!others.isEmpty())
        {
            entry.put("others", others);
        }
        return entry;
    }

    /** One side's failed runs in a round, by the key of the first metric each stands behind. */
    private static <R> Map<String, String> failures(final Report.Section<R> section, final Report.Round<R> round, final int side)
    {
        final Map<String, String> failures = new LinkedHashMap<>();
        for (final Report.RowRun<R> failed : section.distinctRuns(round, side))
        {
            if (failed.run().isFailed())
            {
                failures.put(failed.metric().key(), failed.run().describeFailure());
            }
        }
        return failures;
    }

    /** One side's value of every metric in a round (null where it has none). */
    private static <R> Map<String, Object> values(final Report.Section<R> section, final Report.Round<R> round, final int side)
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        for (final Report.Metric<R> metric : section.metrics())
        {
            values.put(metric.key(), finite(metric.value().of(round, side)));
        }
        return values;
    }

    private static Double finite(final double x)
    {
        return Double.isFinite(x) ? x : null;
    }
}
