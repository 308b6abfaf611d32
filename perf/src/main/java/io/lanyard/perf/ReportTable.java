package io.lanyard.perf;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A {@link Report} as text, for the terminal: a heading that says how the run measured and on
 * what machine (and commit), then per scenario a table of medians — a column per side in the
 * section's order, then a ratio column per side Lanyard is compared with ("ratio" where there is
 * one, "vs Linux", "vs OVS" where there are more) — with the runs that gave no figure and the
 * command line behind each figure under it; then, with more than one round, a line per round of
 * the figures each side gave, so the noise is visible.
 */
final class ReportTable
{
    private static final int NAME_WIDTH = 26;
    private static final int SIDE_WIDTH = 14;
    private static final int RATIO_WIDTH = 8;

    private ReportTable()
    {
    }

    static String of(final Report report)
    {
        final Report.Settings settings = report.settings();
        final List<Report.Section<?>> sections = report.sections();
        final StringBuilder out = new StringBuilder();
        final String furtherPeers = furtherPeers(sections);
        out.append(String.format(Locale.ROOT, "lanyard-perf: %s vs Linux%s in the same run, %s%n", LanyardSide.LABEL, furtherPeers,
            settings.rounds() == 1 ? "1 round" : "medians of " + settings.rounds() + " rounds (" +
                (furtherPeers.isEmpty() ? "alternating which goes first" : "each side first in turn") + ")"));
        if (sections.stream().anyMatch(Report.Section::isSwitch))
        {
            out.append(String.format(Locale.ROOT, "  TCP: iperf3, %d s, receiver rate, 1 stream where the row names no more.  " +
                "Latency: %d pings every %d ms, RTT from ping's time=.%n", settings.seconds(), settings.pings(), settings.intervalMillis()));
        }
        out.append("  lanyardd flags: ").append(settings.daemonFlags().isEmpty() ? "(none)" : String.join(" ", settings.daemonFlags()))
            .append("  (and each scenario's own, if any, below; others: the daemon's defaults)\n");
        out.append(String.format(Locale.ROOT, "  machine: %d CPUs, Linux %s, %s; commit %s; namespaces %s*%n", settings.cpus(),
            settings.kernel(), settings.jdk(), settings.commit() == null ? "unknown" : settings.commit(), settings.prefix()));

        sections.forEach(section -> appendTable(out, section));
        out.append("\nratio: Lanyard relative to the Linux peer, 1.00 = parity, higher is better\n");
        out.append("       (throughput: Lanyard/peer; latency and CPU: peer/Lanyard, so 0.50 = Lanyard's RTT or CPU is twice the peer's)\n");
        if (!furtherPeers.isEmpty())
        {
            out.append("       with more than one peer, a ratio column each: \"vs NAME\" is Lanyard relative to that peer, the same way\n");
        }

        if (settings.rounds() > 1)
        {
            out.append("\nrounds:\n");
            sections.forEach(section -> appendRounds(out, section));
        }
        return out.toString();
    }

    /** " and " the labels of every side beyond Lanyard in any section ("OVS userspace"); empty where there are none. */
    private static String furtherPeers(final List<Report.Section<?>> sections)
    {
        final Set<String> further = new LinkedHashSet<>();
        sections.forEach(section -> further.addAll(section.labels().subList(Report.LANYARD + 1, section.labels().size())));
        return further.isEmpty() ? "" : " and " + String.join(", ", further);
    }

