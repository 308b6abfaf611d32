package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpThroughputTest
{
    @Test
    void shouldTakeTheReceiverRateAndTheSenderRetransmits()
    {
        final String json = """
            {"start": {}, "intervals": [],
             "end": {"sum_sent": {"bits_per_second": 9.9e9, "retransmits": 17},
                     "sum_received": {"bits_per_second": 9.5e9}}}
            """;

        final TcpThroughput.Result result = TcpThroughput.of(Iperf3Output.exited(json));

        assertEquals(9.5, result.gbps(), 1e-9);
        assertEquals(17, result.retransmits());
        assertFalse(result.run().isFailed());
    }

    @Test
    void shouldSumWhatTheReceiverGotOverParallelStreams()
    {
        // -P 4: four streams of ~3.93 Gbit/s each at the receiver; the sender's sum was 15.90
        final TcpThroughput.Result result = TcpThroughput.of(Iperf3Output.exited(Iperf3Output.read("tcp-4-streams")));

        assertEquals(15.714792498308653, result.gbps(), 1e-9);
        assertEquals(4, result.retransmits());
    }

    @Test
    void shouldTakeTheClientsOwnRateWhenTheServerSends()
    {
        // -R: the client is the receiver; the sender's (the server's) sum was 15.40
        final TcpThroughput.Result result = TcpThroughput.of(Iperf3Output.exited(Iperf3Output.read("tcp-reverse")));

        assertEquals(15.416182248646078, result.gbps(), 1e-9);
    }

    @Test
    void shouldGiveNoFigureForARunThatCouldNotConnect()
    {
        final TcpThroughput.Result result = TcpThroughput.of(Iperf3Output.exited(Iperf3Output.read("connect-timeout")));

        assertTrue(Double.isNaN(result.gbps()));
        assertEquals(ToolRun.NO_CONNECTION, result.run().failure());
    }

    @Test
    void shouldGiveNoFigureForAReportWithoutTheReceiversRate()
    {
        final TcpThroughput.Result result =
            TcpThroughput.of(Iperf3Output.exited("{\"start\": {}, \"end\": {\"sum_sent\": {\"bits_per_second\": 1e9}}}"));

        assertTrue(Double.isNaN(result.gbps()));
        assertEquals("failed: the report has no end.sum_received.bits_per_second", result.run().describeFailure());
        assertEquals(Iperf3Output.COMMAND, result.run().command());
    }
}
