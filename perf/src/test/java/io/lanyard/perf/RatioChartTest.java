package io.lanyard.perf;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RatioChartTest
{
    private static final List<String> SIDES = List.of(LinuxBridge.LABEL, LanyardSide.LABEL, "OVS userspace");

    @BeforeAll
    static void headless()
    {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void shouldDrawABarPerPeerForEachRatioOfTheSwitchScenariosIntoANewDirectory(@TempDir final Path dir) throws IOException
    {
        final Path png = dir.resolve("charts/of/today/ratios.png");

        RatioChart.write(png, report());

        assertTrue(Files.size(png) > 0);
        final BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image);
        assertEquals(RatioChart.WIDTH, image.getWidth());
        // the bridge's seven metrics with a ratio (TCP 1 and 4 streams, UDP received, four of ping); the lookup is no switch scenario
        assertEquals(160 + 7 * 40, image.getHeight());
        assertEquals(RatioChart.height(7), image.getHeight());
    }

    @Test
    void shouldSayInOneLineWhyAChartCannotBeWritten(@TempDir final Path dir) throws IOException
    {
        final Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        final Path png = file.resolve("ratios.png");

        final PerfException error = assertThrows(PerfException.class, () -> RatioChart.write(png, report()));

        assertTrue(error.getMessage().startsWith("cannot write " + png + ": "), error.getMessage());
        assertFalse(error.getMessage().contains("\n"), error.getMessage());
    }

    /** A bridge of three sides, two rounds, every metric; and a section that is not a switch scenario. */
    private static Report report()
    {
        final Report.Settings settings = new Report.Settings("lyp0000-", 2, 10, 3, 10, List.of(), 2, "6.18", "OpenJDK", "1b984cb",
            Instant.parse("2026-12-07T12:00:00Z"));
        final List<Report.Round<Report.SideResult>> rounds = List.of(
            Report.Round.measure(1, SIDES, side -> result(10 - 3 * side, "0.0" + (5 + side)), () -> { }),
            Report.Round.measure(2, SIDES, side -> result(12 - 3 * side, "0.0" + (6 + side)), () -> { }));
        final Report.Section<Report.SideResult> bridge = Report.Section.ofSwitch("bridge", "two containers", SIDES, List.of(),
            Report.switchMetrics(4, true), rounds);
        final Report.Section<Double> lookup = new Report.Section<>("lookup", "names", "asked 10 times", List.of("the peer", LanyardSide.LABEL),
            List.of(), List.of(Report.Metric.<Double>of("lookup (ms)", "lookupMs", x -> x, Report.Better.LOWER, "%.3f")),
            List.of(new Report.Round<>(1, List.of("the peer", LanyardSide.LABEL), List.of(1.0, 2.0))));
        return new Report(settings, List.of(bridge, lookup));
    }

    private static Report.SideResult result(final double gbps, final String rtt)
    {
        final ToolRun tcp = ToolRun.ok(List.of("iperf3", "-c", "10.0.0.2", "-P", "1"));
        final ToolRun parallel = ToolRun.ok(List.of("iperf3", "-c", "10.0.0.2", "-P", "4"));
        final ToolRun udp = ToolRun.ok(List.of("iperf3", "-c", "10.0.0.2", "-u", "-l", "64", "-b", "0"));
        final String pings = ("64 bytes from 10.42.0.2: icmp_seq=1 ttl=64 time=" + rtt + " ms\n").repeat(3);
        return new Report.SideResult(new TcpThroughput.Result(gbps, 0, tcp), new TcpThroughput.Result(2 * gbps, 0, parallel),
            new UdpRate.Result(gbps * 100_000, 900_000, 0, udp), PingLatency.parse(pings, 3));
    }
}
