package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An overlay network whose far end is not Lanyard: a Linux host's kernel VXLAN device named as
 * a static peer, and a stranger on the underlay sending VXLAN the daemon must refuse.
 *
 * <pre>
 *   PREFIX-ul: br0 192.0.2.1/24, etcd
 *     ├── eth0 192.0.2.11  host 1: lanyardd, c1 on the overlay
 *     ├── eth0 192.0.2.21  kv: vx0 (kernel vxlan, FDB 00:00:00:00:00:00 → 192.0.2.11) ── brk ── kc 10.99.0.200
 *     └── eth0 192.0.2.99  st: sends hand-made VXLAN datagrams
 * </pre>
 */
class OverlayInteropE2E
{
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    private static final int VXLAN_PORT = 4789;
    private static final String KERNEL_HOST = "192.0.2.21";
    private static final String KERNEL_CONTAINER = "10.99.0.200";
    private static final String STRANGER = "192.0.2.99";
    /** One VXLAN datagram per line of tcpdump's default decoding of port 4789. */
    private static final Pattern VXLAN_LINE = Pattern.compile(
        "IP (192\\.0\\.2\\.\\d+)\\.(\\d+) > (192\\.0\\.2\\.\\d+)\\.(\\d+): VXLAN, flags \\[(\\w*)\\] \\((0x[0-9a-f]+)\\), vni (\\d+)");
    /**
     * {@code FLAGS VNI LENGTH COUNT DESTINATION_MAC}: sends COUNT datagrams to host 1's VXLAN port,
     * each a VXLAN header with the first octet FLAGS and the VNI, then an Ethernet frame to the
     * MAC (ethertype 0x88b5, the IEEE's local experimental one) — the whole cut or zero-padded
     * to LENGTH bytes.
     */
    private static final String SEND_VXLAN = String.join("\n",
        "import socket, struct, sys",
        "flags, vni, length, count = int(sys.argv[1], 0), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])",
        "frame = bytes.fromhex(sys.argv[5].replace(':', '')) + bytes.fromhex('02420a630077') + b'\\x88\\xb5'",
        "datagram = (struct.pack('!II', flags << 24, vni << 8) + frame).ljust(length, b'\\x00')[:length]",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "for _ in range(count):",
        "    s.sendto(datagram, ('" + OverlayTestbed.address(1) + "', " + VXLAN_PORT + "))");

