package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * TCP throughput with iperf3 ({@link Iperf3}): {@code -P N} streams, from the client to the
 * server or, with {@code -R}, back. The receiver's rate counts, summed over the streams (what
 * arrived, not what was queued), and the sender's retransmits are kept.
 */
final class TcpThroughput
{
    private TcpThroughput()
    {
    }

    /** What one client run measured; NaN and no retransmits when {@code run} failed. */
    record Result(double gbps, long retransmits, ToolRun run) implements Report.Measured
    {
    }

    /**
     * Runs one client against the server: {@code -P streams}, and {@code -R} if {@code reverse}
     * (the server sends). A failed run is the result's, not an exception.
     */
    static Result measure(final Iperf3.Server server, final int seconds, final int streams, final boolean reverse)
    {
        return of(server.client(seconds, options(streams, reverse)));
    }

    /** The client's options between {@code -t} and {@code -J}: {@code -P N}, then {@code -R} for the server to send. */
    static List<String> options(final int streams, final boolean reverse)
    {
        final List<String> options = new ArrayList<>(List.of("-P", Integer.toString(streams)));
        if (reverse)
        {
            options.add("-R");
        }
        return options;
    }

    /** Reads a client's report: {@code end.sum_received.bits_per_second} and {@code end.sum_sent.retransmits}. */
    static Result of(final Iperf3.Outcome outcome)
    {
        if (outcome.run().isFailed())
        {
            return new Result(Double.NaN, 0, outcome.run());
        }
        final JsonNode end = outcome.report().path("end");
        final JsonNode received = end.path("sum_received").path("bits_per_second");
        if (!received.isNumber())
        {
            return new Result(Double.NaN, 0, ToolRun.failed(outcome.run().command(), ToolRun.FAILED,
                "the report has no end.sum_received.bits_per_second"));
        }
        return new Result(received.asDouble() / 1e9, end.path("sum_sent").path("retransmits").asLong(0), outcome.run());
    }
}
