package io.lanyard.dataplane;

import io.lanyard.dataplane.OverlayHosts.LanyardHost;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.UdpSocket;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import io.lanyard.testkit.UdpCapture;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two hosts (namespaces joined by a veth on 192.0.2.0/24), one dataplane each, one container
 * each on overlay network 1 (VNI 4096): the containers talk across the underlay in VXLAN.
 */
class OverlayTest
{
    private static final int DOMAIN = OverlayHosts.DOMAIN;
    private static final long ALLOWANCE_BYTES = 64 * 1024;
    private static final int VNI = OverlayHosts.VNI;
    private static final int VXLAN_PORT = 4789;
    private static final int HOST_1 = OverlayHosts.HOST_1;
    private static final int HOST_2 = OverlayHosts.HOST_2;
    private static final int STRANGER = 0xC000_0209;
    private static final long MAC_1 = 0x0242_0A00_0902L;
    private static final long MAC_2 = 0x0242_0A00_0903L;
    private static final int IP_1 = 0x0A00_0902;
    private static final int IP_2 = 0x0A00_0903;

    @TempDir
    Path tmp;

    private OverlayHosts overlayHosts;
    private Namespaces namespaces;

    @AfterEach
    void tearDown() throws Exception
    {
        if (overlayHosts != null)
        {
            overlayHosts.close();
        }
    }

    @Test
    void shouldCarryPingAndTcpBetweenContainersOfTwoHostsInVxlanAndDropStrangers() throws Exception
    {
        Privileges.requireNetAdmin("ip", "ping", "iperf3");
        final LanyardHost[] hosts = twoHosts(VXLAN_PORT);
        final LanyardHost one = hosts[0];
        final LanyardHost two = hosts[1];
        final String host1 = namespaces.prefix() + "h1";
        final UdpCapture atHost2 = captureAt(namespaces.prefix() + "h2");

        final Path capture = tmp.resolve("underlay.pcap");
        final boolean tcpdump = Privileges.onPath("tcpdump");
        Process dump = null;
        if (tcpdump)
        {
            dump = namespaces.spawn(host1, null, "tcpdump", "-i", "v1", "-n", "-U", "-w", capture.toString(), "udp");
            waitFor(() -> Files.exists(capture) ? 1 : 0, 1, "tcpdump started");
            Thread.sleep(300);
        }

        namespaces.exec(one.container(), "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.9.3").assertOk();
        assertTrue(one.overlay().counters().txPackets() >= 3, "echo requests left host 1 in VXLAN");
        assertTrue(two.overlay().counters().rxPackets() >= 3, "and entered host 2's overlay port");
        assertTrue(one.overlay().counters().rxPackets() >= 3, "the replies came back");
        assertEquals(0, one.overlay().counters().drops(DropReason.VXLAN_OFFLOAD));
        final List<UdpCapture.Packet> pings = outerPackets(atHost2, VXLAN_PORT);
        final Set<Integer> echoRequestPorts = new HashSet<>();
        for (final UdpCapture.Packet packet : pings)
        {
            if (innerIpProtocol(packet) == 1)
            {
                echoRequestPorts.add(packet.udpSourcePort());
            }
        }
        assertTrue(pings.size() >= 3, "echo requests seen at host 2: " + pings.size());
        assertEquals(1, echoRequestPorts.size(), "every echo request of the one ping flow left from one source port: " + echoRequestPorts);

        namespaces.spawn(two.container(), tmp.resolve("iperf3-server.log"), "iperf3", "-s", "-1");
        Shell.Result client = null;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            client = namespaces.exec(one.container(), "iperf3", "-c", "10.0.9.3", "-t", "2");
            if (client.status() == 0)
            {
                break;
            }
            Thread.sleep(200);
        }
        client.assertOk();
        assertTrue(client.output().contains("receiver"), client.output());
        // with a pool of source ports two flows may share one; what must hold is one port per flow
        final Map<String, Set<Integer>> portsByFlow = new HashMap<>();
        int rcoTcpSegments = 0;
        for (final UdpCapture.Packet packet : outerPackets(atHost2, VXLAN_PORT))
        {
            if (innerIpProtocol(packet) == 6)
            {
                portsByFlow.computeIfAbsent(innerTcpPorts(packet), flow -> new HashSet<>()).add(packet.udpSourcePort());
                final int vxlan = UdpCapture.IPV4_HEADER + 8;
                if (packet.u8(vxlan + 1) == 0x20 && packet.u8(vxlan + 7) == (14 + 20) / 2)
                {
                    rcoTcpSegments++;
                }
            }
        }
        assertFalse(portsByFlow.isEmpty(), "iperf3's TCP segments crossed in VXLAN");
        portsByFlow.forEach((flow, ports) -> assertEquals(1, ports.size(), "TCP flow " + flow + " left from one source port: " + ports));
        assertEquals(0, rcoTcpSegments, "TAPs without checksum offload send finished checksums: nothing to leave partial");

