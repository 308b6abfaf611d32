package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.nat.ConntrackTimeouts;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;

/**
 * The switch and router as the dataplane wires them (behind a {@link GatewaySwitch}), with four
 * networks and an uplink:
 *
 * <pre>
 *   red      172.17.0.0/16  gw 172.17.0.1  masquerade        ports 1 (.2), 2 (.3), 3 (host side)
 *   blue     172.18.0.0/16  gw 172.18.0.1  masquerade        ports 4 (.2), 5 (.3)
 *   internal 172.19.0.0/16  gw 172.19.0.1  no way out        port 6 (.2)
 *   plain    10.88.0.0/24   gw 10.88.0.1   no masquerade     port 7 (.2)
 *   uplink   192.0.2.10/24 on port 15, default gateway 192.0.2.1 (its MAC known)
 * </pre>
 *
 * Time is a field the tests advance by hand.
 */
final class RoutedSwitch
{
    static final long SECOND = 1_000_000_000L;
    static final long T0 = 1_000 * SECOND;

    static final int RED = 0;
    static final int BLUE = 1;
    static final int INTERNAL = 2;
    static final int PLAIN = 3;

    static final int RED_PORT_2 = 1;
    static final int RED_PORT_3 = 2;
    static final int RED_HOST_PORT = 3;
    static final int BLUE_PORT_2 = 4;
    static final int BLUE_PORT_3 = 5;
    static final int INTERNAL_PORT_2 = 6;
    static final int PLAIN_PORT_2 = 7;
    static final int UPLINK_PORT = 15;

    static final int RED_GATEWAY = ip("172.17.0.1");
    static final long RED_GATEWAY_MAC = mac("02:42:ac:11:00:01");
    static final int RED_2 = ip("172.17.0.2");
    static final long RED_2_MAC = mac("02:42:ac:11:00:02");
    static final int RED_3 = ip("172.17.0.3");
    static final long RED_3_MAC = mac("02:42:ac:11:00:03");
    static final long RED_HOST_MAC = mac("02:42:ac:11:00:fe");

    static final int BLUE_GATEWAY = ip("172.18.0.1");
    static final long BLUE_GATEWAY_MAC = mac("02:42:ac:12:00:01");
    static final int BLUE_2 = ip("172.18.0.2");
    static final long BLUE_2_MAC = mac("02:42:ac:12:00:02");
    static final int BLUE_3 = ip("172.18.0.3");
    static final long BLUE_3_MAC = mac("02:42:ac:12:00:03");

    static final int INTERNAL_GATEWAY = ip("172.19.0.1");
    static final long INTERNAL_GATEWAY_MAC = mac("02:42:ac:13:00:01");
    static final int INTERNAL_2 = ip("172.19.0.2");
    static final long INTERNAL_2_MAC = mac("02:42:ac:13:00:02");

    static final int PLAIN_GATEWAY = ip("10.88.0.1");
    static final long PLAIN_GATEWAY_MAC = mac("02:42:0a:58:00:01");
    static final int PLAIN_2 = ip("10.88.0.2");
    static final long PLAIN_2_MAC = mac("02:42:0a:58:00:02");

    static final int UPLINK = ip("192.0.2.10");
    static final long UPLINK_MAC = mac("52:54:00:12:34:56");
    static final int UPLINK_GATEWAY = ip("192.0.2.1");
    static final long UPLINK_GATEWAY_MAC = mac("52:54:00:00:00:01");
    /** A host on the uplink's own subnet: reached directly, not through the gateway. */
    static final int ON_LINK = ip("192.0.2.77");
    static final long ON_LINK_MAC = mac("52:54:00:00:00:77");

    static final int REMOTE = ip("198.51.100.1");
    static final int CLIENT = ip("198.51.100.7");
    static final int DNS = ip("198.51.100.53");
    static final int TRANSIT_ROUTER = ip("203.0.113.1");

    final MacTable macTable = new MacTable(256, 300 * SECOND, T0);
    final ConnectionTable connections;
    final Router router;
    final LearningSwitch learningSwitch;
    final GatewaySwitch gatewaySwitch;
    /** What the last {@link #forward} decided. */
    final Verdict verdict = new Verdict();
    long now = T0;

    RoutedSwitch()
    {
        this(1024);
    }

