package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

        final TcpThroughput.Result result = TcpThroughput.parse(json);

        assertEquals(9.5, result.gbps(), 1e-9);
        assertEquals(17, result.retransmits());
    }

    @Test
    void shouldFailWithIperfsOwnErrorMessage()
    {
        final PerfException error = assertThrows(PerfException.class,
            () -> TcpThroughput.parse("{\"start\": {}, \"error\": \"unable to connect to server: Connection refused\"}"));

        assertTrue(error.getMessage().contains("Connection refused"), error.getMessage());
    }

    @Test
    void shouldFailOnOutputThatIsNotJson()
    {
        assertThrows(PerfException.class, () -> TcpThroughput.parse("iperf3: error - unable to connect"));
    }
}
