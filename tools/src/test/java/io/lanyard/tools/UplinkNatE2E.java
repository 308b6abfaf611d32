package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.lanyard.tools.LanyardHost.OUTSIDE_ADDRESS;
import static io.lanyard.tools.LanyardHost.UPLINK_ADDRESS;
import static io.lanyard.tools.PythonPrograms.assertStartsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The networks' way to the host and to the outside: host-side ports, the uplink, masquerade,
 * untranslated routing, internal networks, isolation through the gateway, unsolicited inbound
 * and ICMP errors. One host and one outside namespace for the class; each test makes its own
 * sandboxes and networks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UplinkNatE2E
{
    private static final int OUTSIDE_HTTP = 8000;
    private static final int OUTSIDE_UDP = 7777;
    private static final Pattern IPV4_SOURCE = Pattern.compile(" IP (\\d+\\.\\d+\\.\\d+\\.\\d+)(?:\\.\\d+)? > ");

    private LanyardHost host;
    private Path outsideLog;

    @BeforeAll
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "python3", "tcpdump", "sysctl");
        host = new LanyardHost("nat");
        host.withUplink().start();
        outsideLog = host.dir.resolve("outside.log");
        PythonPrograms.serve(host, host.outsideNetns, outsideLog, OUTSIDE_ADDRESS, OUTSIDE_HTTP, OUTSIDE_UDP);
    }

    @AfterAll
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void shouldGiveEachNetworkAHostSidePortThatTheDaemonsNamespaceAndContainersReach() throws Exception
    {
        final String lanyard0 = host.inHost("ip", "-o", "link", "show", "lanyard0").assertOk().output();
        assertTrue(lanyard0.contains("link/ether 02:42:ac:11:00:01"), lanyard0);
        assertTrue(host.inHost("ip", "-o", "-4", "addr", "show", "lanyard0").output().contains("inet 172.17.0.1/16"));
        assertEquals("", host.inHost("ip", "-o", "-4", "addr", "show", "up0").assertOk().output().trim(),
            "the uplink has no address of the kernel's");

        host.cli("run", "-d", "--name", "h1", "--", "python3", "-c", PythonPrograms.SERVER, "0.0.0.0", "80", "53").ok();
        PythonPrograms.awaitReady(outputFile("h1"), () -> true);
        final String h1 = address("h1");
        host.inSandbox("h1", "ping", "-c", "2", "-i", "0.2", "-W", "2", "172.17.0.1").assertOk();
        host.inHost("ping", "-c", "2", "-i", "0.2", "-W", "2", h1).assertOk();
        assertStartsWith("saw 172.17.0.1:", PythonPrograms.http(host, host.hostNetns, "http://" + h1 + "/from-host"),
            "the daemon's namespace reaches the container by IP, from the gateway address");

        final Path hostLog = host.dir.resolve("host-server.log");
        PythonPrograms.serve(host, host.hostNetns, hostLog, "172.17.0.1", 8001, 7001);
        assertStartsWith("saw " + h1 + ":", PythonPrograms.http(host, host.prefix() + "h1", "http://172.17.0.1:8001/from-h1"),
            "a service of the host at the gateway address sees the container's own address");
        assertStartsWith("saw " + h1 + ":", PythonPrograms.udp(host, host.prefix() + "h1", "172.17.0.1", 7001, "udp-from-h1"), "");

        final String id = host.cli("network", "create", "--subnet", "10.71.0.0/24", "side").ok().out().trim();
        final String device = "ly-" + id.substring(0, 12);
        host.cli("run", "-d", "--net", "side", "--name", "s1").ok();
        final String side = host.inHost("ip", "-o", "link", "show", device).assertOk().output();
        assertTrue(side.contains("link/ether 02:42:0a:47:00:01"), side);
        assertTrue(host.inHost("ip", "-o", "-4", "addr", "show", device).output().contains("inet 10.71.0.1/24"));
        host.inHost("ping", "-c", "1", "-W", "2", "10.71.0.2").assertOk();
        host.inSandbox("s1", "ping", "-c", "1", "-W", "2", "10.71.0.1").assertOk();

        final String stats = host.cli("stats").ok().out();
        assertTrue(stats.lines().anyMatch(l -> l.matches("\\d+\\s+up0\\s+\\(uplink\\)\\s+\\d+.*")), stats);
        assertTrue(stats.lines().anyMatch(l -> l.matches("\\d+\\s+lanyard0\\s+\\(host\\)\\s+[1-9]\\d*.*")), stats);
        assertTrue(stats.lines().anyMatch(l -> l.matches("\\d+\\s+" + device + "\\s+\\(host\\)\\s+[1-9]\\d*.*")), stats);
        assertTrue(stats.lines().anyMatch(l -> l.startsWith("switch (") && l.contains(" nat_connections=") && l.contains(" nat_created=") &&
            l.contains(" nat_refused_full=") && l.contains(" nat_expired=")), stats);

        host.cli("rm", "-f", "s1").ok();
        host.cli("network", "rm", "side").ok();
        assertNotEquals(0, host.inHost("ip", "link", "show", device).status(), "the host-side device goes with its network");
        assertFalse(host.cli("stats").ok().out().contains(device));
    }

    @Test
    void shouldMasqueradePingTcpAndUdpSoTheOutsideSeesOnlyTheUplinkAddress()
    {
        host.cli("run", "-d", "--name", "m1").ok();
        final String m1 = address("m1");
        final long created = host.dataplaneCounter("nat_created");

        final Path capture = host.dir.resolve("masquerade.txt");
        final Process tcpdump = capture(capture);
        host.inSandbox("m1", "ping", "-c", "2", "-i", "0.2", "-W", "2", OUTSIDE_ADDRESS).assertOk();
        assertStartsWith("saw " + UPLINK_ADDRESS + ":", PythonPrograms.http(host, host.prefix() + "m1",
            "http://" + OUTSIDE_ADDRESS + ":" + OUTSIDE_HTTP + "/masquerade-tcp"), "");
        assertStartsWith("saw " + UPLINK_ADDRESS + ":", PythonPrograms.udp(host, host.prefix() + "m1", OUTSIDE_ADDRESS, OUTSIDE_UDP,
            "masquerade-udp"), "");
        final String seen = stop(tcpdump, capture);

        final String log = LanyardHost.readQuietly(outsideLog);
        assertTrue(log.contains("http from " + UPLINK_ADDRESS + ":") && log.contains(" /masquerade-tcp"), log);
        assertTrue(log.lines().anyMatch(l -> l.startsWith("udp from " + UPLINK_ADDRESS + ":") && l.endsWith(" masquerade-udp")), log);
        final Set<String> sources = sources(seen);
        assertTrue(sources.contains(UPLINK_ADDRESS), "the capture saw the container's traffic: " + seen);
        assertEquals(Set.of(OUTSIDE_ADDRESS, UPLINK_ADDRESS), sources, "no other source on the outside link:\n" + seen);
        assertFalse(seen.contains(m1) || seen.contains("172.17."), "no container address leaves:\n" + seen);
        assertTrue(seen.contains(UPLINK_ADDRESS + " > " + OUTSIDE_ADDRESS + ": ICMP echo request"), seen);
        // the dataplane refreshes its counters once a second at the end of a batch: give it frames (echo to the uplink is not tracked)
        host.inOutside("ping", "-c", "4", "-i", "0.4", UPLINK_ADDRESS).assertOk();
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(2), () -> host.dataplaneCounter("nat_created") >= created + 3),
            "one connection each for ping, TCP and UDP: " + created + " → " + host.dataplaneCounter("nat_created"));

        // lanyard nat ls shows the connection as the outside saw it: from the uplink's address and the port in its log
        final String port = log.lines().filter(l -> l.startsWith("http from " + UPLINK_ADDRESS + ":") && l.endsWith(" /masquerade-tcp"))
            .findFirst().orElseThrow().replaceAll("^http from [0-9.]+:([0-9]+) .*$", "$1");
        final JsonNode table = readJson(host.cli("nat", "ls", "--format", "json").ok().out());
        final List<String> protocols = new ArrayList<>();
        JsonNode http = null;
        for (final JsonNode entry : table.path("Entries"))
        {
            if (entry.path("Original").path("Source").asText().equals(m1))
            {
                protocols.add(entry.path("Protocol").asText());
                if (entry.path("Original").path("DestinationPort").asInt() == OUTSIDE_HTTP)
                {
                    http = entry;
                }
            }
        }
        assertTrue(protocols.containsAll(List.of("icmp", "tcp", "udp")), "m1's connections: " + table);
        assertNotNull(http, table.toString());
        assertEquals("tcp", http.path("Protocol").asText());
        assertEquals(OUTSIDE_ADDRESS, http.path("Original").path("Destination").asText());
        assertEquals(OUTSIDE_ADDRESS, http.path("Reply").path("Source").asText());
        assertEquals(UPLINK_ADDRESS, http.path("Reply").path("Destination").asText());
        assertEquals(port, http.path("Reply").path("DestinationPort").asText(), "the masqueraded port the outside logged: " + http);
        assertTrue(http.path("Replied").asBoolean(), http.toString());
        final String printed = host.cli("nat", "ls").ok().out();
        final Pattern row = Pattern.compile("tcp\\s+" + Pattern.quote(m1) + ":\\d+ -> " + Pattern.quote(OUTSIDE_ADDRESS + ":" + OUTSIDE_HTTP) +
            "\\s+" + Pattern.quote(OUTSIDE_ADDRESS + ":" + OUTSIDE_HTTP + " -> " + UPLINK_ADDRESS + ":" + port) + "\\s+\\S+.*");
        assertTrue(printed.lines().anyMatch(l -> row.matcher(l).matches()), printed);
    }

    @Test
    void shouldRouteANetworkWithoutMasqueradeUntranslatedAndStillRefuseUnsolicitedInbound()
    {
        host.cli("network", "create", "--subnet", "10.72.0.0/24", "--opt", "com.docker.network.bridge.enable_ip_masquerade=false",
            "plain").ok();
        host.cli("run", "-d", "--net", "plain", "--name", "p1").ok();
        final String p1 = address("p1");
        assertEquals("10.72.0.2", p1);
        host.inOutside("ip", "route", "add", "10.72.0.0/24", "via", UPLINK_ADDRESS).assertOk();
        try
        {
            final Path capture = host.dir.resolve("plain.txt");
            final Process tcpdump = capture(capture);
            host.inSandbox("p1", "ping", "-c", "2", "-i", "0.2", "-W", "2", OUTSIDE_ADDRESS).assertOk();
            assertStartsWith("saw " + p1 + ":", PythonPrograms.http(host, host.prefix() + "p1",
                "http://" + OUTSIDE_ADDRESS + ":" + OUTSIDE_HTTP + "/plain-tcp"), "");
            assertStartsWith("saw " + p1 + ":", PythonPrograms.udp(host, host.prefix() + "p1", OUTSIDE_ADDRESS, OUTSIDE_UDP, "plain-udp"), "");
            final String seen = stop(tcpdump, capture);
            assertTrue(seen.contains(p1 + " > " + OUTSIDE_ADDRESS + ": ICMP echo request"), seen);
            assertFalse(sources(seen).contains(UPLINK_ADDRESS), "nothing masqueraded:\n" + seen);
            final String log = LanyardHost.readQuietly(outsideLog);
            assertTrue(log.contains("http from " + p1 + ":"), log);

            // replies come back; a connection the outside opens does not (Docker's "nat" gateway mode)
            assertNotEquals(0, host.inOutside("ping", "-c", "2", "-i", "0.2", "-W", "1", p1).status());
            assertEquals("error: timeout", PythonPrograms.client(host, host.outsideNetns, "tcp", p1, "80", "1.5").output().trim(),
                "the SYN was dropped (a reset from the container would say refused)");
        }
        finally
        {
            host.inOutside("ip", "route", "del", "10.72.0.0/24");
        }
    }

    @Test
    void shouldGiveAnInternalNetworkNoRouteOutButAReachableGateway()
    {
        host.cli("network", "create", "--internal", "--subnet", "10.73.0.0/24", "inner").ok();
        host.cli("run", "-d", "--net", "inner", "--name", "i1").ok();
        assertEquals("", host.inSandbox("i1", "ip", "route", "show", "default").output().trim());
        host.inSandbox("i1", "ping", "-c", "1", "-W", "2", "10.73.0.1").assertOk();

        // a container that makes itself a default route anyway gets no further than the gateway
        host.inSandbox("i1", "ip", "route", "add", "default", "via", "10.73.0.1").assertOk();
        final long noRoute = host.drops("i1", "eth0", "no_route");
        assertNotEquals(0, host.inSandbox("i1", "ping", "-c", "2", "-i", "0.2", "-W", "1", OUTSIDE_ADDRESS).status());
        assertEquals("error: timeout", PythonPrograms.client(host, host.prefix() + "i1", "udp", OUTSIDE_ADDRESS,
            Integer.toString(OUTSIDE_UDP), "from-internal", "1").output().trim());
        assertEquals("error: timeout", PythonPrograms.client(host, host.prefix() + "i1", "tcp", UPLINK_ADDRESS, "8000", "1").output().trim());
        assertTrue(host.drops("i1", "eth0", "no_route") >= noRoute + 3, "dropped and counted as no_route");
        assertFalse(LanyardHost.readQuietly(outsideLog).contains("from-internal"));
        host.inSandbox("i1", "ping", "-c", "1", "-W", "2", "10.73.0.1").assertOk();
    }

    @Test
    void shouldNotRouteFromOneNetworkToAnotherThroughTheGateway()
    {
        host.cli("network", "create", "--subnet", "10.74.0.0/24", "left").ok();
        host.cli("network", "create", "--subnet", "10.75.0.0/24", "right").ok();
        host.cli("run", "-d", "--net", "left", "--name", "a1").ok();
        host.cli("run", "-d", "--net", "right", "--name", "b1").ok();
        host.inHost("ping", "-c", "1", "-W", "2", "10.75.0.2").assertOk();
        host.inSandbox("a1", "ping", "-c", "1", "-W", "2", "10.74.0.1").assertOk();
        assertEquals("error: refused", PythonPrograms.client(host, host.prefix() + "a1", "tcp", "10.74.0.1", "80", "2").output().trim(),
            "a port no one listens on answers with a reset on the own gateway");

        final long isolation = host.drops("a1", "eth0", "isolation");
        assertNotEquals(0, host.inSandbox("a1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.75.0.2").status());
        assertEquals("error: timeout", PythonPrograms.client(host, host.prefix() + "a1", "tcp", "10.75.0.2", "80", "1.5").output().trim(),
            "dropped on the way, not refused by b1");
        assertNotEquals(0, host.inSandbox("a1", "ping", "-c", "1", "-W", "1", "10.75.0.1").status(), "nor the other network's gateway");
        assertTrue(host.drops("a1", "eth0", "isolation") >= isolation + 4, "counted as isolation: " + host.cli("stats").out());
    }

    @Test
    void shouldDropUnsolicitedInboundOnTheUplinkAndCountIt()
    {
        host.inOutside("ping", "-c", "1", "-W", "2", UPLINK_ADDRESS).assertOk();
        final long before = host.drops("", "up0", "unsolicited");
        // 20 datagrams to a port nothing is published on; a port unreachable would make recv fail with refused
        final Shell.Result udp = host.inOutside("python3", "-c", String.join("\n",
            "import socket",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.settimeout(1)",
            "s.connect(('" + UPLINK_ADDRESS + "', 4444))",
            "for i in range(20): s.send(b'anyone?')",
            "try:",
            "    print(s.recv(100))",
            "except ConnectionRefusedError:",
            "    print('refused')",
            "except OSError:",
            "    print('nothing')"));
        assertEquals("nothing", udp.output().trim(), "no answer and no ICMP error");
        assertEquals("error: timeout", PythonPrograms.client(host, host.outsideNetns, "tcp", UPLINK_ADDRESS, "4445", "1.5").output().trim(),
            "a SYN to an unpublished port is dropped silently, not reset");
        final long after = host.drops("", "up0", "unsolicited");
        assertTrue(after >= before + 21, "20 datagrams and at least one SYN counted: " + before + " → " + after);
    }

    @Test
    void shouldTranslateAPortUnreachableAndAResetFromTheOutsideBackToTheContainer()
    {
        host.cli("run", "-d", "--name", "u1").ok();
        assertStartsWith("saw " + UPLINK_ADDRESS + ":", PythonPrograms.udp(host, host.prefix() + "u1", OUTSIDE_ADDRESS, OUTSIDE_UDP, "open"), "");
        assertEquals("error: refused", PythonPrograms.udp(host, host.prefix() + "u1", OUTSIDE_ADDRESS, 7779, "closed").output().trim(),
            "the outside's ICMP port unreachable reached the container's socket, translated back");
        assertEquals("error: refused", PythonPrograms.client(host, host.prefix() + "u1", "tcp", OUTSIDE_ADDRESS, "8009", "3").output().trim(),
            "the outside's reset reached the container");
    }

    // ------------------------------------------------------------------ helpers

    private Process capture(final Path file)
    {
        final Process tcpdump = host.namespaces.spawn(host.outsideNetns, file, "tcpdump", "-l", "-n", "-i", "out0", "ip");
        if (!LanyardHost.eventually(Duration.ofSeconds(10), () -> LanyardHost.readQuietly(file).contains("listening on")))
        {
            throw new AssertionError("tcpdump did not start: " + LanyardHost.readQuietly(file));
        }
        return tcpdump;
    }

    private static String stop(final Process tcpdump, final Path file)
    {
        LanyardHost.sleep(300);
        tcpdump.destroy();
        try
        {
            tcpdump.waitFor();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return LanyardHost.readQuietly(file);
    }

    private static Set<String> sources(final String capture)
    {
        final Set<String> sources = new TreeSet<>();
        final Matcher matcher = IPV4_SOURCE.matcher(capture);
        while (matcher.find())
        {
            sources.add(matcher.group(1));
        }
        return sources;
    }

    private String address(final String sandbox)
    {
        final JsonNode networks = host.get("/sandboxes/" + sandbox).path("Networks");
        return networks.elements().next().path("IPAddress").asText();
    }

    private Path outputFile(final String sandbox)
    {
        return Path.of(host.get("/sandboxes/" + sandbox).path("OutputFile").asText());
    }

    @Test
    void shouldTraceWhatRealTrafficMeets()
    {
        host.cli("run", "-d", "--name", "t1").ok();
        host.cli("run", "-d", "--name", "t2").ok();
        host.cli("network", "create", "--opt", "com.docker.network.bridge.enable_icc=false", "tq").ok();
        host.cli("run", "-d", "--net", "tq", "--name", "tq1").ok();
        host.cli("run", "-d", "--net", "tq", "--name", "tq2").ok();
        final String t2 = address("t2");
        final String tq2 = address("tq2");

        // forwarded: the trace names t2's port, and a real ping gets there
        final JsonNode forward = trace("t1", t2, "icmp", null);
        assertEquals("forward", forward.path("Verdict").asText(), forward.toString());
        assertEquals("t2", forward.path("Egress").path("Sandbox").asText(), forward.toString());
        host.inSandbox("t1", "ping", "-c", "1", "-W", "2", t2).assertOk();

        // ICC off and isolation: the trace's drop reason is the counter a real ping raises
        assertDropMet("tq1", tq2, "icc");
        assertDropMet("tq1", t2, "isolation");

        // masquerade: the trace's translated source is what the real ping's connection is answered to
        final JsonNode out = trace("t1", OUTSIDE_ADDRESS, "icmp", null);
        assertEquals("forward", out.path("Verdict").asText(), out.toString());
        assertTrue(out.path("Nat").path("After").asText().startsWith("icmp echo " + UPLINK_ADDRESS + " -> " + OUTSIDE_ADDRESS), out.toString());
        assertEquals("(uplink)", out.path("Egress").path("Network").asText(), out.toString());
        host.inSandbox("t1", "ping", "-c", "1", "-W", "2", OUTSIDE_ADDRESS).assertOk();
        final JsonNode table = readJson(host.cli("nat", "ls", "--format", "json").ok().out());
        boolean answered = false;
        for (final JsonNode entry : table.path("Entries"))
        {
            answered |= entry.path("Protocol").asText().equals("icmp") && entry.path("Original").path("Source").asText().equals(address("t1")) &&
                entry.path("Reply").path("Destination").asText().equals(UPLINK_ADDRESS);
        }
        assertTrue(answered, table.toString());

        // a forged source MAC: the trace stops at port security, as the forged frame does
        final JsonNode spoofed = trace("t1", t2, "udp", "02:42:ac:11:00:99");
        assertEquals("spoofed_mac", spoofed.path("DropReason").asText(), spoofed.toString());
        final long before = host.drops("t1", "eth0", "spoofed_mac");
        host.inSandbox("t1", "python3", "-c", "import socket; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('eth0',0));" +
            "s.send(bytes.fromhex('0242ac110003' + '0242ac110099' + '88b5') + bytes(46))").assertOk();
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(5), () -> host.drops("t1", "eth0", "spoofed_mac") > before), "the forged frame counted");

        // a trace changes nothing: no connection is left, and bad input is one line
        final long tracked = host.dataplaneCounter("nat_connections");
        trace("t1", "203.0.113.9", "udp", null);
        assertEquals(tracked, host.dataplaneCounter("nat_connections"));
        final LanyardHost.Result nobody = host.cli("trace", "nosuch", "--to", t2);
        assertEquals(1, nobody.status());
        assertEquals("Error response from daemon: No such container: nosuch", nobody.err().strip());
        final LanyardHost.Result bad = host.cli("trace", "t1", "--to", "not-an-address");
        assertEquals("Error response from daemon: to: not-an-address is not IP or IP:PORT", bad.err().strip());
        final LanyardHost.Result printed = host.cli("trace", "t1", "--to", t2).ok();
        assertTrue(printed.out().lines().anyMatch(l -> l.matches("verdict\\s+out of port \\d+ \\(t2 eth0, bridge\\)")), printed.out());
        // --follow: the real frames tq1 sends next, each with what the switch did to it
        final Path followed = host.dir.resolve("follow.txt");
        final Process follow = host.spawn(List.of(Path.of(System.getenv().getOrDefault("LANYARD_HOME", "tools")).toAbsolutePath()
            .resolve("bin/lanyard").toString(), "--socket", host.socket.toString(), "trace", "--follow", "tq1", "-c", "2", "--json"), followed);
        try
        {
            assertTrue(LanyardHost.eventually(Duration.ofSeconds(20), () ->
            {
                host.inSandbox("tq1", "ping", "-c", "1", "-W", "1", tq2);
                return !follow.isAlive();
            }), "two frames followed:\n" + LanyardHost.readQuietly(followed));
        }
        finally
        {
            follow.destroy();
        }
        final List<JsonNode> frames = LanyardHost.readQuietly(followed).lines().filter(l -> l.startsWith("{")).map(UplinkNatE2E::readJson).toList();
        assertEquals(2, frames.size(), LanyardHost.readQuietly(followed));
        assertTrue(frames.stream().anyMatch(f -> f.path("Frame").asText().startsWith("icmp " + address("tq1") + " -> " + tq2) &&
            f.path("Verdict").asText().equals("drop") && f.path("DropReason").asText().equals("icc")), frames.toString());
        for (final String name : List.of("t1", "t2", "tq1", "tq2"))
        {
            host.cli("rm", "-f", name).ok();
        }
        host.cli("network", "rm", "tq").ok();
    }

    /** The trace drops for {@code reason}, and a real ping from {@code sandbox} fails and raises that counter. */
    private void assertDropMet(final String sandbox, final String destination, final String reason)
    {
        final JsonNode trace = trace(sandbox, destination, "icmp", null);
        assertEquals("drop", trace.path("Verdict").asText(), trace.toString());
        assertEquals(reason, trace.path("DropReason").asText(), trace.toString());
        final long before = host.drops(sandbox, "eth0", reason);
        assertNotEquals(0, host.inSandbox(sandbox, "ping", "-c", "1", "-W", "1", destination).status(), "the real ping is dropped too");
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(5), () -> host.drops(sandbox, "eth0", reason) > before),
            reason + " counted for the real ping");
    }

    private JsonNode trace(final String sandbox, final String to, final String protocol, final String fromMac)
    {
        final List<String> args = new ArrayList<>(List.of("trace", sandbox, "--to", to, "--proto", protocol, "--json"));
        if (fromMac != null)
        {
            args.addAll(List.of("--from-mac", fromMac));
        }
        return readJson(host.cli(args.toArray(String[]::new)).ok().out());
    }

    private static JsonNode readJson(final String text)
    {
        try
        {
            return Json.MAPPER.readTree(text);
        }
        catch (final IOException ex)
        {
            throw new AssertionError("not JSON: " + text, ex);
        }
    }
}
