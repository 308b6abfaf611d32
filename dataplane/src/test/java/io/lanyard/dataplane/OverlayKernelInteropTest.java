package io.lanyard.dataplane;

import io.lanyard.dataplane.OverlayHosts.LanyardHost;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.tap.IpRoute2;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Lanyard host (192.0.2.1, container c1 on overlay network 1, VNI 4096) and a Linux host
 * (192.0.2.2) whose kernel VXLAN device, with a static FDB entry flooding to Lanyard, sits in a
 * kernel bridge with a "kernel container" behind it. Lanyard names the Linux host a static peer
 * and has no endpoint programmed for the kernel container: ARP is flooded to the static peer and
 * the MAC behind it is learned from the frames it sends. Run on the IANA port and on another one
 * both sides are configured with; the kernel takes Lanyard's per-flow UDP source ports.
 */
class OverlayKernelInteropTest
{
    private static final int DOMAIN = OverlayHosts.DOMAIN;
    private static final int VNI = OverlayHosts.VNI;
    private static final int HOST_1 = OverlayHosts.HOST_1;
    private static final int HOST_2 = OverlayHosts.HOST_2;

    @TempDir
    Path tmp;

    private OverlayHosts overlayHosts;

    @AfterEach
    void tearDown() throws Exception
    {
        if (overlayHosts != null)
        {
            overlayHosts.close();
        }
    }

