package io.lanyard.perf;

import java.util.List;

/**
 * One run of a measuring tool as the report shows it: the exact command line, and, when it gave
 * no figure, why — a short {@code failure} for the table's cell ({@value #NO_CONNECTION}) and the
 * tool's own words as {@code detail}. A failed run is a result, not an abort: where a path may
 * not carry the traffic at all (the overlay's interop with a kernel VTEP), the cell says so and
 * the run carries on.
 *
 * @param failure null when the run gave its figure.
 */
record ToolRun(List<String> command, String failure, String detail)
{
    /** The tool could not set up its connection (iperf3's "unable to connect"). */
    static final String NO_CONNECTION = "no connection";
    /** The tool did not finish in its time and was killed. */
    static final String TIMED_OUT = "timed out";
    /** Any other failure; the detail says what the tool said. */
    static final String FAILED = "failed";

    ToolRun
    {
        command = List.copyOf(command);
    }

    static ToolRun ok(final List<String> command)
    {
        return new ToolRun(command, null, null);
    }

    static ToolRun failed(final List<String> command, final String failure, final String detail)
    {
        return new ToolRun(command, failure, detail);
    }

    boolean isFailed()
    {
        return failure != null;
    }

    /** The command as one would type it (no argument of the harness's holds a space). */
    String commandLine()
    {
        return String.join(" ", command);
    }

    /** {@code failure: detail}, for a message or the JSON. */
    String describeFailure()
    {
        return failure + (detail == null || detail.isBlank() ? "" : ": " + detail);
    }
}
