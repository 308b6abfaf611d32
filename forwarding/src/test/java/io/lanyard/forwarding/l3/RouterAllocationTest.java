package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.Verdict;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

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
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_PORT;
import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.PSH;
import static io.lanyard.forwarding.testkit.FrameBuilder.SYN;
import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoReply;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoRequest;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static io.lanyard.forwarding.testkit.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterAllocationTest
{
    private static final int WARM_UP = 50_000;
    private static final int MEASURED = 100_000;
    private static final long ALLOWED_BYTES = 1024;

    private final RoutedSwitch net = new RoutedSwitch();
    private Slot[] frames;
    private int[] ingress;
    private int[] expected;

    @Test
    void shouldTranslateEstablishedFlowsWithoutAllocating()
    {
        establishFlows();
        final int[] verdicts = new int[frames.length];
        run(WARM_UP, verdicts);
        assertArrayEquals(expected, verdicts, "every frame goes where its flow goes");

        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(thread);
        run(MEASURED, verdicts);
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertArrayEquals(expected, verdicts);
        assertTrue(allocated < ALLOWED_BYTES, "allocated " + allocated + " bytes over " + MEASURED + " frames");
    }

    private void run(final int count, final int[] verdicts)
    {
        for (int i = 0; i < count; i++)
        {
            final int which = i % frames.length;
            final Slot frame = frames[which];
            frame.restore();
            verdicts[which] = net.forward(ingress[which], frame);
            net.now += 10_000L;
        }
    }

    /** Sets up one flow of each kind, then keeps a frame of each direction to replay. */
    private void establishFlows()
    {
        net.router.publish(TCP, 8080, RED, RED_2, 80, RED_2_MAC);
        net.learn(RED_PORT_2);
        net.learn(RED_PORT_3);
        net.learn(BLUE_PORT_2);
        net.fromContainer(RED_PORT_2, tcp(RED_2, 40000, REMOTE, 80, SYN));
        net.fromContainer(RED_PORT_3, tcp(RED_3, 40000, REMOTE, 80, SYN).partialChecksum());
        net.fromContainer(RED_PORT_2, udp(RED_2, 5353, DNS, 53).payload(8));
        net.fromContainer(RED_PORT_2, echoRequest(RED_2, REMOTE, 7, 1).payload(8));
        net.forward(UPLINK_PORT, tcp(CLIENT, 5555, UPLINK, 8080, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot());
        final Slot hairpin = tcp(BLUE_2, 33000, UPLINK, 8080, SYN).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot();
        net.forward(BLUE_PORT_2, hairpin);
        final int hairpinPort = hairpin.sourcePort();
        final Slot collided = tcp(RED_3, 40000, REMOTE, 80, ACK).ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot();
        net.forward(RED_PORT_3, collided);
        final int collidedPort = collided.sourcePort();

        frames = new Slot[] {
            tcp(RED_2, 40000, REMOTE, 80, ACK | PSH).payload(1400).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot(),
            tcp(REMOTE, 80, UPLINK, 40000, ACK | PSH).payload(1400).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot(),
            tcp(RED_3, 40000, REMOTE, 80, ACK).payload(9000).partialChecksum().ethernet(RED_3_MAC, RED_GATEWAY_MAC).slot(),
            tcp(REMOTE, 80, UPLINK, collidedPort, ACK).payload(100).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot(),
            udp(RED_2, 5353, DNS, 53).payload(40).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot(),
            udp(DNS, 53, UPLINK, 5353).payload(200).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot(),
            echoRequest(RED_2, REMOTE, 7, 2).payload(56).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot(),
            echoReply(REMOTE, UPLINK, 7, 2).payload(56).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot(),
            tcp(CLIENT, 5555, UPLINK, 8080, ACK).payload(500).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot(),
            tcp(RED_2, 80, CLIENT, 5555, ACK).payload(500).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot(),
            tcp(BLUE_2, 33000, UPLINK, 8080, ACK).payload(10).ethernet(BLUE_2_MAC, BLUE_GATEWAY_MAC).slot(),
            tcp(RED_2, 80, RED_GATEWAY, hairpinPort, ACK).payload(10).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot(),
            tcp(CLIENT, 1, UPLINK, 9999, SYN).ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot(),
            udp(RED_2, 5000, REMOTE, 53).payload(64).flagsAndFragmentOffset(0x2000).ethernet(RED_2_MAC, RED_GATEWAY_MAC).slot(),
        };
        ingress = new int[] {
            RED_PORT_2, UPLINK_PORT, RED_PORT_3, UPLINK_PORT, RED_PORT_2, UPLINK_PORT, RED_PORT_2, UPLINK_PORT,
            UPLINK_PORT, RED_PORT_2, BLUE_PORT_2, RED_PORT_2, UPLINK_PORT, RED_PORT_2,
        };
        expected = new int[] {
            UPLINK_PORT, RED_PORT_2, UPLINK_PORT, RED_PORT_3, UPLINK_PORT, RED_PORT_2, UPLINK_PORT, RED_PORT_2,
            RED_PORT_2, UPLINK_PORT, RED_PORT_2, BLUE_PORT_2, Verdict.DROP, Verdict.DROP,
        };
    }
}
