package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.lanyard.tools.LanyardHost.OUTSIDE_ADDRESS;
import static io.lanyard.tools.LanyardHost.UPLINK_ADDRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lanyard run -p}, as {@code docker run -p}: DNAT from outside on the uplink address (the
 * container sees the real client), the userland proxy for the daemon's namespace, loopback-only
 * bindings, ephemeral host ports, hairpin, conflicts, bad specs, and a restart. One host, one
 * outside and one published container {@code web} for the class; the restart test runs last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PublishedPortsE2E
{
    private LanyardHost host;
    private String webId;
    private String webAddress;
    private Path webLog;
    private int ephemeralPort;

    @BeforeAll
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "nsenter", "python3", "ss", "sysctl");
        host = new LanyardHost("pub");
        host.withUplink().start();
        webId = host.cli("run", "-d", "--name", "web", "-p", "8080:80", "-p", "127.0.0.1:8081:80", "-p", "5353:53/udp", "-p", "80",
            "--", "python3", "-c", PythonPrograms.SERVER, "0.0.0.0", "80", "53").ok().out().trim();
        final JsonNode web = host.get("/sandboxes/web");
        webLog = Path.of(web.path("OutputFile").asText());
        PythonPrograms.awaitReady(webLog, () -> true);
        webAddress = web.path("Networks").path("bridge").path("IPAddress").asText();
        ephemeralPort = web.path("Ports").get(3).path("HostPort").asInt();
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
    void shouldShowThePublishedPortsInPsInspectAndTheApi() throws Exception
    {
        assertTrue(webId.matches("[0-9a-f]{64}"), webId);
        final String ps = host.cli("ps").ok().out();
        assertTrue(ps.lines().findFirst().orElseThrow().matches("CONTAINER ID\\s+NAME\\s+NETWORKS\\s+IP ADDRESS\\s+STATUS\\s+PORTS\\s+COMMAND"), ps);
        final String ports = "0.0.0.0:8080->80/tcp, 127.0.0.1:8081->80/tcp, 0.0.0.0:5353->53/udp, 0.0.0.0:" + ephemeralPort + "->80/tcp";
        assertTrue(ps.lines().anyMatch(l -> l.startsWith(webId.substring(0, 12)) && l.contains(" running ") && l.contains(ports)), ps);

        final JsonNode api = host.get("/sandboxes/web").path("Ports");
        assertEquals(4, api.size(), api.toString());
        assertPort(api.get(0), "", 8080, 80, "tcp");
        assertPort(api.get(1), "127.0.0.1", 8081, 80, "tcp");
        assertPort(api.get(2), "", 5353, 53, "udp");
        assertPort(api.get(3), "", ephemeralPort, 80, "tcp");

        JsonNode listed = null;
        for (final JsonNode sandbox : host.get("/sandboxes"))
        {
            listed = "web".equals(sandbox.path("Name").asText()) ? sandbox : listed;
        }
        assertEquals(api, listed == null ? null : listed.path("Ports"), "GET /sandboxes shows the same Ports");

        final JsonNode entry = Json.MAPPER.readTree(host.cli("network", "inspect", "bridge").ok().out()).get(0).path("Containers").path(webId);
        final List<String> shown = new ArrayList<>();
        entry.path("Ports").forEach(p -> shown.add(p.asText()));
        assertEquals(List.of(ports.split(", ")), shown, entry.toString());
    }

    @Test
    void shouldReachAPublishedTcpPortFromOutsideWithTheClientsOwnAddress()
    {
        assertSaw(OUTSIDE_ADDRESS, PythonPrograms.http(host, host.outsideNetns, "http://" + UPLINK_ADDRESS + ":8080/dnat-tcp"));
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(2), () -> LanyardHost.readQuietly(webLog).lines()
                .anyMatch(l -> l.startsWith("http from " + OUTSIDE_ADDRESS + ":") && l.endsWith(" /dnat-tcp"))),
            "the container's own log (OutputFile) names the real client:\n" + LanyardHost.readQuietly(webLog));
    }

    @Test
    void shouldReachAPublishedUdpPortFromOutsideWithTheClientsOwnAddress()
    {
        assertSaw(OUTSIDE_ADDRESS, PythonPrograms.udp(host, host.outsideNetns, UPLINK_ADDRESS, 5353, "dnat-udp"));
        assertTrue(LanyardHost.readQuietly(webLog).lines().anyMatch(l -> l.startsWith("udp from " + OUTSIDE_ADDRESS + ":") &&
            l.endsWith(" dnat-udp")), LanyardHost.readQuietly(webLog));
        assertEquals("error: timeout", PythonPrograms.client(host, host.outsideNetns, "tcp", UPLINK_ADDRESS, "5353", "1.5").output().trim(),
            "only UDP is published on 5353");
    }

    @Test
    void shouldProxyPortsForTheDaemonsNamespaceAndKeepALoopbackBindingOffTheUplink()
    {
        assertSaw("172.17.0.1", PythonPrograms.http(host, host.hostNetns, "http://127.0.0.1:8081/loopback"));
        assertSaw("172.17.0.1", PythonPrograms.http(host, host.hostNetns, "http://127.0.0.1:8080/proxied"));
        assertSaw("172.17.0.1", PythonPrograms.udp(host, host.hostNetns, "127.0.0.1", 5353, "proxied-udp"));
        final String listening = host.inHost("ss", "-ltnH", "sport", "=", ":8081").assertOk().output();
        assertTrue(listening.contains("127.0.0.1:8081"), "the proxy listens on loopback only: " + listening);

        assertEquals("error: timeout", PythonPrograms.client(host, host.outsideNetns, "http",
            "http://" + UPLINK_ADDRESS + ":8081/from-outside", "2").output().trim(), "a 127.0.0.1 binding is not reachable from outside");
        assertTrue(LanyardHost.readQuietly(webLog).lines().noneMatch(l -> l.endsWith(" /from-outside")));
    }

    @Test
    void shouldPickAnEphemeralHostPortThatWorks()
    {
        // Docker's range, which the daemon's PublishedPorts.EPHEMERAL_LOW..EPHEMERAL_HIGH are (PublishedPortsTest)
        assertTrue(ephemeralPort >= 49153 && ephemeralPort <= 60999, "-p 80 took " + ephemeralPort + ", outside Docker's range");
        assertSaw(OUTSIDE_ADDRESS, PythonPrograms.http(host, host.outsideNetns, "http://" + UPLINK_ADDRESS + ":" + ephemeralPort + "/ephemeral"));
        assertSaw("172.17.0.1", PythonPrograms.http(host, host.hostNetns, "http://127.0.0.1:" + ephemeralPort + "/ephemeral"));
    }

    @Test
    void shouldHairpinFromAnotherContainerAndFromAnotherNetwork()
    {
        host.cli("run", "-d", "--name", "peer").ok();
        host.cli("network", "create", "--subnet", "10.81.0.0/24", "far").ok();
        host.cli("run", "-d", "--net", "far", "--name", "f1").ok();
        final String peer = host.prefix() + "peer";
        final String far = host.prefix() + "f1";
        assertEquals("error: timeout", PythonPrograms.client(host, far, "tcp", webAddress, "80", "1.5").output().trim(),
            "networks are isolated: only the published port joins them");

        assertSaw("", PythonPrograms.http(host, peer, "http://" + UPLINK_ADDRESS + ":8080/hairpin-uplink"));
        assertSaw("", PythonPrograms.http(host, peer, "http://172.17.0.1:8080/hairpin-gateway"));
        assertSaw("", PythonPrograms.udp(host, peer, UPLINK_ADDRESS, 5353, "hairpin-udp"));
        assertSaw("", PythonPrograms.http(host, far, "http://" + UPLINK_ADDRESS + ":8080/far-uplink"));
        assertSaw("", PythonPrograms.http(host, far, "http://10.81.0.1:8080/far-gateway"));
        final String log = LanyardHost.readQuietly(webLog);
        for (final String path : List.of("/hairpin-uplink", "/hairpin-gateway", "/far-uplink", "/far-gateway"))
        {
            assertTrue(log.lines().anyMatch(l -> l.startsWith("http from ") && l.endsWith(" " + path)), path + " reached web:\n" + log);
        }

        // lanyard trace says what the real requests above met: the published port's translation to web, and the isolation
        // that kept f1 from web's own address
        final JsonNode hairpin = host.get("/sandboxes/peer/trace?to=" + UPLINK_ADDRESS + ":8080");
        assertEquals("forward", hairpin.path("Verdict").asText(), hairpin.toString());
        assertEquals("web", hairpin.path("Egress").path("Sandbox").asText(), hairpin.toString());
        assertTrue(hairpin.path("Nat").path("After").asText().endsWith(" -> " + webAddress + ":80"), hairpin.toString());
        final JsonNode isolated = host.get("/sandboxes/f1/trace?to=" + webAddress + ":80");
        assertEquals("drop", isolated.path("Verdict").asText(), isolated.toString());
        assertEquals("isolation", isolated.path("DropReason").asText(), isolated.toString());
    }

    @Test
    void shouldRefuseAHostPortThatAnotherContainerOrAProcessHoldsAndLeaveNothingBehind()
    {
        final Path holderLog = host.dir.resolve("holder.log");
        host.namespaces.spawn(host.hostNetns, holderLog, "python3", "-c",
            "import socket, time\ns = socket.socket()\ns.bind(('0.0.0.0', 9292))\ns.listen()\nprint('ready', flush=True)\ntime.sleep(600)");
        PythonPrograms.awaitReady(holderLog, () -> true);
        final String before = host.cli("ps").ok().out();
        final List<String> namespaces = host.namespaces.existing();

        assertRefused("Bind for 0.0.0.0:8080 failed: port is already allocated", "run", "-d", "--name", "dup", "-p", "8080:80");
        assertRefused("Bind for 127.0.0.1:8080 failed: port is already allocated", "run", "-d", "--name", "dup", "-p", "127.0.0.1:8080:80");
        assertRefused("port is already allocated", "run", "-d", "--name", "dup", "-p", "5353:53/udp");
        assertRefused("Bind for 0.0.0.0:9292 failed: address already in use", "run", "-d", "--name", "dup", "-p", "9292:80");
        // all or nothing: 9191 was free and bound first, then 8080 failed
        assertRefused("Bind for 0.0.0.0:8080 failed: port is already allocated", "run", "-d", "--name", "dup", "-p", "9191:80", "-p", "8080:80");

        assertEquals(before, host.cli("ps").ok().out(), "no sandbox left");
        assertEquals(namespaces, host.namespaces.existing(), "no namespace left");
        assertEquals("", host.inHost("ss", "-ltnH", "sport", "=", ":9191").assertOk().output().trim(), "the proxy of the failed run is closed");
        assertEquals("error: timeout", PythonPrograms.client(host, host.outsideNetns, "tcp", UPLINK_ADDRESS, "9191", "1.5").output().trim(),
            "and the dataplane does not publish it");
        assertSaw(OUTSIDE_ADDRESS, PythonPrograms.http(host, host.outsideNetns, "http://" + UPLINK_ADDRESS + ":8080/still-there"));

        host.cli("run", "-d", "--name", "dup", "-p", "9191:80").ok();
        host.cli("rm", "-f", "dup").ok();
    }

    @Test
    void shouldRefuseBadPortSpecsWithOneLineAndCreateNothing()
    {
        final String before = host.cli("ps").ok().out();
        final List<String> namespaces = host.namespaces.existing();
        assertRefused("invalid containerPort: abc", "run", "-d", "--name", "bad", "-p", "abc");
        assertRefused("invalid containerPort: 99999", "run", "-d", "--name", "bad", "-p", "99999");
        assertRefused("invalid hostPort: 99999", "run", "-d", "--name", "bad", "-p", "99999:80");
        assertRefused("invalid IP address: 1:2", "run", "-d", "--name", "bad", "-p", "1:2:3:4");
        assertRefused("port ranges are not supported yet: 8000-8001:80-81", "run", "-d", "--name", "bad", "-p", "8000-8001:80-81");
        assertRefused("invalid proto: sctp", "run", "-d", "--name", "bad", "-p", "80/sctp");
        assertRefused("cannot publish ports on network none", "run", "-d", "--name", "bad", "--net", "none", "-p", "8085:80");
        assertEquals(before, host.cli("ps").ok().out(), "no sandbox");
        assertEquals(namespaces, host.namespaces.existing(), "no namespace");
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void shouldKeepPublishedPortsAcrossARestartAndFreeThemOnRemoval()
    {
        host.cli("run", "-d", "--name", "keep", "-p", "8090:80", "-p", "5390:53/udp",
            "--", "python3", "-c", PythonPrograms.SERVER, "0.0.0.0", "80", "53").ok();
        PythonPrograms.awaitReady(Path.of(host.get("/sandboxes/keep").path("OutputFile").asText()), () -> true);
        final String ps = host.cli("ps").ok().out();

        host.terminate();
        host.start();
        assertEquals(ps, host.cli("ps").ok().out(), "the same sandboxes and ports");
        assertSaw(OUTSIDE_ADDRESS, PythonPrograms.http(host, host.outsideNetns, "http://" + UPLINK_ADDRESS + ":8090/after-restart"));
        assertSaw(OUTSIDE_ADDRESS, PythonPrograms.udp(host, host.outsideNetns, UPLINK_ADDRESS, 5390, "after-restart"));
        assertSaw("172.17.0.1", PythonPrograms.http(host, host.hostNetns, "http://127.0.0.1:8090/after-restart"));
        assertSaw(OUTSIDE_ADDRESS, PythonPrograms.http(host, host.outsideNetns, "http://" + UPLINK_ADDRESS + ":8080/web-after-restart"));
        assertSaw("172.17.0.1", PythonPrograms.http(host, host.hostNetns, "http://127.0.0.1:8081/web-after-restart"));

        host.cli("rm", "-f", "keep").ok();
        assertEquals("error: timeout", PythonPrograms.client(host, host.outsideNetns, "tcp", UPLINK_ADDRESS, "8090", "1.5").output().trim(),
            "unpublished in the dataplane");
        assertEquals("error: refused", PythonPrograms.client(host, host.hostNetns, "tcp", "127.0.0.1", "8090", "2").output().trim(),
            "the proxy's socket is closed");

        host.cli("run", "-d", "--name", "again", "-p", "8090:80", "-p", "5390:53/udp").ok();
        assertEquals("error: refused", PythonPrograms.client(host, host.outsideNetns, "tcp", UPLINK_ADDRESS, "8090", "3").output().trim(),
            "8090 now leads to the new sandbox, whose kernel resets (nothing listens in it)");
    }

    // ------------------------------------------------------------------ helpers

    private void assertRefused(final String message, final String... args)
    {
        final LanyardHost.Result result = host.cli(args);
        assertNotEquals(0, result.status(), String.join(" ", args));
        assertEquals(1, result.err().trim().lines().count(), "one line: " + result.err());
        assertTrue(result.err().contains(message), String.join(" ", args) + " → " + result.err());
    }

    private static void assertPort(final JsonNode port, final String hostIp, final int hostPort, final int containerPort, final String protocol)
    {
        assertEquals(hostIp, port.path("HostIp").asText(), port.toString());
        assertEquals(hostPort, port.path("HostPort").asInt(), port.toString());
        assertEquals(containerPort, port.path("ContainerPort").asInt(), port.toString());
        assertEquals(protocol, port.path("Protocol").asText(), port.toString());
    }

    /** The web server (or echo) answered, having seen the client at {@code client} (any address when empty). */
    private static void assertSaw(final String client, final Shell.Result result)
    {
        assertTrue(result.status() == 0 && result.output().startsWith("saw " + client) &&
                (client.isEmpty() || result.output().startsWith("saw " + client + ":")),
            "expected an answer that saw " + (client.isEmpty() ? "the client" : client) + ": " + result.status() + " " + result.output() +
                " (" + PythonPrograms.describe(result) + ")");
    }
}
