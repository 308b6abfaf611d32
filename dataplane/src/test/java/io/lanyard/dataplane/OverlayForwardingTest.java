package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static io.lanyard.dataplane.StageFixture.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The forwarding stage's overlay decisions, driven by hand with in-memory ports. */
class OverlayForwardingTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 50_000 * SECOND;
    private static final int RED = 0;
    private static final int OVERLAY = 5;
    private static final int VNI = 4096;

    private static final int HOST_B = 0xC000_0202;
    private static final int HOST_C = 0xC000_0203;
    private static final int STRANGER = 0xC000_0209;
    private static final int STATIC_PEER = 0xC000_0264;

    private static final long MAC_A = 0x0242_0A00_0902L;
    private static final long MAC_REMOTE = 0x0242_0A00_0903L;
    private static final long MAC_BEHIND_STATIC = 0x0A00_0000_0042L;
    private static final long MAC_UNKNOWN = 0x0242_0A00_09FFL;
    private static final int IP_A = 0x0A00_0902;
    private static final int IP_REMOTE = 0x0A00_0903;

    private final StageFixture fixture = new StageFixture(8);
    private final MacTable macTable = new MacTable(16, 300 * SECOND, T0);
    private final LearningSwitch learningSwitch = new LearningSwitch(8, 2, macTable);
    private final ForwardingStage stage = new ForwardingStage(new GatewaySwitch(learningSwitch), fixture.ports,
        new ManyToOneConcurrentArrayQueue<>(16), new OneToOneConcurrentArrayQueue<>(16), () -> T0, fixture.counters);
    private final FrameSlot slot = StageFixture.newSlot();

    @BeforeEach
    void programOverlay()
    {
        for (final int port : new int[] {1, 2})
        {
            fixture.addPort(port, RED);
            stage.onAttach(port, RED, false);
        }
        fixture.ports[OVERLAY] = Port.overlay(OVERLAY, RED, "overlay:" + VNI,
            new PortCounters(fixture.countersManager, OVERLAY, "overlay:" + VNI), VNI);
        stage.onAttach(OVERLAY, RED, false);
        stage.onAddOverlay(RED, OVERLAY);
        stage.onSetOverlayPeers(RED, new int[] {HOST_B, HOST_C});
        stage.onAddOverlayEndpoint(RED, MAC_REMOTE, IP_REMOTE, HOST_B);
        stage.onBatchStart(1, 0);
    }

    @Test
    void shouldDropADatagramFromAVtepThatIsNotAPeer()
    {
        fromOverlay(MAC_A, MAC_REMOTE, STRANGER);

        assertEquals(Verdict.DROP, slot.verdict().egress());
        assertEquals(1, fixture.ports[OVERLAY].counters().drops(DropReason.VXLAN_NOT_A_PEER));
    }

    @Test
    void shouldSendUnicastForAProgrammedEndpointToItsHostAloneWithoutFlooding()
    {
        stage.decide(frame(slot, 1, MAC_REMOTE, MAC_A));

        assertEquals(OVERLAY, slot.verdict().egress());
        assertEquals(HOST_B, slot.verdict().vtep());
    }

    @Test
    void shouldReplicateBroadcastToEveryPeer()
    {
        stage.decide(frame(slot, 1, MacAddress.BROADCAST, MAC_A));

        assertEquals(Verdict.FLOOD, slot.verdict().egress());
        assertArrayEquals(new int[] {1, 2, OVERLAY}, slot.verdict().floodPorts());
        assertEquals(0, slot.verdict().vtep());
        assertArrayEquals(new int[] {HOST_B, HOST_C}, slot.verdict().vteps());
    }

    @Test
    void shouldFloodUnknownUnicastToEveryPeer()
    {
        stage.decide(frame(slot, 1, MAC_UNKNOWN, MAC_A));

        assertEquals(Verdict.FLOOD, slot.verdict().egress());
        assertArrayEquals(new int[] {HOST_B, HOST_C}, slot.verdict().vteps());
    }

    @Test
    void shouldSwitchAFrameFromAPeerAndSendTheAnswerBackToTheOverlayPort()
    {
        stage.decide(frame(slot, 1, MacAddress.BROADCAST, MAC_A));
        fromOverlay(MAC_A, MAC_REMOTE, HOST_B);
        assertEquals(1, slot.verdict().egress(), "switched to the local port the MAC was learned on");

        stage.decide(frame(slot, 2, MAC_REMOTE, MAC_A));
        assertEquals(OVERLAY, slot.verdict().egress());
        assertEquals(HOST_B, slot.verdict().vtep());
    }

    @Test
    void shouldNotReplicateAFloodFromTheOverlayBackToTheUnderlay()
    {
        fromOverlay(MacAddress.BROADCAST, MAC_REMOTE, HOST_B);

        assertEquals(Verdict.FLOOD, slot.verdict().egress());
        assertEquals(0, slot.verdict().vteps().length);
        assertEquals(0, slot.verdict().vtep());
    }

    @Test
    void shouldLearnWhereAStaticPeersMacIsAndSendToIt()
    {
        stage.onSetOverlayStaticPeers(RED, new int[] {STATIC_PEER});
        fromOverlay(MacAddress.BROADCAST, MAC_BEHIND_STATIC, STATIC_PEER);
        assertEquals(STATIC_PEER, stage.vtepTable().vtepOf(RED, MAC_BEHIND_STATIC, T0));

        stage.decide(frame(slot, 1, MAC_BEHIND_STATIC, MAC_A));
        assertEquals(OVERLAY, slot.verdict().egress());
        assertEquals(STATIC_PEER, slot.verdict().vtep());
    }

    @Test
    void shouldAnswerAnArpRequestForARemoteEndpointOnTheSpot()
    {
        arpRequest(1, MAC_A, IP_A, IP_REMOTE);

        stage.decide(slot);

        assertEquals(Verdict.REPLY, slot.verdict().egress());
        final UnsafeBuffer buffer = slot.buffer();
        final int frame = FrameSlot.FRAME_OFFSET;
        assertEquals(MAC_A, mac(buffer, frame), "back to the asker");
        assertEquals(MAC_REMOTE, mac(buffer, frame + 6));
        assertEquals(2, buffer.getShort(frame + 14 + 6, ByteOrder.BIG_ENDIAN), "a reply");
        assertEquals(MAC_REMOTE, mac(buffer, frame + 14 + 8));
        assertEquals(IP_REMOTE, buffer.getInt(frame + 14 + 14, ByteOrder.BIG_ENDIAN));
        assertEquals(IP_A, buffer.getInt(frame + 14 + 24, ByteOrder.BIG_ENDIAN));
    }

    @Test
    void shouldFloodAnArpRequestForAnAddressNoOneProgrammed()
    {
        arpRequest(1, MAC_A, IP_A, 0x0A00_0977);

        stage.decide(slot);

        assertEquals(Verdict.FLOOD, slot.verdict().egress());
        assertArrayEquals(new int[] {HOST_B, HOST_C}, slot.verdict().vteps());
    }

    @Test
    void shouldForgetTheOverlayWhenItIsRemoved()
    {
        stage.onRemoveOverlay(RED);

        stage.decide(frame(slot, 1, MacAddress.BROADCAST, MAC_A));
        assertEquals(0, slot.verdict().vteps().length);
        assertEquals(0, stage.vtepTable().floodVteps(RED).length);
    }

    private void fromOverlay(final long destination, final long source, final int vtep)
    {
        frame(slot, OVERLAY, destination, source);
        slot.overlayFrame(OVERLAY, slot.dataLength(), vtep);
        stage.decide(slot);
    }

    private void arpRequest(final int port, final long senderMac, final int senderIp, final int targetIp)
    {
        StageFixture.fill(slot, port,
            FrameBuilder.arp(senderMac, MacAddress.BROADCAST, ArpPacket.OPERATION_REQUEST, senderMac, senderIp, 0, targetIp).bytes());
    }

    private static long mac(final UnsafeBuffer buffer, final int offset)
    {
        return EthernetFrame.readMac(buffer, offset);
    }
}
