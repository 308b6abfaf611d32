package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest
{
    private static final Report.Settings SETTINGS = new Report.Settings("lyp0000-", 3, 10, 3, 10, List.of("--pipeline", "inline"), 2, "6.18",
        "OpenJDK 64-Bit Server VM 21.0.5+11", "1b984cb", Instant.parse("2026-12-07T12:00:00Z"));
    private static final List<String> BRIDGE = List.of(LinuxBridge.LABEL, LanyardSide.LABEL);
    private static final List<Report.Metric<Report.SideResult>> ONE_STREAM = Report.switchMetrics(1, false);

    @Test
    void shouldTakeTheMedianOfAnOddAndAnEvenNumberOfValues()
    {
        assertEquals(2.0, Report.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Report.median(new double[] {4, 1, 2, 3}));
    }

    @Test
    void shouldReportMediansOverRoundsWithRatiosWhereHigherIsBetter()
    {
        final Report report = new Report(SETTINGS, List.of(Report.Section.ofSwitch("bridge", "two containers", BRIDGE, List.of(), ONE_STREAM, List.of(
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
            Report.Section.ofSwitch("bridge", "two containers", BRIDGE, List.of(), ONE_STREAM,
                List.of(round(1, 10.0, 5.0, "0.050", "0.100"))),
            Report.Section.ofSwitch("nat", "to the outside", List.of(LinuxNat.LABEL, LanyardSide.LABEL), List.of("--uplink", "up0"), ONE_STREAM,
                List.of(round(1, 8.0, 2.0, "0.080", "0.160")))));

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

    @Test
    void shouldShowTheChosenMetricsOfEachSideInTheRoundLines()
    {
        final Report report = new Report(SETTINGS, List.of(Report.Section.ofSwitch("bridge", "two containers", BRIDGE, List.of(),
            ONE_STREAM, List.of(round(1, 10.0, 5.0, "0.050", "0.100"), round(2, 20.0, 4.0, "0.060", "0.200")))));

        final String table = report.table();
        assertTrue(table.contains("  bridge  1  Linux bridge  10.00 Gbit/s  p50 0.050 ms  p99 0.050 ms   Lanyard   " +
            "5.00 Gbit/s  p50 0.100 ms  p99 0.100 ms\n"), table);
    }

    @Test
    void shouldReadCpuAsLowerIsBetterAndKeepWhatAProbeThatGotNoReplyLost()
    {
        final Report.Section<Report.SideResult> section = Report.Section.ofSwitch("bridge", "two containers", BRIDGE, List.of(),
            Report.switchMetrics(1, false, true, true), List.of(
                Report.Round.measure(1, BRIDGE, side -> side == Report.PEER ?
                    new Report.SideResult(tcp(10.0, "-P", "1"), null, null, ping("0.050"), probe(0, 0.040), 0.25, Double.NaN) :
                    new Report.SideResult(tcp(10.0, "-P", "1"), null, null, ping("0.100"), probe(20_000, Double.NaN), 0.50, Double.NaN),
                    () -> { })));
        final Report report = new Report(SETTINGS, List.of(section));

        final String table = report.table();
        // the bridge's 0.25 s/GB against Lanyard's 0.50: Lanyard costs twice the CPU, a ratio of 0.50
        assertTrue(table.matches("(?s).*\nswitch\\+softirq CPU s/GB \\(TCP 1 stream\\)\\s+0\\.250\\s+0\\.500\\s+0\\.50\n.*"), table);
        // a probe whose every request went unanswered is a failed run with no RTTs, but its loss is a figure
        assertTrue(table.matches("(?s).*\nUDP probe requests lost\\s+0\\s+20000\\s*\n.*"), table);
        assertTrue(table.matches("(?s).*\nUDP probe RTT p50 \\(ms\\)\\s+0\\.040\\s+failed\\s.*"), table);
    }

    /** A probe's result: {@code lost} of 20 000 unanswered, the rest answered in {@code millis} (NaN: none, a failed run). */
    private static UdpLatency.Result probe(final long lost, final double millis)
    {
        final org.HdrHistogram.Histogram rtts = new org.HdrHistogram.Histogram(60_000_000_000L, 3);
        if (!Double.isNaN(millis))
        {
            rtts.recordValueWithCount((long)(millis * 1e6), 20_000 - lost);
        }
        final List<String> command = List.of("java", "UdpEcho", "probe");
        return new UdpLatency.Result(rtts, 20_000, lost, lost == 20_000 ? ToolRun.failed(command, ToolRun.FAILED, "no reply") :
            ToolRun.ok(command));
    }

    @Test
    void shouldReportParallelStreamsAndTheUdpRateBesideOneStreamWithTheirRatiosAndCommands()
    {
        final Report report = new Report(SETTINGS, List.of(Report.Section.ofSwitch("overlay", "two hosts", List.of(LinuxOverlay.LABEL, LanyardSide.LABEL), List.of(),
            Report.switchMetrics(4, true), List.of(
                overlayRound(1, 10.0, 20.0, 400_000, 5.0, 8.0, 100_000),
                overlayRound(2, 12.0, 24.0, 500_000, 6.0, 6.0, 150_000),
                overlayRound(3, 11.0, 22.0, 450_000, 4.0, 11.0, 90_000)))));

        final String table = report.table();
        assertTrue(table.matches("(?s).*\nTCP throughput \\(Gbit/s\\)\\s+11\\.00\\s+5\\.00\\s+0\\.45\n.*"), table);
        assertTrue(table.matches("(?s).*\nTCP 4 streams \\(Gbit/s\\)\\s+22\\.00\\s+8\\.00\\s+0\\.36\n.*"), table);
        assertTrue(table.matches("(?s).*\nUDP 64 B received \\(datagrams/s\\)\\s+450000\\s+100000\\s+0\\.22\n.*"), table);
        assertTrue(table.matches("(?s).*\nUDP 64 B sent \\(datagrams/s\\)\\s+900000\\s+900000\\s*\n.*"), table);
        assertTrue(table.matches("(?s).*\nUDP 64 B dropped by the receiving socket \\(datagrams/s\\)\\s+2500\\s+2500\\s*\n.*"), table);
        // one line per run and side, under the first row it stands behind
        assertTrue(table.contains("  commands:\n" +
            "    Linux VXLAN, TCP throughput (Gbit/s): iperf3 -c 10.0.0.2 -P 1\n" +
            "    Linux VXLAN, TCP 4 streams (Gbit/s): iperf3 -c 10.0.0.2 -P 4\n" +
            "    Linux VXLAN, UDP 64 B received (datagrams/s): iperf3 -c 10.0.0.2 -u -l 64 -b 0\n" +
            "    Lanyard, TCP throughput (Gbit/s): iperf3 -c 10.0.0.2 -P 1\n"), table);
        assertFalse(table.contains("TCP retransmits: iperf3"), table);
        assertTrue(table.contains("Lanyard   5.00 Gbit/s  -P 4 8.00 Gbit/s  udp64 100000/s  p50 "), table);

        final List<Map<String, Object>> medians = medians(report, 0);
        assertEquals(List.of("tcpGbps", "tcpRetransmits", "tcpParallelGbps", "tcpParallelRetransmits", "udp64ReceivedPerSecond",
            "udp64SentPerSecond", "udp64SocketDropsPerSecond", "pingP50Ms"), medians.stream().map(m -> m.get("metric")).toList().subList(0, 8));
        assertEquals(8.0 / 22.0, (Double)medians.get(2).get("ratio"), 1e-9);
        assertEquals(Map.of("peer", "iperf3 -c 10.0.0.2 -P 4", "lanyard", "iperf3 -c 10.0.0.2 -P 4"), medians.get(2).get("commands"));
        assertEquals(100_000.0 / 450_000.0, (Double)medians.get(4).get("ratio"), 1e-9);
        assertEquals(null, medians.get(5).get("ratio"));
        assertEquals(2_500.0, (Double)medians.get(6).get("lanyard"), 1e-9);
        assertFalse(medians.get(7).containsKey("commands"), "ping has no iperf3 command: " + medians.get(7));
    }

    @Test
    void shouldShowWhyInTheCellWhenEveryRoundOfASideGaveNoFigureAndCarryOnWithTheRest()
    {
        final Report report = new Report(SETTINGS, List.of(new Report.Section<>(OverlayInterop.NAME, "interop", "iperf3",
            List.of(OverlayInterop.PEER_LABEL, OverlayInterop.LABEL), List.of(), OverlayInterop.METRICS, List.of(
                interopRound(1, noConnection("-P", "1"), tcp(3.0, "-P", "1", "-R")),
                interopRound(2, noConnection("-P", "1"), noConnection("-P", "1", "-R"))))));

        final String table = report.table();
        assertTrue(table.matches("(?s).*\n\\S+\\s+kernel-kernel\\s+Lanyard-kernel\\s+ratio\n.*"), table);
        assertTrue(table.matches("(?s).*\nTCP out \\(Gbit/s\\)\\s+10\\.00\\s+no connection\\s*\n.*"), table);
        assertTrue(table.matches("(?s).*\nTCP back, -R \\(Gbit/s\\)\\s+9\\.00\\s+3\\.00\\s+0\\.33\n.*"), table);
        assertTrue(table.contains("  no figure: round 1, Lanyard-kernel, TCP out (Gbit/s): no connection: " +
            "unable to connect to server: Connection timed out\n"), table);
        assertTrue(table.contains("  no figure: round 2, Lanyard-kernel, TCP back, -R (Gbit/s): no connection: "), table);
        assertFalse(table.contains("round 1, Lanyard-kernel, TCP back"), table);
        assertFalse(table.contains("TCP out retransmits: no connection"), table);
        assertTrue(table.contains("    Lanyard-kernel, TCP back, -R (Gbit/s): iperf3 -c 10.0.0.2 -P 1 -R\n"), table);
        assertTrue(table.contains("  overlay-interop 2  kernel-kernel out 10.00 Gbit/s  back 9.00 Gbit/s   Lanyard-kernel " +
            "no connection  no connection\n"), table);

        final List<Map<String, Object>> medians = medians(report, 0);
        assertEquals(null, medians.get(0).get("lanyard"));
        assertEquals(null, medians.get(0).get("ratio"));
        assertEquals(Map.of("lanyard", List.of("no connection: unable to connect to server: Connection timed out",
            "no connection: unable to connect to server: Connection timed out")), medians.get(0).get("failures"));
        assertEquals(3.0, (Double)medians.get(2).get("lanyard"), 1e-9);
        @SuppressWarnings("unchecked")
        final Map<String, Object> firstRound = ((List<Map<String, Object>>)((List<Map<String, Object>>)report.json().get("scenarios")).get(0)
            .get("perRound")).get(0);
        assertEquals(Map.of("lanyard", Map.of("tcpOutGbps", "no connection: unable to connect to server: Connection timed out")),
            firstRound.get("failures"));
    }

    private static final String OVS = "OVS userspace";
    private static final List<String> THREE_SIDES = List.of(LinuxBridge.LABEL, LanyardSide.LABEL, OVS);

    @Test
    void shouldCompareLanyardWithEveryPeerInARatioColumnEach()
    {
        final Report report = new Report(SETTINGS, List.of(threeSides(ONE_STREAM, List.of(
            threeSideRound(1, side(10.0, "0.050"), side(5.0, "0.100"), side(10.0, "0.080")),
            threeSideRound(2, side(20.0, "0.060"), side(4.0, "0.200"), side(9.0, "0.070")),
            threeSideRound(3, side(12.0, "0.070"), side(6.0, "0.140"), side(11.0, "0.090"))))));

        final String table = report.table();
        assertTrue(table.startsWith("lanyard-perf: Lanyard vs Linux and OVS userspace in the same run, medians of 3 rounds " +
            "(each side first in turn)\n"), table);
        assertTrue(table.matches("(?s).*\nmetric\\s+Linux bridge\\s+Lanyard\\s+OVS userspace\\s+vs Linux\\s+vs OVS\n.*"), table);
        assertTrue(table.contains(" OVS userspace   vs Linux   vs OVS\n"), "a ratio's heading stands apart from the label before it: " + table);
        assertTrue(table.matches("(?s).*\nTCP throughput \\(Gbit/s\\)\\s+12\\.00\\s+5\\.00\\s+10\\.00\\s+0\\.42\\s+0\\.50\n.*"), table);
        assertTrue(table.matches("(?s).*\nping RTT p50 \\(ms\\)\\s+0\\.060\\s+0\\.140\\s+0\\.080\\s+0\\.43\\s+0\\.57\n.*"), table);
        assertTrue(table.matches("(?s).*\nTCP retransmits\\s+0\\s+0\\s+0\\s*\n.*"), table);
        assertTrue(table.contains("    OVS userspace, TCP throughput (Gbit/s): iperf3 -c 10.0.0.2 -P 1\n"), table);
        assertTrue(table.contains("  bridge  2  Linux bridge  20.00 Gbit/s  p50 0.060 ms  p99 0.060 ms   Lanyard   4.00 Gbit/s  " +
            "p50 0.200 ms  p99 0.200 ms   OVS userspace   9.00 Gbit/s  p50 0.070 ms  p99 0.070 ms\n"), table);
        assertTrue(table.contains("\"vs NAME\" is Lanyard relative to that peer"), table);

        assertEquals(List.of(new Report.Ratio("bridge", "TCP throughput (Gbit/s)", "Linux", 5.0 / 12.0),
            new Report.Ratio("bridge", "TCP throughput (Gbit/s)", "OVS", 0.5)), report.switchRatios().subList(0, 2));
        assertEquals(10, report.switchRatios().size(), "TCP and four ping rows, each against two peers: " + report.switchRatios());
    }

    @Test
    void shouldKeepTheTwoClassicSidesKeysInTheJsonAndPutFurtherPeersUnderOthers()
    {
        final Report report = new Report(SETTINGS, List.of(threeSides(ONE_STREAM, List.of(
            threeSideRound(1, side(10.0, "0.050"), side(5.0, "0.100"), side(10.0, "0.080")),
            threeSideRound(2, side(20.0, "0.060"), side(4.0, "0.200"), side(9.0, "0.070")),
            threeSideRound(3, side(12.0, "0.070"), side(6.0, "0.140"), side(11.0, "0.090"))))));

        final Map<String, Object> scenario = scenarios(report).get(0);
        assertEquals(LinuxBridge.LABEL, scenario.get("peer"));
        assertEquals(LanyardSide.LABEL, scenario.get("lanyard"));
        assertEquals(List.of(OVS), scenario.get("others"));
        final Map<String, Object> tcp = medians(report, 0).get(0);
        assertEquals(12.0, (Double)tcp.get("peer"), 1e-9);
        assertEquals(5.0, (Double)tcp.get("lanyard"), 1e-9);
        assertEquals(5.0 / 12.0, (Double)tcp.get("ratio"), 1e-9);
        assertEquals(Map.of("peer", "iperf3 -c 10.0.0.2 -P 1", "lanyard", "iperf3 -c 10.0.0.2 -P 1"), tcp.get("commands"));
        assertEquals(List.of(Map.of("label", OVS, "value", 10.0, "ratio", 0.5, "command", "iperf3 -c 10.0.0.2 -P 1")), tcp.get("others"));
        @SuppressWarnings("unchecked")
        final Map<String, Object> ovsPing = ((List<Map<String, Object>>)medians(report, 0).get(2).get("others")).get(0);
        assertEquals(0.080 / 0.140, (Double)ovsPing.get("ratio"), 1e-3);
        assertFalse(ovsPing.containsKey("command"), "ping has no command: " + ovsPing);

        @SuppressWarnings("unchecked")
        final Map<String, Object> second = ((List<Map<String, Object>>)scenario.get("perRound")).get(1);
        assertEquals(List.of(LanyardSide.LABEL, OVS, LinuxBridge.LABEL), second.get("order"));
        assertEquals(20.0, (Double)((Map<?, ?>)second.get("peer")).get("tcpGbps"), 1e-9);
        @SuppressWarnings("unchecked")
        final List<Map<String, Object>> others = (List<Map<String, Object>>)second.get("others");
        assertEquals(OVS, others.get(0).get("label"));
        assertEquals(9.0, (Double)((Map<?, ?>)others.get(0).get("values")).get("tcpGbps"), 1e-9);
        assertFalse(others.get(0).containsKey("failures"), others.toString());
    }

    @Test
    void shouldHaveNoOthersInTheJsonOfTwoSides()
    {
        final Report report = new Report(SETTINGS, List.of(Report.Section.ofSwitch("bridge", "two containers", BRIDGE, List.of(), ONE_STREAM,
            List.of(round(1, 10.0, 5.0, "0.050", "0.100")))));

        assertFalse(scenarios(report).get(0).containsKey("others"));
        assertTrue(medians(report, 0).stream().noneMatch(median -> median.containsKey("others")));
        assertTrue(report.table().matches("(?s).*\nmetric\\s+Linux bridge\\s+Lanyard\\s+ratio\n.*"), report.table());
    }

    @Test
    void shouldMeasureEachSideFirstInTurnAndKeepTheResultsInTheSectionsOrder()
    {
        final List<String> measured = new ArrayList<>();
        final int[] checks = {0};
        final List<Report.Round<String>> rounds = new ArrayList<>();
        for (int number = 1; number <= 3; number++)
        {
            final int round = number;
            rounds.add(Report.Round.measure(round, THREE_SIDES, side ->
            {
                measured.add(THREE_SIDES.get(side));
                return "round " + round + ", side " + side;
            }, () -> checks[0]++));
        }

        assertEquals(List.of(LinuxBridge.LABEL, LanyardSide.LABEL, OVS), rounds.get(0).order());
        assertEquals(List.of(LanyardSide.LABEL, OVS, LinuxBridge.LABEL), rounds.get(1).order());
        assertEquals(List.of(OVS, LinuxBridge.LABEL, LanyardSide.LABEL), rounds.get(2).order());
        assertEquals(List.of("round 2, side 0", "round 2, side 1", "round 2, side 2"), rounds.get(1).results());
        assertEquals(rounds.stream().flatMap(round -> round.order().stream()).toList(), measured);
        assertEquals(9, checks[0], "the alive checks run after every side");
        // two sides alternate, the peer first in odd rounds, as before there were more
        assertEquals(List.of(0, 1), Report.Round.order(1, 2));
        assertEquals(List.of(1, 0), Report.Round.order(2, 2));
        assertEquals(List.of(0, 1), Report.Round.order(3, 2));
    }

    @Test
    void shouldNameAFailedRunOfAFurtherPeerUnderTheTableAndInTheJson()
    {
        final Report report = new Report(SETTINGS, List.of(threeSides(ONE_STREAM, List.of(
            threeSideRound(1, side(10.0, "0.050"), side(5.0, "0.100"), new Report.SideResult(noConnection("-P", "1"), null, null, ping("0.080"))),
            threeSideRound(2, side(10.0, "0.050"), side(5.0, "0.100"), new Report.SideResult(noConnection("-P", "1"), null, null, ping("0.080")))))));

        final String table = report.table();
        assertTrue(table.matches("(?s).*\nTCP throughput \\(Gbit/s\\)\\s+10\\.00\\s+5\\.00\\s+no connection\\s+0\\.50\\s*\n.*"), table);
        assertTrue(table.contains("  no figure: round 1, OVS userspace, TCP throughput (Gbit/s): no connection: " +
            "unable to connect to server: Connection timed out\n"), table);
        assertTrue(table.contains("  no figure: round 2, OVS userspace, TCP throughput (Gbit/s): no connection: "), table);
        assertTrue(table.contains("   OVS userspace no connection  p50 0.080 ms"), table);

        @SuppressWarnings("unchecked")
        final Map<String, Object> ovs = ((List<Map<String, Object>>)medians(report, 0).get(0).get("others")).get(0);
        assertEquals(null, ovs.get("value"));
        assertEquals(null, ovs.get("ratio"));
        assertEquals(List.of("no connection: unable to connect to server: Connection timed out",
            "no connection: unable to connect to server: Connection timed out"), ovs.get("failures"));
        assertFalse(medians(report, 0).get(0).containsKey("failures"), "the classic sides gave their figures");
        @SuppressWarnings("unchecked")
        final Map<String, Object> firstRound = ((List<Map<String, Object>>)scenarios(report).get(0).get("perRound")).get(0);
        assertFalse(firstRound.containsKey("failures"), firstRound.toString());
        @SuppressWarnings("unchecked")
        final Map<String, Object> ovsRound = ((List<Map<String, Object>>)firstRound.get("others")).get(0);
        assertEquals(Map.of("tcpGbps", "no connection: unable to connect to server: Connection timed out"), ovsRound.get("failures"));
    }

    @Test
    void shouldRefuseARoundWithoutAResultForEverySide()
    {
        final List<Report.Round<Report.SideResult>> rounds = List.of(round(1, 10.0, 5.0, "0.050", "0.100"));

        assertThrows(IllegalArgumentException.class, () -> threeSides(ONE_STREAM, rounds));
    }

    @Test
    void shouldTellTheCommitDateAndJdkOfTheRun()
    {
        final Report report = new Report(SETTINGS, List.of(Report.Section.ofSwitch("bridge", "two containers", BRIDGE, List.of(), ONE_STREAM,
            List.of(round(1, 10.0, 5.0, "0.050", "0.100")))));

        assertTrue(report.table().contains("  machine: 2 CPUs, Linux 6.18, OpenJDK 64-Bit Server VM 21.0.5+11; commit 1b984cb; " +
            "namespaces lyp0000-*\n"), report.table());
        final Map<String, Object> json = report.json();
        assertEquals("1b984cb", json.get("commit"));
        assertEquals("2026-12-07T12:00:00Z", json.get("date"));
        assertEquals(Map.of("cpus", 2, "kernel", "6.18", "jdk", "OpenJDK 64-Bit Server VM 21.0.5+11"), json.get("machine"));
        assertEquals(List.of("--pipeline", "inline"), json.get("daemonFlags"));

        final Report.Settings noCheckout = new Report.Settings("lyp0000-", 1, 10, 3, 10, List.of(), 2, "6.18", "OpenJDK", null, Instant.EPOCH);
        final Report unknown = new Report(noCheckout, List.of());
        assertTrue(unknown.table().contains("; commit unknown; "), unknown.table());
        assertTrue(unknown.json().containsKey("commit"));
        assertEquals(null, unknown.json().get("commit"));
    }

    private static Report.Section<Report.SideResult> threeSides(final List<Report.Metric<Report.SideResult>> metrics,
        final List<Report.Round<Report.SideResult>> rounds)
    {
        return Report.Section.ofSwitch("bridge", "two containers", THREE_SIDES, List.of(), metrics, rounds);
    }

    /** A round of the Linux bridge, Lanyard and OVS, measured in the order the round's number gives. */
    private static Report.Round<Report.SideResult> threeSideRound(final int number, final Report.SideResult linux, final Report.SideResult lanyard,
        final Report.SideResult ovs)
    {
        final List<Report.SideResult> results = List.of(linux, lanyard, ovs);
        return Report.Round.measure(number, THREE_SIDES, results::get, () -> { });
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> scenarios(final Report report)
    {
        return (List<Map<String, Object>>)report.json().get("scenarios");
    }

    private static Report.Round<Report.SideResult> overlayRound(final int number, final double kernelGbps, final double kernelParallelGbps,
        final double kernelUdp, final double lanyardGbps, final double lanyardParallelGbps, final double lanyardUdp)
    {
        return new Report.Round<>(number, List.of(LinuxOverlay.LABEL, LanyardSide.LABEL), List.of(
            new Report.SideResult(tcp(kernelGbps, "-P", "1"), tcp(kernelParallelGbps, "-P", "4"), udp(kernelUdp), ping("0.100")),
            new Report.SideResult(tcp(lanyardGbps, "-P", "1"), tcp(lanyardParallelGbps, "-P", "4"), udp(lanyardUdp), ping("0.200"))));
    }

    private static UdpRate.Result udp(final double received)
    {
        return new UdpRate.Result(received, 900_000, 2_500, ToolRun.ok(command("-u", "-l", "64", "-b", "0")));
    }

    private static Report.Round<OverlayInterop.Side> interopRound(final int number, final TcpThroughput.Result lanyardOut,
        final TcpThroughput.Result lanyardBack)
    {
        return new Report.Round<>(number, List.of(OverlayInterop.PEER_LABEL, OverlayInterop.LABEL),
            List.of(new OverlayInterop.Side(tcp(10.0, "-P", "1"), tcp(9.0, "-P", "1", "-R")), new OverlayInterop.Side(lanyardOut, lanyardBack)));
    }

    /** One side of a made-up scenario: what it measured, and a baseline only the peer has. */
    private record Lookup(double millis, double baselineMillis)
    {
    }

    private static final List<Report.Metric<Lookup>> LOOKUP_METRICS = List.of(
        Report.Metric.<Lookup>of("lookup (ms)", "lookupMs", Lookup::millis, Report.Better.LOWER, "%.3f").perRound("lookup %.3f ms"),
        Report.Metric.<Lookup>difference("lookup adds (ms)", "addsMs", Lookup::millis, Lookup::millis, "%+.3f"),
        Report.Metric.<Lookup>ofPeer("baseline (ms)", "baselineMs", Lookup::baselineMillis, "%.3f"));

    @Test
    void shouldTakeTheMedianOfPerRoundDifferencesAndLeaveAPeerOnlyValueOutOfLanyardsColumn()
    {
        final Report report = new Report(SETTINGS, List.of(new Report.Section<>("lookup", "names", "asked 10 times",
            List.of("the peer", LanyardSide.LABEL), List.of(), LOOKUP_METRICS, List.of(
                lookupRound(1, 1.0, 1.5), // Lanyard adds 0.5
                lookupRound(2, 2.0, 2.1), // 0.1
                lookupRound(3, 1.2, 3.2))))); // 2.0

        final String table = report.table();
        assertTrue(table.matches("(?s).*scenario lookup: names\\n  asked 10 times\\n.*"), table);
        assertTrue(table.matches("(?s).*\\nlookup \\(ms\\)\\s+1\\.200\\s+2\\.100\\s+0\\.57\\n.*"), table);
        assertTrue(table.matches("(?s).*\\nlookup adds \\(ms\\)\\s+-\\s+\\+0\\.500\\s*\\n.*"), table);
        assertTrue(table.matches("(?s).*\\nbaseline \\(ms\\)\\s+0\\.900\\s+-\\s*\\n.*"), table);
        assertTrue(table.contains("  lookup  3  the peer     lookup 1.200 ms   Lanyard lookup 3.200 ms\n"), table);
        assertFalse(table.contains("iperf3"), table);

        @SuppressWarnings("unchecked")
        final Map<String, Object> round = ((List<Map<String, Object>>)((List<Map<String, Object>>)report.json().get("scenarios")).get(0)
            .get("perRound")).get(2);
        assertEquals(Set.of("lookupMs", "addsMs", "baselineMs"), ((Map<?, ?>)round.get("lanyard")).keySet());
        assertEquals(2.0, (Double)((Map<?, ?>)round.get("lanyard")).get("addsMs"), 1e-9);
        assertEquals(null, ((Map<?, ?>)round.get("lanyard")).get("baselineMs"));
        assertEquals(0.9, (Double)((Map<?, ?>)round.get("peer")).get("baselineMs"), 1e-9);
        assertEquals(0.5, (Double)medians(report, 0).get(1).get("lanyard"), 1e-9);
        assertEquals(null, medians(report, 0).get(1).get("peer"));
    }

    private static Report.Round<Lookup> lookupRound(final int number, final double peerMillis, final double lanyardMillis)
    {
        return new Report.Round<>(number, List.of("the peer", LanyardSide.LABEL),
            List.of(new Lookup(peerMillis, 0.9), new Lookup(lanyardMillis, Double.NaN)));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> medians(final Report report, final int scenario)
    {
        final List<Map<String, Object>> scenarios = (List<Map<String, Object>>)report.json().get("scenarios");
        return (List<Map<String, Object>>)scenarios.get(scenario).get("medians");
    }

    private static Report.Round<Report.SideResult> round(final int number, final double bridgeGbps, final double lanyardGbps,
        final String bridgeRtt, final String lanyardRtt)
    {
        return new Report.Round<>(number, BRIDGE, List.of(side(bridgeGbps, bridgeRtt), side(lanyardGbps, lanyardRtt)));
    }

    private static Report.SideResult side(final double gbps, final String rtt)
    {
        return new Report.SideResult(tcp(gbps, "-P", "1"), null, null, ping(rtt));
    }

    private static PingLatency.Result ping(final String rtt)
    {
        final String output = ("64 bytes from 10.42.0.2: icmp_seq=1 ttl=64 time=" + rtt + " ms\n").repeat(3);
        return PingLatency.parse(output, 3);
    }

    /** A TCP run that gave its figure; its command line ends with {@code options}. */
    private static TcpThroughput.Result tcp(final double gbps, final String... options)
    {
        return new TcpThroughput.Result(gbps, 0, ToolRun.ok(command(options)));
    }

    private static TcpThroughput.Result noConnection(final String... options)
    {
        return new TcpThroughput.Result(Double.NaN, 0, ToolRun.failed(command(options), ToolRun.NO_CONNECTION,
            "unable to connect to server: Connection timed out"));
    }

    private static List<String> command(final String... options)
    {
        final List<String> command = new ArrayList<>(List.of("iperf3", "-c", "10.0.0.2"));
        command.addAll(List.of(options));
        return command;
    }
}
