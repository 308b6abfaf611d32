package io.lanyard.forwarding.l2;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearningSwitchTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_000 * SECOND;
    private static final long AGING = 300 * SECOND;

    private static final int DOMAIN_RED = 0;
    private static final int DOMAIN_BLUE = 1;
    /** Ports 1, 2, 3 are red; 4 and 5 blue; 0, 6 and 7 not attached. */
    private static final int[] RED_PORTS = {1, 2, 3};
    private static final int[] BLUE_PORTS = {4, 5};

    private static final long MAC_A = 0x0242_AC11_0002L;
    private static final long MAC_B = 0x0242_AC11_0003L;
    private static final long MAC_C = 0x0242_AC11_0004L;
    /** Headroom before the frame, as in a ring slot. */
    private static final int OFFSET = 74;

    private final MacTable macTable = new MacTable(64, AGING, T0);
    private final LearningSwitch learningSwitch = new LearningSwitch(8, 2, macTable);
    private final Verdict verdict = new Verdict();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + 60]);
    private final EthernetFrame frame = new EthernetFrame();

    @BeforeEach
    void attachPorts()
    {
        learningSwitch.attach(1, DOMAIN_RED);
        learningSwitch.attach(3, DOMAIN_RED);
        learningSwitch.attach(2, DOMAIN_RED);
        learningSwitch.attach(4, DOMAIN_BLUE);
        learningSwitch.attach(5, DOMAIN_BLUE);
    }

    @Test
    void shouldFloodAnUnknownUnicastToTheIngressPortsDomain()
    {
        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MAC_B));

        assertArrayEquals(RED_PORTS, learningSwitch.domainPorts(1));
    }

    @Test
    void shouldFloodBroadcastEvenWhenTheSenderIsKnown()
    {
        forward(2, MAC_B, MAC_A);

        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MacAddress.BROADCAST));
        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MacAddress.BROADCAST));
        assertArrayEquals(RED_PORTS, learningSwitch.domainPorts(1));
        assertArrayEquals(BLUE_PORTS, learningSwitch.domainPorts(4));
    }

    @Test
    void shouldFloodMulticast()
    {
        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MacAddress.parse("01:00:5e:00:00:fb")));
        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MacAddress.parse("33:33:00:00:00:01")));
    }

    @Test
    void shouldSendUnicastToTheLearnedPort()
    {
        forward(1, MAC_A, MacAddress.BROADCAST);
        assertEquals(1, forward(2, MAC_B, MAC_A), "reply goes straight back");
        assertEquals(2, forward(1, MAC_A, MAC_B), "and B was learned from the reply");
        assertEquals(1, forward(3, MAC_C, MAC_A));
    }

    @Test
    void shouldFollowAStationThatMovesToAnotherPort()
    {
        forward(1, MAC_A, MacAddress.BROADCAST);
        forward(2, MAC_A, MacAddress.BROADCAST);

        assertEquals(2, forward(3, MAC_C, MAC_A));
        assertEquals(1, macTable.moves());
    }

    @Test
    void shouldDropAFrameForADestinationLearnedOnTheIngressPort()
    {
        forward(1, MAC_B, MacAddress.BROADCAST);

        assertEquals(Verdict.DROP, forward(1, MAC_A, MAC_B));
        assertEquals(DropReason.SAME_PORT, DropReason.of(verdict.dropReason()));
        assertEquals(1, macTable.lookup(DOMAIN_RED, MAC_A, T0), "the source was still learned");
    }

    @Test
    void shouldDropFrameWhenSourceMacIsAGroupAddress()
    {
        assertEquals(Verdict.DROP, forward(1, MacAddress.BROADCAST, MAC_B));
        assertEquals(DropReason.BAD_SOURCE_MAC.ordinal(), verdict.dropReason());

        assertEquals(Verdict.DROP, forward(1, MacAddress.parse("01:00:5e:00:00:01"), MAC_B));
        assertEquals(DropReason.BAD_SOURCE_MAC.ordinal(), verdict.dropReason());
        assertEquals(0, macTable.size(), "nothing learned from a bad source");
    }

    @Test
    void shouldDropFrameWhenSourceMacIsZero()
    {
        assertEquals(Verdict.DROP, forward(1, 0L, MAC_B));

        assertEquals(DropReason.BAD_SOURCE_MAC.ordinal(), verdict.dropReason());
        assertEquals(0, macTable.size());
    }

    @Test
    void shouldDropARuntFrameAsMalformed()
    {
        writeFrame(MAC_B, MAC_A);

        assertEquals(Verdict.DROP, decide(1, buffer, OFFSET, 13, T0));
        assertEquals(DropReason.MALFORMED.ordinal(), verdict.dropReason());
        assertEquals(Verdict.DROP, decide(1, buffer, OFFSET, 0, T0));
        assertEquals(Verdict.DROP, decide(1, buffer, OFFSET, -10, T0));
        assertEquals(DropReason.MALFORMED.ordinal(), verdict.dropReason());
        assertEquals(0, macTable.size());
        assertEquals(Verdict.FLOOD, decide(1, buffer, OFFSET, 14, T0), "a bare header is enough");
    }

    @Test
    void shouldDropAFrameFromAPortThatIsNotAttached()
    {
        assertEquals(Verdict.DROP, forward(0, MAC_A, MAC_B));
        assertEquals(DropReason.NO_INGRESS_PORT.ordinal(), verdict.dropReason());
        assertEquals(Verdict.DROP, forward(7, MAC_A, MAC_B));
        assertEquals(Verdict.DROP, forward(8, MAC_A, MAC_B));
        assertEquals(Verdict.DROP, forward(-1, MAC_A, MAC_B));
        assertEquals(DropReason.NO_INGRESS_PORT.ordinal(), verdict.dropReason());
        assertEquals(0, macTable.size());
    }

    @Test
    void shouldCheckTheIngressPortBeforeTheFrame()
    {
        assertEquals(Verdict.DROP, decide(6, buffer, OFFSET, 3, T0));

        assertEquals(DropReason.NO_INGRESS_PORT.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldForgetADetachedPortsAddressesAndStopFloodingToIt()
    {
        forward(2, MAC_B, MacAddress.BROADCAST);
        forward(1, MAC_A, MacAddress.BROADCAST);
        final int[] before = learningSwitch.domainPorts(1);

        learningSwitch.detach(2);

        assertEquals(LearningSwitch.NO_DOMAIN, learningSwitch.domainOf(2));
        assertEquals(1, macTable.size());
        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MAC_B), "B is unknown again");
        assertArrayEquals(new int[] {1, 3}, learningSwitch.domainPorts(1));
        assertSame(LearningSwitch.NO_PORTS, learningSwitch.domainPorts(2));
        assertArrayEquals(RED_PORTS, before, "an array already handed out is never modified");
        assertEquals(Verdict.DROP, forward(2, MAC_B, MAC_A));
        assertEquals(DropReason.NO_INGRESS_PORT.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldEmptyTheFloodSetWhenTheLastPortOfADomainLeaves()
    {
        learningSwitch.detach(4);
        learningSwitch.detach(5);

        assertSame(LearningSwitch.NO_PORTS, learningSwitch.domainPorts(4));
        learningSwitch.attach(4, DOMAIN_BLUE);
        assertArrayEquals(new int[] {4}, learningSwitch.domainPorts(4));
    }

    @Test
    void shouldIgnoreDetachingAPortThatIsNotAttached()
    {
        learningSwitch.detach(6);
        learningSwitch.detach(6);

        assertArrayEquals(RED_PORTS, learningSwitch.domainPorts(1));
        assertArrayEquals(BLUE_PORTS, learningSwitch.domainPorts(4));
    }

    @Test
    void shouldRefuseToAttachAPortTwice()
    {
        assertThrows(IllegalStateException.class, () -> learningSwitch.attach(1, DOMAIN_BLUE));

        assertEquals(DOMAIN_RED, learningSwitch.domainOf(1));
        assertArrayEquals(RED_PORTS, learningSwitch.domainPorts(1));
    }

    @Test
    void shouldLeaveThePortDetachedWhenAttachingToADomainOutOfRange()
    {
        assertThrows(RuntimeException.class, () -> learningSwitch.attach(6, 2));

        assertEquals(LearningSwitch.NO_DOMAIN, learningSwitch.domainOf(6));
        assertEquals(Verdict.DROP, forward(6, MAC_A, MacAddress.BROADCAST));
        assertEquals(DropReason.NO_INGRESS_PORT.ordinal(), verdict.dropReason());
        assertEquals(0, macTable.size());
    }

    @Test
    void shouldReattachADetachedPortToAnotherDomainWithNothingRemembered()
    {
        forward(3, MAC_C, MacAddress.BROADCAST);
        learningSwitch.detach(3);
        learningSwitch.attach(3, DOMAIN_BLUE);

        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MAC_C));
        assertArrayEquals(new int[] {1, 2}, learningSwitch.domainPorts(1));
        assertArrayEquals(new int[] {3, 4, 5}, learningSwitch.domainPorts(3));
    }

    @Test
    void shouldNotFindAMacLearnedInAnotherDomain()
    {
        forward(4, MAC_B, MacAddress.BROADCAST);

        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MAC_B));
        assertArrayEquals(RED_PORTS, learningSwitch.domainPorts(1));
        assertEquals(Verdict.FLOOD, forward(5, MAC_C, MAC_A), "A is unknown in blue");
    }

    @Test
    void shouldLearnTheSameMacIndependentlyInEachDomain()
    {
        forward(1, MAC_A, MacAddress.BROADCAST);
        forward(4, MAC_A, MacAddress.BROADCAST);

        assertEquals(1, forward(2, MAC_B, MAC_A));
        assertEquals(4, forward(5, MAC_C, MAC_A));
        assertEquals(0, macTable.moves());
    }

    @Test
    void shouldNeverGiveARedFrameAVerdictOnABluePort()
    {
        final SplittableRandom random = new SplittableRandom(42);
        final long[] macs = new long[12];
        for (int i = 0; i < macs.length; i++)
        {
            macs[i] = 0x0242_0A00_0000L | i;
        }
        for (int round = 0; round < 20_000; round++)
        {
            final boolean red = random.nextBoolean();
            final int[] ports = red ? RED_PORTS : BLUE_PORTS;
            final int ingress = ports[random.nextInt(ports.length)];
            final long source = macs[random.nextInt(macs.length)];
            final long destination = random.nextInt(10) == 0 ? MacAddress.BROADCAST : macs[random.nextInt(macs.length)];

            final int verdict = forward(ingress, source, destination, T0 + round * 1_000_000L);

            if (verdict >= 0)
            {
                assertEquals(learningSwitch.domainOf(ingress), learningSwitch.domainOf(verdict),
                    "round " + round + ": port " + ingress + " to " + verdict);
            }
            else if (verdict == Verdict.FLOOD)
            {
                assertArrayEquals(red ? RED_PORTS : BLUE_PORTS, learningSwitch.domainPorts(ingress));
            }
            else
            {
                assertEquals(DropReason.SAME_PORT.ordinal(), this.verdict.dropReason());
            }
        }
    }

    @Test
    void shouldFloodAgainOnceTheDestinationAgedOut()
    {
        forward(2, MAC_B, MacAddress.BROADCAST, T0);

        assertEquals(2, forward(1, MAC_A, MAC_B, T0 + AGING - SECOND));
        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MAC_B, T0 + AGING));
    }

    @Test
    void shouldReadTheFrameAtItsOffsetWithoutChangingIt()
    {
        writeFrame(MAC_B, MAC_A);
        final byte[] before = buffer.byteArray().clone();

        decide(1, buffer, OFFSET, 60, T0);

        assertArrayEquals(before, buffer.byteArray());
        assertEquals(1, macTable.lookup(DOMAIN_RED, MAC_A, T0));
    }

    @Test
    void shouldExposeItsMacTable()
    {
        assertSame(macTable, learningSwitch.macTable());
    }

    @Test
    void shouldRejectPortAndDomainCountsOutsideTheMacTablesRange()
    {
        assertThrows(IllegalArgumentException.class, () -> new LearningSwitch(0, 1, macTable));
        assertThrows(IllegalArgumentException.class, () -> new LearningSwitch(1, 0, macTable));
        assertThrows(IllegalArgumentException.class, () -> new LearningSwitch(65_537, 1, macTable));
        assertThrows(IllegalArgumentException.class, () -> new LearningSwitch(1, 65_537, macTable));
        new LearningSwitch(65_536, 65_536, macTable);
    }

    @Test
    void shouldNotFloodUnknownUnicastToAPortPinnedAsItsOnlyStation()
    {
        learningSwitch.pin(2, MAC_B, true);

        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MAC_C));
        assertArrayEquals(new int[] {1, 3}, verdict.floodPorts(), "port 2 has nothing but MAC_B behind it");
        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MacAddress.BROADCAST));
        assertArrayEquals(RED_PORTS, verdict.floodPorts(), "broadcast still reaches it");
        assertEquals(2, forward(1, MAC_A, MAC_B), "its pinned address is found without ever being learned");
        assertArrayEquals(new int[] {1, 3}, learningSwitch.unicastFloodPorts(DOMAIN_RED));
    }

    @Test
    void shouldReachAPinnedPortWhileAFloodFillsTheTable()
    {
        learningSwitch.pin(2, MAC_B, true);
        for (int i = 0; i < 200; i++)
        {
            forward(3, 0x0200_0000_1000L + i, MacAddress.BROADCAST);
        }

        assertTrue(macTable.learnRefused() > 0, "the table is full");
        assertEquals(2, forward(1, MAC_A, MAC_B));
        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MAC_C));
        assertArrayEquals(new int[] {1, 3}, verdict.floodPorts(), "unknown unicast never reaches the pinned port");
    }

    @Test
    void shouldKeepFloodingToAPinnedPortThatMayHaveOthersBehindIt()
    {
        learningSwitch.pin(2, MAC_B, false);

        assertEquals(Verdict.FLOOD, forward(1, MAC_A, MAC_C));
        assertArrayEquals(RED_PORTS, verdict.floodPorts());
        assertEquals(2, forward(1, MAC_A, MAC_B));
    }

    @Test
    void shouldForgetAPinAndFloodToThePortAgainOnceReattached()
    {
        learningSwitch.pin(2, MAC_B, true);
        learningSwitch.detach(2);

        assertEquals(MacTable.MISSING, macTable.lookup(DOMAIN_RED, MAC_B, T0));
        assertArrayEquals(new int[] {1, 3}, learningSwitch.unicastFloodPorts(DOMAIN_RED));
        learningSwitch.attach(2, DOMAIN_RED);
        assertArrayEquals(RED_PORTS, learningSwitch.unicastFloodPorts(DOMAIN_RED));
        assertThrows(IllegalStateException.class, () -> learningSwitch.pin(6, MAC_C, true));
    }

    private int forward(final int ingress, final long source, final long destination)
    {
        return forward(ingress, source, destination, T0);
    }

    private int forward(final int ingress, final long source, final long destination, final long nowNanos)
    {
        writeFrame(destination, source);
        return decide(ingress, buffer, OFFSET, 60, nowNanos);
    }

    private void writeFrame(final long destination, final long source)
    {
        frame.wrap(buffer, OFFSET, 60).destination(destination).source(source).etherType(EthernetFrame.ETHER_TYPE_IPV4);
    }

    /** The switch's verdict on the frame at {@code offset}: its egress, with the rest in {@link #verdict}. */
    private int decide(final int ingress, final UnsafeBuffer frameBuffer, final int offset, final int length, final long nowNanos)
    {
        learningSwitch.forward(ingress, frameBuffer, offset, length, nowNanos, verdict);
        return verdict.egress();
    }
}
