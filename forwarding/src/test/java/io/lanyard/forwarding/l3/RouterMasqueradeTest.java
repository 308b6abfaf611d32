package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.testkit.FrameAssertions;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.IndependentChecksum;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.l3.RoutedSwitch.DNS;
import static io.lanyard.forwarding.l3.RoutedSwitch.ON_LINK;
import static io.lanyard.forwarding.l3.RoutedSwitch.ON_LINK_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.PLAIN_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.PLAIN_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.PLAIN_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.PLAIN_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_3_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_HOST_PORT;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.REMOTE;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_PORT;
import static io.lanyard.forwarding.testkit.FrameAssertions.assertFrame;
import static io.lanyard.forwarding.testkit.FrameAssertions.assertFullChecksumsValid;
import static io.lanyard.forwarding.testkit.FrameAssertions.assertPartialChecksumValid;
import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.PSH;
import static io.lanyard.forwarding.testkit.FrameBuilder.SYN;
import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.UDP;
import static io.lanyard.forwarding.testkit.FrameBuilder.VIRTIO_GSO_TCPV4;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoReply;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoRequest;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static io.lanyard.forwarding.testkit.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterMasqueradeTest
{
    private final RoutedSwitch net = new RoutedSwitch();

    // ------------------------------------------------------------------ TCP

    @Test
    void shouldSendASynOutOfTheUplinkFromTheUplinkAddressKeepingAFreeSourcePort()
    {
        final Slot syn = tcp(RED_2, 40000, REMOTE, 80, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, syn));

        assertFrame(tcp(UPLINK, 40000, REMOTE, 80, SYN).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), syn);
        assertFullChecksumsValid(syn);
        assertArrayEquals(new byte[10], syn.virtioHeader());
        assertEquals(1, net.router.created());
    }

    @Test
    void shouldTranslateTheSynAckBackToTheContainerThroughItsLearnedPort()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        final Slot synAck = tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK).sequenceNumbers(777, 0x1122_3345L).ttl(50)
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, synAck));

        assertFrame(tcp(REMOTE, 80, RED_2, 40000, SYN | ACK).sequenceNumbers(777, 0x1122_3345L).ttl(49)
            .ethernet(RED_GATEWAY_MAC, RED_2_MAC), synAck);
        assertFullChecksumsValid(synAck);
    }

    @Test
    void shouldEstablishTheConnectionOverTheThreeWayHandshake()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        net.forward(UPLINK_PORT, tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot());
        final Slot ack = tcp(RED_2, 40000, REMOTE, 80, ACK | PSH).payload(100).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, ack));

        assertFrame(tcp(UPLINK, 40000, REMOTE, 80, ACK | PSH).payload(100).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), ack);
        final int id = net.connection(TCP, RED_2, 40000, REMOTE, 80);
        assertEquals(ConnectionTable.ESTABLISHED, net.connections.state(id));
        assertEquals(1, net.connections.size());
    }

    @Test
    void shouldSendToADestinationOnTheUplinkSubnetDirectlyRatherThanThroughTheGateway()
    {
        net.router.neighbour(ON_LINK, ON_LINK_MAC);
        final Slot syn = tcp(RED_2, 40000, ON_LINK, 22, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, syn));

        assertFrame(tcp(UPLINK, 40000, ON_LINK, 22, SYN).ethernet(UPLINK_MAC, ON_LINK_MAC).ttl(63), syn);
    }

    @Test
    void shouldFloodTheReplyIntoTheNetworkWhenTheContainerIsNoLongerLearned()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        net.forgetMacs();
        final Slot synAck = tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.FLOOD, net.forward(UPLINK_PORT, synAck));

        assertArrayEquals(new int[] {RED_PORT_2, RED_PORT_3, RED_HOST_PORT}, net.verdict.floodPorts());
        assertFrame(tcp(REMOTE, 80, RED_2, 40000, SYN | ACK).ttl(63).ethernet(RED_GATEWAY_MAC, RED_2_MAC), synAck);
    }

    @Test
    void shouldGiveASecondContainerUsingTheSameSourcePortToTheSameServerAnotherNatPort()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        final Slot second = tcp(RED_3, 40000, REMOTE, 80, SYN).ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_3, second));

        final int natPort = second.sourcePort();
        assertNotEquals(40000, natPort);
        assertTrue(natPort >= 1024 && natPort <= 65535, "NAT port " + natPort);
        assertFrame(tcp(UPLINK, natPort, REMOTE, 80, SYN).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), second);

        final Slot toThird = tcp(REMOTE, 80, UPLINK, natPort, SYN | ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_3, net.forward(UPLINK_PORT, toThird));
        assertFrame(tcp(REMOTE, 80, RED_3, 40000, SYN | ACK).ttl(63).ethernet(RED_GATEWAY_MAC, RED_3_MAC), toThird);

        final Slot toSecond = tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, toSecond));
        assertFrame(tcp(REMOTE, 80, RED_2, 40000, SYN | ACK).ttl(63).ethernet(RED_GATEWAY_MAC, RED_2_MAC), toSecond);
    }

    @Test
    void shouldKeepTheSourcePortForTheSameContainerPortToAnotherServer()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        final Slot toOtherServer = tcp(RED_3, 40000, DNS, 80, SYN).ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();

        net.forward(RED_PORT_3, toOtherServer);

        assertEquals(40000, toOtherServer.sourcePort());
    }

    @Test
    void shouldFindTheTransportHeaderAfterIpOptions()
    {
        final byte[] routerAlertAndPadding = {(byte)0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};
        final Slot syn = tcp(RED_2, 40000, REMOTE, 80, SYN).ipOptions(routerAlertAndPadding).payload(12)
            .ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, syn));

        assertFrame(tcp(UPLINK, 40000, REMOTE, 80, SYN).ipOptions(routerAlertAndPadding).payload(12)
            .ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), syn);
        assertFullChecksumsValid(syn);
    }

    @Test
    void shouldTranslateAPaddedMinimumSizeFrameLeavingThePaddingAlone()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        final Slot ack = tcp(REMOTE, 80, UPLINK, 40000, ACK).ethernetPadding(6).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(60, ack.length());

        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, ack));

        assertFrame(tcp(REMOTE, 80, RED_2, 40000, ACK).ethernetPadding(6).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), ack);
        assertFullChecksumsValid(ack);
    }

    // ------------------------------------------------------------------ partial checksums and segmentation offload

    @Test
    void shouldLeaveAPartialChecksumAsThePseudoHeaderSumOfTheNewAddresses()
    {
        final Slot syn = tcp(RED_2, 40000, REMOTE, 80, SYN).partialChecksum().ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, syn));

        assertPartialChecksumValid(syn);
        assertFrame(tcp(UPLINK, 40000, REMOTE, 80, SYN).partialChecksum().ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), syn);
        assertArrayEquals(syn.originalVirtioHeader(), syn.virtioHeader(), "virtio header kept: the checksum is still to be done");

        final Slot synAck = tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK).partialChecksum()
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, synAck));
        assertPartialChecksumValid(synAck);
        assertFrame(tcp(REMOTE, 80, RED_2, 40000, SYN | ACK).partialChecksum().ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), synAck);
        assertArrayEquals(synAck.originalVirtioHeader(), synAck.virtioHeader());
    }

    @Test
    void shouldTranslateASegmentationOffloadFrameKeepingItsVirtioHeader()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN).partialChecksum());
        net.forward(UPLINK_PORT, tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot());
        final Slot segment = tcp(RED_2, 40000, REMOTE, 80, ACK | PSH).payload(6000).gso(VIRTIO_GSO_TCPV4, 1448)
            .ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, segment));

        assertArrayEquals(segment.originalVirtioHeader(), segment.virtioHeader());
        assertEquals(1, segment.virtioHeader()[1], "gso_type TCPV4");
        assertPartialChecksumValid(segment);
        assertFrame(tcp(UPLINK, 40000, REMOTE, 80, ACK | PSH).payload(6000).gso(VIRTIO_GSO_TCPV4, 1448)
            .ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), segment);
    }

    @Test
    void shouldTranslateAPartialChecksumWhenTheNatPortChanges()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        final Slot second = tcp(RED_3, 40000, REMOTE, 80, SYN).partialChecksum().ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();

        net.forward(RED_PORT_3, second);

        final int natPort = second.sourcePort();
        assertNotEquals(40000, natPort);
        assertPartialChecksumValid(second);
        final Slot back = tcp(REMOTE, 80, UPLINK, natPort, SYN | ACK).partialChecksum().ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_3, net.forward(UPLINK_PORT, back));
        assertPartialChecksumValid(back);
        assertEquals(40000, back.destinationPort());
    }

    // ------------------------------------------------------------------ UDP

    @Test
    void shouldMasqueradeUdpBothWays()
    {
        final Slot query = udp(RED_2, 5353, DNS, 53).payload(29).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, query));
        assertFrame(udp(UPLINK, 5353, DNS, 53).payload(29).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), query);
        assertFullChecksumsValid(query);

        final Slot answer = udp(DNS, 53, UPLINK, 5353).payload(77).ttl(120).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, answer));
        assertFrame(udp(DNS, 53, RED_2, 5353).payload(77).ttl(119).ethernet(RED_GATEWAY_MAC, RED_2_MAC), answer);
        assertFullChecksumsValid(answer);
        assertEquals(ConnectionTable.REPLIED, net.connections.state(net.connection(UDP, RED_2, 5353, DNS, 53)));
    }

    @Test
    void shouldLeaveAZeroUdpChecksumZeroBothWays()
    {
        final Slot query = udp(RED_2, 5353, DNS, 53).payload(20).withoutUdpChecksum().ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        net.forward(RED_PORT_2, query);
        assertEquals(0, query.udpChecksum());
        assertFrame(udp(UPLINK, 5353, DNS, 53).payload(20).withoutUdpChecksum().ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), query);

        final Slot answer = udp(DNS, 53, UPLINK, 5353).payload(20).withoutUdpChecksum().ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, answer));
        assertEquals(0, answer.udpChecksum());
        assertTrue(answer.ipHeaderChecksumIsValid());
    }

    @Test
    void shouldWriteAUdpChecksumThatComesOutZeroAsAllOnes()
    {
        // choose the payload so that the translated datagram's checksum computes to 0
        final byte[] payload = new byte[8];
        final byte[] translated = udp(UPLINK, 5353, DNS, 53).payload(payload).withoutUdpChecksum().ipPacket();
        final int sum = IndependentChecksum.fold((long)IndependentChecksum.pseudoHeaderSum(UPLINK, DNS, UDP, 16) +
            IndependentChecksum.sum(translated, 20, 16));
        final int filler = 0xFFFF - sum;
        payload[6] = (byte)(filler >>> 8);
        payload[7] = (byte)filler;
        final Slot query = udp(RED_2, 5353, DNS, 53).payload(payload).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertNotEquals(0, query.udpChecksum());

        net.forward(RED_PORT_2, query);

        assertEquals(0xFFFF, query.udpChecksum());
        assertFullChecksumsValid(query);
    }

    @Test
    void shouldForgetAnUnrepliedUdpFlowAfterItsTimeout()
    {
        net.fromContainer(RED_PORT_2, udp(RED_2, 5353, DNS, 53).payload(10));
        net.advanceSeconds(31);

        final Slot late = udp(DNS, 53, UPLINK, 5353).payload(10).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, late));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());
        assertArrayEquals(late.originalFrame(), late.frame());
    }

    // ------------------------------------------------------------------ ICMP echo

    @Test
    void shouldMasqueradeAnEchoKeepingAFreeIdentifierAndTranslateTheReplyBack()
    {
        final Slot ping = echoRequest(RED_2, REMOTE, 0x1234, 1).payload(56).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, ping));
        assertFrame(echoRequest(UPLINK, REMOTE, 0x1234, 1).payload(56).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), ping);

        final Slot pong = echoReply(REMOTE, UPLINK, 0x1234, 1).payload(56).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, pong));
        assertFrame(echoReply(REMOTE, RED_2, 0x1234, 1).payload(56).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), pong);
        assertFullChecksumsValid(pong);
    }

    @Test
    void shouldTranslateAnEchoIdentifierThatCollidesAndTheReplyBack()
    {
        net.fromContainer(RED_PORT_2, echoRequest(RED_2, REMOTE, 0x1234, 1).payload(56));
        final Slot ping = echoRequest(RED_3, REMOTE, 0x1234, 9).payload(56).ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_3, ping));

        final int natIdentifier = ping.icmpIdentifier();
        assertNotEquals(0x1234, natIdentifier);
        assertFrame(echoRequest(UPLINK, REMOTE, natIdentifier, 9).payload(56).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), ping);
        assertFullChecksumsValid(ping);

        final Slot pongThird = echoReply(REMOTE, UPLINK, natIdentifier, 9).payload(56).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_3, net.forward(UPLINK_PORT, pongThird));
        assertFrame(echoReply(REMOTE, RED_3, 0x1234, 9).payload(56).ethernet(RED_GATEWAY_MAC, RED_3_MAC).ttl(63), pongThird);

        final Slot pongSecond = echoReply(REMOTE, UPLINK, 0x1234, 1).payload(56).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, pongSecond));
        assertFrame(echoReply(REMOTE, RED_2, 0x1234, 1).payload(56).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), pongSecond);
    }

    @Test
    void shouldLeaveAnEchoChecksumLeftToTheReceiverForItToFinish()
    {
        net.fromContainer(RED_PORT_2, echoRequest(RED_2, REMOTE, 0x1234, 1).payload(56));
        final Slot ping = echoRequest(RED_3, REMOTE, 0x1234, 9).payload(56).partialChecksum()
            .ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_3, ping));

        assertNotEquals(0x1234, ping.icmpIdentifier());
        assertArrayEquals(ping.originalVirtioHeader(), ping.virtioHeader());
        assertTrue(ping.finishedPartialChecksumIsValid());
    }

    // ------------------------------------------------------------------ masquerade off

    @Test
    void shouldRouteWithoutTranslationWhenTheNetworkDoesNotMasquerade()
    {
        final Slot syn = tcp(PLAIN_2, 40000, REMOTE, 443, SYN).ethernet(PLAIN_2_MAC, PLAIN_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(PLAIN_PORT_2, syn));
        assertFrame(tcp(PLAIN_2, 40000, REMOTE, 443, SYN).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), syn);

        final Slot synAck = tcp(REMOTE, 443, PLAIN_2, 40000, SYN | ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(PLAIN_PORT_2, net.forward(UPLINK_PORT, synAck));
        assertFrame(tcp(REMOTE, 443, PLAIN_2, 40000, SYN | ACK).ethernet(PLAIN_GATEWAY_MAC, PLAIN_2_MAC).ttl(63), synAck);
        assertFullChecksumsValid(synAck);
    }

    @Test
    void shouldDropUnsolicitedTrafficToAContainerAddressOfANetworkThatDoesNotMasquerade()
    {
        net.fromContainer(PLAIN_PORT_2, tcp(PLAIN_2, 40000, REMOTE, 443, SYN));
        final Slot unsolicited = tcp(REMOTE, 5555, PLAIN_2, 22, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, unsolicited));

        assertEquals(DropReason.UNSOLICITED, net.dropReason());
        assertArrayEquals(unsolicited.originalFrame(), unsolicited.frame());
        final Slot wrongPort = tcp(REMOTE, 443, PLAIN_2, 40001, ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, wrongPort));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());
    }

    @Test
    void shouldRouteUdpAndEchoWithoutTranslationWhenTheNetworkDoesNotMasquerade()
    {
        final Slot ping = echoRequest(PLAIN_2, REMOTE, 77, 1).payload(16).ethernet(PLAIN_2_MAC, PLAIN_GATEWAY_MAC).slot();
        assertEquals(UPLINK_PORT, net.forward(PLAIN_PORT_2, ping));
        assertFrame(echoRequest(PLAIN_2, REMOTE, 77, 1).payload(16).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), ping);

        final Slot pong = echoReply(REMOTE, PLAIN_2, 77, 1).payload(16).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(PLAIN_PORT_2, net.forward(UPLINK_PORT, pong));
        assertFrame(echoReply(REMOTE, PLAIN_2, 77, 1).payload(16).ethernet(PLAIN_GATEWAY_MAC, PLAIN_2_MAC).ttl(63), pong);

        final Slot datagram = udp(PLAIN_2, 9999, DNS, 53).payload(12).ethernet(PLAIN_2_MAC, PLAIN_GATEWAY_MAC).slot();
        assertEquals(UPLINK_PORT, net.forward(PLAIN_PORT_2, datagram));
        assertEquals(PLAIN_2, datagram.ipSource());
        assertFullChecksumsValid(datagram);
    }

    // ------------------------------------------------------------------ a full table

    @Test
    void shouldRefuseANewFlowWhenTheTableIsFullWhileTheOthersKeepBeingTranslated()
    {
        final RoutedSwitch small = new RoutedSwitch(2);
        small.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        small.fromContainer(RED_PORT_3, udp(RED_3, 5353, DNS, 53).payload(8));
        final Slot third = tcp(RED_2, 40001, REMOTE, 80, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(Verdict.DROP, small.forward(RED_PORT_2, third));

        assertEquals(DropReason.NAT_TABLE_FULL, small.dropReason());
        assertArrayEquals(third.originalFrame(), third.frame());
        assertEquals(1, small.connections.refusedFull());

        final Slot synAck = tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, small.forward(UPLINK_PORT, synAck));
        assertEquals(RED_2, synAck.ipDestination());
        final Slot answer = udp(DNS, 53, UPLINK, 5353).payload(8).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_3, small.forward(UPLINK_PORT, answer));
        assertEquals(RED_3, answer.ipDestination());
        final Slot ack = tcp(RED_2, 40000, REMOTE, 80, ACK).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(UPLINK_PORT, small.forward(RED_PORT_2, ack));
        assertEquals(UPLINK, ack.ipSource());
    }
}
