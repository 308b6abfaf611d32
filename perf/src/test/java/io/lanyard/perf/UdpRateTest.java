package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpRateTest
{
    @Test
    void shouldSendSixtyFourByteDatagramsAsFastAsTheSenderCan()
    {
        assertEquals(List.of("-u", "-l", "64", "-b", "0"), UdpRate.OPTIONS);
    }

    @Test
    void shouldCountTheDatagramsTheReceiverReadNotThoseSent()
    {
        // the receiver read 5 206 976 bytes (81 359 datagrams) in 1.0028 s; its "packets" is the highest sequence
        // number it saw (146 769), and the sender sent 146 860 in 1.000013 s
        final UdpRate.Result result = UdpRate.of(Iperf3Output.exited(Iperf3Output.read("udp-64")));

        assertEquals(81_359 / 1.0028, result.receivedPerSecond(), 1e-6);
        assertEquals(146_860 / 1.000013, result.sentPerSecond(), 1e-6);
    }

    @Test
    void shouldGiveNoFigureForAFailedRun()
    {
        final UdpRate.Result result = UdpRate.of(Iperf3Output.exited(Iperf3Output.read("connect-timeout")));

        assertTrue(Double.isNaN(result.receivedPerSecond()));
        assertEquals(ToolRun.NO_CONNECTION, result.run().failure());
    }

    @Test
    void shouldGiveNoFigureForAReportWithoutTheReceiversCount()
    {
        final UdpRate.Result result = UdpRate.of(Iperf3Output.exited("{\"start\": {}, \"end\": {\"sum_sent\": {\"packets\": 10, \"seconds\": 1}}}"));

        assertTrue(Double.isNaN(result.receivedPerSecond()));
        assertEquals(ToolRun.FAILED, result.run().failure());
    }
}
