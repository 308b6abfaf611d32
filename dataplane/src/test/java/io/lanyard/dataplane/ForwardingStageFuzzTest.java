package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.testkit.Draw;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.FrameMutation;
import io.lanyard.forwarding.testkit.FuzzRun;
import io.lanyard.forwarding.testkit.GoldenPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static io.lanyard.dataplane.FuzzedSwitch.BLUE_A;
import static io.lanyard.dataplane.FuzzedSwitch.BLUE_B;
import static io.lanyard.dataplane.FuzzedSwitch.BLUE_GATEWAY_MAC;
import static io.lanyard.dataplane.FuzzedSwitch.CLIENT_OUTSIDE;
import static io.lanyard.dataplane.FuzzedSwitch.HOST_B;
import static io.lanyard.dataplane.FuzzedSwitch.HOST_C;
import static io.lanyard.dataplane.FuzzedSwitch.MAC_BLUE_A;
import static io.lanyard.dataplane.FuzzedSwitch.MAC_BLUE_B;
import static io.lanyard.dataplane.FuzzedSwitch.MAC_OVERLAY_LOCAL;
import static io.lanyard.dataplane.FuzzedSwitch.MAC_OVERLAY_REMOTE;
import static io.lanyard.dataplane.FuzzedSwitch.MAC_VM;
import static io.lanyard.dataplane.FuzzedSwitch.OUTSIDE;
import static io.lanyard.dataplane.FuzzedSwitch.OVERLAY_LOCAL;
import static io.lanyard.dataplane.FuzzedSwitch.OVERLAY_PORT;
import static io.lanyard.dataplane.FuzzedSwitch.OVERLAY_REMOTE;
import static io.lanyard.dataplane.FuzzedSwitch.RED_GATEWAY;
import static io.lanyard.dataplane.FuzzedSwitch.RED_GATEWAY_MAC;
import static io.lanyard.dataplane.FuzzedSwitch.STATIC_PEER;
import static io.lanyard.dataplane.FuzzedSwitch.STRANGER;
import static io.lanyard.dataplane.FuzzedSwitch.UPLINK;
import static io.lanyard.dataplane.FuzzedSwitch.UPLINK_ADDRESS;
import static io.lanyard.dataplane.FuzzedSwitch.UPLINK_GATEWAY;
import static io.lanyard.dataplane.FuzzedSwitch.UPLINK_GATEWAY_MAC;
import static io.lanyard.dataplane.FuzzedSwitch.UPLINK_MAC;
import static io.lanyard.dataplane.FuzzedSwitch.UPLINK_NEIGHBOUR;
import static io.lanyard.forwarding.testkit.GoldenPackets.HOST_2;
import static io.lanyard.forwarding.testkit.GoldenPackets.HOST_3;
import static io.lanyard.forwarding.testkit.GoldenPackets.MAC_2;
import static io.lanyard.forwarding.testkit.GoldenPackets.MAC_3;

/**
 * Fuzzes the forwarding stage's decision ({@link ForwardingStage#decide}, then the transmit stage)
 * on a {@link FuzzedSwitch}: runs of frames from its ports, each a golden frame of the traffic it
 * carries (sandboxes' ARP, ICMP, TCP and UDP, routed and NATed flows, published ports, the
 * overlay, offloaded segments) mangled by {@link FrameMutation}s, with its virtio header changed
 * or not, from its own port or another, or random bytes; the clock moves on between frames.
 * Whatever arrives, every frame gets one verdict, every drop has a reason and is counted once,
 * and nothing throws. {@code -Dlanyard.fuzz.tries=N} makes it a long run ({@link FuzzRun}).
 */
class ForwardingStageFuzzTest
{
    private static final long NEIGHBOUR_MAC = 0x0242_C0A8_6407L;
    private static final long HOST_SIDE_MAC = 0x0242_AC11_00FEL;
    private static final int[] VTEPS = {HOST_B, HOST_C, STATIC_PEER, STRANGER, 0};
    private static final int TSO_PAYLOAD = 20_000;
    private static final int MSS = 1448;
    /** How far past a frame the slot is filled with a pattern, so a try never reads what an earlier one left. */
    private static final int AFTER_FRAME = 4096;
    private static final List<Golden> GOLDEN = golden();

    private final FuzzedSwitch fuzzed = new FuzzedSwitch();
    private final FrameSlot slot = FuzzedSwitch.newSlot();
    private final byte[] pattern = new byte[AFTER_FRAME];

