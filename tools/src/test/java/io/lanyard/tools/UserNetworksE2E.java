package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** "User-defined networks" and "A bridge network" from the seed, with Docker's current rules. */
class UserNetworksE2E
{
    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "tcpdump", "python3");
        host = new LanyardHost("un").start();
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void shouldCreateANetworkFromTheDefaultPoolsAndRunAContainerOnIt() throws Exception
    {
        final String id = host.cli("network", "create", "--driver", "bridge", "isolated_new").ok().out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertTrue(host.cli("network", "ls").ok().out().lines()
            .anyMatch(l -> l.matches(id.substring(0, 12) + "\\s+isolated_new\\s+bridge\\s+local")));
        final JsonNode network = inspect("isolated_new");
        assertEquals("172.18.0.0/16", network.at("/IPAM/Config/0/Subnet").asText());
        assertEquals("172.18.0.1", network.at("/IPAM/Config/0/Gateway").asText());
        assertEquals(0, network.get("Options").size(), "no options given, none shown");

        final String container = host.cli("run", "-d", "--net=isolated_new", "--name=container3").ok().out().trim();
        final JsonNode entry = inspect("isolated_new").get("Containers").get(container);
        assertEquals("172.18.0.2/16", entry.get("IPv4Address").asText());
        assertEquals("02:42:ac:12:00:02", entry.get("MacAddress").asText());

        assertEquals("172.19.0.0/16", Json.MAPPER.readTree(host.cli("network", "inspect", host.cli("network", "create",
            "second").ok().out().trim()).ok().out()).get(0).at("/IPAM/Config/0/Subnet").asText(), "next free default pool");
        host.cli("exec", "container3", "--", "ping", "-c", "1", "-W", "2", "172.18.0.1").ok();
    }

    @Test
    void shouldApplyEveryNetworkOption() throws Exception
    {
        host.cli("network", "create", "--subnet", "10.5.0.0/16", "--gateway", "10.5.0.254", "--ip-range", "10.5.7.0/24",
            "--aux-address", "printer=10.5.7.0", "--label", "team=blue", "--opt", "com.docker.network.driver.mtu=1400",
            "--opt", "com.docker.network.bridge.enable_ip_masquerade=false", "--opt", "com.docker.network.bridge.name=ly-blue",
            "blue").ok();
        final JsonNode blue = inspect("blue");
        assertEquals("10.5.0.0/16", blue.at("/IPAM/Config/0/Subnet").asText());
        assertEquals("10.5.0.254", blue.at("/IPAM/Config/0/Gateway").asText());
        assertEquals("10.5.7.0/24", blue.at("/IPAM/Config/0/IPRange").asText());
        assertEquals("10.5.7.0", blue.at("/IPAM/Config/0/AuxiliaryAddresses/printer").asText());
        assertEquals("blue", blue.at("/Labels/team").asText());
        assertEquals("1400", blue.at("/Options/com.docker.network.driver.mtu").asText());
        assertEquals("ly-blue", blue.at("/Options/com.docker.network.bridge.name").asText());

        host.cli("run", "-d", "--net", "blue", "--name", "b1").ok();
        final String link = host.inSandbox("b1", "ip", "-o", "link", "show", "eth0").assertOk().output();
        assertTrue(link.contains("mtu 1400"), "MTU applied to the sandbox interface: " + link);
        assertTrue(host.inSandbox("b1", "ip", "-o", "-4", "addr", "show", "eth0").output().contains("inet 10.5.7.1/16"),
            "first address of the ip-range, skipping the aux address .0");
        assertTrue(host.inSandbox("b1", "ip", "route", "show", "default").output().contains("via 10.5.0.254"));
        host.cli("run", "-d", "--net", "blue", "--ip", "10.5.99.9", "--name", "b2").ok();
        assertTrue(host.inSandbox("b2", "ip", "-o", "-4", "addr").output().contains("inet 10.5.99.9/16"), "static address outside the range");
        host.cli("exec", "b1", "--", "ping", "-c", "1", "-W", "2", "10.5.99.9").ok();

        host.cli("network", "create", "--internal", "--label", "team=red", "inside").ok();
        host.cli("run", "-d", "--net", "inside", "--name", "i1").ok();
        assertTrue(host.inSandbox("i1", "ip", "route", "show", "default").output().isBlank(), "an internal network gives no route out");
        assertTrue(inspect("inside").get("Internal").asBoolean());

        assertEquals(List.of("blue"), names(host.cli("network", "ls", "--filter", "name=blu").ok().out()));
        assertEquals(List.of("blue", "inside"), names(host.cli("network", "ls", "--filter", "label=team").ok().out()));
        assertEquals(List.of("inside"), names(host.cli("network", "ls", "--filter", "label=team=red").ok().out()));
        assertEquals(List.of("host"), names(host.cli("network", "ls", "--filter", "driver=host").ok().out()));
        final String blueId = blue.get("Id").asText();
        assertEquals(List.of(blueId.substring(0, 12)), host.cli("network", "ls", "-q", "--filter", "id=" + blueId.substring(0, 5)).ok().out().lines().toList());
        assertEquals(5, host.cli("network", "ls", "-q").ok().out().lines().count());
    }

    @Test
    void shouldConnectAndDisconnectASecondInterface()
    {
        host.cli("network", "create", "isolated_new").ok();
        host.cli("run", "-d", "--name", "container1").ok();
        host.cli("run", "-d", "--net", "isolated_new", "--name", "container3").ok();

        host.cli("network", "connect", "isolated_new", "container1").ok();
        assertTrue(host.inSandbox("container1", "ip", "-o", "-4", "addr", "show", "eth1").output().contains("inet 172.18.0.3/16"));
        assertTrue(host.inSandbox("container1", "ip", "route", "show", "default").output().contains("via 172.17.0.1 dev eth0"),
            "the default route stays on the first network");
        host.cli("exec", "container1", "--", "ping", "-c", "1", "-W", "2", "172.18.0.2").ok();
        assertTrue(host.cli("exec", "container1", "--", "cat", "/etc/hosts").ok().out().contains("172.18.0.3\t"));

        host.cli("network", "create", "third").ok();
        host.cli("network", "connect", "--ip", "172.19.0.77", "third", "container1").ok();
        assertTrue(host.inSandbox("container1", "ip", "-o", "-4", "addr", "show", "eth2").output().contains("inet 172.19.0.77/16"));

        host.cli("network", "disconnect", "isolated_new", "container1").ok();
        assertFalse(host.inSandbox("container1", "ip", "link").output().contains("eth1"), "interface removed");
        assertFalse(host.cli("exec", "container1", "--", "cat", "/etc/hosts").ok().out().contains("172.18.0.3"), "hosts line removed");
        assertFalse(inspectText("isolated_new").contains("container1"));
        host.cli("run", "-d", "--net", "isolated_new", "--name", "reuse").ok();
        assertTrue(host.inSandbox("reuse", "ip", "-o", "-4", "addr").output().contains("inet 172.18.0.3/16"), "address freed");
    }

    @Test
    void shouldIsolateNetworksCompletelyAndNotRouteThroughADualHomedSandbox()
    {
        host.cli("network", "create", "--subnet", "10.10.0.0/24", "left").ok();
        host.cli("network", "create", "--subnet", "10.20.0.0/24", "right").ok();
        host.cli("run", "-d", "--net", "left", "--name", "a").ok();
        host.cli("run", "-d", "--net", "right", "--name", "b").ok();
        host.cli("run", "-d", "--net", "left", "--name", "c").ok();
        host.cli("network", "connect", "right", "c").ok();
        // a: 10.10.0.2, b: 10.20.0.2, c: 10.10.0.3 and 10.20.0.3

        final java.nio.file.Path capture = host.dir.resolve("b.pcap.txt");
        final Process tcpdump = host.namespaces.spawn(host.prefix() + "b", capture, "tcpdump", "-l", "-n", "-e", "-i", "eth0",
            "not ether src 02:42:0a:14:00:02 and not ether src 02:42:0a:14:00:03");
        LanyardHost.sleep(1500);
        host.cli("exec", "a", "--", "ping", "-c", "2", "-W", "1", "10.20.0.2");
        host.inSandbox("a", "ip", "neigh", "replace", "10.10.0.200", "lladdr", "02:42:0a:14:00:02", "dev", "eth0").assertOk();
        host.inSandbox("a", "ping", "-c", "2", "-W", "1", "10.10.0.200");
        host.inSandbox("a", "python3", "-c", "import socket; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('eth0',0));" +
            "s.send(bytes.fromhex('ffffffffffff' + '02420a0a0002' + '88b5') + bytes(46))").assertOk();

        host.cli("exec", "c", "--", "ping", "-c", "1", "-W", "2", "10.10.0.2").ok();
        host.cli("exec", "c", "--", "ping", "-c", "1", "-W", "2", "10.20.0.2").ok();
        host.inSandbox("a", "ip", "route", "add", "10.20.0.0/24", "via", "10.10.0.3").assertOk();
        assertNotEquals(0, host.inSandbox("a", "ping", "-c", "2", "-W", "1", "10.20.0.2").status(), "c does not forward between its networks");

        LanyardHost.sleep(500);
        tcpdump.destroy();
        final String seen = readQuietly(capture);
        assertFalse(seen.contains("02:42:0a:0a:"), "b saw no frame from the left network at all:\n" + seen);
        assertTrue(seen.contains("listening on eth0"), "the capture ran: " + seen);
    }

    @Test
    void shouldKeepContainersApartButReachingTheGatewayWhenIccIsOff()
    {
        host.cli("network", "create", "--opt", "com.docker.network.bridge.enable_icc=false", "noicc").ok();
        host.cli("run", "-d", "--net", "noicc", "--name", "x").ok();
        host.cli("run", "-d", "--net", "noicc", "--name", "y").ok();
        assertNotEquals(0, host.cli("exec", "x", "--", "ping", "-c", "2", "-W", "1", "172.18.0.3").status());
        host.cli("exec", "x", "--", "ping", "-c", "1", "-W", "2", "172.18.0.1").ok();
        assertTrue(host.cli("stats").ok().out().lines().anyMatch(l -> l.contains(" x ") && l.contains("icc=")), host.cli("stats").out());

        // the network has no IPv6, so, as Docker does, its sandboxes' interfaces have none
        assertEquals("", host.inSandbox("x", "ip", "-6", "-o", "addr", "show", "dev", "eth0").assertOk().output().strip());
        // nor does IPv6 get through if root in a sandbox turns it on: y's link-local address is out of x's reach
        for (final String sandbox : List.of("x", "y"))
        {
            host.inSandbox(sandbox, "sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=0").assertOk();
            host.inSandbox(sandbox, "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=0").assertOk();
        }
        final String yLinkLocal = host.inSandbox("y", "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link").assertOk().output();
        final java.util.regex.Matcher address = java.util.regex.Pattern.compile("inet6 (fe80::[0-9a-f:]+)/").matcher(yLinkLocal);
        assertTrue(address.find(), "y has a link-local address to try: " + yLinkLocal);
        // x is told y's MAC, so its echo requests go out unicast rather than waiting on neighbour discovery
        final String yMac = host.inSandbox("y", "cat", "/sys/class/net/eth0/address").assertOk().output().strip();
        host.inSandbox("x", "ip", "-6", "neigh", "replace", address.group(1), "lladdr", yMac, "dev", "eth0").assertOk();
        final long iccBefore = host.drops("x", "eth0", "icc");
        assertNotEquals(0, host.cli("exec", "x", "--", "ping", "-6", "-c", "2", "-W", "1", address.group(1) + "%eth0").status(),
            "ICC off holds for IPv6 too");
        assertTrue(host.drops("x", "eth0", "icc") > iccBefore, "counted as icc on x's port");
    }

    @Test
    void shouldTurnIccOffOnTheDefaultBridgeWithTheDaemonFlag() throws Exception
    {
        host.close();
        host = new LanyardHost("ic", "--icc=false").start();
        assertEquals("false", inspect("bridge").at("/Options/com.docker.network.bridge.enable_icc").asText());
        host.cli("run", "-d", "--name", "c1").ok();
        host.cli("run", "-d", "--name", "c2").ok();
        assertNotEquals(0, host.cli("exec", "c1", "--", "ping", "-c", "2", "-W", "1", "172.17.0.3").status());
        host.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "2", "172.17.0.1").ok();
    }

    @Test
    void shouldRemoveNetworksOnlyWhenEmptyAndNeverThePredefinedOnes() throws Exception
    {
        final String id = host.cli("network", "create", "busy").ok().out().trim();
        host.cli("run", "-d", "--net", "busy", "--name", "w1").ok();
        final LanyardHost.Result inUse = host.cli("network", "rm", "busy");
        assertEquals(1, inUse.status());
        assertTrue(inUse.err().contains("has active endpoints (w1)"), inUse.err());
        for (final String predefined : List.of("bridge", "host", "none"))
        {
            final LanyardHost.Result refused = host.cli("network", "rm", predefined);
            assertTrue(refused.err().contains(predefined + " is a pre-defined network and cannot be removed"), refused.err());
        }
        host.cli("rm", "-f", "w1").ok();
        host.cli("network", "rm", id.substring(0, 6)).ok();
        assertFalse(host.cli("network", "ls").ok().out().contains("busy"));

        final String first = host.cli("network", "create", "first").ok().out().trim();
        host.cli("network", "create", first).ok();
        host.cli("network", "rm", first).ok();
        final String left = host.cli("network", "ls").ok().out();
        assertFalse(left.contains(" first "), "the exact ID won over the equal name: " + left);
        assertTrue(left.contains(first), "the network named like that ID is still there");
    }

    @Test
    void shouldRefuseBadRequestsAndChangeNothing()
    {
        host.cli("network", "create", "--subnet", "10.30.0.0/24", "--ip-range", "10.30.0.0/30", "tiny").ok();
        host.cli("run", "-d", "--net", "tiny", "--name", "t1").ok();
        host.cli("run", "-d", "--net", "tiny", "--name", "t2").ok();
        final String before = snapshot();

        refused("invalid CIDR address: 10.0.0.0/33", "network", "create", "--subnet", "10.0.0.0/33", "n1");
        refused("no matching subnet for gateway 10.41.0.1", "network", "create", "--subnet", "10.40.0.0/16", "--gateway", "10.41.0.1", "n2");
        refused("no matching subnet for range 10.41.0.0/24", "network", "create", "--subnet", "10.40.0.0/16", "--ip-range", "10.41.0.0/24", "n3");
        refused("no matching subnet for aux-address 10.41.0.5", "network", "create", "--subnet", "10.40.0.0/16", "--aux-address", "x=10.41.0.5", "n4");
        refused("Pool overlaps with other one on this address space", "network", "create", "--subnet", "10.30.0.128/25", "n5");
        refused("network with name tiny already exists", "network", "create", "tiny");
        refused("unknown option \"com.example.color\" for driver bridge", "network", "create", "--opt", "com.example.color=red", "n6");
        refused("Address already in use", "run", "-d", "--net", "tiny", "--ip", "10.30.0.2", "--name", "t6");
        refused("no configured subnet or ip-range contain the IP address 10.99.0.5", "run", "-d", "--net", "tiny", "--ip", "10.99.0.5", "--name", "t3");
        refused("endpoint with name t1 already exists in network tiny", "network", "connect", "tiny", "t1");
        refused("network-scoped alias is supported only for containers in user defined networks", "run", "-d", "--network-alias", "db", "--name", "t4");
        // the range 10.30.0.0/30 holds .0 (the subnet's own address), .1 (gateway), .2 (t1) and .3 (t2): none left
        refused("no available IPv4 addresses on this network's address pools: tiny", "run", "-d", "--net", "tiny", "--name", "t5");

        assertEquals(before, snapshot(), "nothing changed");
        assertEquals(List.of(host.hostNetns, host.prefix() + "t1", host.prefix() + "t2").stream().sorted().toList(),
            host.namespaces.existing().stream().sorted().toList(), "no namespace leaked");
    }

    @Test
    void shouldRefuseNetworkCreationWhenTheDefaultPoolsAreExhausted()
    {
        final LanyardHost.Result overlap = host.cli("network", "create", "--subnet", "172.16.0.0/12", "wide");
        assertTrue(overlap.err().contains("Pool overlaps"), "172.16/12 overlaps the default bridge: " + overlap.err());
        // with 172.17/16 taken by the default bridge, these take every other default pool
        host.cli("network", "create", "--subnet", "172.18.0.0/15", "--subnet", "172.20.0.0/14", "--subnet", "172.24.0.0/13",
            "--subnet", "192.168.0.0/16", "wide").ok();
        final LanyardHost.Result exhausted = host.cli("network", "create", "one-more");
        assertEquals(1, exhausted.status());
        assertTrue(exhausted.err().contains("could not find an available, non-overlapping IPv4 address pool"), exhausted.err());
    }

    private void refused(final String message, final String... args)
    {
        final LanyardHost.Result result = host.cli(args);
        assertNotEquals(0, result.status(), String.join(" ", args));
        assertEquals(1, result.err().trim().lines().count(), "one line: " + result.err());
        assertTrue(result.err().contains(message), String.join(" ", args) + " → " + result.err());
    }

    private String snapshot()
    {
        return host.cli("network", "ls").ok().out() + host.cli("ps").ok().out() + inspectText("tiny") + inspectText("bridge");
    }

    private JsonNode inspect(final String network) throws IOException
    {
        return Json.MAPPER.readTree(host.cli("network", "inspect", network).ok().out()).get(0);
    }

    private String inspectText(final String network)
    {
        return host.cli("network", "inspect", network).ok().out();
    }

    private static List<String> names(final String ls)
    {
        return ls.lines().skip(1).map(l -> l.split("\\s+")[1]).sorted().toList();
    }

    private static String readQuietly(final java.nio.file.Path file)
    {
        try
        {
            return java.nio.file.Files.readString(file);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }
}
