package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * A packet rate with iperf3 ({@link Iperf3}): UDP datagrams of {@value #DATAGRAM_BYTES} bytes
 * of payload, sent as fast as the sender can ({@code -u -l 64 -b 0}). What counts is what the
 * receiver (the server) counted: the bytes it read, in whole datagrams, per second of its
 * test. The sender's rate is kept beside it, to show when the sender, not the path, is the
 * limit (iperf3 sends from one thread).
 */
final class UdpRate
{
    static final int DATAGRAM_BYTES = 64;
    /** The client's options between {@code -t} and {@code -J}. */
    static final List<String> OPTIONS = List.of("-u", "-l", Integer.toString(DATAGRAM_BYTES), "-b", "0");

    private UdpRate()
    {
    }

    /** Datagrams per second the receiver got and the sender sent; NaN when {@code run} failed. */
    record Result(double receivedPerSecond, double sentPerSecond, ToolRun run) implements Report.Measured
    {
    }

    static Result measure(final Iperf3.Server server, final int seconds)
    {
        return of(server.client(seconds, OPTIONS));
    }

    /**
     * Reads a client's report: the receiver's {@code end.sum_received.bytes} over its
     * {@code seconds}, and the sender's {@code end.sum_sent.packets} over its own.
     */
    static Result of(final Iperf3.Outcome outcome)
    {
        if (outcome.run().isFailed())
        {
            return new Result(Double.NaN, Double.NaN, outcome.run());
        }
        final JsonNode end = outcome.report().path("end");
        final JsonNode receivedBytes = end.path("sum_received").path("bytes");
        final JsonNode receivedSeconds = end.path("sum_received").path("seconds");
        if (!receivedBytes.isNumber() || !receivedSeconds.isNumber() || receivedSeconds.asDouble() <= 0)
        {
            return new Result(Double.NaN, Double.NaN, ToolRun.failed(outcome.run().command(), ToolRun.FAILED,
                "the report has no end.sum_received.bytes and seconds"));
        }
        final double received = Math.floor(receivedBytes.asDouble() / DATAGRAM_BYTES) / receivedSeconds.asDouble();
        final JsonNode sent = end.path("sum_sent");
        final double sentSeconds = sent.path("seconds").asDouble(0);
        return new Result(received, sentSeconds > 0 ? sent.path("packets").asDouble(Double.NaN) / sentSeconds : Double.NaN, outcome.run());
    }
}
