package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.l3.Router;
import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.nat.ConntrackTimeouts;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.GoldenPackets;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.BufferUtil;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A forwarding stage as a host with a few sandboxes has it, for the fuzz tests: tables made
 * afresh by {@link #reset} (so a try does not depend on the ones before it), in which each
 * sandbox has announced itself (a gratuitous ARP), ports and their counters made once. It checks what must hold of every decision ({@link #decideAndCheck}).
 *
 * <pre>
 * domain RED     172.17.0.0/16, gateway .1, ICC on, masqueraded out of the uplink:
 *                ports 1 (MAC_2, 172.17.0.2) and 2 (MAC_3, .3) secured, 3 learning at most 2 MACs, 4 the host's side
 *                published: TCP 8080 → 172.17.0.2:80, UDP 5353 → 172.17.0.3:53
 * domain BLUE    10.9.0.0/24, gateway .1, ICC off, internal: ports 5 (.2) and 6 (.3) secured
 * domain OVERLAY VNI 4096, no gateway: port 7 (10.0.9.2) secured, port 8 the overlay port;
 *                peers HOST_B and HOST_C, static peer STATIC_PEER, MAC_REMOTE (10.0.9.3) behind HOST_B
 * port 9         the uplink, 192.168.100.2/24, gateway 192.168.100.1 (its MAC known)
 * port 10        a port with counters that the switch does not know (detached while its frames were in the ring)
 * </pre>
 */
final class FuzzedSwitch
{
    static final int RED = 0;
    static final int BLUE = 1;
    static final int OVERLAY = 2;
    static final int MAX_PORTS = 12;
    static final int UPLINK = 9;
    static final int OVERLAY_PORT = 8;
    static final int DETACHED = 10;
    static final int VNI = 4096;

    static final long SECOND = 1_000_000_000L;
    static final long T0 = 50_000 * SECOND;

    static final int RED_GATEWAY = 0xAC11_0001;
    static final long RED_GATEWAY_MAC = MacAddress.fromIpv4(RED_GATEWAY);
    static final long MAC_VM = 0x0242_AC11_0010L;
    static final int BLUE_GATEWAY = 0x0A09_0001;
    static final long BLUE_GATEWAY_MAC = MacAddress.fromIpv4(BLUE_GATEWAY);
    static final int BLUE_A = 0x0A09_0002;
    static final int BLUE_B = 0x0A09_0003;
    static final long MAC_BLUE_A = MacAddress.fromIpv4(BLUE_A);
    static final long MAC_BLUE_B = MacAddress.fromIpv4(BLUE_B);
    static final int OVERLAY_LOCAL = 0x0A00_0902;
    static final int OVERLAY_REMOTE = 0x0A00_0903;
    static final long MAC_OVERLAY_LOCAL = 0x0242_0A00_0902L;
    static final long MAC_OVERLAY_REMOTE = 0x0242_0A00_0903L;
    static final int HOST_B = 0xC000_0202;
    static final int HOST_C = 0xC000_0203;
    static final int STATIC_PEER = 0xC000_0264;
    static final int STRANGER = 0xC000_0209;
    static final int UPLINK_ADDRESS = 0xC0A8_6402;
    static final int UPLINK_GATEWAY = 0xC0A8_6401;
    static final int UPLINK_NEIGHBOUR = 0xC0A8_6407;
    static final long UPLINK_MAC = 0x0242_C0A8_6402L;
    static final long UPLINK_GATEWAY_MAC = 0x0242_C0A8_6401L;
    static final int OUTSIDE = 0x0808_0808;
    static final int CLIENT_OUTSIDE = 0xCB00_7105;

    /** Every MAC the switch knows of, and a few no station has, for mutations to pick from. */
    static final long[] MACS = {GoldenPackets.MAC_2, GoldenPackets.MAC_3, MAC_VM, RED_GATEWAY_MAC, MAC_BLUE_A, MAC_BLUE_B,
        BLUE_GATEWAY_MAC, MAC_OVERLAY_LOCAL, MAC_OVERLAY_REMOTE, UPLINK_MAC, UPLINK_GATEWAY_MAC, MacAddress.BROADCAST,
        0x0100_5E00_0001L, 0x3333_0000_0001L, 0L, 0x0242_0A00_09FFL};
    /** Every IPv4 address the switch knows of, and a few special ones. */
    static final int[] ADDRESSES = {GoldenPackets.HOST_2, GoldenPackets.HOST_3, RED_GATEWAY, BLUE_A, BLUE_B, BLUE_GATEWAY,
        OVERLAY_LOCAL, OVERLAY_REMOTE, UPLINK_ADDRESS, UPLINK_GATEWAY, UPLINK_NEIGHBOUR, OUTSIDE, CLIENT_OUTSIDE, 0, -1,
        0xE000_0001, 0x7F00_0001, 0xAC11_FFFF};

    private static final List<Announcement> ANNOUNCEMENTS = List.of(new Announcement(1, GoldenPackets.MAC_2, GoldenPackets.HOST_2),
        new Announcement(2, GoldenPackets.MAC_3, GoldenPackets.HOST_3), new Announcement(5, MAC_BLUE_A, BLUE_A),
        new Announcement(6, MAC_BLUE_B, BLUE_B), new Announcement(7, MAC_OVERLAY_LOCAL, OVERLAY_LOCAL));

    /** An egress no decision writes: a slot that still has it after {@link ForwardingStage#decide} got no verdict. */
    private static final int NO_VERDICT = 0x7EAD_BEEF;

    final long[] clock = {T0};
    final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(1024 * CountersReader.METADATA_LENGTH, 64)),
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(1024 * CountersReader.COUNTER_LENGTH, 64)),
        StandardCharsets.US_ASCII);
    final DataplaneCounters counters = new DataplaneCounters(countersManager);
    final Port[] ports = new Port[MAX_PORTS];
    private final CheckingSink sink = new CheckingSink();
    private final FrameSlot scratch = newSlot();
    /** Verdicts given since this switch was made, by kind (port, flood, reply, consumed) and by drop reason. */
    private final Map<String, Long> verdicts = new TreeMap<>();
    private ForwardingStage stage;
    private TransmitStage transmit;
    private long sequence;

    FuzzedSwitch()
    {
        for (int id = 1; id < MAX_PORTS - 1; id++)
        {
            final int domain = id <= 4 ? RED : id <= 6 ? BLUE : OVERLAY;
            final String label = "port" + id;
            final PortCounters portCounters = new PortCounters(countersManager, id, label);
            ports[id] = id == OVERLAY_PORT ? Port.overlay(id, domain, label, portCounters, VNI) : new Port(id, domain, label, sink, portCounters);
        }
        reset();
    }

    /** New, empty tables programmed as above, and the clock back at its start. */
    void reset()
    {
        clock[0] = T0;
        final MacTable macTable = new MacTable(64, 300 * SECOND, T0);
        final Router router = new Router(4, new ConnectionTable(64, ConntrackTimeouts.defaults()));
        final OneToOneConcurrentArrayQueue<Fence> fences = new OneToOneConcurrentArrayQueue<>(16);
        stage = new ForwardingStage(new GatewaySwitch(new LearningSwitch(MAX_PORTS, 4, macTable), router), ports,
            new ManyToOneConcurrentArrayQueue<>(16), fences, () -> clock[0], counters);
        transmit = new TransmitStage(ports, fences, counters);

        stage.onConfigureDomain(RED, RED_GATEWAY, RED_GATEWAY_MAC, true);
        stage.onConfigureRouting(RED, 0xAC11_0000, 16, RED_GATEWAY, RED_GATEWAY_MAC, true, true);
        stage.onAttach(1, RED, false, PortGuard.secured(GoldenPackets.MAC_2, GoldenPackets.HOST_2));
        stage.onAttach(2, RED, false, PortGuard.secured(GoldenPackets.MAC_3, GoldenPackets.HOST_3));
        stage.onAttach(3, RED, false, PortGuard.relaxed(0x0242_AC11_0063L, 2));
        stage.onAttach(4, RED, true);
        stage.onPublish(Ipv4Header.PROTOCOL_TCP, 8080, RED, GoldenPackets.HOST_2, 80, GoldenPackets.MAC_2);
        stage.onPublish(Ipv4Header.PROTOCOL_UDP, 5353, RED, GoldenPackets.HOST_3, 53, GoldenPackets.MAC_3);

        stage.onConfigureDomain(BLUE, BLUE_GATEWAY, BLUE_GATEWAY_MAC, false);
        stage.onConfigureRouting(BLUE, 0x0A09_0000, 24, BLUE_GATEWAY, BLUE_GATEWAY_MAC, true, false);
        stage.onAttach(5, BLUE, false, PortGuard.secured(MAC_BLUE_A, BLUE_A));
        stage.onAttach(6, BLUE, false, PortGuard.secured(MAC_BLUE_B, BLUE_B));

        stage.onConfigureDomain(OVERLAY, 0, -1L, true);
        stage.onAttach(7, OVERLAY, false, PortGuard.secured(MAC_OVERLAY_LOCAL, OVERLAY_LOCAL));
        stage.onAttach(OVERLAY_PORT, OVERLAY, false);
        stage.onAddOverlay(OVERLAY, OVERLAY_PORT);
        stage.onSetOverlayPeers(OVERLAY, new int[] {HOST_B, HOST_C});
        stage.onSetOverlayStaticPeers(OVERLAY, new int[] {STATIC_PEER});
        stage.onAddOverlayEndpoint(OVERLAY, MAC_OVERLAY_REMOTE, OVERLAY_REMOTE, HOST_B);

        stage.onAttachUplink(UPLINK, UPLINK_MAC, UPLINK_ADDRESS, 24, UPLINK_GATEWAY);
        stage.onNeighbour(UPLINK_GATEWAY, UPLINK_GATEWAY_MAC);

        // each sandbox announces itself, as a container's stack does when its interface comes up
        for (final Announcement announcement : ANNOUNCEMENTS)
        {
            scratch.buffer().putBytes(FrameSlot.DATA_OFFSET, announcement.data());
            scratch.frame(announcement.port(), announcement.data().length);
            stage.decide(scratch);
        }
    }

    /** A gratuitous ARP request from a sandbox's port, as the port reads it. */
    private record Announcement(int port, byte[] data)
    {
        Announcement(final int port, final long mac, final int address)
        {
            this(port, FrameBuilder.arp(mac, MacAddress.BROADCAST, 1, mac, address, 0, address).bytes());
        }
    }

    /**
     * Decides the slot's frame as the forwarding stage does once per frame, after moving the clock
     * on by {@code advanceMillis}, then transmits it, and checks what must hold whatever the frame:
     * nothing thrown, exactly one verdict of a kind the transmit stage knows, every drop with a
     * reason and counted once against the ingress port (or the dataplane), a frame that fits its
     * slot, and nothing sent but from the slot.
     */
    void decideAndCheck(final FrameSlot slot, final long advanceMillis, final boolean endOfBatch)
    {
        clock[0] += advanceMillis * 1_000_000L;
        final long dropsBefore = drops();
        final int dataLength = slot.dataLength();
        slot.verdict.port(NO_VERDICT);
        stage.onBatchStart(1, 0);
        stage.onEvent(slot, sequence, endOfBatch);
        final Verdict verdict = slot.verdict();
        final int egress = verdict.egress();
        assertNotEquals(NO_VERDICT, egress, "a verdict for every frame");
        assertTrue(egress >= Verdict.CONSUMED, "a verdict of a known kind: " + egress);
        if (egress >= 0)
        {
            assertNotNull(egress < ports.length ? ports[egress] : null, "a port verdict names a port: " + egress);
            if (ports[egress].isOverlay())
            {
                assertTrue(verdict.vtep() != 0 || verdict.vteps().length > 0, "a frame for the overlay goes to a VTEP");
            }
        }
        else if (egress == Verdict.FLOOD)
        {
            for (final int port : verdict.floodPorts())
            {
                assertNotNull(ports[port], "a flood names ports: " + Arrays.toString(verdict.floodPorts()));
            }
        }
        else if (egress == Verdict.DROP)
        {
            assertNotEquals(Verdict.NO_DROP, verdict.dropReason(), "a drop has a reason");
        }
        final int reason = verdict.dropReason();
        assertEquals(reason == Verdict.NO_DROP ? 0 : 1, drops() - dropsBefore,
            "each drop counted once: " + (reason == Verdict.NO_DROP ? "none" : DropReason.of(reason).label()));
        if (verdict.rewrittenLength() == Verdict.NOT_REWRITTEN)
        {
            assertEquals(dataLength, slot.dataLength(), "a frame not rewritten keeps its length");
        }
        else
        {
            assertTrue(slot.dataLength() >= FrameSlot.VNET_HEADER_LENGTH && slot.dataLength() <= FrameSlot.DATA_CAPACITY,
                "a rewritten frame fits its slot: " + slot.dataLength());
        }
        verdicts.merge(reason != Verdict.NO_DROP ? DropReason.of(reason).label() : egress >= 0 ? "port" : egress == Verdict.FLOOD ? "flood" :
            egress == Verdict.REPLY ? "reply" : "consumed", 1L, Long::sum);
        sink.expect(slot);
        transmit.onEvent(slot, sequence, endOfBatch);
        sequence++;
    }

    /** What the frames decided so far came to, to show what a fuzz run reached. */
    String verdictsGiven()
    {
        return verdicts.toString();
    }

    /** Every drop the forwarding stage can count: each port's, by reason, and the dataplane's. */
    long drops()
    {
        long sum = counters.noIngressPort.get();
        for (final Port port : ports)
        {
            if (port != null)
            {
                for (final DropReason reason : DropReason.values())
                {
                    if (reason != DropReason.TX_ERROR)
                    {
                        sum += port.counters().drops(reason);
                    }
                }
            }
        }
        return sum;
    }

    /** A slot of the ring's size, with its headroom, off the heap. */
    static FrameSlot newSlot()
    {
        return new FrameSlot(new UnsafeBuffer(BufferUtil.allocateDirectAligned(FrameSlot.SIZE, 64)));
    }

    /** A port's device: takes only what lies in the slot being transmitted, and keeps nothing. */
    private static final class CheckingSink implements FrameSink
    {
        private long start;
        private long end;

        void expect(final FrameSlot slot)
        {
            start = slot.dataAddress();
            end = start + FrameSlot.DATA_CAPACITY;
        }

        @Override
        public int write(final long address, final int length)
        {
            assertEquals(start, address, "written from the slot's data");
            assertTrue(length >= FrameSlot.VNET_HEADER_LENGTH && address + length <= end, "a write within the slot: " + length);
            return length;
        }

        @Override
        public void flush()
        {
        }
    }
}
