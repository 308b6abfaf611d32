package io.lanyard.forwarding.l2;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Docker's legacy links ({@code --link} with {@code --icc=false}): pairs of container ports that
 * may exchange IP although their network's ICC is off, while every other container pair stays apart.
 */
class LearningSwitchLinkTest
{
    private static final long T0 = 1_000_000_000_000L;
    private static final int CLOSED = 0;
    private static final int OPEN = 1;
    private static final long MAC_A = 0x0242_AC11_0002L;
    private static final long MAC_B = 0x0242_AC11_0003L;
    private static final long MAC_C = 0x0242_AC11_0004L;
    private static final long MAC_HOST = 0x0242_AC11_00FEL;
    private static final long MAC_D = 0x0242_AC12_0002L;
    private static final long MAC_E = 0x0242_AC12_0003L;
    private static final int OFFSET = 74;
    /** Ports 1, 2 and 3 are containers of the ICC-off network, 4 its host side; 5 and 6 containers of an ICC-on network. */
    private static final int A = 1;
    private static final int B = 2;
    private static final int C = 3;
    private static final int HOST = 4;
    private static final int D = 5;
    private static final int E = 6;

    private final LearningSwitch learningSwitch = new LearningSwitch(8, 2, new MacTable(64, 300_000_000_000L, T0));
    private final Verdict verdict = new Verdict();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + 64]);
    private final EthernetFrame frame = new EthernetFrame();

    @BeforeEach
    void attach()
    {
        learningSwitch.attach(A, CLOSED, false);
        learningSwitch.attach(B, CLOSED, false);
        learningSwitch.attach(C, CLOSED, false);
        learningSwitch.attach(HOST, CLOSED, true);
        learningSwitch.attach(D, OPEN, false);
        learningSwitch.attach(E, OPEN, false);
        learningSwitch.configureDomain(CLOSED, false);
        learningSwitch.configureDomain(OPEN, true);
        learnEveryone();
    }

    @Test
    void shouldLetALinkedPairExchangeIpBothWaysWhenIccIsOff()
    {
        assertTrue(learningSwitch.allowPair(A, B));

        assertEquals(B, ip(A, MAC_A, MAC_B));
        assertEquals(A, ip(B, MAC_B, MAC_A));
        assertTrue(learningSwitch.isPairAllowed(B, A), "a pair has no direction");
    }

    @Test
    void shouldAllowAPairGivenInEitherOrderOnce()
    {
        assertTrue(learningSwitch.allowPair(B, A));
        assertTrue(learningSwitch.allowPair(A, B));

        learningSwitch.forbidPair(A, B);

        assertFalse(learningSwitch.isPairAllowed(A, B), "allowing twice does not take two forbids");
        assertEquals(Verdict.DROP, ip(B, MAC_B, MAC_A));
    }

    @Test
    void shouldStillDropIpBetweenALinkedContainerAndAThirdOne()
    {
        learningSwitch.allowPair(A, B);

        assertIccDrop(ip(A, MAC_A, MAC_C));
        assertIccDrop(ip(C, MAC_C, MAC_A));
        assertIccDrop(ip(C, MAC_C, MAC_B));
        assertIccDrop(ip(B, MAC_B, MAC_C));
    }

    @Test
    void shouldLeaveTheHostSideAsItWas()
    {
        learningSwitch.allowPair(A, B);

        assertEquals(HOST, ip(A, MAC_A, MAC_HOST));
        assertEquals(A, ip(HOST, MAC_HOST, MAC_A));
        assertEquals(HOST, ip(C, MAC_C, MAC_HOST));
        assertEquals(C, ip(HOST, MAC_HOST, MAC_C));
    }

    @Test
    void shouldStillFloodALinkedContainersIpOnlyToTheHostSide()
    {
        learningSwitch.allowPair(A, B);

        assertEquals(Verdict.FLOOD, ip(A, MAC_A, MacAddress.BROADCAST));
        assertArrayEquals(new int[] {HOST}, verdict.floodPorts());
        assertEquals(Verdict.FLOOD, ip(A, MAC_A, 0x0242_AC11_0099L));
        assertArrayEquals(new int[] {HOST}, verdict.floodPorts(), "an unknown peer is found by ARP first");
    }

    @Test
    void shouldForwardIpInAnIccOnNetworkWithOrWithoutPairs()
    {
        assertEquals(E, ip(D, MAC_D, MAC_E));

        learningSwitch.allowPair(D, E);
        assertEquals(E, ip(D, MAC_D, MAC_E));
        learningSwitch.forbidPair(D, E);
        assertEquals(D, ip(E, MAC_E, MAC_D));
    }

    @Test
    void shouldKeepAPairAcrossIccBeingTurnedOnAndOffAgain()
    {
        learningSwitch.allowPair(A, B);

        learningSwitch.configureDomain(CLOSED, true);
        assertEquals(C, ip(A, MAC_A, MAC_C));
        learningSwitch.configureDomain(CLOSED, false);

        assertEquals(B, ip(A, MAC_A, MAC_B));
        assertIccDrop(ip(A, MAC_A, MAC_C));
    }

    @Test
    void shouldDropAgainOnceThePairIsForbidden()
    {
        learningSwitch.allowPair(A, B);
        learningSwitch.allowPair(A, C);

        learningSwitch.forbidPair(B, A);

        assertIccDrop(ip(A, MAC_A, MAC_B));
        assertIccDrop(ip(B, MAC_B, MAC_A));
        assertEquals(C, ip(A, MAC_A, MAC_C), "A's other link stays");
    }

    @Test
    void shouldForbidAPairNeverAllowedHarmlessly()
    {
        learningSwitch.forbidPair(A, B);
        learningSwitch.forbidPair(A, 7);

        assertIccDrop(ip(A, MAC_A, MAC_B));
    }

    @Test
    void shouldForgetEveryPairOfADetachedPortSoItsNumberInheritsNoLink()
    {
        learningSwitch.allowPair(A, B);
        learningSwitch.allowPair(C, A);
        learningSwitch.allowPair(B, C);

        learningSwitch.detach(A);
        learningSwitch.attach(A, CLOSED, false);
        ip(A, MAC_A, MacAddress.BROADCAST);

        assertFalse(learningSwitch.isPairAllowed(A, B));
        assertFalse(learningSwitch.isPairAllowed(A, C));
        assertIccDrop(ip(A, MAC_A, MAC_B));
        assertIccDrop(ip(C, MAC_C, MAC_A));
        assertEquals(C, ip(B, MAC_B, MAC_C), "a pair without the detached port stays");
    }

    @Test
    void shouldRefuseToPairAPortWithItselfOrOneOutOfRange()
    {
        assertThrows(IllegalArgumentException.class, () -> learningSwitch.allowPair(A, A));
        assertThrows(IllegalArgumentException.class, () -> learningSwitch.allowPair(A, 8));
        assertThrows(IllegalArgumentException.class, () -> learningSwitch.allowPair(-1, A));
    }

    @Test
    void shouldRefuseToPairADetachedPortOrPortsOfTwoDomains()
    {
        assertThrows(IllegalStateException.class, () -> learningSwitch.allowPair(A, 7), "7 was never attached");
        assertThrows(IllegalStateException.class, () -> learningSwitch.allowPair(7, A));
        assertThrows(IllegalStateException.class, () -> learningSwitch.allowPair(A, D));

        assertFalse(learningSwitch.isPairAllowed(A, 7));
        assertFalse(learningSwitch.isPairAllowed(A, D));
    }

    @Test
    void shouldRefuseMorePairsThanTheBoundWithoutChangingAnything()
    {
        final int ports = 400;
        final LearningSwitch big = new LearningSwitch(ports, 1, new MacTable(64, 300_000_000_000L, T0));
        for (int port = 0; port < ports; port++)
        {
            big.attach(port, 0, false);
        }
        int allowed = 0;
        for (int a = 0; a < ports && allowed < LearningSwitch.MAX_ALLOWED_PAIRS; a++)
        {
            for (int b = a + 1; b < ports && allowed < LearningSwitch.MAX_ALLOWED_PAIRS; b++)
            {
                assertTrue(big.allowPair(a, b));
                allowed++;
            }
        }

        assertFalse(big.allowPair(ports - 2, ports - 1));
        assertFalse(big.isPairAllowed(ports - 2, ports - 1));
        assertTrue(big.allowPair(0, 1), "a pair already allowed is still allowed");
    }

    @Test
    void shouldDecideBetweenLinkedAndUnlinkedContainersWithoutAllocating()
    {
        learningSwitch.allowPair(A, B);
        final int frames = 100_000;
        decideLinkedAndUnlinked(frames);

        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(thread);
        decideLinkedAndUnlinked(frames);
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertTrue(allocated < 1024, "allocated " + allocated + " bytes over " + frames + " frames");
    }

    private void decideLinkedAndUnlinked(final int frames)
    {
        for (int i = 0; i < frames; i += 2)
        {
            if (ip(A, MAC_A, MAC_B) != B || ip(A, MAC_A, MAC_C) != Verdict.DROP)
            {
                throw new AssertionError("frame " + i + " went the wrong way");
            }
        }
    }

    private void learnEveryone()
    {
        arp(A, MAC_A);
        arp(B, MAC_B);
        arp(C, MAC_C);
        arp(HOST, MAC_HOST);
        arp(D, MAC_D);
        arp(E, MAC_E);
    }

    private void assertIccDrop(final int verdict)
    {
        assertEquals(Verdict.DROP, verdict);
        assertEquals(DropReason.ICC.ordinal(), this.verdict.dropReason());
    }

    private void arp(final int ingress, final long source)
    {
        send(ingress, source, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_ARP);
    }

    private int ip(final int ingress, final long source, final long destination)
    {
        return send(ingress, source, destination, EthernetFrame.ETHER_TYPE_IPV4);
    }

    private int send(final int ingress, final long source, final long destination, final int etherType)
    {
        buffer.setMemory(0, buffer.capacity(), (byte)0);
        frame.wrap(buffer, OFFSET, 60).destination(destination).source(source).etherType(etherType);
        return decide(ingress, buffer, OFFSET, 60, T0);
    }

    /** The switch's verdict on the frame at {@code offset}: its egress, with the rest in {@link #verdict}. */
    private int decide(final int ingress, final UnsafeBuffer frameBuffer, final int offset, final int length, final long nowNanos)
    {
        learningSwitch.forward(ingress, frameBuffer, offset, length, nowNanos, verdict);
        return verdict.egress();
    }
}
