package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Iperf3Test
{
    @Test
    void shouldPutTheMeasurementsOptionsBeforeTheReportAndTheConnectTimeout()
    {
        assertEquals(List.of("iperf3", "-c", "10.30.0.3", "-p", "5201", "-t", "3", "-P", "4", "-J", "--connect-timeout", "5000"),
            Iperf3.clientCommand("10.30.0.3", 3, TcpThroughput.options(4, false)));
        assertEquals(List.of("iperf3", "-c", "10.31.0.200", "-p", "5201", "-t", "10", "-P", "1", "-R", "-J", "--connect-timeout", "5000"),
            Iperf3.clientCommand("10.31.0.200", 10, TcpThroughput.options(1, true)));
        assertEquals(List.of("iperf3", "-c", "10.20.0.3", "-p", "5201", "-t", "3", "-u", "-l", "64", "-b", "0", "-J", "--connect-timeout", "5000"),
            Iperf3.clientCommand("10.20.0.3", 3, UdpRate.OPTIONS));
    }

    @Test
    void shouldKeepTheReportOfARunThatGaveOne()
    {
        final Iperf3.Outcome outcome = Iperf3Output.exited(Iperf3Output.read("tcp-reverse"));

        assertFalse(outcome.run().isFailed());
        assertEquals(Iperf3Output.COMMAND, outcome.run().command());
        assertEquals(1, outcome.report().path("start").path("test_start").path("reverse").asInt());
    }

    @Test
    void shouldCallAClientThatCouldNotConnectNoConnection()
    {
        final Iperf3.Outcome outcome = Iperf3Output.exited(Iperf3Output.read("connect-timeout"));

        assertEquals(ToolRun.NO_CONNECTION, outcome.run().failure());
        assertEquals("unable to connect to server: Connection timed out", outcome.run().detail());
        assertEquals("nsenter --net=/run/netns/lyp0000-h1-c1 -- iperf3 -c 10.30.0.3", outcome.run().commandLine());
        assertNull(outcome.report());
    }

    @Test
    void shouldCallAnyOtherErrorOfIperf3Failed()
    {
        final Iperf3.Outcome outcome = Iperf3Output.exited("{\"start\": {}, \"error\": \"the server is busy running a test. try again later\"}");

        assertEquals(ToolRun.FAILED, outcome.run().failure());
        assertEquals("failed: the server is busy running a test. try again later", outcome.run().describeFailure());
    }

    @Test
    void shouldCallOutputThatIsNoReportFailedWithWhatTheToolSaid()
    {
        final Iperf3.Outcome outcome = Iperf3.outcome(new Exec.Result(Iperf3Output.COMMAND, 1, "", "iperf3: error - unable to connect\n", false));

        assertEquals(ToolRun.FAILED, outcome.run().failure());
        assertEquals("no JSON report: iperf3: error - unable to connect", outcome.run().detail());
    }

    @Test
    void shouldCallAClientKilledAfterItsTimeTimedOutEvenWithPartOfAReport()
    {
        final Iperf3.Outcome cut = Iperf3.outcome(new Exec.Result(Iperf3Output.COMMAND, -1, "{\n\t\"start\":\t{", "\n(killed after 63 s)", true));
        final Iperf3.Outcome whole = Iperf3.outcome(new Exec.Result(Iperf3Output.COMMAND, -1, Iperf3Output.read("tcp-reverse"),
            "\n(killed after 63 s)", true));

        assertEquals(ToolRun.TIMED_OUT, cut.run().failure());
        assertTrue(cut.run().detail().contains("(killed after 63 s)"), cut.run().detail());
        assertEquals(ToolRun.TIMED_OUT, whole.run().failure());
        assertNull(whole.report());
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

        assertEquals("198.51.100.2", Iperf3.lastClientAddress(log));
        assertNull(Iperf3.lastClientAddress("Server listening on 5201 (test #1)\n"));
    }
}