    /** A frame as a port reads it (virtio header, then the frame), the port it came from and when. */
    record Frame(String how, byte[] data, int ingress, int sourceVtep, long advanceMillis, boolean endOfBatch)
    {
        @Override
        public String toString()
        {
            final byte[] head = Arrays.copyOf(data, Math.min(data.length, 96));
            return how + " from port " + ingress + (sourceVtep == 0 ? "" : " (VTEP " + Integer.toHexString(sourceVtep) + ")") + ", +" +
                advanceMillis + " ms: " + data.length + " bytes " + HexFormat.of().formatHex(head) + (head.length < data.length ? "…" : "");
        }
    }

    /** A frame of the switch's traffic, from the port (and VTEP) that sends it. */
    private record Golden(String name, byte[] data, int ingress, int sourceVtep)
    {
    }

    ForwardingStageFuzzTest()
    {
        Arrays.fill(pattern, (byte)0xA5);
    }

    @Test
    void shouldGiveEveryFrameOneVerdictAndCountEveryDropOnce()
    {
        FuzzRun.forAll(300, ForwardingStageFuzzTest::runOfFrames, frames ->
        {
            fuzzed.reset();
            for (int i = 0; i < frames.size(); i++)
            {
                final Frame frame = frames.get(i);
                slot.buffer().putBytes(FrameSlot.DATA_OFFSET, frame.data());
                slot.buffer().putBytes(FrameSlot.DATA_OFFSET + frame.data().length, pattern);
                slot.overlayFrame(frame.ingress(), frame.data().length, frame.sourceVtep());
                fuzzed.decideAndCheck(slot, frame.advanceMillis(), frame.endOfBatch() || i == frames.size() - 1);
            }
            return frames.size();
        });
    }

    @AfterEach
    void showWhatTheFramesReached()
    {
        System.out.println("verdicts: " + fuzzed.verdictsGiven());
    }

    /** One to twelve frames, mostly mutated golden ones. */
    private static List<Frame> runOfFrames(final SplittableRandom random)
    {
        final List<Frame> frames = new ArrayList<>();
        for (int i = random.nextInt(1, 13); i > 0; i--)
        {
            frames.add(Draw.weighted(random, 9, 1) == 0 ? mutatedGolden(random) : randomBytes(random));
        }
        return frames;
    }

    /** A golden frame, mutated, its virtio header kept or not, mostly from its own port (and VTEP), else from any. */
    private static Frame mutatedGolden(final SplittableRandom random)
    {
        final Golden golden = Draw.one(random, GOLDEN);
        final List<FrameMutation> mutations = FrameMutation.upTo(random, 6);
        final byte[] header = new byte[Draw.weighted(random, 4, 1) == 0 ? 0 : FrameSlot.VNET_HEADER_LENGTH];
        random.nextBytes(header);
        final int from = Draw.weighted(random, 6, 1) == 0 ? 0 : random.nextInt(1, FuzzedSwitch.DETACHED + 1);
        final int via = Draw.weighted(random, 6, 1) == 0 ? -1 : Draw.one(random, VTEPS);

        final byte[] frame = FrameMutation.applyAll(mutations, Arrays.copyOfRange(golden.data(), FrameSlot.VNET_HEADER_LENGTH,
            golden.data().length), FuzzedSwitch.MACS, FuzzedSwitch.ADDRESSES);
        final byte[] data = new byte[FrameSlot.VNET_HEADER_LENGTH + frame.length];
        System.arraycopy(header.length == 0 ? golden.data() : header, 0, data, 0, FrameSlot.VNET_HEADER_LENGTH);
        System.arraycopy(frame, 0, data, FrameSlot.VNET_HEADER_LENGTH, frame.length);
        final int port = from == 0 ? golden.ingress() : from;
        return new Frame(golden.name() + (header.length == 0 ? "" : ", virtio header changed") + " " + mutations, data, port,
            port != OVERLAY_PORT ? 0 : via == -1 ? golden.sourceVtep() : via, advance(random), random.nextBoolean());
    }

    private static Frame randomBytes(final SplittableRandom random)
    {
        final byte[] bytes = Draw.bytes(random, 1600);
        final int port = random.nextInt(1, FuzzedSwitch.DETACHED + 1);
        final int vtep = Draw.one(random, VTEPS);
        return new Frame("random bytes", bytes, port, port == OVERLAY_PORT ? vtep : 0, advance(random), true);
    }

