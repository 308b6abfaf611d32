package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.testkit.FrameAssertions;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;

import static io.lanyard.forwarding.l3.RoutedSwitch.CLIENT;
import static io.lanyard.forwarding.l3.RoutedSwitch.ON_LINK;
import static io.lanyard.forwarding.l3.RoutedSwitch.ON_LINK_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.REMOTE;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_GATEWAY;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_PORT;
import static io.lanyard.forwarding.l3.RoutedSwitch.ip;
import static io.lanyard.forwarding.l3.RoutedSwitch.mac;
import static io.lanyard.forwarding.testkit.FrameAssertions.assertFrame;
import static io.lanyard.forwarding.testkit.FrameAssertions.assertFullChecksumsValid;
import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.SYN;
import static io.lanyard.forwarding.testkit.FrameBuilder.arp;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoReply;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoRequest;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static io.lanyard.forwarding.testkit.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RouterUplinkTest
{
    private static final int REQUEST = 1;
    private static final int REPLY = 2;
    private static final long NO_MAC = -1L;

    /** 192.0.2.10 (52:54:00:12:34:56) asks who has 192.0.2.1, the uplink's gateway: written by hand. */
    private static final String ARP_REQUEST_FOR_GATEWAY =
        "ffffffffffff" + "525400123456" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "525400123456" + "c000020a" + "000000000000" + "c0000201";
    /** 192.0.2.77 (52:54:00:00:00:77) asks who has 192.0.2.10. */
    private static final String ARP_REQUEST_FOR_UPLINK =
        "ffffffffffff" + "525400000077" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "525400000077" + "c000024d" + "000000000000" + "c000020a";
    /** The answer: 192.0.2.10 is at 52:54:00:12:34:56. */
    private static final String ARP_REPLY_FROM_UPLINK =
        "525400000077" + "525400123456" + "0806" + "0001" + "0800" + "06" + "04" + "0002" +
        "525400123456" + "c000020a" + "525400000077" + "c000024d";

    private final RoutedSwitch net = new RoutedSwitch();

    // ------------------------------------------------------------------ ARP for the uplink address

    @Test
    void shouldAnswerAnArpRequestForTheUplinkAddressInPlace()
    {
        final Slot request = arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, ON_LINK_MAC, ON_LINK, 0, UPLINK);
        assertEquals(ARP_REQUEST_FOR_UPLINK, request.frameHex());

        assertEquals(Verdict.REPLY, net.forward(UPLINK_PORT, request));

        assertEquals(ARP_REPLY_FROM_UPLINK, request.frameHex());
        assertEquals(ON_LINK_MAC, net.router.neighbourMac(ON_LINK), "the asker is learned, as Linux does");
    }

    @Test
    void shouldNotAnswerAnArpRequestForAnotherAddress()
    {
        final Slot request = arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, ON_LINK_MAC, ON_LINK, 0, ip("192.0.2.99"));

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, request));

        assertEquals(DropReason.UNSOLICITED, net.dropReason());
        assertEquals(ARP_REQUEST_FOR_UPLINK.substring(0, 56), request.frameHex().substring(0, 56));
        assertEquals(NO_MAC, net.router.neighbourMac(ON_LINK), "an unknown host asking for someone else is not learned");
    }

    @Test
    void shouldUpdateAKnownNeighbourFromAnyArpItSends()
    {
        final long newMac = mac("52:54:00:00:00:02");
        final Slot gratuitous = arp(newMac, MacAddress.BROADCAST, REQUEST, newMac, UPLINK_GATEWAY, 0, UPLINK_GATEWAY);

        net.forward(UPLINK_PORT, gratuitous);

        assertEquals(newMac, net.router.neighbourMac(UPLINK_GATEWAY));
    }

    @Test
    void shouldNotLearnASenderOutsideTheUplinkSubnetOrWithAGroupOrZeroMac()
    {
        net.forward(UPLINK_PORT, arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, ON_LINK_MAC, ip("10.1.2.3"), 0, UPLINK));
        assertEquals(NO_MAC, net.router.neighbourMac(ip("10.1.2.3")));

        final long group = mac("01:00:5e:00:00:01");
        net.forward(UPLINK_PORT, arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, group, ON_LINK, 0, UPLINK));
        assertEquals(NO_MAC, net.router.neighbourMac(ON_LINK));

        net.forward(UPLINK_PORT, arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, 0, ON_LINK, 0, UPLINK));
        assertEquals(NO_MAC, net.router.neighbourMac(ON_LINK));
    }

    @Test
    void shouldDropAMalformedArpPacket()
    {
        final Slot truncated = arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, ON_LINK_MAC, ON_LINK, 0, UPLINK).truncate(14 + 27);

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, truncated));
        assertEquals(DropReason.MALFORMED, net.dropReason());

        final Slot wrongHardware = arp(ON_LINK_MAC, MacAddress.BROADCAST, REQUEST, ON_LINK_MAC, ON_LINK, 0, UPLINK).poke(15, 6);
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, wrongHardware));
        assertEquals(DropReason.MALFORMED, net.dropReason());
        assertEquals(NO_MAC, net.router.neighbourMac(ON_LINK));
    }

    // ------------------------------------------------------------------ next hops not resolved yet

    @Test
    void shouldTurnAPacketForAnUnresolvedNextHopIntoAnArpRequestForIt()
    {
        net.router.configureUplink(UPLINK_PORT, UPLINK_MAC, UPLINK, 24, UPLINK_GATEWAY);
        final Slot syn = tcp(RED_2, 40000, REMOTE, 80, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, syn));

        assertEquals(42, net.verdict.rewrittenLength());
        assertEquals(DropReason.ARP_PENDING.ordinal(), net.verdict.dropReason());
        assertEquals(ARP_REQUEST_FOR_GATEWAY, HexFormat.of().formatHex(Arrays.copyOf(syn.frame(), 42)));
    }

    @Test
    void shouldAskAtMostOnceASecondAndDropThePacketsInBetween()
    {
        net.router.configureUplink(UPLINK_PORT, UPLINK_MAC, UPLINK, 24, UPLINK_GATEWAY);
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        net.now += RoutedSwitch.SECOND / 2;
        final Slot again = tcp(RED_2, 40000, REMOTE, 80, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(RED_PORT_2, again));

        assertEquals(DropReason.ARP_PENDING, net.dropReason());
        assertEquals(-1, net.verdict.rewrittenLength());
        final Slot otherFlow = udp(RED_2, 5000, CLIENT, 53).payload(4).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(RED_PORT_2, otherFlow), "same next hop, same pending request");
        assertEquals(DropReason.ARP_PENDING, net.dropReason());

        net.now += RoutedSwitch.SECOND / 2;
        final Slot later = tcp(RED_2, 40000, REMOTE, 80, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, later));
        assertEquals(42, net.verdict.rewrittenLength());
        assertEquals(ARP_REQUEST_FOR_GATEWAY, HexFormat.of().formatHex(Arrays.copyOf(later.frame(), 42)));
    }

    @Test
    void shouldSendThroughTheNextHopOnceItsReplyHasBeenLearned()
    {
        net.router.configureUplink(UPLINK_PORT, UPLINK_MAC, UPLINK, 24, UPLINK_GATEWAY);
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        final Slot reply = arp(UPLINK_GATEWAY_MAC, UPLINK_MAC, REPLY, UPLINK_GATEWAY_MAC, UPLINK_GATEWAY, UPLINK_MAC, UPLINK);

        assertEquals(Verdict.CONSUMED, net.forward(UPLINK_PORT, reply), "an answer to our own ARP request is used up, not counted as a drop");
        assertEquals(UPLINK_GATEWAY_MAC, net.router.neighbourMac(UPLINK_GATEWAY));

        final Slot retransmission = tcp(RED_2, 40000, REMOTE, 80, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, retransmission));
        assertEquals(-1, net.verdict.rewrittenLength());
        assertFrame(tcp(RoutedSwitch.UPLINK, 40000, REMOTE, 80, SYN).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), retransmission);
    }

    @Test
    void shouldAskForAnOnLinkDestinationItself()
    {
        final Slot syn = tcp(RED_2, 40000, ON_LINK, 22, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, syn));

        assertEquals(42, net.verdict.rewrittenLength());
        assertEquals(ON_LINK, syn.arpTargetAddress());
        assertEquals(UPLINK, syn.arpSenderAddress());
        assertEquals(UPLINK_MAC, syn.arpSenderMac());
        assertEquals(REQUEST, syn.arpOperation());
    }

    @Test
    void shouldAskForTheNextHopOfAReplyFromAPublishedPort()
    {
        net.router.configureUplink(UPLINK_PORT, UPLINK_MAC, UPLINK, 24, UPLINK_GATEWAY);
        net.router.publish(6, 8080, RoutedSwitch.RED, RED_2, 80, RED_2_MAC);
        net.forward(UPLINK_PORT, tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot());
        final Slot synAck = tcp(RED_2, 80, CLIENT, 5555, SYN | ACK).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, synAck));

        assertEquals(42, net.verdict.rewrittenLength());
        assertEquals(UPLINK_GATEWAY, synAck.arpTargetAddress());
    }

    // ------------------------------------------------------------------ the uplink address itself

    @Test
    void shouldAnswerAnEchoToTheUplinkAddress()
    {
        final Slot ping = echoRequest(CLIENT, UPLINK, 99, 5).payload(56).ttl(50).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.REPLY, net.forward(UPLINK_PORT, ping));

        assertFrame(echoReply(UPLINK, CLIENT, 99, 5).payload(56).ttl(64).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC), ping);
        assertFullChecksumsValid(ping);
        assertEquals(0, net.connections.size());
    }

    @Test
    void shouldAnswerAnEchoWhoseChecksumWasLeftToTheReceiverWithACompleteOne()
    {
        final Slot ping = echoRequest(CLIENT, UPLINK, 99, 5).payload(56).partialChecksum()
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.REPLY, net.forward(UPLINK_PORT, ping));

        // a REPLY goes out with its virtio header cleared: nothing is left for the receiver to finish
        assertFullChecksumsValid(ping);
    }

    @Test
    void shouldDropAnUnsolicitedEchoReplyToTheUplinkAddress()
    {
        final Slot pong = echoReply(CLIENT, UPLINK, 99, 5).payload(8).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, pong));

        assertEquals(DropReason.UNSOLICITED, net.dropReason());
        assertArrayEquals(pong.originalFrame(), pong.frame());
    }

    @Test
    void shouldDropWhatIsNotForTheUplinkAsUnsolicited()
    {
        final Slot otherMac = tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, mac("52:54:00:99:99:99")).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, otherMac));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());

        final Slot otherAddress = tcp(CLIENT, 5555, ip("192.0.2.99"), 80, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, otherAddress));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());

        final Slot toAContainer = tcp(CLIENT, 5555, RED_2, 80, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, toAContainer));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());

        final Slot gre = FrameBuilder.other(47, CLIENT, UPLINK).payload(20).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, gre));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());

        final Slot ipv6 = tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot().poke(12, 0x86).poke(13, 0xDD);
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, ipv6));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());
        assertEquals(0, net.connections.size());
    }

    @Test
    void shouldDropAFrameTooShortForEthernetFromTheUplink()
    {
        final Slot runt = tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot().truncate(13);

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, runt));

        assertEquals(DropReason.MALFORMED, net.dropReason());
    }

    // ------------------------------------------------------------------ no uplink

    @Test
    void shouldHaveNoRouteOutWithoutAnUplink()
    {
        net.router.configureUplink(Router.NO_PORT, 0, 0, 0, 0);
        final Slot syn = tcp(RED_2, 40000, REMOTE, 80, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(RED_PORT_2, syn));
        assertEquals(DropReason.NO_ROUTE, net.dropReason());
        assertArrayEquals(syn.originalFrame(), syn.frame());
        assertEquals(0, net.connections.size());

        final Slot fromOldUplink = tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, fromOldUplink));
        assertEquals(DropReason.NO_INGRESS_PORT, net.dropReason());
    }

    @Test
    void shouldDropTheReplyOfATrackedFlowWhenTheUplinkHasGone()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        net.router.configureUplink(Router.NO_PORT, 0, 0, 0, 0);
        final Slot ack = tcp(RED_2, 40000, REMOTE, 80, ACK).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(RED_PORT_2, ack));

        assertEquals(DropReason.NO_ROUTE, net.dropReason());
    }
}