    RoutedSwitch(final int connectionCapacity)
    {
        connections = new ConnectionTable(connectionCapacity, ConntrackTimeouts.defaults());
        router = new Router(4, connections);
        learningSwitch = new LearningSwitch(16, 4, macTable);
        gatewaySwitch = new GatewaySwitch(learningSwitch, router);

        network(RED, ip("172.17.0.0"), 16, RED_GATEWAY, RED_GATEWAY_MAC, true, true);
        network(BLUE, ip("172.18.0.0"), 16, BLUE_GATEWAY, BLUE_GATEWAY_MAC, true, true);
        network(INTERNAL, ip("172.19.0.0"), 16, INTERNAL_GATEWAY, INTERNAL_GATEWAY_MAC, true, false);
        network(PLAIN, ip("10.88.0.0"), 24, PLAIN_GATEWAY, PLAIN_GATEWAY_MAC, false, true);

        learningSwitch.attach(RED_PORT_2, RED);
        learningSwitch.attach(RED_PORT_3, RED);
        learningSwitch.attach(RED_HOST_PORT, RED, true);
        learningSwitch.attach(BLUE_PORT_2, BLUE);
        learningSwitch.attach(BLUE_PORT_3, BLUE);
        learningSwitch.attach(INTERNAL_PORT_2, INTERNAL);
        learningSwitch.attach(PLAIN_PORT_2, PLAIN);

        router.configureUplink(UPLINK_PORT, UPLINK_MAC, UPLINK, 24, UPLINK_GATEWAY);
        router.neighbour(UPLINK_GATEWAY, UPLINK_GATEWAY_MAC);
    }

    private void network(
        final int domain, final int subnet, final int prefix, final int gateway, final long gatewayMac,
        final boolean masquerade, final boolean external)
    {
        gatewaySwitch.configureDomain(domain, gateway, gatewayMac, true);
        router.configureDomain(domain, subnet, prefix, gateway, gatewayMac, masquerade, external);
    }

    /** @return the verdict's egress: a port, or one of the {@link Verdict} kinds. */
    int forward(final int port, final Slot slot)
    {
        gatewaySwitch.forward(port, slot.buffer, Slot.FRAME_OFFSET, slot.length(), now, verdict);
        return verdict.egress();
    }

    /** From a container of the port's network to its gateway's MAC. */
    int fromContainer(final int port, final FrameBuilder builder)
    {
        return forward(port, builder.ethernet(macOf(port), gatewayMacOfPort(port)).slot());
    }

    /** The container on {@code port} broadcasts something, so the switch learns where it is. */
    void learn(final int port)
    {
        forward(port, FrameBuilder.udp(0, 68, -1, 67).payload(4).ethernet(macOf(port), MacAddress.BROADCAST).slot());
    }

    DropReason dropReason()
    {
        return DropReason.of(verdict.dropReason());
    }

    void advanceSeconds(final long seconds)
    {
        now += seconds * SECOND;
    }

    /** Forgets where every container is, as after MAC aging. */
    void forgetMacs()
    {
        for (int port = 0; port < 16; port++)
        {
            macTable.removePort(port);
        }
    }

    /** The connection with this original or reply tuple, or a negative number. */
    int connection(final int protocol, final int source, final int sourcePort, final int destination, final int destinationPort)
    {
        return connections.lookup(protocol, source, sourcePort, destination, destinationPort, now / 1_000_000L);
    }

    static long macOf(final int port)
    {
        switch (port)
        {
            case RED_PORT_2: return RED_2_MAC;
            case RED_PORT_3: return RED_3_MAC;
            case RED_HOST_PORT: return RED_HOST_MAC;
            case BLUE_PORT_2: return BLUE_2_MAC;
            case BLUE_PORT_3: return BLUE_3_MAC;
            case INTERNAL_PORT_2: return INTERNAL_2_MAC;
            case PLAIN_PORT_2: return PLAIN_2_MAC;
            default: throw new IllegalArgumentException("no container on port " + port);
        }
    }

    static long gatewayMacOfPort(final int port)
    {
        switch (port)
        {
            case RED_PORT_2:
            case RED_PORT_3:
            case RED_HOST_PORT:
                return RED_GATEWAY_MAC;
            case BLUE_PORT_2:
            case BLUE_PORT_3:
                return BLUE_GATEWAY_MAC;
            case INTERNAL_PORT_2:
                return INTERNAL_GATEWAY_MAC;
            case PLAIN_PORT_2:
                return PLAIN_GATEWAY_MAC;
            default:
                throw new IllegalArgumentException("no container on port " + port);
        }
    }

    static int ip(final String text)
    {
        return Ipv4Address.parse(text);
    }

    static long mac(final String text)
    {
        return MacAddress.parse(text);
    }
}
