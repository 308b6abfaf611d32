package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.BLUE_PORT_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_2;
import static io.lanyard.forwarding.l3.RoutedSwitch.RED_PORT_3;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_GATEWAY_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_MAC;
import static io.lanyard.forwarding.l3.RoutedSwitch.UPLINK_PORT;
import static io.lanyard.forwarding.l3.RoutedSwitch.gatewayMacOfPort;
import static io.lanyard.forwarding.l3.RoutedSwitch.ip;
import static io.lanyard.forwarding.l3.RoutedSwitch.macOf;
import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.PSH;
import static io.lanyard.forwarding.testkit.FrameBuilder.SYN;
import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterPropertyTest
{
    private static final int[] PORTS = {RED_PORT_2, RED_PORT_3, BLUE_PORT_2, BLUE_PORT_3};
    private static final int[] ADDRESSES = {RED_2, RED_3, BLUE_2, BLUE_3};
    /** Remote networks: neither the uplink's subnet nor one of the container networks. */
    private static final int[] REMOTE_NETWORKS = {ip("198.51.100.0"), ip("203.0.113.0"), ip("8.8.8.0")};

    @Test
    void shouldRestoreRandomFlowsByteForByteThroughMasqueradeAndBack()
    {
        final RoutedSwitch net = new RoutedSwitch(8192);
        final SplittableRandom random = new SplittableRandom(0x5EED_1A2DL);
        final Map<String, Integer> natPortOfFlow = new HashMap<>();
        final Map<String, String> flowOfNatTuple = new HashMap<>();

        for (int i = 0; i < 3000; i++)
        {
            final int which = random.nextInt(PORTS.length);
            final int port = PORTS[which];
            final int container = ADDRESSES[which];
            final int protocol = random.nextBoolean() ? TCP : UDP;
            // few source and remote ports, so that flows collide on them and need other NAT ports
            final int sourcePort = 1 + random.nextInt(random.nextBoolean() ? 4 : 65535);
            final int remote = REMOTE_NETWORKS[random.nextInt(REMOTE_NETWORKS.length)] | (1 + random.nextInt(3));
            final int remotePort = random.nextBoolean() ? 443 : 1 + random.nextInt(65535);
            final String context = "flow " + i + ": " + (protocol == TCP ? "tcp " : "udp ") + container + ":" + sourcePort +
                " -> " + remote + ":" + remotePort;

            final int flags = random.nextBoolean() ? ACK | PSH : SYN;
            final FrameBuilder outbound = flow(protocol, flags, container, sourcePort, remote, remotePort);
            final byte[] payload = randomBytes(random, random.nextInt(300));
            final int ttl = 2 + random.nextInt(254);
            final int identification = random.nextInt(65536);
            final boolean partial = random.nextInt(4) == 0;
            outbound.payload(payload).ttl(ttl).identification(identification);
            if (partial)
            {
                outbound.partialChecksum();
            }
            final Slot out = outbound.ethernet(macOf(port), gatewayMacOfPort(port)).slot();

            assertEquals(UPLINK_PORT, net.forward(port, out), context);

            final int natPort = out.sourcePort();
            final String flowKey = protocol + "/" + container + ":" + sourcePort + "/" + remote + ":" + remotePort;
            final Integer earlier = natPortOfFlow.put(flowKey, natPort);
            if (earlier != null)
            {
                assertEquals(earlier.intValue(), natPort, context + ": a flow keeps its NAT port");
            }
            else
            {
                assertNull(flowOfNatTuple.put(protocol + "/" + remote + ":" + remotePort + "/" + natPort, flowKey),
                    context + ": two flows share a NAT tuple");
            }
            final FrameBuilder expectedOut = flow(protocol, flags, UPLINK, natPort, remote, remotePort)
                .payload(payload).ttl(ttl - 1).identification(identification).ethernet(UPLINK_MAC, UPLINK_GATEWAY_MAC);
            if (partial)
            {
                expectedOut.partialChecksum();
            }
            assertEquals(expectedOut.slot().frameHex(), out.frameHex(), context);
            assertEquals(hex(out.originalVirtioHeader()), hex(out.virtioHeader()), context);

            final byte[] answer = randomBytes(random, random.nextInt(300));
            final int answerTtl = 2 + random.nextInt(254);
            final boolean answerPartial = random.nextInt(4) == 0;
            final FrameBuilder inbound = flow(protocol, ACK, remote, remotePort, UPLINK, natPort).payload(answer).ttl(answerTtl);
            final FrameBuilder expectedIn = flow(protocol, ACK, remote, remotePort, container, sourcePort).payload(answer)
                .ttl(answerTtl - 1).ethernet(gatewayMacOfPort(port), macOf(port));
            if (answerPartial)
            {
                inbound.partialChecksum();
                expectedIn.partialChecksum();
            }
            final Slot in = inbound.ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC).slot();

            assertEquals(port, net.forward(UPLINK_PORT, in), context);

            assertEquals(expectedIn.slot().frameHex(), in.frameHex(), context + ": the reply as if there were no NAT");
            assertEquals(hex(in.originalVirtioHeader()), hex(in.virtioHeader()), context);
        }
        assertTrue(flowOfNatTuple.size() > 2000, "flows: " + flowOfNatTuple.size());
        assertTrue(natPortOfFlow.entrySet().stream().anyMatch(entry -> !entry.getKey().contains(":" + entry.getValue() + "/")),
            "some flows had their port translated");
    }

    @Test
    void shouldNeverThrowOnMangledFrames()
    {
        final RoutedSwitch net = new RoutedSwitch(256);
        net.router.publish(TCP, 8080, RoutedSwitch.RED, RED_2, 80, RoutedSwitch.RED_2_MAC);
        net.router.publish(UDP, 5353, RoutedSwitch.RED, RED_2, 53, RoutedSwitch.RED_2_MAC);
        final SplittableRandom random = new SplittableRandom(0xF022L);
        final int[] remotePorts = {80, 8080, 5353};

        for (int i = 0; i < 20_000; i++)
        {
            final boolean outward = random.nextBoolean();
            final int protocol = random.nextInt(3);
            final int remote = REMOTE_NETWORKS[0] | 1;
            final int remotePort = remotePorts[random.nextInt(remotePorts.length)];
            final FrameBuilder builder;
            if (outward)
            {
                builder = protocol == 0 ? FrameBuilder.tcp(RED_2, 40000, remote, remotePort, SYN) :
                    protocol == 1 ? FrameBuilder.udp(RED_2, 40000, remote, remotePort) :
                    FrameBuilder.icmpError(RED_2, remote, 3, 3, FrameBuilder.udp(remote, remotePort, RED_2, 53).payload(8).ipPacket());
                builder.ethernet(RoutedSwitch.RED_2_MAC, RoutedSwitch.RED_GATEWAY_MAC);
            }
            else
            {
                builder = protocol == 0 ? FrameBuilder.tcp(remote, remotePort, UPLINK, 8080, SYN) :
                    protocol == 1 ? FrameBuilder.udp(remote, remotePort, UPLINK, 5353) :
                    FrameBuilder.icmpError(remote, UPLINK, 3, 3, FrameBuilder.udp(UPLINK, 40000, remote, remotePort).payload(8).ipPacket());
                builder.ethernet(UPLINK_GATEWAY_MAC, UPLINK_MAC);
            }
            if (random.nextBoolean())
            {
                builder.partialChecksum();
            }
            final Slot slot = builder.payload(random.nextInt(64)).slot();
            final int mangles = 1 + random.nextInt(4);
            for (int m = 0; m < mangles; m++)
            {
                slot.poke(14 + random.nextInt(Math.min(60, slot.length() - 14)), random.nextInt(256));
            }
            if (random.nextInt(4) == 0)
            {
                slot.truncate(random.nextInt(slot.length() + 1));
            }

            final int verdict = net.forward(outward ? RED_PORT_2 : UPLINK_PORT, slot);

            assertTrue(verdict >= Verdict.REPLY && verdict < 16, "verdict " + verdict);
            if (verdict == Verdict.DROP)
            {
                assertTrue(net.verdict.dropReason() >= 0 && net.verdict.dropReason() < DropReason.count());
            }
            net.now += 1_000_000L;
        }
    }

    private static FrameBuilder flow(
        final int protocol, final int flags, final int source, final int sourcePort, final int destination, final int destinationPort)
    {
        if (protocol == UDP)
        {
            return FrameBuilder.udp(source, sourcePort, destination, destinationPort);
        }
        return FrameBuilder.tcp(source, sourcePort, destination, destinationPort, flags).sequenceNumbers(0x0102_0304L, 0x0A0B_0C0DL);
    }

    private static byte[] randomBytes(final SplittableRandom random, final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.nextInt(256);
        }
        return bytes;
    }

    private static String hex(final byte[] bytes)
    {
        return java.util.HexFormat.of().formatHex(bytes);
    }
}
