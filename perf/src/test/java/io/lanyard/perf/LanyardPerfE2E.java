package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tools/bin/lanyard-perf} as a performance engineer runs it, with real peers: the bridge
 * scenario builds a Linux bridge, Lanyard's daemon and Open vSwitch's userspace datapath side by
 * side, measures each with iperf3 (1 and 4 streams, 64-byte UDP), ping, its own UDP latency probe
 * and the switch's CPU time, and prints one table with a column and a ratio per peer, the JSON
 * and the chart; afterwards nothing it started is left. Short runs: this checks the harness, not
 * the figures.
 */
class LanyardPerfE2E
{
    private static final Path LAUNCHER = Path.of("..", "tools", "bin", "lanyard-perf").toAbsolutePath().normalize();
    private static final Pattern PREFIX = Pattern.compile("namespaces (lyp[0-9a-f]{4}-)\\*");
    private static final Pattern DAEMON_PID = Pattern.compile("lanyardd pid ([0-9]+)");
    private static final Pattern OVS_PID = Pattern.compile("ovs-vswitchd pid ([0-9]+)");

    @BeforeAll
    static void requirePeers()
    {
        Privileges.requireNetAdmin("iperf3", "ping", "ip", "nsenter", "ovs-vswitchd", "ovsdb-server", "ovs-vsctl", "ovsdb-tool");
    }

    @Test
    void shouldMeasureLanyardBesideTheLinuxBridgeAndOpenVSwitchInOneTable(@TempDir final Path dir) throws Exception
    {
        final Path json = dir.resolve("out/perf.json");
        final Path chart = dir.resolve("out/ratios.png");
        final Set<Long> before = ProcessHandle.allProcesses().map(ProcessHandle::pid).collect(Collectors.toSet());
        final Run run = run(List.of("--scenario", "bridge", "--duration", "2", "--pings", "20", "--probe-count", "1000",
            "--probe-rate", "1000", "--json-out", json.toString(), "--chart", chart.toString()));
        assertEquals(0, run.status, run.err);

        // one table, a column per switch and a ratio per peer
        final String header = run.out.lines().filter(line -> line.startsWith("metric")).findFirst().orElse("");
        for (final String column : List.of("Linux bridge", "Lanyard", "OVS userspace", "vs Linux", "vs OVS"))
        {
            assertTrue(header.contains(column), "column " + column + " in: " + header + "\n" + run.out);
        }
        for (final String row : List.of("TCP throughput (Gbit/s)", "TCP 4 streams (Gbit/s)", "UDP 64 B received (datagrams/s)",
            "UDP probe RTT p99 (ms)", "UDP probe RTT p99.9 (ms)", "switch+softirq CPU s/GB (TCP 1 stream)"))
        {
            assertTrue(run.out.lines().anyMatch(line -> line.startsWith(row)), "row " + row + " in:\n" + run.out);
        }
        assertTrue(run.out.contains("userspace-tso-enable=true"), run.out);

        // the JSON holds every side's figures, and says what was measured with what
        final JsonNode report = Json.MAPPER.readTree(json.toFile());
        assertFalse(report.path("date").asText().isEmpty(), report.toString());
        assertFalse(report.path("machine").path("jdk").asText().isEmpty(), report.toString());
        final JsonNode bridge = report.path("scenarios").get(0);
        assertEquals("bridge", bridge.path("scenario").asText());
        for (final String metric : List.of("tcpGbps", "tcpParallelGbps", "udp64ReceivedPerSecond", "probeP99Ms", "cpuSecondsPerGigabyte"))
        {
            final JsonNode median = median(bridge, metric);
            assertNotNull(median, metric + " in " + bridge);
            assertTrue(median.path("peer").asDouble() > 0 && median.path("lanyard").asDouble() > 0, median.toString());
            final JsonNode ovs = median.path("others").get(0);
            assertEquals(OvsUserspace.LABEL, ovs.path("label").asText(), median.toString());
            assertTrue(ovs.path("value").asDouble() > 0 && ovs.path("ratio").asDouble() > 0, median.toString());
        }
        assertEquals(0, median(bridge, "probeLost").path("lanyard").asDouble(), 0.0, "the probe's requests came back");
        // the receiving socket's drops are read in the server's namespace on every side
        final JsonNode drops = median(bridge, "udp64SocketDropsPerSecond");
        assertNotNull(drops, "udp64SocketDropsPerSecond in " + bridge);
        assertTrue(drops.path("peer").isNumber() && drops.path("lanyard").isNumber() && drops.path("others").get(0).path("value").isNumber(),
            drops.toString());

        final BufferedImage image = ImageIO.read(chart.toFile());
        assertNotNull(image, "a PNG at " + chart);
        assertTrue(image.getWidth() >= 800 && image.getHeight() >= 400, image.getWidth() + "x" + image.getHeight());

        // nothing it started is left: namespaces, the daemon, ovs-vswitchd
        final String prefix = find(PREFIX, run.err);
        final String namespaces = new String(new ProcessBuilder("ip", "netns", "list").start().getInputStream().readAllBytes(),
            StandardCharsets.UTF_8);
        assertFalse(namespaces.contains(prefix), "left behind: " + namespaces);
        for (final Pattern pid : List.of(DAEMON_PID, OVS_PID))
        {
            final long process = Long.parseLong(find(pid, run.err));
            assertFalse(ProcessHandle.of(process).map(ProcessHandle::isAlive).orElse(false), pid + " still runs: " + process);
        }
        // nor any other process of the run (ovsdb-server, iperf3 servers, the probe's echo servers): none of those programs
        // runs now that did not before it, and nothing names its namespaces or directory
        final List<String> left = ProcessHandle.allProcesses().filter(process -> !before.contains(process.pid()))
            .map(process -> process.info().commandLine().orElse(""))
            .filter(line -> line.contains(prefix) || line.contains("iperf3") || line.contains("ovsdb-server") || line.contains("UdpEcho"))
            .toList();
        assertEquals(List.of(), left, "processes of the run still running");
    }

    @Test
    void shouldRefuseABadFlagInOneLineAndStartNothing() throws Exception
    {
        final Run run = run(List.of("--scenario", "bridge", "--ovs-tso", "maybe"));
        assertEquals(1, run.status, run.err);
        assertEquals(List.of("lanyard-perf: --ovs-tso takes on or off, not maybe"), run.err.lines().toList());
        assertTrue(run.out.isEmpty(), run.out);
    }

    private static JsonNode median(final JsonNode scenario, final String metric)
    {
        for (final JsonNode median : scenario.path("medians"))
        {
            if (metric.equals(median.path("metric").asText()))
            {
                return median;
            }
        }
        return null;
    }

    private static String find(final Pattern pattern, final String text)
    {
        final Matcher matcher = pattern.matcher(text);
        assertTrue(matcher.find(), pattern + " in:\n" + text);
        return matcher.group(1);
    }

    private record Run(int status, String out, String err)
    {
    }

    private static Run run(final List<String> arguments) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(arguments);
        final Path out = Files.createTempFile("lanyard-perf-e2e", ".out");
        final Path err = Files.createTempFile("lanyard-perf-e2e", ".err");
        try
        {
            final Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(5, TimeUnit.MINUTES))
            {
                process.destroy();
                process.waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("lanyard-perf did not finish in 5 minutes: " + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        }
        finally
        {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
