package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Operating a daemon (issue 17), against the real tools: one daemon ({@code --metrics-addr},
 * {@code --log-format json}) with two sandboxes that ping each other. Its {@code /metrics}
 * fetched with curl and checked by Debian's {@code promtool check metrics}, and scraped by a real
 * Prometheus server (in the test's host namespace, with a configuration and a database of the
 * test's own); {@code lanyard stats --watch} and {@code lanyard events} as processes that follow
 * one streamed answer; each change logged once as a JSON line; and the refusals of a second
 * daemon: a metrics address other hosts reach, one already in use, a log level it does not know.
 */
class OperatingE2E
{
    private static final String METRICS = "127.0.0.1:9323";
    private static final Path LANYARD = Path.of(System.getenv().getOrDefault("LANYARD_HOME", "tools")).toAbsolutePath().resolve("bin/lanyard");
    private static final String PROMETHEUS = "127.0.0.1:9390";
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-z_]+)\\{([^}]*)\\} ([0-9.eE+-]+)$");

    private static LanyardHost host;

    @BeforeAll
    static void setUp()
    {
        Privileges.requireNetAdmin("ip", "nsenter", "curl", "ping", "promtool", "prometheus", "tshark");
        host = new LanyardHost("op", "--metrics-addr", METRICS, "--log-format", "json").start();
        host.cli("run", "-d", "--name", "c1").ok();
        host.cli("run", "-d", "--name", "c2").ok();
    }

    @AfterAll
    static void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void shouldServeEachSandboxsTrafficInATextPromtoolAccepts() throws Exception
    {
        final String c2 = host.get("/sandboxes/c2").path("Networks").path("bridge").path("IPAddress").asText();
        host.inSandbox("c1", "ping", "-c", "5", "-i", "0.2", "-W", "1", c2).assertOk();

        final String text = scrape();
        final Path file = host.dir.resolve("metrics.txt");
        Files.writeString(file, text);
        final Shell.Result lint = Shell.run(List.of("sh", "-c", "promtool check metrics < " + file));
        assertEquals(0, lint.status(), "promtool check metrics:\n" + lint.output() + "\n" + text);

        // the same counters as lanyard stats, named by sandbox, interface and network
        final long sent = value(text, "lanyard_port_transmit_packets_total", "sandbox=\"c2\"");
        assertTrue(sent >= 5, "echo requests written to c2: " + sent + "\n" + text);
        assertTrue(value(text, "lanyard_port_receive_packets_total", "sandbox=\"c1\"") >= 5, text);
        long statsTx = -1;
        for (final JsonNode port : host.get("/stats").path("Ports"))
        {
            if (port.path("Sandbox").asText().equals("c2"))
            {
                statsTx = port.path("TxPackets").asLong();
            }
        }
        assertTrue(statsTx >= sent, "lanyard stats " + statsTx + " after metrics " + sent);
        assertTrue(value(text, "lanyard_network_transmit_packets_total", "network=\"bridge\"") >= sent, text);
        assertTrue(text.contains("\nlanyard_sandboxes 2.0\n"), text);
        assertTrue(text.contains("lanyard_mac_entries "), text);
        assertTrue(text.contains("lanyard_dataplane_thread_cpu_seconds_total{thread=\"lanyard-io"), text);
        assertTrue(text.contains("jvm_memory_used_bytes"), text);
    }

    @Test
    void shouldBeScrapedByPrometheus() throws Exception
    {
        final Path config = host.dir.resolve("prometheus.yml");
        Files.writeString(config, "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: lanyard\n    static_configs:\n" +
            "      - targets: ['" + METRICS + "']\n");
        final Process prometheus = host.spawn(List.of("nsenter", "--net=/run/netns/" + host.hostNetns, "--", "prometheus",
            "--config.file=" + config, "--storage.tsdb.path=" + host.dir.resolve("tsdb"), "--web.listen-address=" + PROMETHEUS),
            host.dir.resolve("prometheus.log"));
        try
        {
            final String[] seen = {""};
            final boolean scraped = LanyardHost.eventually(Duration.ofSeconds(60), () ->
            {
                seen[0] = query("lanyard_sandboxes");
                return seen[0].contains("\"value\":[") && seen[0].contains(",\"2\"]");
            });
            assertTrue(scraped, "Prometheus's answer: " + seen[0] + "\n" + LanyardHost.readQuietly(host.dir.resolve("prometheus.log")));
            assertTrue(query("up{job=\"lanyard\"}").contains(",\"1\"]"), query("up"));
            assertTrue(query("lanyard_port_receive_packets_total{sandbox=\"c1\"}").contains("\"interface\":\"eth0\""),
                query("lanyard_port_receive_packets_total"));
        }
        finally
        {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS))
            {
                prometheus.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void shouldRefuseAnAddressOtherHostsReachAndOneInUseInOneLine() throws Exception
    {
        final LanyardHost.Result remote = second("--metrics-addr", "192.0.2.1:9323");
        assertEquals(1, remote.status(), remote.err());
        assertEquals("lanyardd: --metrics-addr 192.0.2.1:9323: not a loopback address; metrics name every sandbox and its traffic, " +
            "so serving them to other hosts needs --metrics-allow-remote", remote.err().strip());

        final LanyardHost.Result inUse = second("--metrics-addr", METRICS);
        assertEquals(1, inUse.status(), inUse.err());
        final List<String> lines = inUse.err().strip().lines().filter(line -> line.startsWith("lanyardd: ")).toList();
        assertEquals(1, lines.size(), inUse.err());
        assertTrue(lines.get(0).startsWith("lanyardd: cannot serve metrics on " + METRICS + ": "), inUse.err());
        assertFalse(Files.exists(host.dir.resolve("second.sock")), "the second daemon left no socket");
        assertEquals(200, Integer.parseInt(curl("-o", "/dev/null", "-w", "%{http_code}", "http://" + METRICS + "/metrics")),
            "the first daemon serves on");
    }

    @Test
    void shouldRefuseALogLevelItDoesNotKnowInOneLine() throws Exception
    {
        final LanyardHost.Result loud = second("--log-level", "loud");
        assertEquals(1, loud.status(), loud.err());
        assertEquals("lanyardd: --log-level must be debug, info, warn or error, not 'loud'", loud.err().strip());
        final LanyardHost.Result yaml = second("--log-format", "yaml");
        assertEquals("lanyardd: --log-format must be text or json, not 'yaml'", yaml.err().strip());
    }

    @Test
    void shouldStreamEachPortsRatesOnOneConnection() throws Exception
    {
        final String c2 = host.get("/sandboxes/c2").path("Networks").path("bridge").path("IPAddress").asText();
        final Path out = host.dir.resolve("watch.txt");
        final Process watch = host.spawn(List.of(LANYARD.toString(), "--socket", host.socket.toString(), "stats", "--watch",
            "--interval", "0.5", "--count", "4", "--format", "json"), out);
        host.inSandbox("c1", "ping", "-c", "30", "-i", "0.05", "-W", "1", c2).assertOk();
        assertTrue(watch.waitFor(30, TimeUnit.SECONDS), "four refreshes in 2 s:\n" + LanyardHost.readQuietly(out));
        assertEquals(0, watch.exitValue(), LanyardHost.readQuietly(out));

        final List<String> lines = Files.readAllLines(out).stream().filter(l -> l.startsWith("{")).toList();
        assertEquals(4, lines.size(), String.join("\n", lines));
        double most = 0;
        for (final String line : lines)
        {
            final JsonNode rates = Json.MAPPER.readTree(line);
            assertTrue(rates.path("Seconds").asDouble() > 0.3 && rates.path("Seconds").asDouble() < 1.5, line);
            for (final JsonNode port : rates.path("Ports"))
            {
                if (port.path("Sandbox").asText().equals("c2"))
                {
                    most = Math.max(most, port.path("TxPacketsPerSecond").asDouble());
                }
            }
        }
        // 20 echo requests a second reach c2 while the ping runs
        assertTrue(most >= 10 && most <= 40, "c2's highest TX rate: " + most + "\n" + String.join("\n", lines));

        // one snapshot as JSON: the counters behind those rates
        final JsonNode snapshot = Json.MAPPER.readTree(host.cli("stats", "--format", "json").ok().out());
        long sentToC2 = -1;
        for (final JsonNode port : snapshot.path("Ports"))
        {
            if (port.path("Sandbox").asText().equals("c2"))
            {
                sentToC2 = port.path("TxPackets").asLong();
            }
        }
        assertTrue(sentToC2 >= 30, "c2's TX packets in stats --format json: " + snapshot);
    }

    @Test
    void shouldFollowEventsAndLogEachChangeOnceWithItsId() throws Exception
    {
        final Path out = host.dir.resolve("events.txt");
        final Process events = host.spawn(List.of(LANYARD.toString(), "--socket", host.socket.toString(), "events"), out);
        try
        {
            assertTrue(LanyardHost.eventually(Duration.ofSeconds(20), () -> host.get("/info").path("NEventsListener").asInt() >= 1),
                "subscribed: " + host.get("/info"));
            final String network = host.cli("network", "create", "ev1").ok().out().trim();
            host.cli("run", "-d", "--name", "c3", "--net", "ev1").ok();
            final String c3 = host.get("/sandboxes/c3").path("Id").asText();
            host.cli("rm", "-f", "c3").ok();
            host.cli("network", "rm", "ev1").ok();

            final List<String> expected = List.of("network create " + network + " (name=ev1, type=bridge)",
                "container create " + c3 + " (name=c3)",
                "network connect " + network + " (container=" + c3 + ", name=ev1, type=bridge)",
                "network disconnect " + network + " (container=" + c3 + ", name=ev1, type=bridge)",
                "container destroy " + c3 + " (name=c3)",
                "network destroy " + network + " (name=ev1, type=bridge)");
            final AtomicReference<List<String>> seen = new AtomicReference<>(List.of());
            assertTrue(LanyardHost.eventually(Duration.ofSeconds(20), () ->
            {
                seen.set(LanyardHost.readQuietly(out).lines().map(l -> l.replaceFirst("^\\S+ ", "")).toList());
                return seen.get().size() >= expected.size();
            }), "lanyard events printed:\n" + LanyardHost.readQuietly(out));
            assertEquals(expected, seen.get());

            // the daemon logged each of them once, as a JSON line naming the ID
            for (final String id : List.of(network, c3))
            {
                final List<JsonNode> logged = new ArrayList<>();
                for (final String line : host.log().lines().filter(l -> l.startsWith("{")).toList())
                {
                    final JsonNode record = Json.MAPPER.readTree(line);
                    if (record.path("msg").asText().contains(" " + id + " "))
                    {
                        logged.add(record);
                    }
                }
                assertEquals(id.equals(network) ? 4 : 2, logged.size(), "log lines of " + id + ":\n" + logged);
                for (final JsonNode record : logged)
                {
                    assertEquals("info", record.path("level").asText(), record.toString());
                    assertEquals("lanyardd", record.path("program").asText(), record.toString());
                    assertFalse(record.path("time").asText().isEmpty(), record.toString());
                }
            }
        }
        finally
        {
            events.destroy();
            events.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldCaptureWhatTheSwitchSawAsPcapngThatTsharkReads() throws Exception
    {
        final String c2 = host.get("/sandboxes/c2").path("Networks").path("bridge").path("IPAddress").asText();
        final Path file = host.dir.resolve("c1.pcapng");
        final Process capture = host.spawn(List.of(LANYARD.toString(), "--socket", host.socket.toString(), "capture", "c1", "-w",
            file.toString(), "-c", "4"), host.dir.resolve("capture.log"));
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(20), () -> Files.exists(file)), "the capture began");
        // while it runs, the port is taken: a second capture of it is refused in one line
        final LanyardHost.Result second = host.cli("capture", "c1", "-w", host.dir.resolve("second.pcapng").toString(), "-c", "1");
        assertEquals(1, second.status(), second.err());
        assertTrue(second.err().strip().matches("Error response from daemon: port \\d+ is already being captured"), second.err());
        host.inSandbox("c1", "ping", "-c", "4", "-i", "0.2", "-W", "1", c2).assertOk();
        assertTrue(capture.waitFor(30, TimeUnit.SECONDS), LanyardHost.readQuietly(host.dir.resolve("capture.log")));
        assertEquals(0, capture.exitValue(), LanyardHost.readQuietly(host.dir.resolve("capture.log")));

        final List<String> read = tshark(file, "frame.interface_name", "icmp.type");
        assertEquals(4, read.size(), String.join("\n", read));
        assertTrue(read.stream().allMatch(l -> l.startsWith("c1/eth0\t")), String.join("\n", read));
        assertTrue(read.stream().anyMatch(l -> l.equals("c1/eth0\t8")) && read.stream().anyMatch(l -> l.equals("c1/eth0\t0")),
            "echo requests c1 sent and replies written to it:\n" + String.join("\n", read));

        // --drops on an ICC-off network: each frame the switch dropped, its reason as the comment
        host.cli("network", "create", "--opt", "com.docker.network.bridge.enable_icc=false", "cq").ok();
        host.cli("run", "-d", "--net", "cq", "--name", "cq1").ok();
        host.cli("run", "-d", "--net", "cq", "--name", "cq2").ok();
        final String cq2 = host.get("/sandboxes/cq2").path("Networks").path("cq").path("IPAddress").asText();
        final Path drops = host.dir.resolve("drops.pcapng");
        final Process dropped = host.spawn(List.of(LANYARD.toString(), "--socket", host.socket.toString(), "capture", "cq", "--drops",
            "-w", drops.toString(), "-c", "2"), host.dir.resolve("drops.log"));
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(20), () -> Files.exists(drops)), "the capture began");
        host.inSandbox("cq1", "ping", "-c", "2", "-i", "0.3", "-W", "1", cq2);
        assertTrue(dropped.waitFor(30, TimeUnit.SECONDS), LanyardHost.readQuietly(host.dir.resolve("drops.log")));
        final List<String> comments = tshark(drops, "frame.interface_name", "frame.comment", "icmp.type");
        assertEquals(List.of("cq1/eth0\tdropped: icc\t8", "cq1/eth0\tdropped: icc\t8"), comments);
        host.cli("rm", "-f", "cq1", "cq2").ok();
        host.cli("network", "rm", "cq").ok();

        // bad input: one line, exit 1, and nothing made
        final LanyardHost.Result nobody = host.cli("capture", "nosuch", "-w", host.dir.resolve("nosuch.pcapng").toString());
        assertEquals(1, nobody.status());
        assertEquals("Error response from daemon: no port, sandbox or network nosuch with a port to capture", nobody.err().strip());
        assertFalse(Files.exists(host.dir.resolve("nosuch.pcapng")));
        final LanyardHost.Result unwritable = host.cli("capture", "c1", "-w", "/nonexistent/dir/c1.pcapng");
        assertEquals(1, unwritable.status());
        assertEquals("lanyard: cannot write /nonexistent/dir/c1.pcapng: no directory /nonexistent/dir", unwritable.err().strip());
    }

    /** The fields tshark reads from each frame of a pcapng file, tab-separated. */
    private static List<String> tshark(final Path file, final String... fields)
    {
        final List<String> command = new ArrayList<>(List.of("tshark", "-r", file.toString(), "-T", "fields"));
        for (final String field : fields)
        {
            command.addAll(List.of("-e", field));
        }
        final Shell.Result result = Shell.run(command);
        assertEquals(0, result.status(), result.output());
        return result.output().lines().filter(l -> !l.startsWith("Running as user")).toList();
    }

    /** Starts a second daemon in the host namespace, with its own socket and state, and waits for it to exit. */
    private static LanyardHost.Result second(final String... flags) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + host.hostNetns, "--",
            Path.of(System.getenv().getOrDefault("LANYARD_HOME", "tools")).toAbsolutePath().resolve("bin/lanyardd").toString(),
            "--socket", host.dir.resolve("second.sock").toString(), "--state-dir", host.dir.resolve("second-state").toString(),
            "--sandbox-prefix", host.prefix() + "z"));
        command.addAll(List.of(flags));
        final Path log = host.dir.resolve("second-" + System.nanoTime() + ".log");
        final Process process = host.spawn(command, log);
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the second daemon did not exit:\n" + LanyardHost.readQuietly(log));
        }
        return new LanyardHost.Result(process.exitValue(), "", LanyardHost.readQuietly(log));
    }

    private static String scrape()
    {
        return "\n" + curl("http://" + METRICS + "/metrics");
    }

    private static String query(final String promql)
    {
        return curl("-G", "--data-urlencode", "query=" + promql, "http://" + PROMETHEUS + "/api/v1/query");
    }

    private static String curl(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("curl", "-s", "--max-time", "5"));
        command.addAll(List.of(args));
        return host.inHost(command.toArray(String[]::new)).output();
    }

    /** The value of the one sample of {@code name} whose labels contain {@code label}. */
    private static long value(final String text, final String name, final String label)
    {
        final Matcher matcher = SAMPLE.matcher(text);
        while (matcher.find())
        {
            if (matcher.group(1).equals(name) && matcher.group(2).contains(label))
            {
                return (long)Double.parseDouble(matcher.group(3));
            }
        }
        throw new AssertionError("no " + name + " with " + label + " in:\n" + text);
    }
}
