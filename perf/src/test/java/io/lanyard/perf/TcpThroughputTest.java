package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    @Test
    void shouldTakeTheClientAddressOfTheLastConnectionInTheServersLog()
    {
        final String log = """
            Server listening on 5201 (test #1)
            Accepted connection from 172.17.0.2, port 33058
            [  5] local 198.51.100.1 port 5201 connected to 172.17.0.2 port 33068
            Server listening on 5201 (test #2)
            Accepted connection from ::ffff:198.51.100.2, port 40112
            [  5] local 198.51.100.1 port 5201 connected to 198.51.100.2 port 40114
            """;

        assertEquals("198.51.100.2", TcpThroughput.lastClientAddress(log));
        assertNull(TcpThroughput.lastClientAddress("Server listening on 5201 (test #1)\n"));
    }
}
