package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.testkit.FrameAssertions;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.CLIENT;
import static io.lanyard.forwarding.l3.RoutedSwitch.INTERNAL_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.INTERNAL_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.PLAIN_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.PLAIN_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_3_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_GATEWAY;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_HOST_PORT;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_PORT;
import static io.lanyard.forwarding.testkit.FrameAssertions.assertFrame;
import static io.lanyard.forwarding.testkit.FrameAssertions.assertFullChecksumsValid;
import static io.lanyard.forwarding.testkit.FrameAssertions.assertPartialChecksumValid;
import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.RST;
import static io.lanyard.forwarding.testkit.FrameBuilder.SYN;
import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.UDP;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static io.lanyard.forwarding.testkit.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterPublishedPortTest
{
    private final RoutedSwitch net = new RoutedSwitch();

    @BeforeEach
    void publishRedTwoPort80AsHostPort8080()
    {
        net.router.publish(TCP, 8080, RED, RED_2, 80, RED_2_MAC);
    }

    // ------------------------------------------------------------------ from the outside (DNAT)

    @Test
    void shouldDeliverANewFlowToThePublishedContainerWhichSeesTheRealClient()
    {
        net.learn(RED_PORT_2);
        final Slot syn = tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, syn));

        assertFrame(tcp(CLIENT, 5555, RED_2, 80, SYN).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), syn);
        assertFullChecksumsValid(syn);
    }

    @Test
    void shouldSendTheContainersReplyOutFromThePublishedPortOfTheUplinkAddress()
    {
        net.forward(UPLINK_PORT, tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot());
        final Slot synAck = tcp(RED_2, 80, CLIENT, 5555, SYN | ACK).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, synAck));

        assertFrame(tcp(UPLINK, 8080, CLIENT, 5555, SYN | ACK).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), synAck);
        assertFullChecksumsValid(synAck);
        final Slot ack = tcp(CLIENT, 5555, UPLINK, 8080, ACK).payload(300).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, ack));
        assertFrame(tcp(CLIENT, 5555, RED_2, 80, ACK).payload(300).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), ack);
    }

    @Test
    void shouldFloodIntoThePublishedNetworkWhenTheContainerIsNotLearnedYet()
    {
        final Slot syn = tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.FLOOD, net.forward(UPLINK_PORT, syn));

        assertArrayEquals(new int[] {RED_PORT_2, RED_PORT_3, RED_HOST_PORT}, net.verdict.floodPorts());
        assertFrame(tcp(CLIENT, 5555, RED_2, 80, SYN).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), syn);
    }

    @Test
    void shouldTranslatePartialChecksumsOfAPublishedPortsFlow()
    {
        final Slot syn = tcp(CLIENT, 5555, UPLINK, 8080, SYN).partialChecksum().ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        net.forward(UPLINK_PORT, syn);
        assertPartialChecksumValid(syn);
        assertArrayEquals(syn.originalVirtioHeader(), syn.virtioHeader());

        final Slot synAck = tcp(RED_2, 80, CLIENT, 5555, SYN | ACK).partialChecksum().ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, synAck));
        assertPartialChecksumValid(synAck);
        assertFrame(tcp(UPLINK, 8080, CLIENT, 5555, SYN | ACK).partialChecksum().ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), synAck);
    }

    @Test
    void shouldPublishUdpPortsApartFromTcpPorts()
    {
        net.router.publish(UDP, 8080, RED, RED_3, 53, RED_3_MAC);
        net.learn(RED_PORT_3);
        final Slot query = udp(CLIENT, 7000, UPLINK, 8080).payload(30).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(RED_PORT_3, net.forward(UPLINK_PORT, query));
        assertFrame(udp(CLIENT, 7000, RED_3, 53).payload(30).ethernet(RED_GATEWAY_MAC, RED_3_MAC).ttl(63), query);

        final Slot answer = udp(RED_3, 53, CLIENT, 7000).payload(90).ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(UPLINK_PORT, net.forward(RED_PORT_3, answer));
        assertFrame(udp(UPLINK, 8080, CLIENT, 7000).payload(90).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC).ttl(63), answer);
        assertFullChecksumsValid(answer);
    }

    @Test
    void shouldDropAFlowToAPortThatIsNotPublishedAsUnsolicited()
    {
        final Slot otherPort = tcp(CLIENT, 5555, UPLINK, 8081, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, otherPort));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());
        assertArrayEquals(otherPort.originalFrame(), otherPort.frame());

        final Slot otherProtocol = udp(CLIENT, 5555, UPLINK, 8080).payload(4).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, otherProtocol));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());

        final Slot reset = tcp(CLIENT, 5555, UPLINK, 8080, RST).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, reset));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());
        assertEquals(0, net.connections.size());
    }

    @Test
    void shouldRefuseNewFlowsAfterUnpublishingWhileTheEstablishedOneCarriesOn()
    {
        net.forward(UPLINK_PORT, tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot());
        net.fromContainer(RED_PORT_2, tcp(RED_2, 80, CLIENT, 5555, SYN | ACK));

        net.router.unpublish(TCP, 8080);

        final Slot newFlow = tcp(CLIENT, 5556, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, newFlow));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());

        final Slot ack = tcp(CLIENT, 5555, UPLINK, 8080, ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, ack));
        assertFrame(tcp(CLIENT, 5555, RED_2, 80, ACK).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), ack);
        final Slot data = tcp(RED_2, 80, CLIENT, 5555, ACK).payload(10).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(UPLINK_PORT, net.forward(RED_PORT_2, data));
        assertEquals(UPLINK, data.ipSource());
        assertEquals(8080, data.sourcePort());
    }

    @Test
    void shouldKeepTheOtherPublishedPortsWhenOneIsUnpublished()
    {
        net.router.publish(TCP, 8443, RED, RED_3, 443, RED_3_MAC);
        net.router.publish(UDP, 8080, RED, RED_3, 53, RED_3_MAC);

        net.router.unpublish(TCP, 8080);

        final Slot tls = tcp(CLIENT, 5555, UPLINK, 8443, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.FLOOD, net.forward(UPLINK_PORT, tls));
        assertEquals(RED_3, tls.ipDestination());
        assertEquals(443, tls.destinationPort());
        final Slot dns = udp(CLIENT, 5555, UPLINK, 8080).payload(4).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        assertEquals(Verdict.FLOOD, net.forward(UPLINK_PORT, dns));
        assertEquals(53, dns.destinationPort());
    }

    @Test
    void shouldSendNewFlowsToTheNewTargetWhenAPortIsPublishedAgain()
    {
        net.router.publish(TCP, 8080, RED, RED_3, 8000, RED_3_MAC);

        final Slot syn = tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
        net.forward(UPLINK_PORT, syn);

        assertFrame(tcp(CLIENT, 5555, RED_3, 8000, SYN).ethernet(RED_GATEWAY_MAC, RED_3_MAC).ttl(63), syn);
    }

    @Test
    void shouldRefuseAPublishedPortsFlowWhoseReplyTupleAContainerFlowAlreadyUses()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 80, CLIENT, 5555, SYN));
        final Slot syn = tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, syn));

        assertEquals(DropReason.NAT_NO_PORT, net.dropReason());
        assertArrayEquals(syn.originalFrame(), syn.frame());
    }

    // ------------------------------------------------------------------ hairpin: containers to the uplink address

    @Test
    void shouldHairpinFromAnotherNetworkWithTheTargetNetworksGatewayAsSource()
    {
        net.learn(RED_PORT_2);
        final Slot syn = tcp(BLUE_2, 33000, UPLINK, 8080, SYN).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot();

        assertEquals(RED_PORT_2, net.forward(BLUE_PORT_2, syn));

        final int natPort = syn.sourcePort();
        assertTrue(natPort >= 1024, "NAT port " + natPort);
        assertFrame(tcp(RED_GATEWAY, natPort, RED_2, 80, SYN).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), syn);
        assertFullChecksumsValid(syn);

        final Slot synAck = tcp(RED_2, 80, RED_GATEWAY, natPort, SYN | ACK).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(BLUE_PORT_2, net.forward(RED_PORT_2, synAck));
        assertFrame(tcp(UPLINK, 8080, BLUE_2, 33000, SYN | ACK).ethernet(BLUE_GATEWAY_MAC, BLUE_2_MAC).ttl(63), synAck);
        assertFullChecksumsValid(synAck);
    }

    @Test
    void shouldHairpinPartialChecksums()
    {
        final Slot syn = tcp(BLUE_2, 33000, UPLINK, 8080, SYN).partialChecksum().ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot();
        assertEquals(Verdict.FLOOD, net.forward(BLUE_PORT_2, syn));
        assertPartialChecksumValid(syn);
        assertArrayEquals(syn.originalVirtioHeader(), syn.virtioHeader());

        final Slot synAck = tcp(RED_2, 80, RED_GATEWAY, syn.sourcePort(), SYN | ACK).partialChecksum()
            .ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(BLUE_PORT_2, net.forward(RED_PORT_2, synAck));
        assertPartialChecksumValid(synAck);
        assertEquals(UPLINK, synAck.ipSource());
        assertEquals(BLUE_2, synAck.ipDestination());
    }

    @Test
    void shouldHairpinWithinTheSameNetwork()
    {
        net.learn(RED_PORT_2);
        final Slot syn = tcp(RED_3, 41000, UPLINK, 8080, SYN).ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(RED_PORT_2, net.forward(RED_PORT_3, syn));

        final int natPort = syn.sourcePort();
        assertFrame(tcp(RED_GATEWAY, natPort, RED_2, 80, SYN).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), syn);
        final Slot synAck = tcp(RED_2, 80, RED_GATEWAY, natPort, SYN | ACK).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(RED_PORT_3, net.forward(RED_PORT_2, synAck));
        assertFrame(tcp(UPLINK, 8080, RED_3, 41000, SYN | ACK).ethernet(RED_GATEWAY_MAC, RED_3_MAC).ttl(63), synAck);
    }

    @Test
    void shouldLetAContainerReachItsOwnPublishedPort()
    {
        final Slot syn = tcp(RED_2, 42000, UPLINK, 8080, SYN).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();

        assertEquals(RED_PORT_2, net.forward(RED_PORT_2, syn), "back out of the port it came in by");

        final int natPort = syn.sourcePort();
        assertFrame(tcp(RED_GATEWAY, natPort, RED_2, 80, SYN).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), syn);
        final Slot synAck = tcp(RED_2, 80, RED_GATEWAY, natPort, SYN | ACK).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
        assertEquals(RED_PORT_2, net.forward(RED_PORT_2, synAck));
        assertFrame(tcp(UPLINK, 8080, RED_2, 42000, SYN | ACK).ethernet(RED_GATEWAY_MAC, RED_2_MAC).ttl(63), synAck);
    }

    @Test
    void shouldGiveTwoHairpinFlowsWithTheSameSourcePortDifferentNatPorts()
    {
        final Slot fromBlue = tcp(BLUE_2, 33000, UPLINK, 8080, SYN).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot();
        final Slot fromRed = tcp(RED_3, 33000, UPLINK, 8080, SYN).ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();

        net.forward(BLUE_PORT_2, fromBlue);
        net.forward(RED_PORT_3, fromRed);

        assertNotEquals(fromBlue.sourcePort(), fromRed.sourcePort());
        assertEquals(RED_GATEWAY, fromRed.ipSource());
    }

    @Test
    void shouldHairpinFromANetworkThatDoesNotMasquerade()
    {
        final Slot syn = tcp(PLAIN_2, 33000, UPLINK, 8080, SYN).ethernet(RoutedSwitch.PLAIN_2_MAC, RoutedSwitch.PLAIN_GATEWAY_MAC).slot();

        assertEquals(Verdict.FLOOD, net.forward(PLAIN_PORT_2, syn));

        assertEquals(RED_GATEWAY, syn.ipSource());
        assertEquals(RED_2, syn.ipDestination());
    }

    @Test
    void shouldNotRouteAContainerToAnUnpublishedPortOfTheUplinkAddress()
    {
        final Slot syn = tcp(BLUE_2, 33000, UPLINK, 9090, SYN).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(BLUE_PORT_2, syn));

        assertEquals(DropReason.NO_ROUTE, net.dropReason());
        assertArrayEquals(syn.originalFrame(), syn.frame());
    }

    @Test
    void shouldNotLetAnInternalNetworkReachPublishedPortsOfOtherNetworks()
    {
        final Slot syn = tcp(INTERNAL_2, 33000, UPLINK, 8080, SYN)
            .ethernet(RoutedSwitch.INTERNAL_2_MAC, RoutedSwitch.INTERNAL_GATEWAY_MAC).slot();

        assertEquals(Verdict.DROP, net.forward(INTERNAL_PORT_2, syn));

        assertEquals(DropReason.NO_ROUTE, net.dropReason());
        assertArrayEquals(syn.originalFrame(), syn.frame());
        assertEquals(0, net.connections.size());
    }
}
