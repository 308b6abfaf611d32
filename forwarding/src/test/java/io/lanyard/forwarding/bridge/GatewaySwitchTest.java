package io.lanyard.forwarding.bridge;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.l3.Router;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A network's gateway, answered in place in front of the switch, with no router behind it. */
class GatewaySwitchTest
{
    private static final long T0 = 1_000_000_000_000L;
    private static final int NET = 0;
    private static final int GATEWAY = 0xAC12_0001;
    private static final long GATEWAY_MAC = 0x0242_AC12_0001L;
    private static final int ADDRESS_A = 0xAC12_0002;
    private static final long MAC_A = 0x0242_AC12_0002L;
    private static final long MAC_B = 0x0242_AC12_0003L;
    private static final long MAC_HOST = 0x0242_AC12_00FEL;
    /** Ports 1 and 2 are containers, 3 is the network's host-side port. */
    private static final int A = 1;
    private static final int B = 2;
    private static final int HOST = 3;

    private final LearningSwitch learningSwitch = new LearningSwitch(8, 2, new MacTable(64, 300_000_000_000L, T0));
    private final GatewaySwitch gatewaySwitch = new GatewaySwitch(learningSwitch);
    private final Verdict verdict = new Verdict();

    @BeforeEach
    void attach()
    {
        learningSwitch.attach(A, NET, false);
        learningSwitch.attach(B, NET, false);
        learningSwitch.attach(HOST, NET, true);
        gatewaySwitch.configureDomain(NET, GATEWAY, GATEWAY_MAC, false);
        // everyone has spoken once, so the switch knows where they are
        send(A, MAC_A, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_ARP);
        send(B, MAC_B, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_ARP);
        send(HOST, MAC_HOST, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_ARP);
    }

    @Test
    void shouldAnswerAnArpRequestForTheGatewayBackOnTheIngressPort()
    {
        final Slot request = arpRequestForTheGateway();

        assertEquals(Verdict.REPLY, forward(A, request));
        assertEquals(MAC_A, request.destinationMac(), "the reply goes back to the asker");
    }

    @Test
    void shouldDropWhatIsAddressedToTheGatewayButNotServedThere()
    {
        assertEquals(Verdict.DROP, send(A, MAC_A, GATEWAY_MAC, EthernetFrame.ETHER_TYPE_IPV4));
        assertEquals(DropReason.NO_ROUTE.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldLeaveWhatIsNotForTheGatewayToTheSwitchAndItsPolicy()
    {
        assertEquals(Verdict.DROP, send(A, MAC_A, MAC_B, EthernetFrame.ETHER_TYPE_IPV4));
        assertEquals(DropReason.ICC.ordinal(), verdict.dropReason(), "the domain was configured with ICC off");
        assertEquals(B, send(A, MAC_A, MAC_B, EthernetFrame.ETHER_TYPE_ARP));
        assertEquals(HOST, send(A, MAC_A, MAC_HOST, EthernetFrame.ETHER_TYPE_IPV4));

        gatewaySwitch.configureDomain(NET, GATEWAY, GATEWAY_MAC, true);

        assertEquals(B, send(A, MAC_A, MAC_B, EthernetFrame.ETHER_TYPE_IPV4));
    }

    @Test
    void shouldHandWhatIsNotIpv4ForTheGatewayMacToTheHostSideButNeverBackToIt()
    {
        assertEquals(HOST, send(A, MAC_A, GATEWAY_MAC, EthernetFrame.ETHER_TYPE_IPV6));

        assertEquals(Verdict.DROP, send(HOST, MAC_HOST, GATEWAY_MAC, EthernetFrame.ETHER_TYPE_IPV6));
        assertEquals(DropReason.NO_ROUTE.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldSwitchTheGatewaysMacLikeAnyOtherOnceTheGatewayIsCleared()
    {
        gatewaySwitch.configureDomain(NET, 0, -1L, true);

        assertEquals(Verdict.FLOOD, forward(A, arpRequestForTheGateway()), "nobody answers for the address");
        assertEquals(Verdict.FLOOD, send(A, MAC_A, GATEWAY_MAC, EthernetFrame.ETHER_TYPE_IPV4));
        assertArrayEquals(new int[] {A, B, HOST}, verdict.floodPorts());
    }

    @Test
    void shouldAnswerABroadcastArpRequestForAPortUnderPortSecurityInsteadOfFloodingIt()
    {
        final int addressB = 0xAC12_0003;
        final Slot request = FrameBuilder.arp(MAC_A, MacAddress.BROADCAST, ArpPacket.OPERATION_REQUEST, MAC_A, ADDRESS_A, 0, addressB);
        assertEquals(Verdict.FLOOD, forward(A, request), "nobody answers for B's address yet");

        gatewaySwitch.arpResponder().add(B, NET, MAC_B, new int[] {addressB});
        final Slot again = FrameBuilder.arp(MAC_A, MacAddress.BROADCAST, ArpPacket.OPERATION_REQUEST, MAC_A, ADDRESS_A, 0, addressB);

        assertEquals(Verdict.REPLY, forward(A, again));
        assertEquals(MAC_A, again.destinationMac(), "the reply goes back to the asker");
        assertEquals(MAC_B, again.sourceMac(), "as B");
        assertEquals(Verdict.REPLY, forward(A, arpRequestForTheGateway()), "the gateway still answers for itself");
    }

    @Test
    void shouldCheckTheIngressPortAndTheSourceBeforeTheGateway()
    {
        assertEquals(Verdict.DROP, send(5, MAC_A, GATEWAY_MAC, EthernetFrame.ETHER_TYPE_IPV4));
        assertEquals(DropReason.NO_INGRESS_PORT.ordinal(), verdict.dropReason());

        assertEquals(Verdict.DROP, send(A, MacAddress.BROADCAST, GATEWAY_MAC, EthernetFrame.ETHER_TYPE_IPV4));
        assertEquals(DropReason.BAD_SOURCE_MAC.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldExposeItsPartsAndShowTheRouterTheSwitchsPorts()
    {
        assertSame(learningSwitch, gatewaySwitch.learningSwitch());
        assertNull(gatewaySwitch.router());
        assertArrayEquals(new int[] {A, B, HOST}, gatewaySwitch.floodPorts(NET));
        assertEquals(HOST, gatewaySwitch.hostPort(NET));
        assertEquals(B, gatewaySwitch.portOf(NET, MAC_B, T0));
        assertEquals(MacTable.MISSING, gatewaySwitch.portOf(NET, GATEWAY_MAC, T0));

        learningSwitch.detach(HOST);

        assertEquals(Router.NO_PORT, gatewaySwitch.hostPort(NET));
    }

    /** 02:42:ac:12:00:02 (172.18.0.2) asks who has 172.18.0.1. */
    private static Slot arpRequestForTheGateway()
    {
        return FrameBuilder.arp(MAC_A, MacAddress.BROADCAST, ArpPacket.OPERATION_REQUEST, MAC_A, ADDRESS_A, 0, GATEWAY);
    }

    /** A minimum-size frame of only an Ethernet header and zeros. */
    private int send(final int ingress, final long source, final long destination, final int etherType)
    {
        return forward(ingress, FrameBuilder.etherFrame(source, destination, etherType, 60));
    }

    /** The verdict on the slot's frame: its egress, with the rest in {@link #verdict}. */
    private int forward(final int ingress, final Slot slot)
    {
        gatewaySwitch.forward(ingress, slot.buffer, Slot.FRAME_OFFSET, slot.length(), T0, verdict);
        return verdict.egress();
    }
}
