package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.lanyard.tools.LanyardHost.OUTSIDE_ADDRESS;
import static io.lanyard.tools.LanyardHost.UPLINK_ADDRESS;
import static io.lanyard.tools.PythonPrograms.assertStartsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The way out of containers on an overlay, as Docker's {@code docker_gwbridge} gives it: each
 * gets a second interface on the local bridge network {@code lanyard_gwbridge}, which carries its
 * default route and published ports through the host's uplink, masqueraded. Two hosts of one
 * cluster ({@link OverlayTestbed}); host 1 has an uplink to an outside namespace with a server on
 * {@value LanyardHost#OUTSIDE_ADDRESS}. The class shares one testbed and three containers on the
 * overlay {@code ov}: {@code web} (publishing 8080) and {@code c1} on host 1, {@code c2} on host 2;
 * the restart test runs last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OverlayGatewayE2E
{
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    private static final int OUTSIDE_HTTP = 8000;
    private static final int OUTSIDE_UDP = 7777;

    private OverlayTestbed testbed;
    private LanyardHost a;
    private LanyardHost b;
    private Path outsideLog;
    private Path webLog;

    @BeforeAll
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "python3", "etcd", "bash", "sysctl");
        testbed = new OverlayTestbed("gw");
        a = testbed.addHostWithUplink(1);
        b = testbed.addHost(2);
        outsideLog = a.dir.resolve("outside.log");
        PythonPrograms.serve(a, a.outsideNetns, outsideLog, OUTSIDE_ADDRESS, OUTSIDE_HTTP, OUTSIDE_UDP);

        a.cli("network", "create", "--driver", "overlay", "--subnet", "10.40.0.0/24", "ov").ok();
        assertTrue(LanyardHost.eventually(CONVERGE, () -> b.cli("network", "inspect", "ov").status() == 0), "host 2 sees ov");
        a.cli("run", "-d", "--net", "ov", "--name", "web", "-p", "8080:80", "--",
            "python3", "-c", PythonPrograms.SERVER, "0.0.0.0", "80", "5300").ok();
        webLog = Path.of(a.get("/sandboxes/web").path("OutputFile").asText());
        PythonPrograms.awaitReady(webLog, () -> true);
        a.cli("run", "-d", "--net", "ov", "--name", "c1").ok();
        b.cli("run", "-d", "--net", "ov", "--name", "c2").ok();
    }

    @AfterAll
    void tearDown()
    {
        if (testbed != null)
        {
            testbed.close();
        }
    }

    @Test
    @Order(1)
    void shouldShowTheGatewayBridgeAsDockerShowsDockerGwbridgeAndRefuseToRemoveItWhileUsed() throws Exception
    {
        final JsonNode bridge = inspect(a, "lanyard_gwbridge");
        final String id = bridge.path("Id").asText();
        final String ls = a.cli("network", "ls").ok().out();
        assertTrue(ls.lines().anyMatch(l -> l.matches(id.substring(0, 12) + "\\s+lanyard_gwbridge\\s+bridge\\s+local")), ls);
        assertEquals("bridge", bridge.path("Driver").asText());
        assertEquals("local", bridge.path("Scope").asText());
        assertFalse(bridge.path("Internal").asBoolean());
        assertEquals("172.18.0.0/16", bridge.at("/IPAM/Config/0/Subnet").asText(), "the first free default pool");
        assertEquals("172.18.0.1", bridge.at("/IPAM/Config/0/Gateway").asText());
        assertEquals(Map.of("com.docker.network.bridge.enable_icc", "false", "com.docker.network.bridge.enable_ip_masquerade", "true",
            "com.docker.network.bridge.name", "ly_gwbridge"), Json.MAPPER.convertValue(bridge.path("Options"), TreeMap.class));

        final Map<String, String> members = new TreeMap<>();
        bridge.path("Containers").properties().forEach(member -> members.put(member.getValue().path("Name").asText(),
            member.getValue().path("IPv4Address").asText()));
        assertEquals(Map.of("gateway_" + shortId(a, "web"), "172.18.0.2/16", "gateway_" + shortId(a, "c1"), "172.18.0.3/16"), members);
        assertEquals(1, inspect(b, "lanyard_gwbridge").path("Containers").size(), "each host has a gateway bridge of its own");

        final LanyardHost.Result refused = a.cli("network", "rm", "lanyard_gwbridge");
        assertNotEquals(0, refused.status());
        final String expected = "error while removing network: network lanyard_gwbridge id " + id + " has active endpoints (gateway_" +
            shortId(a, "web") + ", gateway_" + shortId(a, "c1") + ")";
        assertTrue(refused.err().trim().endsWith(expected) && refused.err().trim().lines().count() == 1, refused.err());

        assertTrue(a.inHost("ip", "-o", "-4", "addr", "show", "ly_gwbridge").output().contains("inet 172.18.0.1/16"),
            "its host-side device, as docker_gwbridge's");
        assertEquals("default via 172.18.0.1 dev eth1", a.inSandbox("c1", "ip", "route", "show", "default").assertOk().output().trim());
        assertEquals("10.40.0.0/24 proto kernel scope link src 10.40.0.3",
            a.inSandbox("c1", "ip", "route", "show", "dev", "eth0").assertOk().output().trim(), "the overlay keeps its subnet route only");
        final String ps = a.cli("ps").ok().out();
        assertTrue(ps.lines().anyMatch(l -> l.contains(" c1 ") && l.matches(".*\\sov\\s+10\\.40\\.0\\.3\\s.*")),
            "ps lists the overlay, not the way out:\n" + ps);
    }

    @Test
    @Order(2)
    void shouldReachTheOutsideThroughTheUplinkMasqueraded()
    {
        a.inSandbox("c1", "ping", "-c", "2", "-i", "0.2", "-W", "2", OUTSIDE_ADDRESS).assertOk();
        assertStartsWith("saw " + UPLINK_ADDRESS + ":", PythonPrograms.http(a, a.prefix() + "c1",
            "http://" + OUTSIDE_ADDRESS + ":" + OUTSIDE_HTTP + "/from-overlay"), "the server sees the uplink address");
        assertStartsWith("saw " + UPLINK_ADDRESS + ":", PythonPrograms.udp(a, a.prefix() + "c1", OUTSIDE_ADDRESS, OUTSIDE_UDP,
            "udp-from-overlay"), "");
        final String log = LanyardHost.readQuietly(outsideLog);
        assertTrue(log.contains("http from " + UPLINK_ADDRESS + ":") && log.contains(" /from-overlay"), log);
        assertFalse(log.contains("10.40.0.") || log.contains("172.18."), "no container address reaches the outside:\n" + log);
    }

    @Test
    @Order(3)
    void shouldReachAPublishedPortOfAnOverlayContainerFromOutsideAndFromTheHost()
    {
        assertStartsWith("saw " + OUTSIDE_ADDRESS + ":", PythonPrograms.http(a, a.outsideNetns,
            "http://" + UPLINK_ADDRESS + ":8080/published"), "DNATed to web through its gateway endpoint, the client's address kept");
        assertTrue(LanyardHost.readQuietly(webLog).lines().anyMatch(l -> l.startsWith("http from " + OUTSIDE_ADDRESS + ":") &&
            l.endsWith(" /published")), LanyardHost.readQuietly(webLog));
        assertStartsWith("saw 172.18.0.1:", PythonPrograms.http(a, a.hostNetns, "http://127.0.0.1:8080/proxied"),
            "the userland proxy reaches it from the host through ly_gwbridge");
        final JsonNode web = inspect(a, "lanyard_gwbridge").path("Containers").path(a.get("/sandboxes/web").path("Id").asText());
        assertEquals("[\"0.0.0.0:8080->80/tcp\"]", web.path("Ports").toString(), "inspect shows the ports on the way they take");
    }

    @Test
    @Order(4)
    void shouldTalkOverTheOverlayAndNeverBetweenContainersThroughTheGatewayBridge()
    {
        final String web = overlayAddress(a, "web");
        final String c2 = overlayAddress(b, "c2");
        assertTrue(LanyardHost.eventually(CONVERGE, () -> a.inSandbox("c1", "ping", "-c", "1", "-W", "1", c2).status() == 0),
            "c1 on host 1 pings c2 on host 2 over VXLAN");
        assertTrue(a.inSandbox("c1", "ip", "route", "get", c2).output().contains(" dev eth0 "), "the overlay's own route");
        assertStartsWith("saw " + overlayAddress(a, "c1") + ":", PythonPrograms.http(a, a.prefix() + "c1", "http://" + web + "/overlay"),
            "web sees c1's overlay address: no translation on the way");

        final long icc = a.drops("c1", "eth1", "icc");
        assertNotEquals(0, a.inSandbox("c1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "172.18.0.2").status(),
            "ICC is off on the gateway bridge");
        assertEquals("error: timeout", PythonPrograms.client(a, a.prefix() + "c1", "tcp", "172.18.0.2", "80", "1.5").output().trim());
        assertTrue(a.drops("c1", "eth1", "icc") > icc, "dropped as icc: " + a.cli("stats").out());
    }

    @Test
    @Order(5)
    void shouldGiveAContainerOnAnInternalOverlayNoWayOut()
    {
        a.cli("network", "create", "--driver", "overlay", "--internal", "--subnet", "10.41.0.0/24", "inner").ok();
        a.cli("run", "-d", "--net", "inner", "--name", "i1").ok();

        assertEquals("", a.inSandbox("i1", "ip", "route", "show", "default").assertOk().output().trim());
        assertFalse(a.inSandbox("i1", "ip", "-o", "link").output().contains("eth1"), "no second interface");
        assertNotEquals(0, a.inSandbox("i1", "ping", "-c", "1", "-W", "1", OUTSIDE_ADDRESS).status());
        assertFalse(inspect(a, "lanyard_gwbridge").path("Containers").has(a.get("/sandboxes/i1").path("Id").asText()));
        final LanyardHost.Result publish = a.cli("run", "-d", "--net", "inner", "--name", "i2", "-p", "8081:80");
        assertNotEquals(0, publish.status());
        assertTrue(publish.err().contains("cannot publish ports on network inner (internal)"), publish.err());
    }

    @Test
    @Order(6)
    void shouldTakeTheGatewayEndpointAwayWhenTheContainerLeavesTheOverlay()
    {
        a.cli("run", "-d", "--net", "ov", "--name", "d1").ok();
        final String id = a.get("/sandboxes/d1").path("Id").asText();
        assertTrue(inspect(a, "lanyard_gwbridge").path("Containers").has(id));

        a.cli("network", "disconnect", "ov", "d1").ok();

        assertEquals(List.of("lo"), a.interfaces("d1"), "both interfaces went");
        assertFalse(inspect(a, "lanyard_gwbridge").path("Containers").has(id));
        a.cli("network", "connect", "ov", "d1").ok();
        assertEquals(List.of("lo", "eth0", "eth1"), a.interfaces("d1"));
        a.cli("rm", "-f", "d1").ok();
        assertFalse(inspect(a, "lanyard_gwbridge").path("Containers").has(id));
        assertTrue(a.cli("stats").ok().out().lines().noneMatch(l -> l.contains(" d1 ")), "no switch port left");
    }

    @Test
    @Order(7)
    void shouldBringTheGatewayBridgeAndItsEndpointsBackAfterAKill9() throws Exception
    {
        final String before = a.cli("network", "inspect", "lanyard_gwbridge").ok().out();
        final String index = a.inSandbox("c1", "cat", "/sys/class/net/eth1/ifindex").assertOk().output();

        a.kill9();
        a.start();

        assertEquals(before, a.cli("network", "inspect", "lanyard_gwbridge").ok().out());
        assertEquals(index, a.inSandbox("c1", "cat", "/sys/class/net/eth1/ifindex").assertOk().output(), "the same TAP, re-attached");
        assertStartsWith("saw " + UPLINK_ADDRESS + ":", PythonPrograms.http(a, a.prefix() + "c1",
            "http://" + OUTSIDE_ADDRESS + ":" + OUTSIDE_HTTP + "/after-restart"), "the way out works again");
        assertStartsWith("saw " + OUTSIDE_ADDRESS + ":", PythonPrograms.http(a, a.outsideNetns,
            "http://" + UPLINK_ADDRESS + ":8080/published-after-restart"), "and the published port");
        a.cli("rm", "-f", "c1").ok();
        final JsonNode after = inspect(a, "lanyard_gwbridge");
        assertEquals(1, after.path("Containers").size(), after.toString());
        assertEquals(inspect(a, "lanyard_gwbridge").path("Id"), Json.MAPPER.readTree(before).get(0).path("Id"));
    }

    // ------------------------------------------------------------------ helpers

    private static JsonNode inspect(final LanyardHost host, final String network)
    {
        try
        {
            return Json.MAPPER.readTree(host.cli("network", "inspect", network).ok().out()).get(0);
        }
        catch (final java.io.IOException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static String shortId(final LanyardHost host, final String sandbox)
    {
        return host.get("/sandboxes/" + sandbox).path("Id").asText().substring(0, 12);
    }

    private static String overlayAddress(final LanyardHost host, final String sandbox)
    {
        return host.get("/sandboxes/" + sandbox).path("Networks").path("ov").path("IPAddress").asText();
    }
}
