package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PingLatencyTest
{
    private static final String OUTPUT = """
        PING 10.42.0.2 (10.42.0.2) 56(84) bytes of data.
        64 bytes from 10.42.0.2: icmp_seq=1 ttl=64 time=0.071 ms
        64 bytes from 10.42.0.2: icmp_seq=2 ttl=64 time=0.052 ms
        From 10.42.0.1 icmp_seq=3 Destination Host Unreachable
        64 bytes from 10.42.0.2: icmp_seq=4 ttl=64 time=1.20 ms
        64 bytes from 10.42.0.2: icmp_seq=5 ttl=64 time=112 ms

        --- 10.42.0.2 ping statistics ---
        5 packets transmitted, 4 received, +1 errors, 20% packet loss, time 41ms
        rtt min/avg/max/mdev = 0.052/28.330/112.000/48.359 ms
        """;

    @Test
    void shouldRecordTheTimeOfEveryReplyAndNothingElse()
    {
        final PingLatency.Result result = PingLatency.parse(OUTPUT, 5);

        assertEquals(5, result.sent());
        assertEquals(4, result.received());
        assertEquals(0.052, result.rtts().getMinValue() / 1e6, 0.0001);
        assertEquals(112.0, result.maxMillis(), 0.1);
    }

    @Test
    void shouldReportMedianInMilliseconds()
    {
        final PingLatency.Result result = PingLatency.parse(OUTPUT, 5);

        assertEquals(0.071, result.percentileMillis(50), 0.0001);
    }

    @Test
    void shouldReportNoRepliesAsNotANumber()
    {
        final PingLatency.Result result = PingLatency.parse("PING 10.42.0.2 (10.42.0.2) 56(84) bytes of data.\n", 3);

        assertEquals(0, result.received());
        assertEquals(Double.NaN, result.percentileMillis(50));
    }
}