    @ParameterizedTest(name = "UDP port {0}")
    @ValueSource(ints = {4789, 4790})
    void shouldPingBothWaysWithAKernelVxlanStaticPeerAndDropNonMembers(final int vxlanPort) throws Exception
    {
        Privileges.requireNetAdmin("ip", "ping", "bridge", "tcpdump", "timeout", "python3");
        overlayHosts = new OverlayHosts("ovk", tmp);
        final Namespaces namespaces = overlayHosts.namespaces();
        final String lanyardHost = overlayHosts.add("h1");
        final String linuxHost = overlayHosts.add("h2");
        final String kernelContainer = overlayHosts.add("kc");
        for (final String netns : List.of(linuxHost, kernelContainer))
        {
            // no IPv6 chatter (MLD, router solicitations) from the kernel side: the container's counters stay still
            namespaces.exec(netns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").assertOk();
        }
        overlayHosts.underlay(lanyardHost, linuxHost);
        IpRoute2.batch(linuxHost, List.of(
            "link add vx0 type vxlan id " + VNI + " dstport " + vxlanPort + " local 192.0.2.2 nolearning",
            "link set vx0 mtu 1450",
            "link add br0 type bridge",
            "link set br0 up",
            "link set vx0 master br0",
            "link set vx0 up",
            "link add kv0 type veth peer name eth0 netns " + kernelContainer,
            "link set kv0 mtu 1450",
            "link set kv0 master br0",
            "link set kv0 up"));
        namespaces.exec(linuxHost, "bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", "192.0.2.1").assertOk();
        IpRoute2.batch(kernelContainer, List.of(
            "link set eth0 mtu 1450",
            "addr add 10.0.9.3/24 dev eth0",
            "link set eth0 up"));

        // the Lanyard host: its dataplane, the VXLAN socket and container c1 on the overlay
        final LanyardHost lanyard = overlayHosts.lanyardHost(lanyardHost, HOST_1, vxlanPort, "c1", "10.0.9.2", "02:42:0a:00:09:02");
        final String container = lanyard.container();
        final Port overlay = lanyard.overlay();
        lanyard.dataplane().overlays().setStaticPeers(DOMAIN, new int[] {HOST_2});

        // the underlay as the Linux host sees it, both directions
        final Path dumpLog = tmp.resolve("tcpdump.log");
        final Process dump = namespaces.spawn(linuxHost, dumpLog,
            "timeout", "20", "tcpdump", "-nn", "-l", "-v", "-T", "vxlan", "-i", "v2", "-c", "12", "udp", "port", Integer.toString(vxlanPort));
        waitFor(() -> Files.exists(dumpLog) && Files.readString(dumpLog).contains("listening on") ? 1 : 0, 1, "tcpdump started");

        namespaces.exec(container, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.9.3").assertOk();
        namespaces.exec(kernelContainer, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.9.2").assertOk();
        assertTrue(overlay.counters().txPackets() >= 6, "requests and replies left in VXLAN: " + overlay.counters().txPackets());
        assertTrue(overlay.counters().rxPackets() >= 6, "and came back from the kernel: " + overlay.counters().rxPackets());

        assertTrue(dump.waitFor(30, TimeUnit.SECONDS), "tcpdump ended");
        final String decoded = Files.readString(dumpLog);
        assertTrue(decoded.lines().anyMatch(line ->
            line.contains(" 192.0.2.2.") && line.contains("> 192.0.2.1." + vxlanPort + ": ") &&
            line.contains("VXLAN, flags [I] (0x08), vni " + VNI)),
            "kernel -> Lanyard well-formed VXLAN:\n" + decoded);
        // Lanyard -> kernel: outer IPv4 with DF and a source port in the dynamic range (tcpdump prints no
        // UDP checksum note on its VXLAN path; OverlayTest checks the checksum is 0 on the wire)
        final Matcher fromLanyard = Pattern.compile("flags \\[DF\\], proto UDP \\(17\\), length \\d+\\)\\s+192\\.0\\.2\\.1\\.(\\d+) > 192\\.0\\.2\\.2\\." +
            vxlanPort + ": VXLAN, flags \\[I\\] \\(0x08\\), vni " + VNI).matcher(decoded);
        int fromLanyardCount = 0;
        while (fromLanyard.find())
        {
            fromLanyardCount++;
            final int sourcePort = Integer.parseInt(fromLanyard.group(1));
            assertTrue(sourcePort >= 49_152 && sourcePort <= 65_535, "source port " + sourcePort + ":\n" + decoded);
        }
        assertTrue(fromLanyardCount >= 3, "Lanyard -> kernel well-formed VXLAN with DF:\n" + decoded);
        assertTrue(decoded.contains("ICMP echo request") && decoded.contains("ICMP echo reply"), decoded);

        // a VTEP that is neither a peer nor a static peer: dropped, counted, not delivered. What the
        // container receives is watched by a capture on its eth0 filtered to the stranger's MAC: the
        // TAP's frame counter alone also moves with the kernels' own ARP re-checks, which come about
        // 5 s after an entry was last confirmed and so can land in the middle of this step
        namespaces.exec(linuxHost, "ip", "addr", "add", "192.0.2.9/24", "dev", "v2").assertOk();
        final Path strangerLog = tmp.resolve("stranger.log");
        final Process strangerDump = namespaces.spawn(container, strangerLog,
            "timeout", "6", "tcpdump", "-nn", "-l", "-e", "-i", "eth0", "ether", "src", "02:42:0a:00:09:77");
        waitFor(() -> Files.exists(strangerLog) && Files.readString(strangerLog).contains("listening on") ? 1 : 0, 1,
            "tcpdump in the container started");
        final long notPeerBefore = overlay.counters().drops(DropReason.VXLAN_NOT_A_PEER);
        final String stranger = String.join("\n",
            "import socket, struct",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.bind(('192.0.2.9', 0))",
            "header = struct.pack('!II', 0x08 << 24, " + VNI + " << 8)",
            "frame = b'\\xff' * 6 + bytes.fromhex('02420a000977') + b'\\x88\\xb5'",
            "frame += b'\\x00' * (60 - len(frame))",
            "s.sendto(header + frame, ('192.0.2.1', " + vxlanPort + "))");
        namespaces.exec(linuxHost, "python3", "-c", stranger).assertOk();
        waitFor(() -> overlay.counters().drops(DropReason.VXLAN_NOT_A_PEER), notPeerBefore + 1, "non-member counted");
        assertTrue(strangerDump.waitFor(15, TimeUnit.SECONDS), "capture in the container ended");
        final String seen = Files.readString(strangerLog);
        assertTrue(seen.contains("0 packets captured"), "the stranger's frame did not reach the container:\n" + seen);
    }

    private interface Probe
    {
        long value() throws Exception;
    }

    private static void waitFor(final Probe value, final long atLeast, final String what) throws Exception
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (value.value() < atLeast)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError(what + ": " + value.value() + " < " + atLeast);
            }
            Thread.sleep(20);
        }
    }
}
