package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest
{
    private static final Report.Settings SETTINGS =
        new Report.Settings("lyp0000-", 3, 10, 1, 3, 10, List.of("--pipeline", "inline"), 2, "6.18");

    @Test
    void shouldTakeTheMedianOfAnOddAndAnEvenNumberOfValues()
    {
        assertEquals(2.0, Report.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Report.median(new double[] {4, 1, 2, 3}));
    }

    @Test
    void shouldReportMediansOverRoundsWithRatiosWhereHigherIsBetter()
    {
        final Report report = new Report(SETTINGS, List.of(new Report.Section("bridge", "two containers", LinuxBridge.LABEL, List.of(), List.of(
            round(1, 10.0, 5.0, "0.050", "0.100"),
            round(2, 20.0, 4.0, "0.060", "0.200"),
            round(3, 12.0, 6.0, "0.070", "0.140")))));

        final String table = report.table();
        assertTrue(table.contains("--pipeline inline"), table);
        assertTrue(table.matches("(?s).*TCP throughput \\(Gbit/s\\)\\s+12\\.00\\s+5\\.00\\s+0\\.42.*"), table);
        assertTrue(table.matches("(?s).*ping RTT p50 \\(ms\\)\\s+0\\.060\\s+0\\.140\\s+0\\.43.*"), table);

        final List<Map<String, Object>> medians = medians(report, 0);
        assertEquals("tcpGbps", medians.get(0).get("metric"));
        assertEquals(5.0 / 12.0, (Double)medians.get(0).get("ratio"), 1e-9);
    }

    @Test
    void shouldReportEachScenarioAgainstItsOwnPeer()
    {
        final Report report = new Report(SETTINGS, List.of(
            new Report.Section("bridge", "two containers", LinuxBridge.LABEL, List.of(), List.of(round(1, 10.0, 5.0, "0.050", "0.100"))),
            new Report.Section("nat", "to the outside", LinuxNat.LABEL, List.of("--uplink", "up0"), List.of(round(1, 8.0, 2.0, "0.080", "0.160")))));

        final String table = report.table();
        assertTrue(table.matches("(?s).*scenario bridge: two containers\\n\\S+\\s+Linux bridge\\s+Lanyard.*"), table);
        assertTrue(table.matches("(?s).*scenario nat: to the outside\\n  its lanyardd flags: --uplink up0\\n\\S+\\s+Linux NAT\\s+Lanyard.*"), table);
        assertTrue(table.matches("(?s).*scenario nat.*TCP throughput \\(Gbit/s\\)\\s+8\\.00\\s+2\\.00\\s+0\\.25.*"), table);

        @SuppressWarnings("unchecked")
        final List<Map<String, Object>> scenarios = (List<Map<String, Object>>)report.json().get("scenarios");
        assertEquals("nat", scenarios.get(1).get("scenario"));
        assertEquals(LinuxNat.LABEL, scenarios.get(1).get("peer"));
        assertEquals(List.of("--uplink", "up0"), scenarios.get(1).get("lanyardFlags"));
        assertEquals(List.of(), scenarios.get(0).get("lanyardFlags"));
        assertEquals(0.5, (Double)medians(report, 1).get(2).get("ratio"), 1e-3);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> medians(final Report report, final int scenario)
    {
        final List<Map<String, Object>> scenarios = (List<Map<String, Object>>)report.json().get("scenarios");
        return (List<Map<String, Object>>)scenarios.get(scenario).get("medians");
    }

    private static Report.Round round(final int number, final double bridgeGbps, final double lanyardGbps,
        final String bridgeRtt, final String lanyardRtt)
    {
        return new Report.Round(number, List.of(LinuxBridge.LABEL, LanyardSide.LABEL),
            side(bridgeGbps, bridgeRtt), side(lanyardGbps, lanyardRtt));
    }

    private static Report.SideResult side(final double gbps, final String rtt)
    {
        final String output = ("64 bytes from 10.42.0.2: icmp_seq=1 ttl=64 time=" + rtt + " ms\n").repeat(3);
        return new Report.SideResult(new TcpThroughput.Result(gbps, 0), PingLatency.parse(output, 3));
    }
}
