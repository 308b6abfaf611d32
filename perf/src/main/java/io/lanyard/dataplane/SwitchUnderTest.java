package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.wire.ArpPacket;
import org.agrona.BufferUtil;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A forwarding stage sized and clocked as {@link Dataplane} builds it (production table sizes,
 * the system nano clock), over a ring's worth of slots carved from one direct arena, but with no
 * ring, threads or devices: the benchmark thread plays the Disruptor and calls the stage itself.
 * Ports are attached to one domain configured like the default bridge (gateway 172.17.0.1 answered
 * in place, ICC on), as the attach and configure commands do it.
 *
 * <p>Its frames are minimum-size frames written into the slots the way a TAP read leaves them: a
 * zero virtio_net_hdr, then a 60-byte Ethernet frame (the 64-byte minimum on the wire less its
 * FCS, which a TAP never carries) holding an IPv4/UDP datagram or an ARP request between
 * Docker-style stations on the default bridge ({@code 172.17.0.x}, MAC {@code 02:42} + the
 * address), built by the test kit's {@link FrameBuilder}.
 */
final class SwitchUnderTest
{
    static final int DOMAIN = 0;
    static final int GATEWAY_ADDRESS = 0xAC11_0001; // 172.17.0.1
    /** The minimum Ethernet frame without its 4-byte FCS. */
    static final int FRAME_LENGTH = 60;
    static final int DATA_LENGTH = FrameSlot.VNET_HEADER_LENGTH + FRAME_LENGTH;
    private static final int FIRST_ADDRESS = 0xAC11_0002; // 172.17.0.2
    /** A UDP datagram from 40000 to 5201 (iperf3's port), no checksum, filling the minimum frame. */
    private static final int SOURCE_PORT = 40000;
    private static final int DESTINATION_PORT = 5201;
    private static final int UDP_PAYLOAD_LENGTH = FRAME_LENGTH - 14 - 20 - 8;
    private static final int MAX_COUNTERS = 1024;

    /** Kept reachable: every slot is a view into it. */
    private final ByteBuffer arena;
    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_COUNTERS * CountersReader.METADATA_LENGTH, 64)),
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_COUNTERS * CountersReader.COUNTER_LENGTH, 64)),
        StandardCharsets.US_ASCII);
    final DataplaneCounters counters = new DataplaneCounters(countersManager);
    final Port[] ports = new Port[DataplaneConfig.DEFAULT_MAX_PORTS];
    final LearningSwitch learningSwitch;
    final GatewaySwitch gatewaySwitch;
    final ForwardingStage stage;
    final FrameSlot[] slots;

    /** @param ringSize slots (a power of two), as {@code --ring-size}. */
    SwitchUnderTest(final int ringSize, final int portCount)
    {
        final SystemNanoClock clock = SystemNanoClock.INSTANCE;
        learningSwitch = new LearningSwitch(DataplaneConfig.DEFAULT_MAX_PORTS, DataplaneConfig.DEFAULT_MAX_DOMAINS,
            new MacTable(MacTable.DEFAULT_CAPACITY, MacTable.DEFAULT_AGING_NANOS, clock.nanoTime()));
        gatewaySwitch = new GatewaySwitch(learningSwitch);
        stage = new ForwardingStage(gatewaySwitch, ports, new ManyToOneConcurrentArrayQueue<>(1024),
            new OneToOneConcurrentArrayQueue<>(1024), clock, counters);

        for (int id = 0; id < portCount; id++)
        {
            ports[id] = new Port(id, DOMAIN, "port" + id, (address, length) -> length,
                new PortCounters(countersManager, id, "port" + id));
            learningSwitch.attach(id, DOMAIN);
        }
        gatewaySwitch.configureDomain(DOMAIN, GATEWAY_ADDRESS, MacAddress.fromIpv4(GATEWAY_ADDRESS), true);

        arena = BufferUtil.allocateDirectAligned(ringSize * FrameSlot.SIZE, 4096);
        slots = new FrameSlot[ringSize];
        for (int i = 0; i < ringSize; i++)
        {
            slots[i] = new FrameSlot(new UnsafeBuffer(arena, i * FrameSlot.SIZE, FrameSlot.SIZE));
        }
    }

    /** The IPv4 address of station {@code host} (0, 1, ...): 172.17.0.2 onwards. */
    static int address(final int host)
    {
        return FIRST_ADDRESS + host;
    }

    static long mac(final int host)
    {
        return MacAddress.fromIpv4(address(host));
    }

    /** Fills {@code slot} with a UDP datagram from station {@code source} to {@code destination}, read from {@code ingressPort}. */
    static void udp(final FrameSlot slot, final int ingressPort, final int source, final int destination)
    {
        fill(slot, ingressPort, FrameBuilder.udp(address(source), SOURCE_PORT, address(destination), DESTINATION_PORT)
            .identification(0)
            .flagsAndFragmentOffset(0)
            .withoutUdpChecksum()
            .payload(new byte[UDP_PAYLOAD_LENGTH])
            .ethernet(mac(source), mac(destination))
            .slot());
    }

    /** Fills {@code slot} with an ARP request (a broadcast) from station {@code source} asking for station {@code target}. */
    static void arpRequest(final FrameSlot slot, final int ingressPort, final int source, final int target)
    {
        fill(slot, ingressPort, FrameBuilder.arp(mac(source), MacAddress.BROADCAST, ArpPacket.OPERATION_REQUEST,
            mac(source), address(source), 0, address(target)));
    }

    /** The built frame as a port read leaves it in a slot, zero-padded to the minimum frame. */
    private static void fill(final FrameSlot slot, final int ingressPort, final Slot frame)
    {
        final UnsafeBuffer buffer = slot.buffer();
        buffer.setMemory(FrameSlot.DATA_OFFSET, DATA_LENGTH, (byte)0);
        buffer.putBytes(FrameSlot.DATA_OFFSET, frame.bytes());
        slot.frame(ingressPort, DATA_LENGTH);
    }

    /** Runs every slot through the stage once, as one batch per slot, so the sources are learned. */
    void learnAll()
    {
        for (final FrameSlot slot : slots)
        {
            stage.onBatchStart(1, 0);
            stage.decide(slot);
        }
    }

    /** Drops counted anywhere so far: a benchmark whose frames are dropped measures the wrong path. */
    long drops()
    {
        final long[] total = {0};
        final CountersReader reader = countersManager;
        reader.forEach((counterId, typeId, key, label) ->
        {
            final boolean portDrop = typeId >= PortCounters.TYPE_DROP_BASE && typeId < PortCounters.TYPE_DROP_BASE + DropReason.count();
            if (portDrop || typeId == DataplaneCounters.TYPE_DROP_NO_INGRESS_PORT)
            {
                total[0] += reader.getCounterValue(counterId);
            }
        });
        return total[0];
    }
}
