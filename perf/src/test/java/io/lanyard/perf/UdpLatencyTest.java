package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness's side of the probe: its command line, and reading its result line back; and {@code udp-echo} run as the harness runs it. */
class UdpLatencyTest
{
    private static final Pattern ECHOING = Pattern.compile("udp-echo: echoing on 127\\.0\\.0\\.1:([0-9]+)");
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void shouldRunUdpEchoWithThisJvmsJavaAndClassPath()
    {
        final List<String> command = UdpLatency.probeCommand(UdpLatency.classPath(), "10.42.0.3", UdpLatency.PORT, 2000, 20_000, 1000);

        assertTrue(command.get(0).endsWith("/java"), command.get(0));
        final int classPath = command.indexOf("-cp") + 1;
        assertEquals(System.getProperty("java.class.path"), command.get(classPath));
        assertEquals(List.of(UdpEcho.class.getName(), "probe", "--to", "10.42.0.3:" + UdpLatency.PORT, "--rate", "2000", "--count", "20000",
            "--warmup", "1000", "--payload", "64"), command.subList(classPath + 1, command.size()));
    }

    @Test
    void shouldReadCountsAndWholeHistogramsFromTheResultLine()
    {
        final Histogram rtts = histogram(40_000, 50_000, 60_000, 2_000_000);
        final Histogram serviceRtts = histogram(30_000, 40_000, 50_000, 1_900_000);
        final String line = UdpEchoProbe.toJson(new UdpEchoProbe.Outcome(settings(5), 5, 4, 1, 0, 0, 0, 0, 0, 2_000_000, 120_000, rtts, serviceRtts));

        final UdpLatency.Result result = UdpLatency.of(exited(0, "some other line\n" + line + "\n", ""));

        assertFalse(result.run().isFailed(), result.run().toString());
        assertEquals(5, result.sent());
        assertEquals(1, result.lost());
        assertEquals(4, result.received());
        assertEquals(0.2, result.lossRatio(), 1e-9);
        assertEquals(rtts, result.rtts());
        assertEquals(serviceRtts, result.serviceRtts());
        assertEquals(rtts.getValueAtPercentile(50) / 1e6, result.percentileMillis(50), 1e-12);
        assertEquals(rtts.getMaxValue() / 1e6, result.maxMillis(), 1e-12);
        assertEquals(0.12, result.maxSendLagMillis(), 1e-9);
    }

    @Test
    void shouldFailARunThatLostEveryRequestButKeepItsCounts()
    {
        final Histogram none = histogram();
        final String line = UdpEchoProbe.toJson(new UdpEchoProbe.Outcome(settings(100), 100, 0, 100, 0, 0, 0, 3, 0, 99_000_000, 0, none, none));

        final UdpLatency.Result result = UdpLatency.of(exited(0, line, ""));

        assertEquals(ToolRun.NO_CONNECTION, result.run().failure());
        assertTrue(result.run().detail().contains("all 100 requests lost"), result.run().detail());
        assertEquals(100, result.sent());
        assertEquals(100, result.lost());
        assertTrue(Double.isNaN(result.percentileMillis(50)));
    }

    @Test
    void shouldFailARunWithoutAResultLineAndSayWhatTheProbeSaid()
    {
        final UdpLatency.Result result = UdpLatency.of(exited(1, "",
            "udp-echo: cannot open a UDP socket to /10.42.0.3:5210: Network is unreachable\n"));

        assertEquals(ToolRun.FAILED, result.run().failure());
        assertTrue(result.run().detail().contains("Network is unreachable"), result.run().detail());
        assertEquals(0, result.sent());
        assertTrue(Double.isNaN(result.maxMillis()));
    }

    @Test
    void shouldFailARunThatTimedOut()
    {
        final UdpLatency.Result result = UdpLatency.of(new Exec.Result(List.of("java"), -1, "", "\n(killed after 71 s)", true));

        assertEquals(ToolRun.TIMED_OUT, result.run().failure());
    }

    @Test
    void shouldFailARunWhoseHistogramsDoNotDecode()
    {
        final UdpLatency.Result result = UdpLatency.of(exited(0,
            "{\"sent\": 5, \"lost\": 0, \"rtts\": \"bm90IGEgaGlzdG9ncmFt\", \"serviceRtts\": \"\"}", ""));

        assertEquals(ToolRun.FAILED, result.run().failure());
        assertTrue(result.run().detail().contains("do not decode"), result.run().detail());
    }

