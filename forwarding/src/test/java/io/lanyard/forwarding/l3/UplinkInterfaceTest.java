package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.arp;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The uplink 192.0.2.10/24 on port 15, default gateway 192.0.2.1. */
class UplinkInterfaceTest
{
    private static final int PORT = 15;
    private static final int ADDRESS = 0xC000_020A;
    private static final long MAC = 0x5254_0012_3456L;
    private static final int GATEWAY = 0xC000_0201;
    private static final long GATEWAY_MAC = 0x5254_0000_0001L;
    private static final int ON_LINK = 0xC000_024D;
    private static final long ON_LINK_MAC = 0x5254_0000_0077L;
    private static final int REMOTE = 0xC633_6401;
    private static final int OFF_LINK = 0xCB00_7107;
    private static final long T0 = 1_000_000L;
    private static final int REQUEST = 1;
    private static final int REPLY = 2;

    private final UplinkInterface uplink = new UplinkInterface();
    private final FlowTuple packet = new FlowTuple();
    private final Verdict verdict = new Verdict();
    private final EthernetFrame frame = new EthernetFrame();

    @BeforeEach
    void configure()
    {
        uplink.configure(PORT, MAC, ADDRESS, 24, GATEWAY);
    }

    @Test
    void shouldSendOffLinkDestinationsToTheGatewaysMac()
    {
        uplink.neighbours().put(GATEWAY, GATEWAY_MAC);
        final Slot slot = routed(tcp(ADDRESS, 1024, REMOTE, 80, ACK).slot());

        uplink.send(packet, REMOTE, T0, verdict);

        assertEquals(PORT, verdict.egress());
        assertEquals(GATEWAY_MAC, slot.destinationMac());
        assertEquals(MAC, slot.sourceMac());
    }

    @Test
    void shouldSendOnLinkDestinationsStraightToThem()
    {
        uplink.neighbours().put(GATEWAY, GATEWAY_MAC);
        uplink.neighbours().put(ON_LINK, ON_LINK_MAC);
        final Slot slot = routed(tcp(ADDRESS, 1024, ON_LINK, 22, ACK).slot());

        uplink.send(packet, ON_LINK, T0, verdict);

        assertEquals(ON_LINK_MAC, slot.destinationMac());
    }

    @Test
    void shouldReplaceAPacketForAnUnresolvedNextHopWithAnArpRequestOnceASecond()
    {
        final Slot slot = routed(tcp(ADDRESS, 1024, REMOTE, 80, ACK).payload(100).slot());

        uplink.send(packet, REMOTE, T0, verdict);

        assertEquals(PORT, verdict.egress());
        assertEquals(42, verdict.rewrittenLength());
        assertEquals(DropReason.ARP_PENDING.ordinal(), verdict.dropReason(), "the packet it replaced is lost");
        assertEquals(REQUEST, slot.arpOperation());
        assertEquals(GATEWAY, slot.arpTargetAddress());
        assertEquals(ADDRESS, slot.arpSenderAddress());

        uplink.send(routedAgain(), REMOTE, T0 + NeighbourCache.RETRY_MILLIS - 1, verdict);
        assertEquals(Verdict.DROP, verdict.egress());
        assertEquals(DropReason.ARP_PENDING.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldRouteNothingWithoutAnUplink()
    {
        uplink.configure(Router.NO_PORT, -1L, 0, 0, 0);
        routed(tcp(ADDRESS, 1024, REMOTE, 80, ACK).slot());

        uplink.send(packet, REMOTE, T0, verdict);

        assertEquals(DropReason.NO_ROUTE.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldAnswerArpForTheUplinkAddressAndLearnTheAsker()
    {
        final Slot request = arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, ON_LINK_MAC, ON_LINK, 0, ADDRESS);

        uplink.answerArp(wrap(request), verdict);

        assertEquals(Verdict.REPLY, verdict.egress());
        assertEquals(REPLY, request.arpOperation());
        assertEquals(MAC, request.arpSenderMac());
        assertEquals(ON_LINK_MAC, request.destinationMac());
        assertEquals(ON_LINK_MAC, uplink.neighbours().macOf(ON_LINK));
    }

    @Test
    void shouldUseUpTheAnswerToItsOwnRequest()
    {
        uplink.answerArp(wrap(arp(GATEWAY_MAC, MAC, REPLY, GATEWAY_MAC, GATEWAY, MAC, ADDRESS)), verdict);

        assertEquals(Verdict.CONSUMED, verdict.egress());
        assertEquals(GATEWAY_MAC, uplink.neighbours().macOf(GATEWAY));
    }

    @Test
    void shouldLearnOnlyOnLinkSendersAndRefreshOnlyKnownNeighboursFromArpNotForIt()
    {
        uplink.answerArp(wrap(arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, ON_LINK_MAC, ON_LINK, 0, GATEWAY)), verdict);
        assertEquals(NeighbourCache.NO_MAC, uplink.neighbours().macOf(ON_LINK), "asking someone else teaches nothing new");
        assertEquals(DropReason.UNSOLICITED.ordinal(), verdict.dropReason());

        uplink.answerArp(wrap(arp(0x5254_0000_0099L, MAC, REQUEST, 0x5254_0000_0099L, OFF_LINK, 0, ADDRESS)), verdict);
        assertEquals(NeighbourCache.NO_MAC, uplink.neighbours().macOf(OFF_LINK), "not on the link");

        uplink.neighbours().put(ON_LINK, 0x5254_0000_0001L);
        uplink.answerArp(wrap(arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, ON_LINK_MAC, ON_LINK, 0, GATEWAY)), verdict);
        assertEquals(ON_LINK_MAC, uplink.neighbours().macOf(ON_LINK), "a known neighbour that moved is followed");
    }

    @Test
    void shouldAnswerAPingToTheUplinkAddress()
    {
        final Slot ping = routed(FrameBuilder.echoRequest(REMOTE, ADDRESS, 9, 1).payload(56).ethernet(GATEWAY_MAC, MAC).slot());

        uplink.answerEcho(packet, verdict);

        assertEquals(Verdict.REPLY, verdict.egress());
        assertEquals(ADDRESS, ping.ipSource());
        assertEquals(REMOTE, ping.ipDestination());
        assertEquals(GATEWAY_MAC, ping.destinationMac());
        assertTrue(ping.icmpChecksumIsValid());
    }

    private EthernetFrame wrap(final Slot slot)
    {
        return frame.wrap(slot.buffer, Slot.FRAME_OFFSET, slot.length());
    }

    private Slot routed(final Slot slot)
    {
        assertTrue(packet.parse(slot.buffer, Slot.FRAME_OFFSET, slot.length(), verdict));
        return slot;
    }

    private FlowTuple routedAgain()
    {
        routed(tcp(ADDRESS, 1024, REMOTE, 80, ACK).slot());
        return packet;
    }
}