    /** Mostly no time at all between frames, sometimes seconds, now and then minutes (aging, timeouts). */
    private static long advance(final SplittableRandom random)
    {
        return switch (Draw.weighted(random, 8, 2, 1))
        {
            case 0 -> 0L;
            case 1 -> random.nextLong(1, 2_001);
            default -> random.nextLong(0, 900_001);
        };
    }

    private static List<Golden> golden()
    {
        final List<Golden> golden = new ArrayList<>();
        hex(golden, "ARP request 2→3", GoldenPackets.ARP_REQUEST, 1);
        hex(golden, "ARP reply 3→2", GoldenPackets.ARP_REPLY, 2);
        hex(golden, "echo request 2→3", GoldenPackets.ICMP_ECHO_REQUEST, 1);
        hex(golden, "TCP SYN 2→3", GoldenPackets.TCP_SYN, 1);
        hex(golden, "DNS query 2→3", GoldenPackets.UDP_DNS_QUERY, 1);
        add(golden, "ARP for the gateway", FrameBuilder.arp(MAC_2, MacAddress.BROADCAST, 1, MAC_2, HOST_2, 0, RED_GATEWAY).bytes(), 1);
        add(golden, "echo request to the gateway", FrameBuilder.echoRequest(HOST_2, RED_GATEWAY, 7, 1).payload(56)
            .ethernet(MAC_2, RED_GATEWAY_MAC).slot().bytes(), 1);
        add(golden, "TCP SYN out", FrameBuilder.tcp(HOST_2, 40000, OUTSIDE, 443, FrameBuilder.SYN).ethernet(MAC_2, RED_GATEWAY_MAC)
            .slot().bytes(), 1);
        add(golden, "UDP to an uplink neighbour", FrameBuilder.udp(HOST_3, 5000, UPLINK_NEIGHBOUR, 53).payload(20)
            .ethernet(MAC_3, RED_GATEWAY_MAC).slot().bytes(), 2);
        add(golden, "answer to a published port's client", FrameBuilder.tcp(HOST_2, 80, CLIENT_OUTSIDE, 5555,
            FrameBuilder.SYN | FrameBuilder.ACK).ethernet(MAC_2, RED_GATEWAY_MAC).slot().bytes(), 1);
        add(golden, "echo request with IP options", FrameBuilder.echoRequest(HOST_2, HOST_3, 9, 2).ipOptions(new byte[] {1, 1, 1, 0})
            .ethernet(MAC_2, MAC_3).slot().bytes(), 1);
        add(golden, "partial UDP 2→3", FrameBuilder.udp(HOST_2, 1000, HOST_3, 2000).payload(100).partialChecksum()
            .ethernet(MAC_2, MAC_3).slot().bytes(), 1);
        add(golden, "TSO segment out", FrameBuilder.tcp(HOST_2, 40001, OUTSIDE, 443, FrameBuilder.ACK).payload(TSO_PAYLOAD)
            .gso(FrameBuilder.VIRTIO_GSO_TCPV4, MSS).ethernet(MAC_2, RED_GATEWAY_MAC).slot().bytes(), 1);
        add(golden, "IPv6 2→3", FrameBuilder.etherFrame(MAC_2, MAC_3, 0x86DD, 80).bytes(), 1);
        add(golden, "the VM's own EtherType", FrameBuilder.etherFrame(MAC_VM, MacAddress.BROADCAST, 0x88B5, 60).bytes(), 3);
        add(golden, "host side to a sandbox", FrameBuilder.tcp(RED_GATEWAY, 50000, HOST_2, 80, FrameBuilder.SYN)
            .ethernet(HOST_SIDE_MAC, MAC_2).slot().bytes(), 4);

        add(golden, "SYN to a published TCP port", FrameBuilder.tcp(CLIENT_OUTSIDE, 5555, UPLINK_ADDRESS, 8080, FrameBuilder.SYN)
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot().bytes(), UPLINK);
        add(golden, "UDP to a published port", FrameBuilder.udp(CLIENT_OUTSIDE, 5556, UPLINK_ADDRESS, 5353).payload(30)
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot().bytes(), UPLINK);
        add(golden, "port unreachable from outside", FrameBuilder.icmpError(OUTSIDE, UPLINK_ADDRESS, FrameBuilder.DESTINATION_UNREACHABLE,
            FrameBuilder.PORT_UNREACHABLE, FrameBuilder.quote(FrameBuilder.udp(UPLINK_ADDRESS, 40000, OUTSIDE, 53).payload(12).ipPacket(), 28))
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot().bytes(), UPLINK);
        add(golden, "ARP for the uplink", FrameBuilder.arp(UPLINK_GATEWAY_MAC, MacAddress.BROADCAST, 1, UPLINK_GATEWAY_MAC, UPLINK_GATEWAY,
            0, UPLINK_ADDRESS).bytes(), UPLINK);
        add(golden, "a neighbour's ARP reply", FrameBuilder.arp(NEIGHBOUR_MAC, UPLINK_MAC, 2, NEIGHBOUR_MAC, UPLINK_NEIGHBOUR, UPLINK_MAC,
            UPLINK_ADDRESS).bytes(), UPLINK);

        add(golden, "SYN across BLUE (ICC off)", FrameBuilder.tcp(BLUE_A, 40000, BLUE_B, 80, FrameBuilder.SYN)
            .ethernet(MAC_BLUE_A, MAC_BLUE_B).slot().bytes(), 5);
        add(golden, "echo request out of internal BLUE", FrameBuilder.echoRequest(BLUE_A, OUTSIDE, 1, 1)
            .ethernet(MAC_BLUE_A, BLUE_GATEWAY_MAC).slot().bytes(), 5);
        add(golden, "BLUE to RED", FrameBuilder.tcp(BLUE_A, 40000, HOST_2, 80, FrameBuilder.SYN)
            .ethernet(MAC_BLUE_A, BLUE_GATEWAY_MAC).slot().bytes(), 5);

        add(golden, "UDP to the overlay", FrameBuilder.udp(OVERLAY_LOCAL, 4000, OVERLAY_REMOTE, 4000).payload(40)
            .ethernet(MAC_OVERLAY_LOCAL, MAC_OVERLAY_REMOTE).slot().bytes(), 7);
        add(golden, "ARP broadcast on the overlay", FrameBuilder.arp(MAC_OVERLAY_LOCAL, MacAddress.BROADCAST, 1, MAC_OVERLAY_LOCAL,
            OVERLAY_LOCAL, 0, OVERLAY_REMOTE).bytes(), 7);
        add(golden, "TSO segment to the overlay", FrameBuilder.tcp(OVERLAY_LOCAL, 4000, OVERLAY_REMOTE, 80, FrameBuilder.ACK)
            .payload(TSO_PAYLOAD).gso(FrameBuilder.VIRTIO_GSO_TCPV4, MSS).ethernet(MAC_OVERLAY_LOCAL, MAC_OVERLAY_REMOTE).slot().bytes(), 7);
        golden.add(new Golden("TCP from the overlay", FrameBuilder.tcp(OVERLAY_REMOTE, 80, OVERLAY_LOCAL, 4000, FrameBuilder.ACK)
            .payload(100).ethernet(MAC_OVERLAY_REMOTE, MAC_OVERLAY_LOCAL).slot().bytes(), OVERLAY_PORT, HOST_B));
        golden.add(new Golden("ARP from the overlay", FrameBuilder.arp(MAC_OVERLAY_REMOTE, MacAddress.BROADCAST, 1, MAC_OVERLAY_REMOTE,
            OVERLAY_REMOTE, 0, OVERLAY_LOCAL).bytes(), OVERLAY_PORT, HOST_C));
        golden.add(new Golden("unknown MAC from a static peer", FrameBuilder.udp(0x0A00_0942, 53, OVERLAY_LOCAL, 5300).payload(10)
            .ethernet(0x0A00_0000_0042L, MAC_OVERLAY_LOCAL).slot().bytes(), OVERLAY_PORT, STATIC_PEER));
        return List.copyOf(golden);
    }

    private static void hex(final List<Golden> golden, final String name, final String hex, final int ingress)
    {
        final byte[] frame = GoldenPackets.bytes(hex);
        final byte[] data = new byte[FrameSlot.VNET_HEADER_LENGTH + frame.length];
        System.arraycopy(frame, 0, data, FrameSlot.VNET_HEADER_LENGTH, frame.length);
        add(golden, name, data, ingress);
    }

    private static void add(final List<Golden> golden, final String name, final byte[] data, final int ingress)
    {
        golden.add(new Golden(name, data, ingress, 0));
    }
}
