package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.IndependentChecksum;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.tap.LinuxCalls;
import io.lanyard.tap.UdpSocket;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.UdpCapture;
import io.lanyard.vxlan.VxlanSourcePort;
import org.agrona.BufferUtil;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transmit stage's VXLAN encapsulation, byte for byte and as the wire carries it: sockets on
 * a test namespace's loopback stand for this host and its peers, and a raw capture there sees
 * the outer headers (which the kernel writes, from the senders' ports).
 */
class OverlayTransmitTest
{
    private static final int OVERLAY = 5;
    private static final int VNI = 0x12_3456;
    private static final int PEER = 0x7F00_0001;
    private static final int PEER_2 = 0x7F00_0003;
    private static final int SELF = 0x7F00_0002;
    private static final int VXLAN_PORT = 4789;
    private static final long MAC_A = 0x0242_0A00_0902L;
    private static final int OUTER = 20 + 8 + 8;
    private static final int FIRST_INNER_PORT = 40_000;
    /** The inner frames, built once: one per source port from {@link #FIRST_INNER_PORT}. */
    private static final byte[][] INNER_UDP = new byte[256][];

    static
    {
        for (int i = 0; i < INNER_UDP.length; i++)
        {
            INNER_UDP[i] = FrameBuilder.udp(0x0A00_0902, FIRST_INNER_PORT + i, 0x0A00_0903, 53)
                .payload(StageFixture.FRAME_LENGTH - 14 - 20 - 8).ethernet(MAC_A, MAC_A + 1).slot().bytes();
        }
    }

    private final StageFixture fixture = new StageFixture(8);
    private final TransmitStage stage = new TransmitStage(fixture.ports, new OneToOneConcurrentArrayQueue<>(4), fixture.counters);
    private final FrameSlot slot = StageFixture.newSlot();
    private final UnsafeBuffer received = new UnsafeBuffer(BufferUtil.allocateDirectAligned(65_536, 64));
    private OverlayHosts hosts;
    private String netns;
    private UdpSocket peer;
    private UdpSocket self;

    @BeforeEach
    void sockets()
    {
        Privileges.requireNetAdmin("ip");
        hosts = new OverlayHosts("ot", null);
        netns = hosts.add("h");
        peer = bind(PEER, VXLAN_PORT);
        self = bind(SELF, 0);
        stage.overlaySocket(self, VXLAN_PORT);
        fixture.addPort(1, 0);
        fixture.addPort(6, 0);
        fixture.ports[OVERLAY] = Port.overlay(OVERLAY, 0, "overlay",
            new PortCounters(fixture.countersManager, OVERLAY, "overlay"), VNI);
    }

    @AfterEach
    void tearDown() throws Exception
    {
        if (hosts != null)
        {
            hosts.close();
        }
    }

    @Test
    void shouldEncapsulateInTheHeadroomAndLeaveTheSlotAsItWasForTheLocalPortsOfAFlood() throws Exception
    {
        final UdpSocket peer2 = bind(PEER_2, VXLAN_PORT);
        final UdpCapture capture = capture();
        StageFixture.frame(slot, 1, MacAddress.BROADCAST, MAC_A);
        slot.buffer().putLong(FrameSlot.DATA_OFFSET, 0x0102_0304_0506_0708L);
        slot.buffer().putShort(FrameSlot.DATA_OFFSET + 8, (short)0x090A);
        slot.buffer().putShort(FrameSlot.DATA_OFFSET, (short)0);  // no GSO, no NEEDS_CSUM: the rest is kept all the same
        final byte[] before = dataBytes();
        final byte[] inner = Arrays.copyOfRange(before, FrameSlot.VNET_HEADER_LENGTH, before.length);
        final int sourcePort = expectedSourcePort(StageFixture.FRAME_LENGTH);
        slot.verdict.flood(new int[] {1, OVERLAY, 6}).vteps(new int[] {PEER, PEER_2});

        stage.onEvent(slot, 0, true);

        for (final int vtep : new int[] {PEER, PEER_2})
        {
            final UdpCapture.Packet packet = capture.next(VXLAN_PORT, 2000);
            assertNotNull(packet, "a packet to each VTEP");
            assertEquals(vtep, packet.destination(), "the flood VTEPs in order");
            assertOuterHeaders(packet, VXLAN_PORT, StageFixture.FRAME_LENGTH);
            assertEquals(sourcePort, packet.udpSourcePort(), "the source port is the inner flow's");
            final byte[] payload = packet.payload();
            assertArrayEquals(new byte[] {0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0}, Arrays.copyOf(payload, 8), "I flag and VNI (RFC 7348)");
            assertArrayEquals(inner, Arrays.copyOfRange(payload, 8, payload.length));
        }
        for (final UdpSocket to : new UdpSocket[] {peer, peer2})
        {
            assertEquals(8 + StageFixture.FRAME_LENGTH, receive(to), "a UDP socket on the VXLAN port takes it");
            assertEquals(SELF, to.lastSourceAddress());
            assertEquals(sourcePort, to.lastSourcePort());
        }
        assertEquals(2, fixture.ports[OVERLAY].counters().txPackets());
        assertEquals(2L * StageFixture.FRAME_LENGTH, fixture.ports[OVERLAY].counters().txBytes.get());
        assertArrayEquals(before, dataBytes(), "the virtio header under the outer headers was put back");
        assertArrayEquals(before, fixture.sinks[6].frames.peek(), "a local port after the overlay got the frame intact");
    }

    @Test
    void shouldSendUnicastToTheSlotsOneVtep() throws InterruptedException
    {
        StageFixture.frame(slot, 1, MAC_A + 1, MAC_A);
        slot.verdict.port(OVERLAY).vtep(PEER);

        stage.onEvent(slot, 0, true);

        assertEquals(8 + StageFixture.FRAME_LENGTH, receive(peer));
        assertEquals(1, fixture.ports[OVERLAY].counters().txPackets());
    }

    @Test
    void shouldKeepEachInnerFlowOnOneSourcePortAndSpreadFlowsOverTheRange() throws Exception
    {
        final UdpCapture capture = capture();
        final int flows = 32;
        final int[] expected = new int[flows];
        final Set<Integer> distinct = new HashSet<>();
        for (int round = 0; round < 2; round++)
        {
            for (int flow = 0; flow < flows; flow++)
            {
                innerUdp(slot, FIRST_INNER_PORT + flow);
                expected[flow] = expectedSourcePort(StageFixture.FRAME_LENGTH);
                slot.verdict.port(OVERLAY).vtep(PEER);

                stage.onEvent(slot, round * flows + flow, true);

                final UdpCapture.Packet packet = capture.next(VXLAN_PORT, 2000);
                assertNotNull(packet, "flow " + flow + " round " + round);
                assertOuterHeaders(packet, VXLAN_PORT, StageFixture.FRAME_LENGTH);
                assertEquals(expected[flow], packet.udpSourcePort(), "flow " + flow + " keeps its port in round " + round);
                distinct.add(packet.udpSourcePort());
            }
        }
        assertTrue(distinct.size() >= flows / 3, "flows spread over the senders' ports: " + distinct);
    }

    @Test
    void shouldSendToTheConfiguredVxlanPort() throws Exception
    {
        final UdpSocket peer4790 = bind(PEER, 4790);
        final UdpCapture capture = capture();
        stage.overlaySocket(self, 4790);
        StageFixture.frame(slot, 1, MAC_A + 1, MAC_A);
        slot.verdict.port(OVERLAY).vtep(PEER);

        stage.onEvent(slot, 0, true);

        final UdpCapture.Packet packet = capture.next(4790, 2000);
        assertNotNull(packet, "sent to port 4790");
        assertOuterHeaders(packet, 4790, StageFixture.FRAME_LENGTH);
        assertEquals(8 + StageFixture.FRAME_LENGTH, receive(peer4790));
        assertEquals(-LinuxCalls.EAGAIN, peer.receive(received.addressOffset(), received.capacity()), "nothing went to 4789");
    }

    @Test
    void shouldCountAPacketTooBigForTheLinkAsATxErrorInsteadOfFragmentingIt() throws Exception
    {
        hosts.namespaces().exec(netns, "ip", "link", "set", "lo", "mtu", "1500").assertOk();
        final UdpCapture capture = capture();
        final int fits = 1500 - OUTER;
        for (final int frameLength : new int[] {fits, fits + 1})
        {
            StageFixture.frame(slot, 1, MAC_A + 1, MAC_A);
            slot.frame(1, FrameSlot.VNET_HEADER_LENGTH + frameLength);
            slot.verdict.port(OVERLAY).vtep(PEER);
            stage.onEvent(slot, 0, true);
        }

        final UdpCapture.Packet packet = capture.next(VXLAN_PORT, 2000);
        assertNotNull(packet);
        assertEquals(1500, packet.length());
        assertOuterHeaders(packet, VXLAN_PORT, fits);
        assertNull(capture.next(VXLAN_PORT, 200), "the packet one byte too big went nowhere, not even in fragments");
        assertEquals(1, fixture.ports[OVERLAY].counters().txPackets());
        assertEquals(1, fixture.ports[OVERLAY].counters().drops(DropReason.TX_ERROR));
    }

    @Test
    void shouldCutATcpSegmentationOffloadFrameIntoMssSizedDatagramsInOneSend() throws Exception
    {
        final int mss = 1398;
        final byte[] payload = new byte[10_000];
        new Random(7).nextBytes(payload);
        final byte[] bytes = FrameBuilder.tcp(0x0A00_0902, 40000, 0x0A00_0903, 5201, FrameBuilder.ACK | FrameBuilder.PSH)
            .sequenceNumbers(0xFFFF_F000L, 1).identification(0xFFFE).payload(payload).ethernet(MAC_A, MAC_A + 1)
            .gso(FrameBuilder.VIRTIO_GSO_TCPV4, mss).slot().bytes();
        StageFixture.fill(slot, 1, bytes);
        final byte[] before = dataBytes(bytes.length);
        slot.verdict.port(OVERLAY).vtep(PEER);

        stage.onEvent(slot, 0, true);

        final int segments = (payload.length + mss - 1) / mss;
        final int datagram = 8 + 14 + 20 + 20 + mss;
        // the peer's socket reads with UDP GRO: the train the one send made arrives whole, each datagram as it was cut
        final int train = receive(peer);
        assertEquals(segments * (8 + 14 + 20 + 20) + payload.length, train, "all segments in one read");
        assertEquals(datagram, peer.lastSegmentSize(), "each datagram a VXLAN header and an MSS-sized frame");
        final ByteArrayOutputStream carried = new ByteArrayOutputStream();
        for (int i = 0; i < segments; i++)
        {
            final int at = i * datagram;
            final int size = Math.min(mss, payload.length - i * mss);
            final int n = Math.min(datagram, train - at);
            assertEquals(8 + 14 + 20 + 20 + size, n, "segment " + i);
            assertEquals(0x0800_0000, received.getInt(at, BIG_ENDIAN), "I flag");
            assertEquals(VNI << 8, received.getInt(at + 4, BIG_ENDIAN));
            final byte[] inner = new byte[n - 8];
            received.getBytes(at + 8, inner);
            final UnsafeBuffer view = new UnsafeBuffer(inner);
            final int ip = 14;
            final int tcp = ip + 20;
            assertEquals(20 + 20 + size, view.getShort(ip + 2, BIG_ENDIAN) & 0xFFFF, "IPv4 total length of segment " + i);
            assertEquals((0xFFFE + i) & 0xFFFF, view.getShort(ip + 4, BIG_ENDIAN) & 0xFFFF, "IPv4 identification advances");
            assertTrue(IndependentChecksum.verifies(inner, ip, 20, 0), "IPv4 header checksum of segment " + i);
            assertEquals((0xFFFF_F000L + (long)i * mss) & 0xFFFF_FFFFL, view.getInt(tcp + 4, BIG_ENDIAN) & 0xFFFF_FFFFL, "sequence");
            final int flags = inner[tcp + 13] & 0xFF;
            assertEquals(i == segments - 1 ? FrameBuilder.ACK | FrameBuilder.PSH : FrameBuilder.ACK, flags, "PSH only on the last");
            final int pseudo = IndependentChecksum.pseudoHeaderSum(0x0A00_0902, 0x0A00_0903, FrameBuilder.TCP, 20 + size);
            assertTrue(IndependentChecksum.verifies(inner, tcp, 20 + size, pseudo), "a complete TCP checksum on segment " + i);
            carried.write(inner, tcp + 20, size);
        }
        assertArrayEquals(payload, carried.toByteArray(), "the payload, in order, without a byte lost or repeated");
        assertEquals(-LinuxCalls.EAGAIN, peer.receive(received.addressOffset(), received.capacity()), "nothing more");
        assertEquals(segments, fixture.ports[OVERLAY].counters().txPackets());
        assertArrayEquals(before, dataBytes(bytes.length), "the slot is left as it came, for local ports of a flood");
    }

    @Test
    void shouldFinishAPartialChecksumOnTheWireAndLeaveItPartialInTheSlot() throws Exception
    {
        final byte[] bytes = FrameBuilder.udp(0x0A00_0902, 40000, 0x0A00_0903, 53).payload(333).ethernet(MAC_A, MAC_A + 1)
            .partialChecksum().slot().bytes();
        StageFixture.fill(slot, 1, bytes);
        slot.verdict.port(OVERLAY).vtep(PEER);

        stage.onEvent(slot, 0, true);

        final int n = receive(peer);
        assertEquals(8 + bytes.length - FrameSlot.VNET_HEADER_LENGTH, n);
        final byte[] inner = new byte[n - 8];
        received.getBytes(8, inner);
        final int pseudo = IndependentChecksum.pseudoHeaderSum(0x0A00_0902, 0x0A00_0903, FrameBuilder.UDP, 8 + 333);
        assertTrue(IndependentChecksum.verifies(inner, 14 + 20, 8 + 333, pseudo), "the datagram carries a finished checksum");
        assertArrayEquals(bytes, dataBytes(bytes.length), "the slot keeps its partial checksum and virtio header");
    }

    @Test
    void shouldLeaveAPartialChecksumForAVtepThatFinishesItAndSaySoInTheVxlanHeader() throws Exception
    {
        final byte[] bytes = FrameBuilder.udp(0x0A00_0902, 40000, 0x0A00_0903, 53).payload(333).ethernet(MAC_A, MAC_A + 1)
            .partialChecksum().slot().bytes();
        StageFixture.fill(slot, 1, bytes);
        slot.verdict.port(OVERLAY).vtep(PEER).remoteChecksum(true);

        stage.onEvent(slot, 0, true);

        final int n = receive(peer);
        assertEquals(8 + bytes.length - FrameSlot.VNET_HEADER_LENGTH, n);
        assertEquals(0x0820_0000, received.getInt(0, BIG_ENDIAN), "I and C (remote checksum offload) flags");
        assertEquals(VNI << 8 | 0x80 | (14 + 20) / 2, received.getInt(4, BIG_ENDIAN), "VNI; UDP checksum from offset 34");
        final byte[] inner = new byte[n - 8];
        received.getBytes(8, inner);
        assertArrayEquals(Arrays.copyOfRange(bytes, FrameSlot.VNET_HEADER_LENGTH, bytes.length), inner, "the frame as it came, still partial");
    }

    @Test
    void shouldCutATcpSegmentationOffloadFrameWithPartialChecksumsForAVtepThatFinishesThem() throws Exception
    {
        final int mss = 1398;
        final byte[] payload = new byte[5_000];
        new Random(9).nextBytes(payload);
        final byte[] bytes = FrameBuilder.tcp(0x0A00_0902, 40000, 0x0A00_0903, 5201, FrameBuilder.ACK)
            .sequenceNumbers(7, 1).payload(payload).ethernet(MAC_A, MAC_A + 1).gso(FrameBuilder.VIRTIO_GSO_TCPV4, mss).slot().bytes();
        StageFixture.fill(slot, 1, bytes);
        slot.verdict.port(OVERLAY).vtep(PEER).remoteChecksum(true);

        stage.onEvent(slot, 0, true);

        final int train = receive(peer);
        final int datagram = 8 + 14 + 20 + 20 + mss;
        assertEquals(datagram, peer.lastSegmentSize());
        final int segments = (payload.length + mss - 1) / mss;
        for (int i = 0; i < segments; i++)
        {
            final int at = i * datagram;
            final int size = Math.min(mss, payload.length - i * mss);
            assertEquals(0x0820_0000, received.getInt(at, BIG_ENDIAN), "I and C flags on segment " + i);
            assertEquals(VNI << 8 | (14 + 20) / 2, received.getInt(at + 4, BIG_ENDIAN), "VNI; TCP checksum from offset 34");
            assertEquals(IndependentChecksum.pseudoHeaderSum(0x0A00_0902, 0x0A00_0903, FrameBuilder.TCP, 20 + size),
                received.getShort(at + 8 + 14 + 20 + 16, BIG_ENDIAN) & 0xFFFF, "partial TCP checksum on segment " + i);
        }
        assertEquals(segments * (8 + 14 + 20 + 20) + payload.length, train);
    }

    @Test
    void shouldDropAFrameAskingForAnOffloadItCannotDo()
    {
        StageFixture.frame(slot, 1, MAC_A + 1, MAC_A);
        slot.buffer().putByte(FrameSlot.DATA_OFFSET + 1, (byte)3); // GSO_UDP (UFO): never offered to TAPs
        slot.verdict.port(OVERLAY).vtep(PEER);

        stage.onEvent(slot, 0, true);

        assertEquals(1, fixture.ports[OVERLAY].counters().drops(DropReason.VXLAN_OFFLOAD));
        assertEquals(0, fixture.ports[OVERLAY].counters().txPackets());
        assertEquals(-LinuxCalls.EAGAIN, peer.receive(received.addressOffset(), received.capacity()), "nothing was sent");
    }

    @Test
    void shouldWriteTheVxlanHeaderInTheSlotsHeadroom()
    {
        assertEquals(FrameSlot.FRAME_OFFSET - 8, OverlaySender.VXLAN_OFFSET);
        assertTrue(OverlaySender.VXLAN_OFFSET >= FrameSlot.DATA_OFFSET, "it overlaps only the virtio header's place");
    }

    @Test
    void shouldEncapsulateWithoutAllocating()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        bind(PEER_2, VXLAN_PORT);
        final int[] vteps = {PEER, PEER_2};
        final int[] floodPorts = {1, OVERLAY};
        // warmed up until compiled: a deoptimisation while measuring reallocates what compiled code had elided
        encapsulate(100_000, floodPorts, vteps);
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        encapsulate(20_000, floodPorts, vteps);
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

        final PortCounters counters = fixture.ports[OVERLAY].counters();
        assertEquals(180_000, counters.txPackets() + counters.drops(DropReason.TX_ERROR));
        assertTrue(counters.txPackets() > 150_000, "sent: " + counters.txPackets());
        assertTrue(allocated < 1024, "bytes allocated encapsulating 20 000 frames, half of them flooded to two VTEPs: " + allocated);
    }

    /** Half unicast, half flooded (the ingress port among the flood ports, so only the overlay port sends). */
    private void encapsulate(final int frames, final int[] floodPorts, final int[] vteps)
    {
        for (int i = 0; i < frames; i++)
        {
            innerUdp(slot, FIRST_INNER_PORT + (i & 0xFF));
            if ((i & 1) == 0)
            {
                slot.verdict.port(OVERLAY).vtep(PEER);
            }
            else
            {
                slot.verdict.flood(floodPorts).vteps(vteps);
            }
            stage.onEvent(slot, i, true);
        }
    }

    private static void assertOuterHeaders(final UdpCapture.Packet packet, final int destinationPort, final int frameLength)
    {
        assertEquals(0x45, packet.u8(0), "IPv4 without options");
        assertEquals(OUTER + frameLength, packet.totalLength());
        assertEquals(0x4000, packet.flagsAndFragmentOffset(), "DF set, not a fragment");
        assertEquals(64, packet.ttl());
        assertEquals(17, packet.protocol());
        assertTrue(packet.isHeaderChecksumCorrect(), "the kernel filled in the header checksum");
        assertEquals(SELF, packet.source());
        final int sourcePort = packet.udpSourcePort();
        assertTrue(sourcePort >= 49_152 && sourcePort <= 65_535, "source port in the dynamic range: " + sourcePort);
        assertEquals(destinationPort, packet.udpDestinationPort());
        assertEquals(8 + 8 + frameLength, packet.udpLength());
    }

    /** The source port the frame in the slot leaves from: the port of the sender its inner flow's hash picks. */
    private int expectedSourcePort(final int frameLength)
    {
        final int hash = VxlanSourcePort.of(slot.buffer(), FrameSlot.FRAME_OFFSET, frameLength) - VxlanSourcePort.MIN_PORT;
        return self.senders().port(hash % self.senders().count());
    }

    /** A minimum-size IPv4/UDP frame from MAC_A to port 53, so the inner flow has ports to hash; allocation-free. */
    private static void innerUdp(final FrameSlot slot, final int sourcePort)
    {
        StageFixture.fill(slot, 1, INNER_UDP[sourcePort - FIRST_INNER_PORT]);
    }

    private UdpSocket bind(final int address, final int port)
    {
        return hosts.bind(netns, address, port);
    }

    private UdpCapture capture()
    {
        return hosts.capture(netns);
    }

    private int receive(final UdpSocket socket) throws InterruptedException
    {
        for (int i = 0; i < 500; i++)
        {
            final int n = socket.receive(received.addressOffset(), received.capacity());
            if (n != -LinuxCalls.EAGAIN)
            {
                return n;
            }
            Thread.sleep(2);
        }
        return 0;
    }

    /** The virtio header and the frame, as a local port would be given them. */
    private byte[] dataBytes()
    {
        return dataBytes(FrameSlot.VNET_HEADER_LENGTH + StageFixture.FRAME_LENGTH);
    }

    private byte[] dataBytes(final int length)
    {
        final byte[] bytes = new byte[length];
        slot.buffer().getBytes(FrameSlot.DATA_OFFSET, bytes);
        return bytes;
    }
}
