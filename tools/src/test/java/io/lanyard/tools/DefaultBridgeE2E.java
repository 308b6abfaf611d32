package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The walkthrough at the start of the seed, for real: lanyardd in place of dockerd. */
class DefaultBridgeE2E
{
    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "ethtool");
        host = new LanyardHost("br").start();
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
    void shouldCreateThePredefinedNetworksAndShowThemLikeDocker() throws Exception
    {
        final String ls = host.cli("network", "ls").ok().out();
        final List<String> lines = ls.lines().toList();
        assertTrue(lines.get(0).matches("NETWORK ID\\s+NAME\\s+DRIVER\\s+SCOPE"), ls);
        assertTrue(ls.lines().anyMatch(l -> l.matches("[0-9a-f]{12}\\s+bridge\\s+bridge\\s+local")), ls);
        assertTrue(ls.lines().anyMatch(l -> l.matches("[0-9a-f]{12}\\s+host\\s+host\\s+local")), ls);
        assertTrue(ls.lines().anyMatch(l -> l.matches("[0-9a-f]{12}\\s+none\\s+null\\s+local")), ls);

        final JsonNode bridge = Json.MAPPER.readTree(host.cli("network", "inspect", "bridge").ok().out()).get(0);
        assertEquals("bridge", bridge.get("Name").asText());
        assertTrue(bridge.get("Id").asText().matches("[0-9a-f]{64}"));
        assertEquals("local", bridge.get("Scope").asText());
        assertEquals("bridge", bridge.get("Driver").asText());
        assertEquals("default", bridge.at("/IPAM/Driver").asText());
        assertEquals("172.17.0.0/16", bridge.at("/IPAM/Config/0/Subnet").asText());
        assertEquals("172.17.0.1", bridge.at("/IPAM/Config/0/Gateway").asText());
        assertEquals(0, bridge.get("Containers").size());
        final JsonNode options = bridge.get("Options");
        assertEquals("true", options.get("com.docker.network.bridge.default_bridge").asText());
        assertEquals("true", options.get("com.docker.network.bridge.enable_icc").asText());
        assertEquals("true", options.get("com.docker.network.bridge.enable_ip_masquerade").asText());
        assertEquals("0.0.0.0", options.get("com.docker.network.bridge.host_binding_ipv4").asText());
        assertEquals("lanyard0", options.get("com.docker.network.bridge.name").asText());
        assertEquals("1500", options.get("com.docker.network.driver.mtu").asText());
        for (final String field : List.of("Created", "EnableIPv6", "Internal", "Attachable", "Labels"))
        {
            assertTrue(bridge.has(field), field);
        }
        assertTrue(Files.exists(host.stateDir.resolve("state.json")), "state kept in the state directory");
    }

    @Test
    void shouldRunTwoContainersThatPingEachOtherThroughTheJavaSwitch() throws Exception
    {
        final String id1 = host.cli("run", "-d", "--name", "container1").ok().out().trim();
        final String id2 = host.cli("run", "-d", "--name", "container2").ok().out().trim();
        assertTrue(id1.matches("[0-9a-f]{64}"), id1);
        assertTrue(id2.matches("[0-9a-f]{64}"), id2);

        assertInterface("container1", "172.17.0.2/16", "02:42:ac:11:00:02");
        assertInterface("container2", "172.17.0.3/16", "02:42:ac:11:00:03");

        final JsonNode containers = Json.MAPPER.readTree(host.cli("network", "inspect", "bridge").ok().out()).get(0).get("Containers");
        assertEquals(2, containers.size());
        final JsonNode first = containers.get(id1);
        assertEquals("container1", first.get("Name").asText());
        assertTrue(first.get("EndpointID").asText().matches("[0-9a-f]{64}"));
        assertEquals("02:42:ac:11:00:02", first.get("MacAddress").asText());
        assertEquals("172.17.0.2/16", first.get("IPv4Address").asText());
        assertEquals("172.17.0.3/16", containers.get(id2).get("IPv4Address").asText());

        final LanyardHost.Result ping = host.cli("exec", "container1", "--", "ping", "-c", "3", "-W", "2", "172.17.0.3").ok();
        assertTrue(ping.out().contains("3 received"), ping.out());

        // as docker exec: the command's own options need no "--" (the real launcher, so the child's output is read)
        final LanyardHost.Result bare = host.cliWith(Map.of("LANYARD_SOCKET", host.socket.toString()), "exec", "container1", "ping", "-c", "2",
            "-W", "2", "172.17.0.3").ok();
        assertTrue(bare.out().contains("2 received"), bare.out());
        // a sandbox that runs no command shows none, not ""
        assertTrue(host.cli("ps").ok().out().lines().anyMatch(l -> l.matches("[0-9a-f]{12}\\s+container1\\s+bridge\\s+172\\.17\\.0\\.2\\s+up")),
            host.cli("ps").out());

        final String hosts = host.cli("exec", "container1", "--", "cat", "/etc/hosts").ok().out();
        assertTrue(hosts.contains("127.0.0.1\tlocalhost"), hosts);
        assertTrue(hosts.lines().anyMatch(l -> l.equals("172.17.0.2\t" + id1.substring(0, 12))), hosts);

        final String stats = host.cli("stats").ok().out();
        assertTrue(stats.lines().anyMatch(l -> l.matches("\\d+\\s+container1\\s+eth0\\s+bridge\\s+[1-9]\\d*\\s+[1-9]\\d*\\s+[1-9]\\d*\\s+[1-9]\\d*\\s+.*")),
            "rx/tx packets and bytes counted for container1:\n" + stats);
        assertTrue(stats.contains("mac_entries="), stats);
    }

    @Test
    void shouldRemoveAContainerCompletelyAndReuseItsAddress() throws Exception
    {
        host.cli("run", "-d", "--name", "container1").ok();
        final String id2 = host.cli("run", "-d", "--name", "container2").ok().out().trim();
        final String ps = host.cli("ps").ok().out();
        assertTrue(ps.lines().anyMatch(l -> l.startsWith(id2.substring(0, 12)) && l.contains("container2") && l.contains("172.17.0.3")), ps);

        assertEquals("container2\n", host.cli("rm", "-f", "container2").ok().out());
        assertFalse(host.namespaces.existing().contains(host.prefix() + "container2"), "namespace (and its TAP) gone");
        assertFalse(Files.exists(Path.of("/etc/netns", host.prefix() + "container2")), "its /etc/netns files gone");
        final JsonNode containers = Json.MAPPER.readTree(host.cli("network", "inspect", "bridge").ok().out()).get(0).get("Containers");
        assertFalse(containers.has(id2), "inspect entry gone");
        assertFalse(host.cli("ps").ok().out().contains("container2"));

        host.cli("run", "-d", "--name", "container3").ok();
        assertInterface("container3", "172.17.0.3/16", "02:42:ac:11:00:03");
        host.cli("exec", "container3", "--", "ping", "-c", "1", "-W", "2", "172.17.0.2").ok();
    }

    @Test
    void shouldGiveLoopbackOnlyOnNoneAndTheDaemonsNamespaceOnHost()
    {
        final String links = host.cli("run", "--net", "none", "--name", "lonely", "--", "ip", "-o", "link").ok().out();
        assertEquals(1, links.lines().count(), links);
        assertTrue(links.contains("lo:"), links);

        final String daemonNetns = Shell.check("stat", "-L", "-c", "%i", "/run/netns/" + host.hostNetns).output().trim();
        final String seen = host.cli("run", "--net", "host", "--name", "h", "--", "stat", "-L", "-c", "%i", "/proc/self/ns/net").ok().out().trim();
        assertEquals(daemonNetns, seen, "a host-network sandbox runs in the daemon's namespace");
        assertEquals(daemonNetns, host.cli("exec", "h", "--", "stat", "-L", "-c", "%i", "/proc/self/ns/net").ok().out().trim());

        final String ps = host.cli("ps").ok().out();
        assertTrue(ps.contains("lonely") && ps.contains(" none ") && ps.contains(" h ") && ps.contains(" host "), ps);
    }

    @Test
    void shouldKeepACommandRunningInTheBackgroundAndStopItOnForcedRemoval() throws Exception
    {
        host.cli("run", "-d", "--name", "web", "--", "sleep", "600").ok();
        assertTrue(host.cli("ps").ok().out().lines().anyMatch(l -> l.contains("web") && l.contains("running")));
        final long pid = new ApiClient(host.socket).get("/sandboxes/web").json().get("Pid").asLong();
        final ProcessHandle command = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        assertTrue(command.info().commandLine().orElse("").contains("sleep 600"), command.info().toString());

        final LanyardHost.Result refused = host.cli("rm", "web");
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("cannot remove a running container"), refused.err());
        assertTrue(command.isAlive(), "a refused rm leaves the command running");

        host.cli("rm", "-f", "web").ok();
        command.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertFalse(command.isAlive(), "rm -f stopped the command");
        assertFalse(host.cli("ps").ok().out().contains("web"));
    }

    @Test
    void shouldSwitchTheSameWithTheIoUringBackendAndTheFusedPipeline()
    {
        host.close();
        host = new LanyardHost("iu", "--io", "io_uring", "--pipeline", "fused").start();
        host.cli("run", "-d", "--name", "c1").ok();
        host.cli("run", "-d", "--name", "c2").ok();
        host.cli("exec", "c1", "--", "ping", "-c", "3", "-i", "0.2", "-W", "2", "172.17.0.3").ok();
        assertTrue(host.cli("stats").ok().out().contains("switch (io_uring)"), host.cli("stats").out());
    }

    @Test
    void shouldSwitchWithBusyPollingAndRefuseItWithoutEpoll() throws Exception
    {
        host.close();
        host = new LanyardHost("bp", "--busy-poll", "20000").start();
        host.cli("run", "-d", "--name", "c1").ok();
        host.cli("run", "-d", "--name", "c2").ok();
        host.cli("exec", "c1", "--", "ping", "-c", "20", "-i", "0.01", "-W", "2", "172.17.0.3").ok();

        for (final List<String> flags : List.of(List.of("--io", "io_uring", "--busy-poll", "50"), List.of("--busy-poll", "-1")))
        {
            final List<String> command = new ArrayList<>(List.of(System.getenv().getOrDefault("LANYARD_HOME", "tools") +
                "/bin/lanyardd", "--socket", host.dir.resolve("bp.sock").toString(), "--state-dir", host.dir.resolve("bp-state").toString()));
            command.addAll(flags);
            final Process refused = host.spawn(command, host.dir.resolve("bp.log"));
            assertEquals(1, refused.waitFor(), flags.toString());
            final String message = Files.readString(host.dir.resolve("bp.log")).trim();
            assertEquals(flags.contains("io_uring") ? "lanyardd: busy polling needs the epoll I/O backend, not io_uring" :
                "lanyardd: busy poll time must be in 0..1000000 µs: -1 µs", message);
            assertFalse(Files.exists(host.dir.resolve("bp-state")), "a refused start creates no state");
        }
    }

    @Test
    void shouldRejectBadRequestsWithOneLineAndChangeNothing()
    {
        host.cli("run", "-d", "--name", "container1").ok();
        final String before = host.cli("ps").ok().out() + host.cli("network", "inspect", "bridge").ok().out();

        assertRefused(host.cli("run", "-d", "--name", "x1", "--net", "nope"), "network nope not found");
        assertRefused(host.cli("run", "-d", "--name", "container1"), "is already in use");
        assertRefused(host.cli("run", "-d", "--name", "x2", "--ip", "172.17.0.300"), "invalid IPv4 address");
        assertRefused(host.cli("run", "-d", "--name", "x3", "--ip", "172.17.0.9"), "user-specified IP address is supported on user-defined networks only");
        assertRefused(host.cli("run", "-d", "--name", "bad/name"), "Invalid container name");
        assertRefused(host.cli("rm", "ghost"), "No such container: ghost");
        assertRefused(host.cli("network", "inspect", "ghost"), "network ghost not found");
        assertRefused(host.cli("exec", "ghost", "--", "true"), "No such container: ghost");

        final String after = host.cli("ps").ok().out() + host.cli("network", "inspect", "bridge").ok().out();
        assertEquals(before, after, "nothing changed");
        assertEquals(List.of(host.prefix() + "container1", host.hostNetns).stream().sorted().toList(),
            host.namespaces.existing().stream().sorted().toList(), "no namespace leaked");
    }

    @Test
    void shouldAnswerAnUnparseableRequestWithAnErrorAndKeepServing() throws Exception
    {
        final ApiClient client = new ApiClient(host.socket);
        final ApiClient.Response garbage = client.call("POST", "/sandboxes", "not an object");
        assertEquals(400, garbage.status());
        assertTrue(garbage.errorMessage().contains("JSON object"), garbage.errorMessage());
        final ApiClient.Response unknown = client.get("/nothing/here");
        assertEquals(404, unknown.status());
        assertEquals("OK", client.get("/_ping").text());
        assertEquals(3, client.get("/v1.43/networks").json().size(), "Docker clients' versioned paths work");
    }

    @Test
    void shouldRefuseASecondDaemonOnTheSameSocketAndADaemonWithoutNetAdmin() throws Exception
    {
        final Process second = host.startDaemon(List.of());
        assertEquals(1, second.waitFor());
        final String log = host.log();
        assertTrue(log.contains("lanyardd: another lanyardd is already listening on " + host.socket), log);

        assertTrue(Privileges.onPath("setpriv"), "setpriv (util-linux) drops the capability");
        final Process unprivileged = host.spawn(List.of("setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin",
            System.getenv().getOrDefault("LANYARD_HOME", "tools") + "/bin/lanyardd", "--socket", host.dir.resolve("other.sock").toString(),
            "--state-dir", host.dir.resolve("other-state").toString()), host.dir.resolve("unprivileged.log"));
        assertEquals(1, unprivileged.waitFor());
        final String message = Files.readString(host.dir.resolve("unprivileged.log")).trim();
        assertEquals("lanyardd: CAP_NET_ADMIN is required to manage namespaces and TAP devices (run as root)", message);

        host.cli("network", "ls").ok();
    }

    @Test
    void shouldTurnTapOffloadsOffWithTheKillSwitch()
    {
        host.close();
        host = new LanyardHost("of", "--offload=off").start();
        host.cli("run", "-d", "--name", "c1").ok();
        host.cli("run", "-d", "--name", "c2").ok();
        final String features = host.inSandbox("c1", "ethtool", "-k", "eth0").assertOk().output();
        assertTrue(features.contains("tcp-segmentation-offload: off"), features);
        assertTrue(features.contains("tx-checksumming: off"), features);
        host.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "2", "172.17.0.3").ok();
    }

    @Test
    void shouldSayItCannotReachTheDaemonWhenNoneRuns()
    {
        final LanyardHost.Result result = host.cliWith(Map.of("LANYARD_SOCKET", host.dir.resolve("nobody.sock").toString()), "network", "ls");
        assertEquals(1, result.status());
        assertEquals("Cannot connect to lanyardd at unix://" + host.dir.resolve("nobody.sock") + ". Is lanyardd running?", result.err().trim());
    }

    @Test
    void shouldCountMalformedFramesAndKeepSwitching()
    {
        Privileges.requireNetAdmin("python3");
        host.cli("run", "-d", "--name", "container1").ok();
        host.cli("run", "-d", "--name", "container2").ok();
        // a frame whose source MAC is a group address, sent raw from inside container1
        host.inSandbox("container1", "python3", "-c",
            "import socket; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('eth0',0));" +
            "[s.send(bytes.fromhex('ffffffffffff' + 'ffffffffffff' + '0800') + bytes(46)) for _ in range(5)]").assertOk();
        assertTrue(LanyardHost.eventually(java.time.Duration.ofSeconds(5),
            () -> host.cli("stats").ok().out().lines().anyMatch(l -> l.contains("container1") && l.contains("bad_source_mac=5"))),
            host.cli("stats").out());
        host.cli("exec", "container1", "--", "ping", "-c", "1", "-W", "2", "172.17.0.3").ok();
    }

    @Test
    void shouldStopReadingAnInterfaceDeletedFromInsideItsSandboxShowItAndRepairIt() throws Exception
    {
        host.cli("run", "-d", "--name", "c1").ok();
        host.cli("run", "-d", "--name", "c2").ok();
        host.cli("run", "-d", "--name", "breaker").ok();
        final String address = host.get("/sandboxes/breaker").path("Networks").path("bridge").path("IPAddress").asText();
        final String mac = host.inSandbox("breaker", "cat", "/sys/class/net/eth0/address").assertOk().output().strip();
        assertTrue(host.cli("repair", "breaker").ok().out().contains("breaker: nothing to repair"));
        host.inSandbox("breaker", "ip", "link", "delete", "eth0").assertOk();

        assertTrue(LanyardHost.eventually(java.time.Duration.ofSeconds(5),
            () -> host.cli("stats").ok().out().lines().anyMatch(l -> l.contains("breaker") && l.contains("rx_errors="))),
            host.cli("stats").out());
        final long before = cpuMillis(host.daemonPid());
        LanyardHost.sleep(3000);
        final long used = cpuMillis(host.daemonPid()) - before;
        assertTrue(used < 1500, "the daemon idles instead of spinning on the dead device: " + used + " ms CPU in 3 s");
        host.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "2", "172.17.0.3").ok();

        // shown as degraded, in Lanyard's view and in Docker's list
        assertEquals("up, degraded: eth0 gone", host.get("/sandboxes/breaker").path("Status").asText());
        assertTrue(host.cli("ps").ok().out().lines().anyMatch(l -> l.contains("breaker") && l.contains("degraded: eth0 gone")),
            host.cli("ps").out());
        assertTrue(host.get("/containers/json").toString().contains("(degraded: eth0 gone)"));

        // and made again as it was: name, MAC, address, default route; reachable, and shown up again
        assertTrue(host.cli("repair", "breaker").ok().out().contains("breaker: repaired eth0"));
        assertEquals(mac, host.inSandbox("breaker", "cat", "/sys/class/net/eth0/address").assertOk().output().strip());
        assertTrue(host.inSandbox("breaker", "ip", "route").assertOk().output().contains("default via 172.17.0.1 dev eth0"));
        host.cli("exec", "c1", "--", "ping", "-c", "2", "-i", "0.2", "-W", "2", address).ok();
        host.cli("exec", "breaker", "--", "ping", "-c", "1", "-W", "2", "172.17.0.1").ok();
        assertEquals("up", host.get("/sandboxes/breaker").path("Status").asText());
        final LanyardHost.Result unknown = host.cli("repair", "nobody");
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().contains("No such container: nobody"), unknown.err());
        host.cli("rm", "breaker").ok();
    }

    /** User plus system CPU time of a process, from /proc (clock ticks of 10 ms). */
    private static long cpuMillis(final long pid) throws java.io.IOException
    {
        final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    }

    private void assertInterface(final String sandbox, final String cidr, final String mac)
    {
        final String link = host.inSandbox(sandbox, "ip", "-d", "-o", "link", "show", "eth0").assertOk().output();
        assertTrue(link.contains("mtu 1500"), link);
        assertTrue(link.contains("link/ether " + mac), link);
        assertTrue(link.contains("tun type tap"), "eth0 is a TAP device: " + link);
        assertTrue(link.contains("vnet_hdr on") && link.contains("persist on"), link);
        final String address = host.inSandbox(sandbox, "ip", "-o", "-4", "addr", "show", "eth0").assertOk().output();
        assertTrue(address.contains("inet " + cidr), address);
        final String route = host.inSandbox(sandbox, "ip", "route", "show", "default").assertOk().output();
        assertTrue(route.contains("default via 172.17.0.1 dev eth0"), route);
        final String features = host.inSandbox(sandbox, "ethtool", "-k", "eth0").assertOk().output();
        assertTrue(features.contains("tcp-segmentation-offload: on"), "offloads on by default: " + features);
    }

    private static void assertRefused(final LanyardHost.Result result, final String message)
    {
        assertNotEquals(0, result.status(), "refused");
        assertEquals(1, result.err().trim().lines().count(), "one line: " + result.err());
        assertTrue(result.err().contains(message), result.err());
    }
}