    private OverlayTestbed testbed;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "bridge", "ping", "nsenter", "tcpdump", "etcd", "bash", "python3", "iperf3", "ethtool", "nstat");
        testbed = new OverlayTestbed("oi");
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
    void shouldInteroperateWithAKernelVxlanPeer() throws Exception
    {
        final LanyardHost a = testbed.addHost(1);
        a.cli("network", "create", "--driver", "overlay", "--subnet", "10.99.0.0/24",
            "--opt", "com.lanyard.overlay.static_peers=" + KERNEL_HOST,
            "--opt", "com.docker.network.driver.overlay.vxlanid_list=5001", "ki").ok();
        a.cli("run", "-d", "--net=ki", "--name", "c1").ok();
        final String c1 = address(a, "ki", "c1");
        // only once the VNI exists here: the kernel bridge's first frames (IGMP reports) would count as unknown-VNI drops
        final String kernelContainer = addKernelHost(5001);

        final Path capture = Files.createTempFile(testbed.underlay.prefix(), ".txt");
        try
        {
            final Process tcpdump = testbed.underlay.spawn(testbed.underlayNetns, capture,
                "tcpdump", "-l", "-nn", "-i", "br0", "-c", "40", "udp port " + VXLAN_PORT);
            assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> LanyardHost.readQuietly(capture).contains("listening on")),
                "tcpdump started: " + LanyardHost.readQuietly(capture));

            // c1 knows nothing of kc: its ARP is flooded to the static peer, kc's MAC learned from the answer
            assertTrue(LanyardHost.eventually(CONVERGE, () -> a.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "1", KERNEL_CONTAINER).status() == 0),
                "c1 on Lanyard pings kc behind the kernel's VXLAN device:\n" + a.log());
            a.cli("exec", "c1", "--", "ping", "-c", "3", "-i", "0.2", "-W", "1", KERNEL_CONTAINER).ok();
            assertTrue(LanyardHost.eventually(CONVERGE, () -> testbed.underlay.exec(kernelContainer, "ping", "-c", "1", "-W", "1", c1).status() == 0),
                "kc pings c1 back");
            testbed.underlay.exec(kernelContainer, "ping", "-c", "3", "-i", "0.2", "-W", "1", c1).assertOk();

            tcpdump.waitFor(5, TimeUnit.SECONDS);
            tcpdump.destroyForcibly();
            tcpdump.waitFor(5, TimeUnit.SECONDS);
            final String packets = Files.readString(capture, StandardCharsets.UTF_8);
            final Matcher matcher = VXLAN_LINE.matcher(packets);
            int fromLanyard = 0;
            int fromKernel = 0;
            while (matcher.find())
            {
                assertEquals("I", matcher.group(5), matcher.group());
                assertEquals("0x08", matcher.group(6), matcher.group());
                assertEquals("5001", matcher.group(7), "the VNI asked for: " + matcher.group());
                assertEquals(Integer.toString(VXLAN_PORT), matcher.group(4), "the IANA port: " + matcher.group());
                final String route = matcher.group(1) + " > " + matcher.group(3);
                if (route.equals(OverlayTestbed.address(1) + " > " + KERNEL_HOST))
                {
                    fromLanyard++;
                    final int sourcePort = Integer.parseInt(matcher.group(2));
                    assertTrue(sourcePort >= 49_152 && sourcePort <= 65_535, "source port from the flow hash: " + matcher.group());
                }
                else if (route.equals(KERNEL_HOST + " > " + OverlayTestbed.address(1)))
                {
                    fromKernel++;
                }
                else
                {
                    throw new AssertionError("VXLAN between unexpected VTEPs: " + matcher.group());
                }
            }
            assertTrue(fromLanyard >= 4 && fromKernel >= 4, "well-formed VXLAN both ways (" + fromLanyard + " from Lanyard, " + fromKernel +
                " from the kernel):\n" + packets);
            assertTrue(packets.contains("ICMP echo request") && packets.contains("ICMP echo reply"), packets);
        }
        finally
        {
            Files.deleteIfExists(capture);
        }

        assertEquals(0, a.drops("", "vxlan:5001", "vxlan_not_a_peer"), "the static peer is accepted");
        final JsonNode overlay = port(a, "", "vxlan:5001");
        assertEquals("(overlay)", overlay.path("Network").asText());
        assertTrue(overlay.path("RxPackets").asLong() >= 8 && overlay.path("TxPackets").asLong() >= 8, overlay.toString());
        for (final String counter : List.of("vxlan_drop_bad_header", "vxlan_drop_unknown_vni", "vxlan_drop_truncated", "vxlan_rx_errors"))
        {
            assertEquals(0, a.dataplaneCounter(counter), counter + ": the kernel sends nothing Lanyard refuses");
        }
    }

    /**
     * TCP and UDP both ways between c1 and kc behind the kernel VTEP. With its underlay's transmit
     * offload on (the default on a veth, as on a virtio NIC between VMs) the kernel sends its inner
     * segments with a partial checksum, which Lanyard must pass on as such; with it off they come
     * complete. Either way nothing arrives with a bad checksum on either side.
     */
    @ParameterizedTest(name = "kernel underlay tx offload {0}")
    @ValueSource(strings = {"on", "off"})
    void shouldCarryTcpAndUdpBothWaysWithAKernelVtep(final String txOffload) throws Exception
    {
        final LanyardHost a = testbed.addHost(1);
        a.cli("network", "create", "--driver", "overlay", "--subnet", "10.99.0.0/24",
            "--opt", "com.lanyard.overlay.static_peers=" + KERNEL_HOST,
            "--opt", "com.docker.network.driver.overlay.vxlanid_list=5001", "ki").ok();
        a.cli("run", "-d", "--net=ki", "--name", "c1", "--", "iperf3", "-s").ok();
        final String c1 = address(a, "ki", "c1");
        final String kernelContainer = addKernelHost(5001);
        testbed.underlay.exec(testbed.underlay.prefix() + "kv", "ethtool", "-K", "eth0", "tx", txOffload).assertOk();
        final Path serverLog = Files.createTempFile(testbed.underlay.prefix(), ".txt");
        try
        {
            testbed.underlay.spawn(kernelContainer, serverLog, "iperf3", "-s");
            assertTrue(LanyardHost.eventually(CONVERGE, () -> a.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "1", KERNEL_CONTAINER).status() == 0),
                "c1 pings kc:\n" + a.log());
            final Map<String, Long> c1Before = checksumErrors(a.inSandbox("c1", "nstat", "-asz").output());
            final Map<String, Long> kcBefore = checksumErrors(testbed.underlay.exec(kernelContainer, "nstat", "-asz").output());

            for (final String direction : List.of("", "-R"))
            {
                final String tcp = a.cli(iperfFromC1(direction, "-t", "2")).ok().out();
                assertTrue(bitsPerSecond(tcp) > 10_000_000, "TCP c1 → kc " + direction + " (tx offload " + txOffload + "):\n" + tcp);
                final String udp = a.cli(iperfFromC1(direction, "-u", "-b", "100M", "-l", "1200", "-t", "2")).ok().out();
                assertTrue(receivedShare(udp) > 0.5, "UDP c1 → kc " + direction + " (tx offload " + txOffload + "):\n" + udp);
            }
            final String fromKernel = testbed.underlay.exec(kernelContainer, "iperf3", "-c", c1, "-t", "2", "--connect-timeout", "3000").assertOk().output();
            assertTrue(bitsPerSecond(fromKernel) > 10_000_000, "TCP kc → c1, started by kc:\n" + fromKernel);

            // a UDP GSO train from c1, cut by Lanyard with finished checksums: the kernel VTEP's container takes each datagram
            final Path trainLog = Files.createTempFile(testbed.underlay.prefix(), ".txt");
            PythonPrograms.assertUdpTrainArrives(trainLog,
                testbed.underlay.spawn(kernelContainer, trainLog, "python3", "-c", PythonPrograms.UDP_TRAIN_RECEIVER, KERNEL_CONTAINER, "7000", "8"),
                () -> a.cli("exec", "c1", "--", "python3", "-c", PythonPrograms.UDP_GSO_SENDER, KERNEL_CONTAINER, "7000", "1000", "8").ok(),
                1000, 8);
            Files.delete(trainLog);

            final long partial = a.dataplaneCounter("vxlan_rx_partial_checksum");
            if (txOffload.equals("on"))
            {
                assertTrue(partial > 100, "the kernel left its inner checksums partial, and Lanyard saw it: " + partial);
            }
            else
            {
                assertEquals(0, partial, "with its offload off the kernel sends complete checksums");
            }
            assertEquals(c1Before, checksumErrors(a.inSandbox("c1", "nstat", "-asz").output()), "no checksum errors in c1");
            assertEquals(kcBefore, checksumErrors(testbed.underlay.exec(kernelContainer, "nstat", "-asz").output()), "no checksum errors in kc");
        }
        finally
        {
            Files.deleteIfExists(serverLog);
        }
    }

    private static String[] iperfFromC1(final String direction, final String... options)
    {
        final List<String> command = new ArrayList<>(List.of("exec", "c1", "--", "iperf3", "-c", KERNEL_CONTAINER, "--connect-timeout", "3000"));
        if (!direction.isEmpty())
        {
            command.add(direction);
        }
        command.addAll(List.of(options));
        return command.toArray(String[]::new);
    }

    /** The receiver's rate from iperf3's summary. */
    private static double bitsPerSecond(final String iperf)
    {
        final Matcher matcher = Pattern.compile("([\\d.]+) ([KMG]?)bits/sec.*receiver").matcher(iperf);
        if (!matcher.find())
        {
            return 0;
        }
        final double scale = switch (matcher.group(2))
        {
            case "K" -> 1e3;
            case "M" -> 1e6;
            case "G" -> 1e9;
            default -> 1;
        };
        return Double.parseDouble(matcher.group(1)) * scale;
    }

    /** The share of UDP datagrams the receiver got, from iperf3's "lost/total (percent)" receiver line. */
    private static double receivedShare(final String iperf)
    {
        final Matcher matcher = Pattern.compile("(\\d+)/(\\d+) \\(([\\d.e+-]+)%\\)\\s+receiver").matcher(iperf);
        if (!matcher.find() || Long.parseLong(matcher.group(2)) == 0)
        {
            return 0;
        }
        return 1 - Double.parseDouble(matcher.group(3)) / 100;
    }

    /** TcpInCsumErrors, UdpInCsumErrors and IpInHdrErrors from {@code nstat -asz}. */
    private static Map<String, Long> checksumErrors(final String nstat)
    {
        final Map<String, Long> errors = new LinkedHashMap<>();
        for (final String counter : List.of("TcpInCsumErrors", "UdpInCsumErrors", "IpInHdrErrors"))
        {
            final Matcher matcher = Pattern.compile("^" + counter + "\\s+(\\d+)", Pattern.MULTILINE).matcher(nstat);
            errors.put(counter, matcher.find() ? Long.parseLong(matcher.group(1)) : 0L);
        }
        return errors;
    }

    @Test
    void shouldDropAndCountBadVxlan() throws Exception
    {
        final LanyardHost a = testbed.addHost(1);
        a.cli("network", "create", "--driver", "overlay", "--subnet", "10.98.0.0/24",
            "--opt", "com.docker.network.driver.overlay.vxlanid_list=5002", "guarded").ok();
        a.cli("run", "-d", "--net=guarded", "--name", "c1").ok();
        final String c1Mac = inspect(a, "guarded").get("Containers").elements().next().get("MacAddress").asText();
        final String stranger = testbed.underlay.add("st");
        testbed.plug(stranger, "eth0", STRANGER);

        // what reaches c1, seen from inside it (inbound only: c1's own chatter is not counted)
        final Path seenByC1 = Files.createTempFile(testbed.underlay.prefix(), ".txt");
        try
        {
            final Process tcpdump = a.namespaces.spawn(a.prefix() + "c1", seenByC1, "tcpdump", "-l", "-nn", "-e", "-i", "eth0", "-Q", "in");
            assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> LanyardHost.readQuietly(seenByC1).contains("listening on")),
                "tcpdump started: " + LanyardHost.readQuietly(seenByC1));
            final long deliveredToC1 = port(a, "c1", "eth0").path("TxPackets").asLong();
            final long rxErrors = a.dataplaneCounter("vxlan_rx_errors");
            final Map<String, Long> expected = vxlanDrops(a);

            // (a) well-formed, the network's VNI, addressed to c1 (and broadcast): but 192.0.2.99 is no host of
            // the network and no static peer, so the forwarding stage drops it on the overlay port
            sendVxlan(stranger, 0x08, 5002, 8 + 60, 2, c1Mac);
            sendVxlan(stranger, 0x08, 5002, 8 + 60, 1, "ff:ff:ff:ff:ff:ff");
            expected.merge("vxlan_not_a_peer", 3L, Long::sum);
            awaitVxlanDrops(a, expected);

            // (b) a VNI of no network here (the minimum length too: 8 + 14 is not truncated)
            sendVxlan(stranger, 0x08, 5003, 8 + 60, 3, c1Mac);
            sendVxlan(stranger, 0x08, 5003, 8 + 14, 1, c1Mac);
            expected.merge("vxlan_drop_unknown_vni", 4L, Long::sum);
            awaitVxlanDrops(a, expected);

            // (c) the I flag clear: no flags at all, or every reserved bit but I
            sendVxlan(stranger, 0x00, 5002, 8 + 60, 2, c1Mac);
            sendVxlan(stranger, 0xF7, 5002, 8 + 60, 3, c1Mac);
            expected.merge("vxlan_drop_bad_header", 5L, Long::sum);
            awaitVxlanDrops(a, expected);

            // (d) shorter than a VXLAN header and an Ethernet header, down to an empty datagram
            sendVxlan(stranger, 0x08, 5002, 8 + 13, 4, c1Mac);
            sendVxlan(stranger, 0x08, 5002, 8, 1, c1Mac);
            sendVxlan(stranger, 0x08, 5002, 3, 1, c1Mac);
            sendVxlan(stranger, 0x08, 5002, 0, 2, c1Mac);
            expected.merge("vxlan_drop_truncated", 8L, Long::sum);
            awaitVxlanDrops(a, expected);

            LanyardHost.sleep(300);
            assertEquals(expected, vxlanDrops(a), "each datagram counted once, under its own reason");
            assertEquals(rxErrors, a.dataplaneCounter("vxlan_rx_errors"));
            assertEquals(deliveredToC1, port(a, "c1", "eth0").path("TxPackets").asLong(), "nothing the stranger sent was delivered to c1");
            tcpdump.destroyForcibly();
            tcpdump.waitFor(5, TimeUnit.SECONDS);
            final String seen = Files.readString(seenByC1, StandardCharsets.UTF_8);
            assertTrue(seen.lines().noneMatch(line -> line.contains("0x88b5") || line.contains("02:42:0a:63:00:77")),
                "c1 saw none of the stranger's frames:\n" + seen);
        }
        finally
        {
            Files.deleteIfExists(seenByC1);
        }
    }

    /**
     * The Linux host at 192.0.2.21: a kernel VXLAN device sending everything to host 1, in a
     * kernel bridge with namespace kc behind it at 10.99.0.200/24. Returns kc's namespace.
     */
    private String addKernelHost(final int vni)
    {
        final String kernelHost = testbed.underlay.add("kv");
        final String kernelContainer = testbed.underlay.add("kc");
        for (final String netns : List.of(kernelHost, kernelContainer))
        {
            // no IPv6 chatter from the kernel side: the underlay carries only what the test sends (and ARP)
            testbed.underlay.exec(netns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").assertOk();
        }
        testbed.plug(kernelHost, "eth0", KERNEL_HOST);
        for (final String command : List.of(
            "link add vx0 type vxlan id " + vni + " dstport " + VXLAN_PORT + " local " + KERNEL_HOST + " dev eth0 nolearning",
            "link set vx0 mtu 1450",
            "link add brk type bridge",
            "link set vx0 master brk",
            "link add kv0 type veth peer name eth0 netns " + kernelContainer,
            "link set kv0 mtu 1450",
            "link set kv0 master brk",
            "link set vx0 up",
            "link set kv0 up",
            "link set brk up"))
        {
            testbed.underlay.exec(kernelHost, ("ip " + command).split(" ")).assertOk();
        }
        testbed.underlay.exec(kernelHost, "bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", OverlayTestbed.address(1)).assertOk();
        testbed.underlay.exec(kernelContainer, "ip", "link", "set", "eth0", "mtu", "1450").assertOk();
        testbed.underlay.exec(kernelContainer, "ip", "addr", "add", KERNEL_CONTAINER + "/24", "dev", "eth0").assertOk();
        testbed.underlay.exec(kernelContainer, "ip", "link", "set", "eth0", "up").assertOk();
        return kernelContainer;
    }

    private void sendVxlan(final String netns, final int flags, final int vni, final int length, final int count, final String mac)
    {
        testbed.underlay.exec(netns, "python3", "-c", SEND_VXLAN, Integer.toString(flags), Integer.toString(vni), Integer.toString(length),
            Integer.toString(count), mac).assertOk();
    }

    /** The four ways a VXLAN datagram is refused, as counted now. */
    private static Map<String, Long> vxlanDrops(final LanyardHost host)
    {
        final Map<String, Long> drops = new LinkedHashMap<>();
        drops.put("vxlan_not_a_peer", host.drops("", "vxlan:5002", "vxlan_not_a_peer"));
        for (final String counter : List.of("vxlan_drop_unknown_vni", "vxlan_drop_bad_header", "vxlan_drop_truncated"))
        {
            drops.put(counter, host.dataplaneCounter(counter));
        }
        return drops;
    }

    private static void awaitVxlanDrops(final LanyardHost host, final Map<String, Long> expected)
    {
        LanyardHost.eventually(Duration.ofSeconds(5), () -> expected.equals(vxlanDrops(host)));
        assertEquals(expected, vxlanDrops(host));
    }

    private static JsonNode port(final LanyardHost host, final String sandbox, final String device)
    {
        for (final JsonNode port : host.get("/stats").path("Ports"))
        {
            if (port.path("Sandbox").asText().equals(sandbox) && port.path("Interface").asText().equals(device))
            {
                return port;
            }
        }
        throw new AssertionError("no port " + sandbox + "/" + device + " in the stats:\n" + host.get("/stats").toPrettyString());
    }

    /** Container {@code name}'s IPv4 address on {@code network}, without the prefix length. */
    private static String address(final LanyardHost host, final String network, final String name)
    {
        for (final JsonNode member : inspect(host, network).get("Containers"))
        {
            if (member.get("Name").asText().equals(name))
            {
                return member.get("IPv4Address").asText().split("/")[0];
            }
        }
        throw new AssertionError("no " + name + " on " + network);
    }

    private static JsonNode inspect(final LanyardHost host, final String network)
    {
        try
        {
            return Json.MAPPER.readTree(host.cli("network", "inspect", network).ok().out()).get(0);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