        // strangers: a VNI of no overlay here, a header without the I flag, a VTEP not among the peers
        final UdpSocket fromHost1 = overlayHosts.bind(host1, HOST_1, 0);
        final UdpSocket fromStranger = overlayHosts.bind(host1, STRANGER, 0);
        final DataplaneCounters counters = two.dataplane().dataplaneCounters();
        final long unknownBefore = counters.vxlanUnknownVni();
        final long badBefore = counters.vxlanBadHeader();
        final long notPeerBefore = two.overlay().counters().drops(DropReason.VXLAN_NOT_A_PEER);
        // the iperf3 connection's last segments may still be on their way: start from a quiet port
        long containerBefore = two.tap().counters().txPackets();
        for (int quiet = 0; quiet < 5; )
        {
            Thread.sleep(100);
            final long now = two.tap().counters().txPackets();
            quiet = now == containerBefore ? quiet + 1 : 0;
            containerBefore = now;
        }
        final long malformedBefore = two.overlay().counters().drops(DropReason.MALFORMED);
        send(fromHost1, 0x08, VNI + 1);
        send(fromHost1, 0x00, VNI);
        send(fromStranger, 0x08, VNI);
        // remote checksum offload pointing past the end of the 60-byte frame
        send(fromHost1, 0x0820_0000, VNI << 8 | 0x7F, 8 + 60);
        waitFor(counters::vxlanUnknownVni, unknownBefore + 1, "unknown VNI counted");
        waitFor(() -> two.overlay().counters().drops(DropReason.MALFORMED), malformedBefore + 1, "a checksum start past the frame");
        waitFor(counters::vxlanBadHeader, badBefore + 1, "header without the I flag counted");
        waitFor(() -> two.overlay().counters().drops(DropReason.VXLAN_NOT_A_PEER), notPeerBefore + 1, "non-member counted");
        assertEquals(containerBefore, two.tap().counters().txPackets(), "none of them reached the container");

