package io.lanyard.vxlan;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The overlay's part of the decision, around the switch's, read from the verdict it writes. */
class OverlaySwitchTest
{
    private static final long T0 = 1_000_000_000_000L;
    private static final int RED = 0;
    private static final int BLUE = 1;
    private static final int OVERLAY = 5;
    private static final int BLUE_PORT = 4;
    /** Where the frame starts in its buffer, as in a ring slot. */
    private static final int OFFSET = 74;
    private static final int LENGTH = 60;

    private static final int HOST_B = 0xC000_0202;
    private static final int HOST_C = 0xC000_0203;
    private static final int STRANGER = 0xC000_0209;
    private static final int STATIC_PEER = 0xC000_0264;

    private static final long MAC_A = 0x0242_0A00_0005L;
    private static final long MAC_REMOTE = 0x0242_0A00_0002L;
    private static final long MAC_BEHIND_STATIC = 0x0A00_0000_0042L;
    private static final long GATEWAY_MAC = 0x0242_0A00_0001L;

    private static final int IP_A = 0x0A00_0005;
    private static final int IP_REMOTE = 0x0A00_0002;
    private static final int GATEWAY = 0x0A00_0001;

    private final MacTable macTable = new MacTable(16, 300_000_000_000L, T0);
    private final LearningSwitch learningSwitch = new LearningSwitch(8, 2, macTable);
    private final GatewaySwitch gatewaySwitch = new GatewaySwitch(learningSwitch);
    private final OverlaySwitch overlaySwitch = new OverlaySwitch(gatewaySwitch, T0);
    private final Verdict verdict = new Verdict();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2048]);

    @BeforeEach
    void programOverlay()
    {
        learningSwitch.attach(1, RED);
        learningSwitch.attach(2, RED);
        learningSwitch.attach(OVERLAY, RED);
        learningSwitch.attach(BLUE_PORT, BLUE);
        overlaySwitch.addOverlay(RED, OVERLAY);
        overlaySwitch.vtepTable().setPeers(RED, new int[] {HOST_B, HOST_C});
        overlaySwitch.vtepTable().addEndpoint(RED, MAC_REMOTE, IP_REMOTE, HOST_B);
    }

    @Test
    void shouldDropADatagramFromAVtepThatIsNotAPeer()
    {
        decide(OVERLAY, STRANGER, frame(MAC_A, MAC_REMOTE));

        assertEquals(Verdict.DROP, verdict.egress());
        assertEquals(DropReason.VXLAN_NOT_A_PEER.ordinal(), verdict.dropReason());
        assertEquals(MacTable.MISSING, macTable.lookup(RED, MAC_REMOTE, T0), "the switch never saw it");
    }

    @Test
    void shouldSendUnicastForAProgrammedEndpointToItsHostAlone()
    {
        decide(1, 0, frame(MAC_REMOTE, MAC_A));

        assertEquals(OVERLAY, verdict.egress());
        assertEquals(HOST_B, verdict.vtep());
        assertTrue(verdict.remoteChecksum(), "another Lanyard host finishes partial checksums itself");
    }

    @Test
    void shouldReplicateABroadcastToEveryPeerBesideTheLocalPorts()
    {
        decide(1, 0, frame(MacAddress.BROADCAST, MAC_A));

        assertEquals(Verdict.FLOOD, verdict.egress());
        assertArrayEquals(new int[] {1, 2, OVERLAY}, verdict.floodPorts());
        assertEquals(0, verdict.vtep());
        assertArrayEquals(new int[] {HOST_B, HOST_C}, verdict.vteps());
        assertFalse(verdict.remoteChecksum());
    }

    @Test
    void shouldNotReplicateAFloodFromTheOverlayBackToTheUnderlay()
    {
        decide(OVERLAY, HOST_B, frame(MacAddress.BROADCAST, MAC_REMOTE));

        assertEquals(Verdict.FLOOD, verdict.egress());
        assertEquals(0, verdict.vteps().length);
    }

    @Test
    void shouldAnswerALocalArpRequestForARemoteEndpointOnTheSpot()
    {
        final int length = arpRequest(MAC_A, IP_A, IP_REMOTE);

        decide(1, 0, length);

        assertEquals(Verdict.REPLY, verdict.egress());
        assertEquals(0, verdict.vtep(), "back out of the local port it came in on");
        assertEquals(MAC_REMOTE, EthernetFrame.readMac(buffer, OFFSET + EthernetFrame.SOURCE_OFFSET));
    }

    @Test
    void shouldSendTheGatewaysReplyBackToTheHostTheRequestCameFrom()
    {
        gatewaySwitch.configureDomain(RED, GATEWAY, GATEWAY_MAC, true);
        final int length = arpRequest(MAC_REMOTE, IP_REMOTE, GATEWAY);

        decide(OVERLAY, HOST_B, length);

        assertEquals(Verdict.REPLY, verdict.egress());
        assertEquals(HOST_B, verdict.vtep());
    }

    @Test
    void shouldLearnWhereAStaticPeersMacIsAndSendToIt()
    {
        overlaySwitch.vtepTable().setStaticPeers(RED, new int[] {STATIC_PEER});
        decide(OVERLAY, STATIC_PEER, frame(MacAddress.BROADCAST, MAC_BEHIND_STATIC));
        macTable.removePort(OVERLAY);

        decide(1, 0, frame(MAC_BEHIND_STATIC, MAC_A));

        assertEquals(OVERLAY, verdict.egress(), "a flood the VTEP table can place goes to that host alone");
        assertEquals(STATIC_PEER, verdict.vtep());
        assertFalse(verdict.remoteChecksum(), "a kernel VTEP gets finished checksums");
    }

    @Test
    void shouldLeaveADomainWithoutAnOverlayToTheSwitch()
    {
        decide(BLUE_PORT, 0, frame(MacAddress.BROADCAST, MAC_A));

        assertEquals(Verdict.FLOOD, verdict.egress());
        assertArrayEquals(new int[] {BLUE_PORT}, verdict.floodPorts());
        assertEquals(0, verdict.vteps().length);
    }

    @Test
    void shouldForgetTheOverlayWhenItIsRemoved()
    {
        overlaySwitch.removeOverlay(RED);

        decide(1, 0, frame(MacAddress.BROADCAST, MAC_A));

        assertEquals(0, verdict.vteps().length);
        assertEquals(0, overlaySwitch.vtepTable().floodVteps(RED).length);
    }

    private int frame(final long destination, final long source)
    {
        return write(FrameBuilder.etherFrame(source, destination, 0x88B5, LENGTH).frame());
    }

    /** A broadcast request from {@code senderMac} at {@code sender} asking who has {@code target}. */
    private int arpRequest(final long senderMac, final int sender, final int target)
    {
        return write(FrameBuilder.arp(senderMac, MacAddress.BROADCAST, ArpPacket.OPERATION_REQUEST, senderMac, sender, 0, target).frame());
    }

    private int write(final byte[] frame)
    {
        buffer.putBytes(OFFSET, frame);
        return frame.length;
    }

    private void decide(final int ingress, final int sourceVtep, final int length)
    {
        overlaySwitch.decide(ingress, sourceVtep, buffer, OFFSET, length, T0, verdict);
    }
}
