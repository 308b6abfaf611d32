package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.testkit.FrameAssertions;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.CLIENT;
import static io.lanyard.forwarding.l3.RoutedSwitch.DNS;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_3_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_GATEWAY;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.REMOTE;
import static io.lanyard.forwarding.l3.RoutedSwitch.TRANSIT_ROUTER;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_PORT;
import static io.lanyard.forwarding.testkit.FrameAssertions.assertFullChecksumsValid;
import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.DESTINATION_UNREACHABLE;
import static io.lanyard.forwarding.testkit.FrameBuilder.ECHO_REQUEST;
import static io.lanyard.forwarding.testkit.FrameBuilder.PORT_UNREACHABLE;
import static io.lanyard.forwarding.testkit.FrameBuilder.SYN;
import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.TIME_EXCEEDED;
import static io.lanyard.forwarding.testkit.FrameBuilder.UDP;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoRequest;
import static io.lanyard.forwarding.testkit.FrameBuilder.icmpError;
import static io.lanyard.forwarding.testkit.FrameBuilder.quote;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static io.lanyard.forwarding.testkit.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterIcmpErrorTest
{
    private final RoutedSwitch net = new RoutedSwitch();

    /**
     * Red .3 takes NAT port 5000 towards the DNS server first, so red .2's datagram from port 5000
     * leaves by another port; returns the translated datagram as it went out.
     */
    private Slot redTwoQueriesDnsBehindAnotherPort()
    {
        net.fromContainer(RED_PORT_3, udp(RED_3, 5000, DNS, 53).payload(12));
        final Slot query = udp(RED_2, 5000, DNS, 53).payload(12).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, query));
        assertNotEquals(5000, query.sourcePort());
        return query;
    }

    @Test
    void shouldDeliverAPortUnreachableToTheContainerWithTheQuotedPacketRestored()
    {
        final Slot query = redTwoQueriesDnsBehindAnotherPort();
        final Slot error = icmpError(DNS, UPLINK, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, query.ipPacket()).ttl(60)
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, error));

        assertEquals(RED_2_MAC, error.destinationMac());
        assertEquals(RED_GATEWAY_MAC, error.sourceMac());
        assertEquals(DNS, error.ipSource());
        assertEquals(RED_2, error.ipDestination());
        assertEquals(59, error.ttl());
        assertEquals(DESTINATION_UNREACHABLE, error.icmpType());
        assertEquals(PORT_UNREACHABLE, error.icmpCode());
        assertEquals(RED_2, error.quotedSource());
        assertEquals(5000, error.quotedSourcePort());
        assertEquals(DNS, error.quotedDestination());
        assertEquals(53, error.quotedDestinationPort());
        assertEquals(63, error.quotedTtl());
        assertTrue(error.quotedHeaderChecksumIsValid(), "quoted IPv4 header checksum");
        assertFullChecksumsValid(error);
        assertEquals(error.length(), error.originalFrame().length);
    }

    @Test
    void shouldKeepTheOuterSourceOfATimeExceededFromARouterOnThePath()
    {
        net.fromContainer(RED_PORT_3, tcp(RED_3, 40000, REMOTE, 80, SYN));
        final Slot syn = tcp(RED_2, 40000, REMOTE, 80, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        net.forward(RED_PORT_2, syn);
        final int natPort = syn.sourcePort();
        final Slot error = icmpError(TRANSIT_ROUTER, UPLINK, TIME_EXCEEDED, 0, quote(syn.ipPacket(), 28))
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, error));

        assertEquals(TRANSIT_ROUTER, error.ipSource());
        assertEquals(RED_2, error.ipDestination());
        assertEquals(RED_2, error.quotedSource());
        assertEquals(40000, error.quotedSourcePort());
        assertEquals(REMOTE, error.quotedDestination());
        assertEquals(80, error.quotedDestinationPort());
        assertNotEquals(natPort, 40000);
        assertTrue(error.quotedHeaderChecksumIsValid());
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldKeepTheNextHopMtuOfAFragmentationNeeded()
    {
        final Slot syn = tcp(RED_2, 40000, REMOTE, 80, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        net.forward(RED_PORT_2, syn);
        final Slot error = icmpError(TRANSIT_ROUTER, UPLINK, DESTINATION_UNREACHABLE, 4, quote(syn.ipPacket(), 40)).nextHopMtu(1400)
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, error));

        assertEquals(1400, error.icmpSequence());
        assertEquals(4, error.icmpCode());
        assertEquals(RED_2, error.quotedSource());
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldRestoreTheIdentifierOfAQuotedEcho()
    {
        net.fromContainer(RED_PORT_2, echoRequest(RED_2, REMOTE, 0x4242, 1).payload(8));
        final Slot ping = echoRequest(RED_3, REMOTE, 0x4242, 3).payload(8).ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();
        net.forward(RED_PORT_3, ping);
        assertNotEquals(0x4242, ping.icmpIdentifier());
        final Slot error = icmpError(TRANSIT_ROUTER, UPLINK, TIME_EXCEEDED, 0, ping.ipPacket())
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(RED_PORT_3, net.forward(UPLINK_PORT, error));

        assertEquals(RED_3, error.ipDestination());
        assertEquals(TRANSIT_ROUTER, error.ipSource());
        assertEquals(RED_3, error.quotedSource());
        assertEquals(0x4242, error.quotedIcmpIdentifier());
        assertEquals(ECHO_REQUEST, error.read8(error.quotedOffset() + 20));
        assertTrue(error.quotedHeaderChecksumIsValid());
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldSendAContainersErrorAboutAPublishedPortsFlowFromTheUplinkAddress()
    {
        net.router.publish(UDP, 5353, RED, RED_2, 53, RED_2_MAC);
        final Slot query = udp(CLIENT, 40000, UPLINK, 5353).payload(20).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        net.forward(UPLINK_PORT, query);
        assertEquals(RED_2, query.ipDestination());
        final Slot error = icmpError(RED_2, CLIENT, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, query.ipPacket())
            .ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, error));

        assertEquals(UPLINK_MAC, error.sourceMac());
        assertEquals(UPLINK_GATEWAY_MAC, error.destinationMac());
        assertEquals(UPLINK, error.ipSource());
        assertEquals(CLIENT, error.ipDestination());
        assertEquals(CLIENT, error.quotedSource());
        assertEquals(40000, error.quotedSourcePort());
        assertEquals(UPLINK, error.quotedDestination());
        assertEquals(5353, error.quotedDestinationPort());
        assertTrue(error.quotedHeaderChecksumIsValid());
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldSendAContainersErrorAboutAReplyItDidNotWantFromTheUplinkAddress()
    {
        final Slot query = redTwoQueriesDnsBehindAnotherPort();
        final int natPort = query.sourcePort();
        final Slot answer = udp(DNS, 53, UPLINK, natPort).payload(40).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, answer));
        final Slot error = icmpError(RED_2, DNS, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, quote(answer.ipPacket(), 28))
            .ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, error));

        assertEquals(UPLINK, error.ipSource());
        assertEquals(DNS, error.ipDestination());
        assertEquals(DNS, error.quotedSource());
        assertEquals(53, error.quotedSourcePort());
        assertEquals(UPLINK, error.quotedDestination());
        assertEquals(natPort, error.quotedDestinationPort());
        assertTrue(error.quotedHeaderChecksumIsValid());
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldDeliverAnErrorAboutAPublishedPortsReplyToTheContainer()
    {
        net.router.publish(TCP, 8080, RED, RED_2, 80, RED_2_MAC);
        net.forward(UPLINK_PORT, tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot());
        final Slot synAck = tcp(RED_2, 80, CLIENT, 5555, SYN | ACK).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        net.forward(RED_PORT_2, synAck);
        final Slot error = icmpError(CLIENT, UPLINK, DESTINATION_UNREACHABLE, 1, quote(synAck.ipPacket(), 28))
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, error));

        assertEquals(CLIENT, error.ipSource());
        assertEquals(RED_2, error.ipDestination());
        assertEquals(RED_2, error.quotedSource());
        assertEquals(80, error.quotedSourcePort());
        assertEquals(CLIENT, error.quotedDestination());
        assertEquals(5555, error.quotedDestinationPort());
        assertTrue(error.quotedHeaderChecksumIsValid());
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldSendAnErrorOfAHairpinTargetBackToTheSourceAsFromTheUplinkAddress()
    {
        net.router.publish(UDP, 5353, RED, RED_2, 53, RED_2_MAC);
        final Slot query = udp(BLUE_2, 6000, UPLINK, 5353).payload(16).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot();
        net.forward(BLUE_PORT_2, query);
        assertEquals(RED_GATEWAY, query.ipSource());
        final Slot error = icmpError(RED_2, RED_GATEWAY, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, query.ipPacket())
            .ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(BLUE_PORT_2, net.forward(RED_PORT_2, error));

        assertEquals(BLUE_GATEWAY_MAC, error.sourceMac());
        assertEquals(BLUE_2_MAC, error.destinationMac());
        assertEquals(UPLINK, error.ipSource());
        assertEquals(BLUE_2, error.ipDestination());
        assertEquals(BLUE_2, error.quotedSource());
        assertEquals(6000, error.quotedSourcePort());
        assertEquals(UPLINK, error.quotedDestination());
        assertEquals(5353, error.quotedDestinationPort());
        assertTrue(error.quotedHeaderChecksumIsValid());
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldSendACompleteErrorWhenTheOneReceivedLeftItsChecksumToTheReceiver()
    {
        final Slot query = redTwoQueriesDnsBehindAnotherPort();
        final Slot error = icmpError(DNS, UPLINK, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, query.ipPacket()).partialChecksum()
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(1, error.virtioHeader()[0]);

        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, error));

        assertArrayEquals(new byte[10], error.virtioHeader());
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldDropAnErrorAboutNoTrackedFlowAsUnsolicited()
    {
        final byte[] stranger = udp(UPLINK, 6000, DNS, 53).payload(4).ipPacket();
        final Slot fromOutside = icmpError(DNS, UPLINK, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, stranger)
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, fromOutside));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());
        assertArrayEquals(fromOutside.originalFrame(), fromOutside.frame());

        final byte[] strangerIn = udp(DNS, 53, RED_2, 6000).payload(4).ipPacket();
        final Slot fromInside = icmpError(RED_2, DNS, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, strangerIn)
            .ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(RED_PORT_2, fromInside));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());
    }

    @Test
    void shouldDropAnErrorWhoseQuoteIsTooShortAsMalformed()
    {
        final Slot query = redTwoQueriesDnsBehindAnotherPort();
        final Slot error = icmpError(DNS, UPLINK, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, quote(query.ipPacket(), 27))
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, error));

        assertEquals(DropReason.MALFORMED, net.dropReason());
        assertArrayEquals(error.originalFrame(), error.frame());
    }

    @Test
    void shouldDropAnErrorQuotingAnotherProtocolAsUnsupported()
    {
        final byte[] gre = FrameBuilder.other(47, UPLINK, DNS).payload(8).ipPacket();
        final Slot error = icmpError(DNS, UPLINK, DESTINATION_UNREACHABLE, 2, gre).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, error));

        assertEquals(DropReason.UNSUPPORTED, net.dropReason());
    }

    @Test
    void shouldDropAnErrorWhoseTtlRunsOut()
    {
        final Slot query = redTwoQueriesDnsBehindAnotherPort();
        final Slot error = icmpError(DNS, UPLINK, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, query.ipPacket()).ttl(1)
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, error));

        assertEquals(DropReason.TTL_EXCEEDED, net.dropReason());
        assertArrayEquals(error.originalFrame(), error.frame());
    }

    @Test
    void shouldDeliverAnErrorAboutAFlowToAContainerNotLearnedByFlooding()
    {
        final Slot query = redTwoQueriesDnsBehindAnotherPort();
        net.forgetMacs();
        final Slot error = icmpError(DNS, UPLINK, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, query.ipPacket())
            .ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.FLOOD, net.forward(UPLINK_PORT, error));

        assertEquals(RED_2_MAC, error.destinationMac());
        assertEquals(RED_2, error.ipDestination());
    }
}
