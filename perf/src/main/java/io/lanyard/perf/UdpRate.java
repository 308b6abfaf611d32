package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * A packet rate with iperf3 ({@link Iperf3}): UDP datagrams of {@value #DATAGRAM_BYTES} bytes
 * of payload, sent as fast as the sender can ({@code -u -l 64 -b 0}). What counts is what the
 * receiver (the server) counted: the bytes it read, in whole datagrams, per second of its
 * test. The sender's rate is kept beside it, to show when the sender, not the path, is the
 * limit (iperf3 sends from one thread), and so are the datagrams the switch delivered that the
 * receiving socket dropped, its buffer full ({@link UdpCounters}, read in the server's
 * namespace around the run): received plus dropped is what the switch got through, and drops
 * say the receiver, not the switch, was the limit (on two vCPUs, a userspace switch's thread
 * and the receiver share one).
 */
final class UdpRate
{
    static final int DATAGRAM_BYTES = 64;
    /** The client's options between {@code -t} and {@code -J}. */
    static final List<String> OPTIONS = List.of("-u", "-l", Integer.toString(DATAGRAM_BYTES), "-b", "0");

    private UdpRate()
    {
    }

    /**
     * Datagrams per second the receiver got, the sender sent, and the receiving socket dropped
     * (NaN when not read); NaN when {@code run} failed.
     */
    record Result(double receivedPerSecond, double sentPerSecond, double socketDropsPerSecond, ToolRun run) implements Report.Measured
    {
        /** The same result with the receiving socket's drops over the receiver's {@code seconds}. */
        Result withSocketDrops(final long drops, final double seconds)
        {
            return new Result(receivedPerSecond, sentPerSecond, seconds > 0 ? drops / seconds : Double.NaN, run);
        }
    }

    static Result measure(final Workspace workspace, final Iperf3.Server server, final int seconds)
    {
        final String netns = server.endpoints().serverNetns();
        final UdpCounters before = UdpCounters.read(workspace, netns);
        final Iperf3.Outcome outcome = server.client(seconds, OPTIONS);
        final Result result = of(outcome);
        if (result.run().isFailed())
        {
            return result;
        }
        final UdpCounters during = UdpCounters.read(workspace, netns).since(before);
        return result.withSocketDrops(during.receiveBufferErrors(), receiverSeconds(outcome));
    }

    private static double receiverSeconds(final Iperf3.Outcome outcome)
    {
        return outcome.report().path("end").path("sum_received").path("seconds").asDouble(0);
    }

    /**
     * Reads a client's report: the receiver's {@code end.sum_received.bytes} over its
     * {@code seconds}, and the sender's {@code end.sum_sent.packets} over its own.
     */
    static Result of(final Iperf3.Outcome outcome)
    {
        if (outcome.run().isFailed())
        {
            return new Result(Double.NaN, Double.NaN, Double.NaN, outcome.run());
        }
        final JsonNode end = outcome.report().path("end");
        final JsonNode receivedBytes = end.path("sum_received").path("bytes");
        final JsonNode receivedSeconds = end.path("sum_received").path("seconds");
        if (!receivedBytes.isNumber() || !receivedSeconds.isNumber() || receivedSeconds.asDouble() <= 0)
        {
            return new Result(Double.NaN, Double.NaN, Double.NaN, ToolRun.failed(outcome.run().command(), ToolRun.FAILED,
                "the report has no end.sum_received.bytes and seconds"));
        }
        final double received = Math.floor(receivedBytes.asDouble() / DATAGRAM_BYTES) / receivedSeconds.asDouble();
        final JsonNode sent = end.path("sum_sent");
        final double sentSeconds = sent.path("seconds").asDouble(0);
        return new Result(received, sentSeconds > 0 ? sent.path("packets").asDouble(Double.NaN) / sentSeconds : Double.NaN, Double.NaN,
            outcome.run());
    }
}
