package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;
import io.lanyard.client.api.RunRequest;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed guide's "An overlay network": one network spanning hosts that each run their own
 * {@code lanyardd}, with etcd as their shared store ({@link OverlayTestbed}).
 */
class OverlayE2E
{
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    private static final Pattern VXLAN_LINE = Pattern.compile(
        "IP 192\\.0\\.2\\.(\\d+)\\.(\\d+) > 192\\.0\\.2\\.(\\d+)\\.4789: VXLAN, flags \\[I\\] \\(0x08\\), vni (\\d+)");

    private OverlayTestbed testbed;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "tcpdump", "iperf3", "etcd", "bash");
        testbed = new OverlayTestbed("ov");
    }

    @AfterEach
    void tearDown()
    {
        if (testbed != null)
        {
            testbed.close();
        }
    }

    @Test
    void shouldSpanHostsWithOneNetworkThatPingsAndCarriesTcp() throws Exception
    {
        final LanyardHost a = testbed.addHost(1);
        final LanyardHost b = testbed.addHost(2);

        final String id = a.cli("network", "create", "--driver", "overlay", "my-multi-host-network").ok().out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertTrue(LanyardHost.eventually(CONVERGE, () -> b.cli("network", "ls").out().lines()
            .anyMatch(l -> l.matches(id.substring(0, 12) + "\\s+my-multi-host-network\\s+overlay\\s+global"))), b.cli("network", "ls").out());
        final JsonNode seenByA = inspect(a, "my-multi-host-network");
        final JsonNode seenByB = inspect(b, id);
        for (final String field : List.of("/Id", "/Name", "/Scope", "/Driver", "/Created", "/IPAM", "/Options"))
        {
            assertEquals(seenByA.at(field), seenByB.at(field), field + " agrees on both hosts");
        }
        assertEquals("10.0.0.0/24", seenByA.at("/IPAM/Config/0/Subnet").asText(), "the first /24 of the overlay pool");
        assertEquals("4096", seenByA.at("/Options/com.docker.network.driver.overlay.vxlanid_list").asText(), "the first VNI");

        a.cli("run", "-d", "--net=my-multi-host-network", "--name", "c1").ok();
        b.cli("run", "-d", "--net=my-multi-host-network", "--name", "c2", "--", "iperf3", "-s").ok();
        final JsonNode c2 = inspect(b, "my-multi-host-network").get("Containers").elements().next();
        assertEquals("10.0.0.3/24", c2.get("IPv4Address").asText(), "the second address of the cluster, not the second of host b");
        assertEquals("02:42:0a:00:00:03", c2.get("MacAddress").asText());
        assertEquals(1, inspect(b, id).get("Containers").size(), "inspect lists this host's containers only");
        assertTrue(a.inSandbox("c1", "ip", "link", "show", "eth0").output().contains("mtu 1450"), "underlay MTU 1500 − 50");

        assertTrue(LanyardHost.eventually(CONVERGE, () -> a.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "1", "10.0.0.3").status() == 0),
            "c1 on host 1 pings c2 on host 2:\n" + a.log() + b.log());
        b.cli("exec", "c2", "--", "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.0.0.2").ok();
        final JsonNode peers = inspect(a, id).get("Peers");
        assertEquals(2, peers.size(), peers.toString());
        assertEquals("host1", peers.get(0).get("Name").asText());
        assertEquals("192.0.2.11", peers.get(0).get("IP").asText());
        assertEquals("host2", peers.get(1).get("Name").asText());
        assertEquals("192.0.2.12", peers.get(1).get("IP").asText());
        // host 1's VTEP table has c2 behind host 2's VTEP, programmed from the cluster (lanyard vtep ls)
        final Pattern c2Row = Pattern.compile("my-multi-host-network\\s+4096\\s+02:42:0a:00:00:03\\s+10\\.0\\.0\\.3\\s+192\\.0\\.2\\.12\\s+cluster\\s+-");
        final String vteps = a.cli("vtep", "ls", "my-multi-host-network").ok().out();
        assertTrue(vteps.lines().anyMatch(l -> c2Row.matcher(l).matches()), vteps);
        assertFalse(vteps.contains("02:42:0a:00:00:02"), "c1 is host 1's own, not behind a VTEP:\n" + vteps);
        // lanyard trace sends c1's frame for c2 where the pings above went: to host 2's VTEP
        final JsonNode trace = a.get("/sandboxes/c1/trace?to=10.0.0.3&proto=icmp");
        assertEquals("forward", trace.path("Verdict").asText(), trace.toString());
        assertEquals(List.of("192.0.2.12"), List.of(trace.path("Vteps").get(0).asText()), trace.toString());
        assertTrue(a.cli("mac", "ls", "my-multi-host-network").ok().out().lines()
            .anyMatch(l -> l.matches("my-multi-host-network\\s+02:42:0a:00:00:02\\s+\\d+\\s+c1\\s+eth0\\s+static\\s+-")),
            a.cli("mac", "ls").out());

        // the underlay carries well-formed VXLAN with the network's VNI, and nothing else of the containers
        final Path capture = Files.createTempFile(testbed.underlay.prefix(), ".txt");
        final Process tcpdump = testbed.underlay.spawn(testbed.underlayNetns, capture, "tcpdump", "-l", "-n", "-i", "br0", "-c", "40",
            "udp port 4789");
        Thread.sleep(1000);
        final String iperf = a.cli("exec", "c1", "--", "iperf3", "-c", "10.0.0.3", "-t", "2").ok().out();
        assertTrue(iperf.contains("receiver"), iperf);
        // c1's TAP hands over 64 KB segments; host 1 cuts them into a train per send, host 2 reads trains and joins them again
        assertTrue(b.dataplaneCounter("vxlan_rx_joined") > 100, "segments joined on host 2: " + b.dataplaneCounter("vxlan_rx_joined"));
        // Lanyard hosts leave partial checksums to each other (VXLAN remote checksum offload): c2's ACKs, partial from its
        // TAP, reach host 1 still partial and are counted there; a finished checksum never is
        assertTrue(a.dataplaneCounter("vxlan_rx_partial_checksum") > 100,
            "frames with remote checksum offload on host 1: " + a.dataplaneCounter("vxlan_rx_partial_checksum"));
        // a UDP GSO train (UDP_SEGMENT, as QUIC stacks send): c1's TAP offers USO, so the 8 datagrams reach host 1 as one
        // frame, cut there into 8 VXLAN datagrams with the checksums left to host 2 (remote checksum offload)
        assertTrue(a.inSandbox("c1", "ethtool", "-k", "eth0").output().contains("tx-udp-segmentation: on"),
            a.inSandbox("c1", "ethtool", "-k", "eth0").output());
        final Path trainLog = Files.createTempFile(testbed.underlay.prefix(), ".txt");
        final long framesBefore = a.portCounter("c1", "eth0", "RxPackets");
        PythonPrograms.assertUdpTrainArrives(trainLog,
            b.spawnInSandbox("c2", trainLog, "python3", "-c", PythonPrograms.UDP_TRAIN_RECEIVER, "10.0.0.3", "7000", "8"),
            () -> a.cli("exec", "c1", "--", "python3", "-c", PythonPrograms.UDP_GSO_SENDER, "10.0.0.3", "7000", "1000", "8").ok(),
            1000, 8);
        Files.delete(trainLog);
        final long frames = a.portCounter("c1", "eth0", "RxPackets") - framesBefore;
        assertTrue(frames < 8, "the train left c1 as one frame, not 8: " + frames);
        tcpdump.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        tcpdump.destroyForcibly();
        final String packets = Files.readString(capture, StandardCharsets.UTF_8);
        Files.delete(capture);
        final Matcher matcher = VXLAN_LINE.matcher(packets);
        int seen = 0;
        while (matcher.find())
        {
            seen++;
            assertEquals("4096", matcher.group(4), matcher.group());
            final int sourcePort = Integer.parseInt(matcher.group(2));
            assertTrue(sourcePort >= 49_152 && sourcePort <= 65_535, "source port from the flow hash: " + matcher.group());
            assertTrue(Set.of("11", "12").contains(matcher.group(1)) && Set.of("11", "12").contains(matcher.group(3)), matcher.group());
        }
        assertTrue(seen >= 20, "VXLAN packets on the underlay:\n" + packets);

        // network rm: refused while any host has containers on it, from any host; then it works from the other host
        final LanyardHost.Result refused = a.cli("network", "rm", "my-multi-host-network");
        assertNotEquals(0, refused.status());
        assertTrue(refused.err().contains("has active endpoints (c1)"), refused.err());
        a.cli("rm", "-f", "c1").ok();
        final LanyardHost.Result stillUsed = a.cli("network", "rm", "my-multi-host-network");
        assertNotEquals(0, stillUsed.status());
        assertTrue(stillUsed.err().contains("has active endpoints (c2 on 192.0.2.12)"), stillUsed.err());
        b.cli("rm", "-f", "c2").ok();
        a.cli("network", "rm", "my-multi-host-network").ok();
        assertTrue(LanyardHost.eventually(CONVERGE, () -> !b.cli("network", "ls").out().contains("my-multi-host-network")),
            "removed on every host");
        assertNotEquals(0, b.cli("network", "inspect", id).status());
    }

    @Test
    void shouldNeverGiveTwoHostsTheSameAddress() throws Exception
    {
        final LanyardHost a = testbed.addHost(1);
        final LanyardHost b = testbed.addHost(2);
        // a /29: network, gateway and broadcast leave 5 addresses for 8 containers racing from two hosts
        a.cli("network", "create", "--driver", "overlay", "--subnet", "10.77.0.0/29", "tiny").ok();
        assertTrue(LanyardHost.eventually(CONVERGE, () -> b.cli("network", "inspect", "tiny").status() == 0));

        final ExecutorService racers = Executors.newFixedThreadPool(8);
        final List<Future<ApiClient.Response>> runs = new ArrayList<>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                final LanyardHost host = i % 2 == 0 ? a : b;
                final String name = "r" + i;
                runs.add(racers.submit(() -> new ApiClient(host.socket).post("/sandboxes", RunRequest.detached(name, "tiny"))));
            }
            int created = 0;
            final List<String> refusals = new ArrayList<>();
            for (final Future<ApiClient.Response> run : runs)
            {
                final ApiClient.Response response = run.get();
                if (response.isSuccess())
                {
                    created++;
                }
                else
                {
                    refusals.add(response.status() + " " + response.errorMessage());
                }
            }
            assertEquals(5, created, "every free address handed out once: " + refusals);
            for (final String refusal : refusals)
            {
                assertTrue(refusal.startsWith("409 no available IPv4 addresses"), refusal);
            }
        }
        finally
        {
            racers.shutdownNow();
        }
        final Set<String> addresses = new HashSet<>();
        int count = 0;
        for (final LanyardHost host : List.of(a, b))
        {
            for (final JsonNode member : inspect(host, "tiny").get("Containers"))
            {
                addresses.add(member.get("IPv4Address").asText());
                count++;
            }
        }
        assertEquals(5, count);
        assertEquals(Set.of("10.77.0.2/29", "10.77.0.3/29", "10.77.0.4/29", "10.77.0.5/29", "10.77.0.6/29"), addresses,
            "no address given twice");
    }

    @Test
    void shouldKeepForwardingWithoutEtcdRefuseWhatNeedsItAndConvergeWhenItReturns()
    {
        final LanyardHost a = testbed.addHost(1);
        final LanyardHost b = testbed.addHost(2);
        a.cli("network", "create", "--driver", "overlay", "--subnet", "10.88.0.0/24", "ov").ok();
        a.cli("run", "-d", "--net=ov", "--name", "c1").ok();
        assertTrue(LanyardHost.eventually(CONVERGE, () -> b.cli("run", "-d", "--net=ov", "--name", "c2").status() == 0));
        assertTrue(LanyardHost.eventually(CONVERGE, () -> a.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "1", "10.88.0.3").status() == 0));

        testbed.killEtcd();
        a.cli("exec", "c1", "--", "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.88.0.3").ok();
        final long before = System.nanoTime();
        final LanyardHost.Result create = a.cli("network", "create", "--driver", "overlay", "other");
        assertNotEquals(0, create.status());
        assertTrue(create.err().contains("cluster store etcd://192.0.2.1:2379 unavailable"), create.err());
        assertEquals(1, create.err().lines().count(), create.err());
        final LanyardHost.Result run = b.cli("run", "-d", "--net=ov", "--name", "c3");
        assertNotEquals(0, run.status());
        assertTrue(run.err().contains("unavailable"), run.err());
        assertTrue(System.nanoTime() - before < Duration.ofSeconds(30).toNanos(), "refusals do not hang");
        assertFalse(b.cli("ps", "-a").out().contains("c3"), "a refused run leaves nothing");
        final LanyardHost.Result remove = b.cli("rm", "-f", "c2");
        assertNotEquals(0, remove.status());
        assertTrue(b.cli("ps").out().contains("c2"), "a refused rm keeps the container");

        // longer than the lease TTL: both hosts' leases lapse while etcd is away
        LanyardHost.sleep((OverlayTestbed.STORE_TTL_SECONDS + 2) * 1000L);
        a.cli("exec", "c1", "--", "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.88.0.3").ok();
        testbed.startEtcd();
        assertTrue(LanyardHost.eventually(CONVERGE, () -> b.cli("run", "-d", "--net=ov", "--name", "c3").status() == 0),
            "operations work again once etcd is back:\n" + b.log());
        assertTrue(LanyardHost.eventually(CONVERGE, () -> a.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "1", "10.88.0.4").status() == 0),
            "host 1 learned of c3 without a restart");
        assertEquals(2, inspect(a, "ov").get("Peers").size(), "both hosts registered again: " + inspect(a, "ov").get("Peers"));
        a.cli("exec", "c1", "--", "ping", "-c", "2", "-W", "1", "10.88.0.3").ok();
    }

    @Test
    void shouldWithdrawADeadHostsContainersAfterTheLeaseAndTakeThemBackWhenItReturns()
    {
        final LanyardHost a = testbed.addHost(1);
        final LanyardHost b = testbed.addHost(2);
        a.cli("network", "create", "--driver", "overlay", "ov").ok();
        assertTrue(LanyardHost.eventually(CONVERGE, () -> b.cli("run", "-d", "--net=ov", "--name", "c2").status() == 0));
        a.cli("run", "-d", "--net=ov", "--name", "c1").ok();
        assertTrue(LanyardHost.eventually(CONVERGE, () -> a.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "1", "10.0.0.2").status() == 0));
        assertEquals(2, inspect(a, "ov").get("Peers").size());

        b.kill9();
        final long killed = System.nanoTime();
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(30), () -> inspect(a, "ov").get("Peers").size() == 1),
            "host 2's containers withdrawn: " + inspect(a, "ov").get("Peers"));
        final long withdrawnAfter = Duration.ofNanos(System.nanoTime() - killed).toSeconds();
        assertTrue(withdrawnAfter >= OverlayTestbed.STORE_TTL_SECONDS - 2, "not before the lease ran out: " + withdrawnAfter + " s");
        assertEquals("192.0.2.11", inspect(a, "ov").get("Peers").get(0).get("IP").asText());

        b.start();
        assertTrue(LanyardHost.eventually(CONVERGE, () -> inspect(a, "ov").get("Peers").size() == 2), "host 2 registered c2 again");
        assertTrue(LanyardHost.eventually(CONVERGE, () -> a.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "1", "10.0.0.2").status() == 0),
            "c1 reaches c2 again:\n" + b.log());
    }

    private static JsonNode inspect(final LanyardHost host, final String network)
    {
        try
        {
            return Json.MAPPER.readTree(host.cli("network", "inspect", network).ok().out()).get(0);
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