        if (tcpdump)
        {
            dump.destroy();
            dump.waitFor();
            final String decoded = Shell.check("tcpdump", "-r", capture.toString(), "-n", "-e", "udp port 4789").output();
            assertTrue(decoded.contains("VXLAN") && decoded.contains("vni " + VNI), decoded);
            assertTrue(decoded.contains("ICMP echo request"), decoded);
            assertFalse(decoded.contains("ARP, Request who-has 10.0.9"), "proxy ARP answered locally:\n" + decoded);
        }
    }

    @Test
    void shouldNotAllocatePerFrameOnTheOverlayPath()
    {
        Privileges.requireNetAdmin("ip", "ping");
        final LanyardHost[] hosts = twoHosts(VXLAN_PORT);
        final String from = hosts[0].container();
        namespaces.exec(from, "ping", "-f", "-c", "3000", "-W", "1", "10.0.9.3").assertOk();  // warm up
        final long before = allocatedByPipelineThreads();
        final long framesBefore = hosts[1].overlay().counters().rxPackets();
        namespaces.exec(from, "ping", "-f", "-c", "5000", "-W", "1", "10.0.9.3").assertOk();
        final long frames = hosts[1].overlay().counters().rxPackets() - framesBefore;
        final long allocated = allocatedByPipelineThreads() - before;

        assertTrue(frames >= 5000, "frames decapsulated: " + frames);
        assertTrue(allocated < ALLOWANCE_BYTES, allocated + " bytes allocated by both hosts' packet paths for " + (frames * 4) +
            " frames (" + (double)allocated / (frames * 4) + " B/frame)");
    }

    @Test
    void shouldCarryPingOverAConfiguredVxlanPort() throws Exception
    {
        Privileges.requireNetAdmin("ip", "ping");
        final LanyardHost[] hosts = twoHosts(4790);
        final UdpCapture atHost2 = captureAt(namespaces.prefix() + "h2");

        namespaces.exec(hosts[0].container(), "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.9.3").assertOk();

        assertTrue(hosts[1].overlay().counters().rxPackets() >= 3, "echo requests entered host 2's overlay port");
        assertTrue(hosts[0].overlay().counters().rxPackets() >= 3, "the replies came back");
        assertTrue(outerPackets(atHost2, 4790).size() >= 3, "on UDP port 4790");
        assertTrue(outerPackets(atHost2, VXLAN_PORT).isEmpty(), "and none on 4789");
    }

    @Test
    void shouldRefuseAVxlanPortOutOfRange()
    {
        try (Dataplane dataplane = Dataplane.start(DataplaneConfig.defaults(tmp.resolve("counters"))))
        {
            // the port is checked before the socket is used
            assertThrows(IllegalArgumentException.class, () -> dataplane.overlays().attachSocket(null, 0));
            assertThrows(IllegalArgumentException.class, () -> dataplane.overlays().attachSocket(null, 65_536));
        }
    }

    /**
     * What host 1 sent to {@code port} that has reached host 2 so far, each checked to be outer
     * IPv4 with DF from host 1 and a source port in 49152–65535 (the UDP checksum is the kernel's,
     * left partial on a veth: not checked).
     */
    private static List<UdpCapture.Packet> outerPackets(final UdpCapture capture, final int port) throws InterruptedException
    {
        final List<UdpCapture.Packet> packets = new ArrayList<>();
        for (UdpCapture.Packet packet = capture.next(port, 300); packet != null; packet = capture.next(port, 300))
        {
            if (packet.source() != HOST_1)
            {
                continue;
            }
            assertEquals(0x4000, packet.flagsAndFragmentOffset() & 0x4000, "DF");
            assertEquals(HOST_2, packet.destination());
            assertTrue(packet.udpSourcePort() >= 49_152, "source port " + packet.udpSourcePort());
            assertEquals(packet.length(), packet.totalLength());
            packets.add(packet);
        }
        return packets;
    }

    /** The IPv4 protocol of the encapsulated frame, or -1 when it is not IPv4. */
    private static int innerIpProtocol(final UdpCapture.Packet packet)
    {
        final int inner = UdpCapture.IPV4_HEADER + 8 + 8;
        return packet.u16(inner + 12) == 0x0800 ? packet.u8(inner + 14 + 9) : -1;
    }

    /** The inner TCP segment's ports, as "source>destination". */
    private static String innerTcpPorts(final UdpCapture.Packet packet)
    {
        final int tcp = UdpCapture.IPV4_HEADER + 8 + 8 + 14 + 20;
        return packet.u16(tcp) + ">" + packet.u16(tcp + 2);
    }

    private UdpCapture captureAt(final String netns)
    {
        return overlayHosts.capture(netns);
    }

    /** Hosts h1 (192.0.2.1, also 192.0.2.9 for a stranger) and h2 (192.0.2.2), containers c1 and c2 programmed on each other. */
    private LanyardHost[] twoHosts(final int vxlanPort)
    {
        overlayHosts = new OverlayHosts("ov", tmp);
        namespaces = overlayHosts.namespaces();
        final String host1 = overlayHosts.add("h1");
        final String host2 = overlayHosts.add("h2");
        overlayHosts.underlay(host1, host2);
        IpRoute2.batch(host1, List.of("addr add 192.0.2.9/24 dev v1"));

        final LanyardHost one = overlayHosts.lanyardHost(host1, HOST_1, vxlanPort, "c1", "10.0.9.2", "02:42:0a:00:09:02");
        final LanyardHost two = overlayHosts.lanyardHost(host2, HOST_2, vxlanPort, "c2", "10.0.9.3", "02:42:0a:00:09:03");
        one.dataplane().overlays().setPeers(DOMAIN, new int[] {HOST_2});
        two.dataplane().overlays().setPeers(DOMAIN, new int[] {HOST_1});
        one.dataplane().overlays().addEndpoint(DOMAIN, MAC_2, IP_2, HOST_2);
        two.dataplane().overlays().addEndpoint(DOMAIN, MAC_1, IP_1, HOST_1);
        return new LanyardHost[] {one, two};
    }

    private static long allocatedByPipelineThreads()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        long total = 0;
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().startsWith("lanyard-io") || thread.getName().startsWith("lanyard-stages") ||
                thread.getName().startsWith("lanyard-forward") || thread.getName().startsWith("lanyard-transmit"))
            {
                total += threads.getThreadAllocatedBytes(thread.getId());
            }
        }
        return total;
    }

    /** A VXLAN datagram with {@code flags} and {@code vni} around a broadcast frame, to host 2. */
    private static void send(final UdpSocket socket, final int flags, final int vni)
    {
        send(socket, flags << 24, vni << 8, 8 + 60);
    }

    /** A VXLAN datagram of {@code length} bytes with these two header words around a broadcast frame, to host 2. */
    private static void send(final UdpSocket socket, final int firstWord, final int secondWord, final int length)
    {
        final ByteBuffer memory = BufferUtil.allocateDirectAligned(128, 64);
        final UnsafeBuffer datagram = new UnsafeBuffer(memory);
        datagram.putInt(0, firstWord, ByteOrder.BIG_ENDIAN);
        datagram.putInt(4, secondWord, ByteOrder.BIG_ENDIAN);
        datagram.setMemory(8, 6, (byte)0xFF);
        datagram.putInt(14, 0x0242_0A00, ByteOrder.BIG_ENDIAN);
        datagram.putShort(18, (short)0x0977, ByteOrder.BIG_ENDIAN);
        datagram.putShort(20, (short)0x88B5, ByteOrder.BIG_ENDIAN);
        assertEquals(length, socket.send(datagram.addressOffset(), length, HOST_2, 4789));
    }

    private static void waitFor(final LongSupplier value, final long atLeast, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (value.getAsLong() < atLeast)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError(what + ": " + value.getAsLong() + " < " + atLeast);
            }
            Thread.sleep(20);
        }
    }
}
