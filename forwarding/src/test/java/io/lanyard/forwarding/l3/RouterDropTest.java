package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_GATEWAY;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.CLIENT;
import static io.lanyard.forwarding.l3.RoutedSwitch.INTERNAL_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.INTERNAL_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.INTERNAL_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.INTERNAL_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.PLAIN_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_GATEWAY;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_HOST_PORT;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.REMOTE;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_PORT;
import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.DESTINATION_UNREACHABLE;
import static io.lanyard.forwarding.testkit.FrameBuilder.PORT_UNREACHABLE;
import static io.lanyard.forwarding.testkit.FrameBuilder.RST;
import static io.lanyard.forwarding.testkit.FrameBuilder.SYN;
import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoRequest;
import static io.lanyard.forwarding.testkit.FrameBuilder.icmpError;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static io.lanyard.forwarding.testkit.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RouterDropTest
{
    private final RoutedSwitch net = new RoutedSwitch();

    private void assertDropped(final DropReason reason, final int port, final Slot slot)
    {
        assertEquals(Verdict.DROP, net.forward(port, slot));
        assertEquals(reason, net.dropReason());
        assertArrayEquals(slot.originalFrame(), slot.frame(), "a dropped frame is not translated");
    }

    private static Slot fromRedTwo(final FrameBuilder builder)
    {
        return builder.ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
    }

    private static Slot fromOutside(final FrameBuilder builder)
    {
        return builder.ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
    }

    // ------------------------------------------------------------------ isolation and internal networks

    @Test
    void shouldRefuseAPacketToAnotherNetworkThroughTheGatewayAsIsolation()
    {
        assertDropped(DropReason.ISOLATION, RED_PORT_2, fromRedTwo(tcp(RED_2, 40000, BLUE_2, 80, SYN)));
        assertDropped(DropReason.ISOLATION, RED_PORT_2, fromRedTwo(tcp(RED_2, 40000, BLUE_GATEWAY, 80, SYN)));
        assertDropped(DropReason.ISOLATION, RED_PORT_2, fromRedTwo(udp(RED_2, 40000, PLAIN_2, 53).payload(4)));
        assertDropped(DropReason.ISOLATION, RED_PORT_2, fromRedTwo(echoRequest(RED_2, INTERNAL_2, 1, 1)));
        assertEquals(0, net.connections.size());
    }

    @Test
    void shouldHaveNoRouteOutOfAnInternalNetwork()
    {
        final Slot syn = tcp(INTERNAL_2, 40000, REMOTE, 80, SYN).ethernet(INTERNAL_2_MAC, INTERNAL_GATEWAY_MAC).slot();

        assertDropped(DropReason.NO_ROUTE, INTERNAL_PORT_2, syn);

        assertEquals(0, net.connections.size());
    }

    @Test
    void shouldHandTrafficForTheGatewayAddressToTheHostSidePortUnchanged()
    {
        final Slot toHost = fromRedTwo(tcp(RED_2, 40000, RED_GATEWAY, 8080, SYN));

        assertEquals(RED_HOST_PORT, net.forward(RED_PORT_2, toHost));

        assertArrayEquals(toHost.originalFrame(), toHost.frame());
        assertArrayEquals(toHost.originalVirtioHeader(), toHost.virtioHeader());
        final Slot dns = fromRedTwo(udp(RED_2, 5353, RED_GATEWAY, 53).payload(30).ttl(1));
        assertEquals(RED_HOST_PORT, net.forward(RED_PORT_2, dns), "delivered on the link, so no TTL is spent");
        assertArrayEquals(dns.originalFrame(), dns.frame());
        final Slot gre = fromRedTwo(FrameBuilder.other(47, RED_2, RED_GATEWAY).payload(12));
        assertEquals(RED_HOST_PORT, net.forward(RED_PORT_2, gre));
        assertEquals(0, net.connections.size());
    }

    @Test
    void shouldHaveNoRouteToTheGatewayAddressOfANetworkWithoutAHostSidePort()
    {
        final Slot toHost = tcp(BLUE_2, 40000, BLUE_GATEWAY, 8080, SYN).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot();

        assertDropped(DropReason.NO_ROUTE, BLUE_PORT_2, toHost);
    }

    @Test
    void shouldHaveNoRouteFromANetworkTheRouterDoesNotKnow()
    {
        net.router.clearDomain(RED);

        assertDropped(DropReason.NO_ROUTE, RED_PORT_2, fromRedTwo(tcp(RED_2, 40000, REMOTE, 80, SYN)));
    }

    @Test
    void shouldNotDeliverATrackedFlowIntoANetworkThatHasBeenRemoved()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        net.router.clearDomain(RED);

        assertEquals(0, net.connections.size(), "a removed network's connections go with it");
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, fromOutside(tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK))));
        assertEquals(DropReason.UNSOLICITED, net.dropReason());
    }

    @Test
    void shouldForgetTheConnectionsOfAContainerThatLeftAndOnlyThose()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        net.fromContainer(RED_PORT_2, udp(RED_2, 40001, REMOTE, 53).payload(8));
        net.fromContainer(RED_PORT_3, tcp(RED_3, 40000, REMOTE, 80, SYN));
        assertEquals(3, net.connections.size());

        assertEquals(2, net.router.forgetEndpoint(RED, RED_2_MAC));

        assertEquals(1, net.connections.size());
        assertEquals(Verdict.DROP, net.forward(UPLINK_PORT, fromOutside(tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK))),
            "RED_2 kept port 40000: its flow is gone");
        assertEquals(DropReason.UNSOLICITED, net.dropReason());
        assertEquals(0, net.router.forgetEndpoint(RED, RED_2_MAC), "nothing left of it");
    }

    @Test
    void shouldDropAProtocolItDoesNotTranslateAsUnsupported()
    {
        assertDropped(DropReason.UNSUPPORTED, RED_PORT_2, fromRedTwo(FrameBuilder.other(47, RED_2, REMOTE).payload(12)));
    }

    // ------------------------------------------------------------------ tracked flows are only theirs

    @Test
    void shouldNotLetAContainerOfAnotherNetworkInjectIntoATrackedFlow()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        net.forward(UPLINK_PORT, fromOutside(tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK)));

        final Slot spoofedReply = tcp(REMOTE, 80, UPLINK, 40000, ACK | RST).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot();
        assertDropped(DropReason.ISOLATION, BLUE_PORT_2, spoofedReply);

        final Slot spoofedOriginal = tcp(RED_2, 40000, REMOTE, 80, ACK).ethernet(INTERNAL_2_MAC, INTERNAL_GATEWAY_MAC).slot();
        assertDropped(DropReason.ISOLATION, INTERNAL_PORT_2, spoofedOriginal);

        final int id = net.connection(TCP, RED_2, 40000, REMOTE, 80);
        assertEquals(ConnectionTable.SYN_RECV, net.connections.state(id), "the spoofed reset did not close it");
    }

    @Test
    void shouldNotLetTheOutsideSendAsAContainer()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));

        assertDropped(DropReason.UNSOLICITED, UPLINK_PORT, fromOutside(tcp(RED_2, 40000, REMOTE, 80, ACK)));
    }

    @Test
    void shouldNotTakeAnErrorFromAnotherNetworkForATrackedFlow()
    {
        final Slot query = fromRedTwo(udp(RED_2, 5000, CLIENT, 53).payload(8));
        net.forward(RED_PORT_2, query);
        final Slot spoofedError = icmpError(CLIENT, UPLINK, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, query.ipPacket())
            .ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot();

        assertDropped(DropReason.ISOLATION, BLUE_PORT_2, spoofedError);
    }

    // ------------------------------------------------------------------ fragments and TTL

    @Test
    void shouldDropFragmentsUntranslated()
    {
        assertDropped(DropReason.FRAGMENT, RED_PORT_2, fromRedTwo(udp(RED_2, 5000, REMOTE, 53).payload(64).flagsAndFragmentOffset(0x2000)));
        assertDropped(DropReason.FRAGMENT, RED_PORT_2, fromRedTwo(udp(RED_2, 5000, REMOTE, 53).payload(64).flagsAndFragmentOffset(0x0008)));
        assertDropped(DropReason.FRAGMENT, RED_PORT_2, fromRedTwo(echoRequest(RED_2, REMOTE, 1, 1).payload(64).flagsAndFragmentOffset(0x2000)));
        assertEquals(0, net.connections.size());

        net.fromContainer(RED_PORT_2, udp(RED_2, 5000, REMOTE, 53).payload(8));
        assertDropped(DropReason.FRAGMENT, UPLINK_PORT, fromOutside(udp(REMOTE, 53, UPLINK, 5000).payload(64).flagsAndFragmentOffset(0x2000)));
        assertDropped(DropReason.FRAGMENT, UPLINK_PORT, fromOutside(udp(REMOTE, 53, UPLINK, 5000).payload(64).flagsAndFragmentOffset(0x00B9)));
    }

    @Test
    void shouldDropAPacketWhoseTtlRunsOutWithoutTrackingIt()
    {
        assertDropped(DropReason.TTL_EXCEEDED, RED_PORT_2, fromRedTwo(tcp(RED_2, 40000, REMOTE, 80, SYN).ttl(1)));
        assertDropped(DropReason.TTL_EXCEEDED, RED_PORT_2, fromRedTwo(udp(RED_2, 33434, REMOTE, 33434).payload(8).ttl(0)));
        assertEquals(0, net.connections.size(), "a packet that never left leaves no connection behind");

        net.router.publish(TCP, 8080, RED, RED_2, 80, RED_2_MAC);
        assertDropped(DropReason.TTL_EXCEEDED, UPLINK_PORT, fromOutside(tcp(CLIENT, 5555, UPLINK, 8080, SYN).ttl(1)));
        assertDropped(DropReason.TTL_EXCEEDED, BLUE_PORT_2,
            tcp(BLUE_2, 5555, UPLINK, 8080, SYN).ttl(1).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot());
        assertEquals(0, net.connections.size());
    }

    @Test
    void shouldDropAPacketOfATrackedFlowWhoseTtlRunsOut()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));

        assertDropped(DropReason.TTL_EXCEEDED, UPLINK_PORT, fromOutside(tcp(REMOTE, 80, UPLINK, 40000, SYN | ACK).ttl(1)));
        assertDropped(DropReason.TTL_EXCEEDED, RED_PORT_2, fromRedTwo(tcp(RED_2, 40000, REMOTE, 80, SYN).ttl(1)));
    }

    // ------------------------------------------------------------------ resets

    @Test
    void shouldDropAResetOfNoConnection()
    {
        assertDropped(DropReason.UNSOLICITED, RED_PORT_2, fromRedTwo(tcp(RED_2, 40000, REMOTE, 80, RST)));
        assertDropped(DropReason.UNSOLICITED, RED_PORT_2, fromRedTwo(tcp(RED_2, 40000, REMOTE, 80, RST | ACK)));
        assertDropped(DropReason.UNSOLICITED, UPLINK_PORT, fromOutside(tcp(REMOTE, 80, UPLINK, 40000, RST)));
        assertEquals(0, net.connections.size());
    }

    @Test
    void shouldTranslateAResetOfATrackedConnectionAndCloseIt()
    {
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        final Slot reset = fromOutside(tcp(REMOTE, 80, UPLINK, 40000, RST | ACK));

        assertEquals(RED_PORT_2, net.forward(UPLINK_PORT, reset));

        assertEquals(RED_2, reset.ipDestination());
        assertEquals(ConnectionTable.CLOSE, net.connections.state(net.connection(TCP, RED_2, 40000, REMOTE, 80)));
    }

    // ------------------------------------------------------------------ malformed

    @Test
    void shouldDropMalformedPacketsFromAContainerWithoutThrowing()
    {
        assertMalformedDropped(RED_PORT_2, RED_2_MAC, RED_GATEWAY_MAC, RED_2, REMOTE);
    }

    @Test
    void shouldDropMalformedPacketsFromTheUplinkWithoutThrowing()
    {
        net.router.publish(TCP, 8080, RED, RED_2, 80, RED_2_MAC);
        net.router.publish(17, 8080, RED, RED_2, 80, RED_2_MAC);
        assertMalformedDropped(UPLINK_PORT, UPLINK_GATEWAY_MAC, UPLINK_MAC, CLIENT, UPLINK);
    }

    private void assertMalformedDropped(final int port, final long sourceMac, final long destinationMac, final int source, final int destination)
    {
        final int ip = 14;
        final Slot shortHeader = tcp(source, 40000, destination, 8080, SYN).ethernet(sourceMac, destinationMac).slot().truncate(ip + 19);
        assertDropped(DropReason.MALFORMED, port, shortHeader);

        final Slot longerThanPresent = tcp(source, 40000, destination, 8080, SYN).ethernet(sourceMac, destinationMac).slot().poke(ip + 3, 41);
        assertDropped(DropReason.MALFORMED, port, longerThanPresent);

        final Slot tinyHeaderLength = tcp(source, 40000, destination, 8080, SYN).ethernet(sourceMac, destinationMac).slot().poke(ip, 0x44);
        assertDropped(DropReason.MALFORMED, port, tinyHeaderLength);

        final Slot headerLongerThanTotal = tcp(source, 40000, destination, 8080, SYN).ethernet(sourceMac, destinationMac).slot().poke(ip, 0x4F);
        assertDropped(DropReason.MALFORMED, port, headerLongerThanTotal);

        final Slot version6 = tcp(source, 40000, destination, 8080, SYN).ethernet(sourceMac, destinationMac).slot().poke(ip, 0x65);
        assertDropped(DropReason.MALFORMED, port, version6);

        final Slot cutTcp = tcp(source, 40000, destination, 8080, SYN).ethernet(sourceMac, destinationMac).slot()
            .poke(ip + 3, 39).truncate(ip + 39);
        assertDropped(DropReason.MALFORMED, port, cutTcp);

        final Slot cutUdp = udp(source, 40000, destination, 8080).ethernet(sourceMac, destinationMac).slot()
            .poke(ip + 3, 27).truncate(ip + 27);
        assertDropped(DropReason.MALFORMED, port, cutUdp);

        final Slot cutIcmp = echoRequest(source, destination, 1, 1).ethernet(sourceMac, destinationMac).slot()
            .poke(ip + 3, 27).truncate(ip + 27);
        assertDropped(DropReason.MALFORMED, port, cutIcmp);

        final Slot noIpAtAll = tcp(source, 40000, destination, 8080, SYN).ethernet(sourceMac, destinationMac).slot().truncate(ip);
        assertDropped(DropReason.MALFORMED, port, noIpAtAll);

        assertEquals(0, net.connections.size());
    }
}