    @Test
    void shouldEchoAndProbeAsChildJvmsAndReadEveryFigureBack() throws IOException, InterruptedException
    {
        final Process server = new ProcessBuilder(
                UdpLatency.javaCommand(UdpLatency.classPath(), List.of("serve", "--port", "0", "--bind", "127.0.0.1", "--drop-every", "10")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        try
        {
            final int port = echoingPort(server);

            final Exec.Result probe = Exec.run(UdpLatency.probeCommand(UdpLatency.classPath(), "127.0.0.1", port, 2000, 500, 100), CHILD_TIMEOUT, p -> { });
            final UdpLatency.Result result = UdpLatency.of(probe);

            assertFalse(result.run().isFailed(), probe.describe());
            assertEquals(500, result.sent());
            assertEquals(50, result.lost());
            assertEquals(450, result.received());
            assertEquals(450, result.serviceRtts().getTotalCount());
            final JsonNode line = Json.MAPPER.readTree(probe.stdout().strip());
            assertEquals(line.path("p50Millis").asDouble(), result.percentileMillis(50), 1e-9);
            assertEquals(line.path("p99Millis").asDouble(), result.percentileMillis(99), 1e-9);
            assertEquals(line.path("p999Millis").asDouble(), result.percentileMillis(99.9), 1e-9);
            assertEquals(line.path("maxMillis").asDouble(), result.maxMillis(), 1e-9);
            assertEquals(1, probe.stdout().strip().lines().count(), probe.stdout());
        }
        finally
        {
            server.destroy();
            server.waitFor();
        }
    }

    @Test
    void shouldGiveTheChildThisJvmsClassPathThroughAnArgumentFileOfTheRun()
    {
        try (Workspace workspace = Workspace.create("udp-latency-test", "lyt"))
        {
            final List<String> classPath = UdpLatency.classPathFile(workspace, "udp-echo.args");
            final List<String> command = UdpLatency.javaCommand(classPath,
                List.of("probe", "--to", "127.0.0.1:9", "--count", "1", "--warmup", "0", "--timeout-ms", "50"));

            final Exec.Result probe = Exec.run(command, CHILD_TIMEOUT, p -> { });

            assertEquals(List.of("@" + workspace.dir().resolve("udp-echo.args")), classPath);
            assertTrue(command.stream().noneMatch(argument -> argument.contains(" ")), command.toString());
            assertEquals(0, probe.status(), probe.describe());
            assertEquals(1, UdpLatency.of(probe).lost(), probe.describe());
        }
    }

    @Test
    void shouldSayABadFlagInOneLineAndExitWithStatusTwo()
    {
        final List<List<String>> bad = List.of(
            List.of(),
            List.of("bogus"),
            List.of("serve"),
            List.of("serve", "--port", "65536"),
            List.of("probe"),
            List.of("probe", "--to", "127.0.0.1"),
            List.of("probe", "--to", "127.0.0.1:9", "--rate", "0"),
            List.of("probe", "--to", "127.0.0.1:9", "--rate", "fast"),
            List.of("probe", "--to", "127.0.0.1:9", "--payload", "16"),
            List.of("probe", "--to", "127.0.0.1:9", "--count", "0"));
        final List<String> wrong = new ArrayList<>();
        for (final List<String> args : bad)
        {
            final Exec.Result run = Exec.run(UdpLatency.javaCommand(UdpLatency.classPath(), args), CHILD_TIMEOUT, p -> { });
            final List<String> said = run.stderr().strip().lines().toList();
            if (run.status() != 2 || said.size() != 1 || !said.get(0).startsWith("udp-echo: ") || !run.stdout().isEmpty())
            {
                wrong.add(args + " exited " + run.status() + " saying " + said + run.stdout());
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** Reads the server's stderr until it says its port. */
    private static int echoingPort(final Process server) throws IOException
    {
        final BufferedReader err = new BufferedReader(new InputStreamReader(server.getErrorStream(), StandardCharsets.UTF_8));
        final String said = err.readLine();
        assertNotNull(said, "the server said nothing");
        final Matcher echoing = ECHOING.matcher(said);
        assertTrue(echoing.matches(), said);
        return Integer.parseInt(echoing.group(1));
    }

    private static UdpEchoProbe.Settings settings(final int count)
    {
        return new UdpEchoProbe.Settings(new InetSocketAddress("127.0.0.1", 9), 1000, count, 0, 64, Duration.ofSeconds(1));
    }

    private static Histogram histogram(final long... nanos)
    {
        final Histogram histogram = new Histogram(UdpEchoProbe.HIGHEST_NANOS, 3);
        for (final long value : nanos)
        {
            histogram.recordValue(value);
        }
        return histogram;
    }

    private static Exec.Result exited(final int status, final String stdout, final String stderr)
    {
        return new Exec.Result(List.of("java", UdpEcho.class.getName(), "probe"), status, stdout, stderr, false);
    }
}