    private static <R> void appendTable(final StringBuilder out, final Report.Section<R> section)
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
        final int sideWidth = Math.max(SIDE_WIDTH, section.labels().stream().mapToInt(String::length).max().orElse(0));
        final List<Integer> compared = section.compared();
        final StringBuilder row = new StringBuilder("%-" + width + "s");
        final List<Object> heading = new ArrayList<>(List.of("metric"));
        final List<Object> rule = new ArrayList<>(List.of("-".repeat(width)));
        for (final String label : section.labels())
        {
            row.append(" %").append(sideWidth).append('s');
            heading.add(label);
            rule.add("-".repeat(sideWidth));
        }
        for (final int side : compared)
        {
            final String ratioHeading = section.ratioHeading(side);
            // two spaces at least before a heading, so "vs Linux" does not read on from the label before it
            final int ratioWidth = Math.max(RATIO_WIDTH, ratioHeading.length() + 2);
            row.append(" %").append(ratioWidth).append('s');
            heading.add(ratioHeading);
            rule.add("-".repeat(ratioWidth));
        }
        final String format = row.append("%n").toString();
        out.append(String.format(Locale.ROOT, format, heading.toArray()));
        out.append(String.format(Locale.ROOT, format, rule.toArray()));
        for (final Report.Metric<R> metric : section.metrics())
        {
            final List<Object> cells = new ArrayList<>(List.of(metric.name()));
            for (int side = 0; side < section.labels().size(); side++)
            {
                cells.add(section.cell(metric, side));
            }
            for (final int side : compared)
            {
                final double ratio = section.ratio(metric, side);
                cells.add(Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio));
            }
            out.append(String.format(Locale.ROOT, format, cells.toArray()));
        }
        appendFailures(out, section);
        appendCommands(out, section);
    }

    /** Every run that gave no figure, by round and side; a run behind several rows is named once. */
    private static <R> void appendFailures(final StringBuilder out, final Report.Section<R> section)
    {
        for (final Report.Round<R> round : section.rounds())
        {
            for (int side = 0; side < section.labels().size(); side++)
            {
                for (final Report.RowRun<R> failed : section.distinctRuns(round, side))
                {
                    if (failed.run().isFailed())
                    {
                        out.append(String.format(Locale.ROOT, "  no figure: round %d, %s, %s: %s%n", round.number(), section.label(side),
                            failed.metric().name(), failed.run().describeFailure()));
                    }
                }
            }
        }
    }

    /** The command line behind each row of each side, as run in the last round (every round runs the same). */
    private static <R> void appendCommands(final StringBuilder out, final Report.Section<R> section)
    {
        if (section.rounds().isEmpty())
        {
            return;
        }
        final Report.Round<R> last = section.rounds().get(section.rounds().size() - 1);
        final List<String> lines = new ArrayList<>();
        for (int side = 0; side < section.labels().size(); side++)
        {
            for (final Report.RowRun<R> run : section.distinctRuns(last, side))
            {
                lines.add(String.format(Locale.ROOT, "    %s, %s: %s%n", section.label(side), run.metric().name(), run.run().commandLine()));
            }
        }
        if (!lines.isEmpty())
        {
            out.append("  commands:\n");
            lines.forEach(out::append);
        }
    }

    /** A line per round: the Linux peer's chosen metrics, then each other side's, in the section's order. */
    private static <R> void appendRounds(final StringBuilder out, final Report.Section<R> section)
    {
        for (final Report.Round<R> round : section.rounds())
        {
            out.append(String.format(Locale.ROOT, "  %-7s %d  %-12s %s", section.scenario(), round.number(), section.label(Report.PEER),
                roundSummary(section, round, Report.PEER)));
            for (int side = Report.LANYARD; side < section.labels().size(); side++)
            {
                out.append(String.format(Locale.ROOT, "   %-7s %s", section.label(side), roundSummary(section, round, side)));
            }
            out.append(String.format(Locale.ROOT, "%n"));
        }
    }

    /** One side's metrics that have a per-round format, in order. */
    private static <R> String roundSummary(final Report.Section<R> section, final Report.Round<R> round, final int side)
    {
        final List<String> shown = new ArrayList<>();
        for (final Report.Metric<R> metric : section.metrics())
        {
            if (metric.roundFormat() != null)
            {
                final ToolRun run = metric.run().apply(round.side(side));
                final double x = metric.value().of(round, side);
                final String value = Double.isNaN(x) ? "-" : String.format(Locale.ROOT, metric.roundFormat(), x);
                shown.add(run != null && run.isFailed() ? run.failure() : value);
            }
        }
        return String.join("  ", shown);
    }
}
