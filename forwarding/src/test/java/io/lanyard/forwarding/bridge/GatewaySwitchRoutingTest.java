package io.lanyard.forwarding.bridge;

import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.l3.Router;
import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.nat.ConntrackTimeouts;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.ArpPacket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.FrameBuilder.SYN;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoRequest;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Which part decides a frame when a router is behind the gateways: the gateway answers what it
 * serves, the router takes the rest of the IPv4 sent to the gateway and everything the uplink
 * reads, the host side what else is sent to the gateway's MAC, and the switch everything else.
 *
 * <pre>
 *   red    172.17.0.0/16  gw 172.17.0.1  masquerade  ports 1 (.2), 2 (.3), 3 (host side)
 *   blue   172.18.0.0/16  gw 172.18.0.1  masquerade  port 4 (.2), no host side
 *   uplink 192.0.2.10/24 on port 7, default gateway 192.0.2.1 (its MAC known)
 * </pre>
 */
class GatewaySwitchRoutingTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_000 * SECOND;

    private static final int RED = 0;
    private static final int BLUE = 1;
    private static final int RED_PORT_2 = 1;
    private static final int RED_PORT_3 = 2;
    private static final int RED_HOST_PORT = 3;
    private static final int BLUE_PORT_2 = 4;
    private static final int UPLINK_PORT = 7;

    private static final int RED_GATEWAY = ip("172.17.0.1");
    private static final long RED_GATEWAY_MAC = MacAddress.parse("02:42:ac:11:00:01");
    private static final int RED_2 = ip("172.17.0.2");
    private static final long RED_2_MAC = MacAddress.parse("02:42:ac:11:00:02");
    private static final int RED_3 = ip("172.17.0.3");
    private static final int BLUE_GATEWAY = ip("172.18.0.1");
    private static final long BLUE_GATEWAY_MAC = MacAddress.parse("02:42:ac:12:00:01");
    private static final int BLUE_2 = ip("172.18.0.2");
    private static final long BLUE_2_MAC = MacAddress.parse("02:42:ac:12:00:02");

    private static final int UPLINK = ip("192.0.2.10");
    private static final long UPLINK_MAC = MacAddress.parse("52:54:00:12:34:56");
    private static final int UPLINK_GATEWAY = ip("192.0.2.1");
    private static final long UPLINK_GATEWAY_MAC = MacAddress.parse("52:54:00:00:00:01");
    private static final int ON_LINK = ip("192.0.2.77");
    private static final long ON_LINK_MAC = MacAddress.parse("52:54:00:00:00:77");
    private static final int REMOTE = ip("198.51.100.1");

    private final MacTable macTable = new MacTable(256, 300 * SECOND, T0);
    private final ConnectionTable connections = new ConnectionTable(1024, ConntrackTimeouts.defaults());
    private final Router router = new Router(2, connections);
    private final LearningSwitch learningSwitch = new LearningSwitch(8, 2, macTable);
    private final GatewaySwitch gatewaySwitch = new GatewaySwitch(learningSwitch, router);
    private final Verdict verdict = new Verdict();

    @BeforeEach
    void wire()
    {
        gatewaySwitch.configureDomain(RED, RED_GATEWAY, RED_GATEWAY_MAC, true);
        router.configureDomain(RED, ip("172.17.0.0"), 16, RED_GATEWAY, RED_GATEWAY_MAC, true, true);
        gatewaySwitch.configureDomain(BLUE, BLUE_GATEWAY, BLUE_GATEWAY_MAC, true);
        router.configureDomain(BLUE, ip("172.18.0.0"), 16, BLUE_GATEWAY, BLUE_GATEWAY_MAC, true, true);
        learningSwitch.attach(RED_PORT_2, RED);
        learningSwitch.attach(RED_PORT_3, RED);
        learningSwitch.attach(RED_HOST_PORT, RED, true);
        learningSwitch.attach(BLUE_PORT_2, BLUE);
        router.configureUplink(UPLINK_PORT, UPLINK_MAC, UPLINK, 24, UPLINK_GATEWAY);
        router.neighbour(UPLINK_GATEWAY, UPLINK_GATEWAY_MAC);
    }

    @Test
    void shouldLeaveAnEchoToTheGatewayToTheGatewayResponder()
    {
        final Slot ping = fromRedTwo(echoRequest(RED_2, RED_GATEWAY, 5, 1).payload(8));

        assertEquals(Verdict.REPLY, forward(RED_PORT_2, ping));

        assertEquals(RED_GATEWAY, ping.ipSource());
        assertEquals(RED_2, ping.ipDestination());
    }

    @Test
    void shouldHandWhatIsNotIpv4ForTheGatewayMacToTheHostSideRatherThanRouteIt()
    {
        final Slot ipv6 = fromRedTwo(tcp(RED_2, 40000, REMOTE, 80, SYN)).poke(12, 0x86).poke(13, 0xDD);
        assertEquals(RED_HOST_PORT, forward(RED_PORT_2, ipv6));
        assertArrayEquals(ipv6.originalFrame(), ipv6.frame());

        final Slot blueIpv6 = tcp(BLUE_2, 40000, REMOTE, 80, SYN).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot().poke(12, 0x86).poke(13, 0xDD);
        assertEquals(Verdict.DROP, forward(BLUE_PORT_2, blueIpv6));
        assertEquals(DropReason.NO_ROUTE, dropReason());
        assertArrayEquals(blueIpv6.originalFrame(), blueIpv6.frame(), "a dropped frame is not translated");
        assertEquals(0, connections.size());
    }

    @Test
    void shouldRouteIpv4SentToTheGatewayMacThatTheGatewayDoesNotServe()
    {
        assertEquals(UPLINK_PORT, forward(RED_PORT_2, fromRedTwo(tcp(RED_2, 40000, REMOTE, 80, SYN))));
        assertEquals(1, connections.size());
        assertEquals(1, router.created());
    }

    @Test
    void shouldSwitchAnArpRequestForAnotherAddressRatherThanAnswerIt()
    {
        final Slot request = FrameBuilder.arp(RED_2_MAC, MacAddress.BROADCAST, ArpPacket.OPERATION_REQUEST, RED_2_MAC, RED_2, 0, RED_3);

        assertEquals(Verdict.FLOOD, forward(RED_PORT_2, request));

        assertArrayEquals(new int[] {RED_PORT_2, RED_PORT_3, RED_HOST_PORT}, verdict.floodPorts());
        assertArrayEquals(request.originalFrame(), request.frame());
    }

    @Test
    void shouldGiveWhatTheUplinkReadsToTheRouter()
    {
        final Slot request = FrameBuilder.arp(ON_LINK_MAC, MacAddress.BROADCAST, ArpPacket.OPERATION_REQUEST, ON_LINK_MAC, ON_LINK, 0, UPLINK);

        assertEquals(Verdict.REPLY, forward(UPLINK_PORT, request));

        assertEquals(ON_LINK_MAC, router.neighbourMac(ON_LINK), "the router answered, and learned the asker");
        assertEquals(0, macTable.size(), "the switch never saw it");
    }

    @Test
    void shouldSendARepliedFlowToTheContainerThroughTheSwitchsTable()
    {
        forward(RED_PORT_2, fromRedTwo(tcp(RED_2, 40000, REMOTE, 80, SYN)));
        forward(RED_PORT_2, fromRedTwo(tcp(RED_2, 40001, REMOTE, 80, SYN)));

        assertEquals(RED_PORT_2, forward(UPLINK_PORT, synAckTo(40000)), "where the switch learned the container");

        macTable.removePort(RED_PORT_2);
        assertEquals(Verdict.FLOOD, forward(UPLINK_PORT, synAckTo(40001)), "a container no longer learned is flooded for");
        assertSame(learningSwitch.unicastFloodPorts(RED), verdict.floodPorts());
    }

    @Test
    void shouldDropAFrameOfAPortInNoDomainThatIsNotTheUplink()
    {
        assertEquals(Verdict.DROP, forward(5, fromRedTwo(tcp(RED_2, 40000, REMOTE, 80, SYN))));
        assertEquals(DropReason.NO_INGRESS_PORT, dropReason());

        router.configureUplink(Router.NO_PORT, -1L, 0, 0, 0);
        assertEquals(Verdict.DROP, forward(UPLINK_PORT, FrameBuilder.arp(ON_LINK_MAC, MacAddress.BROADCAST,
            ArpPacket.OPERATION_REQUEST, ON_LINK_MAC, ON_LINK, 0, UPLINK)));
        assertEquals(DropReason.NO_INGRESS_PORT, dropReason(), "once the uplink is gone, its port is no one's");
    }

    @Test
    void shouldShowTheRouterTheHostSideOfEachNetwork()
    {
        assertSame(router, gatewaySwitch.router());
        assertEquals(RED_HOST_PORT, gatewaySwitch.hostPort(RED));
        assertEquals(Router.NO_PORT, gatewaySwitch.hostPort(BLUE));
        assertArrayEquals(new int[] {BLUE_PORT_2}, gatewaySwitch.floodPorts(BLUE));
    }

    private int forward(final int port, final Slot slot)
    {
        gatewaySwitch.forward(port, slot.buffer, Slot.FRAME_OFFSET, slot.length(), T0, verdict);
        return verdict.egress();
    }

    private DropReason dropReason()
    {
        return DropReason.of(verdict.dropReason());
    }

    private static Slot synAckTo(final int port)
    {
        return tcp(REMOTE, 80, UPLINK, port, SYN | FrameBuilder.ACK).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();
    }

    private static Slot fromRedTwo(final FrameBuilder builder)
    {
        return builder.ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot();
    }

    private static int ip(final String text)
    {
        return Ipv4Address.parse(text);
    }
}
