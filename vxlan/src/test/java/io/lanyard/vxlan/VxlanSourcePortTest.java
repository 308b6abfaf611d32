package io.lanyard.vxlan;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.testkit.FrameBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.Random;

import static io.lanyard.forwarding.testkit.FrameBuilder.ICMP;
import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VxlanSourcePortTest
{
    private static final long MAC_A = 0x0242_0A00_0002L;
    private static final long MAC_B = 0x0242_0A00_0003L;
    private static final int IP_A = 0x0A00_0002;
    private static final int IP_B = 0x0A00_0003;
    private static final int FLOWS = 10_000;
    private static final int BUCKETS = 16;
    /** Where the frame starts in its buffer, as in a ring slot. */
    private static final int HEADROOM = 64;

    private final UnsafeBuffer slot = new UnsafeBuffer(new byte[2048]);

    @Test
    void shouldGiveEveryFrameOfAFlowTheSamePort()
    {
        final int length = FrameBuilder.tcp(IP_A, 40000, IP_B, 80, 0).ethernet(MAC_A, MAC_B).writeTo(slot, HEADROOM);
        final int first = VxlanSourcePort.of(slot, HEADROOM, length);

        slot.putInt(HEADROOM + 14 + 20 + 4, 0x1234_5678); // another sequence number
        slot.putShort(HEADROOM + 14 + 4, (short)0x4321);  // another IP identification
        final UnsafeBuffer elsewhere = new UnsafeBuffer(new byte[2048]);
        final int otherLength = FrameBuilder.tcp(IP_A, 40000, IP_B, 80, 0).ethernet(MAC_A, MAC_B).writeTo(elsewhere, 7);

        assertEquals(first, VxlanSourcePort.of(slot, HEADROOM, length));
        assertEquals(first, VxlanSourcePort.of(slot, HEADROOM, length + 1000), "a longer (offloaded) frame of the flow");
        assertEquals(first, VxlanSourcePort.of(elsewhere, 7, otherLength), "independent of where the frame sits");
    }

    @Test
    void shouldStayInTheDynamicPortRange()
    {
        final Random random = new Random(7348);
        for (int i = 0; i < FLOWS; i++)
        {
            final int length = randomFlow(random);
            final int port = VxlanSourcePort.of(slot, HEADROOM, length);
            assertTrue(port >= 49_152 && port <= 65_535, "port " + port);
        }
        assertEquals(49_152, VxlanSourcePort.MIN_PORT);
        assertEquals(65_535, VxlanSourcePort.MAX_PORT);
    }

    @Test
    void shouldSpreadRandomFlowsOverTheWholeRange()
    {
        final Random random = new Random(4789);
        final int[] buckets = new int[BUCKETS];
        final BitSet ports = new BitSet();
        int lowest = Integer.MAX_VALUE;
        int highest = Integer.MIN_VALUE;
        for (int i = 0; i < FLOWS; i++)
        {
            final int port = VxlanSourcePort.of(slot, HEADROOM, randomFlow(random));
            buckets[(port - VxlanSourcePort.MIN_PORT) * BUCKETS / 16_384]++;
            ports.set(port);
            lowest = Math.min(lowest, port);
            highest = Math.max(highest, port);
        }

        assertUniform(buckets, FLOWS);
        // 10 000 draws from 16 384 ports hit about 16384·(1 − e^(−10000/16384)) ≈ 7 490 distinct ones
        assertTrue(ports.cardinality() > 7_200, "distinct ports " + ports.cardinality());
        assertTrue(lowest < 49_152 + 100, "lowest " + lowest);
        assertTrue(highest > 65_535 - 100, "highest " + highest);
    }

    @Test
    void shouldSpreadFlowsThatDifferOnlyInTheirSourcePort()
    {
        final int[] buckets = new int[BUCKETS];
        final BitSet ports = new BitSet();
        for (int sourcePort = 32_768; sourcePort < 32_768 + FLOWS; sourcePort++)
        {
            final int length = FrameBuilder.tcp(IP_A, sourcePort, IP_B, 443, 0).ethernet(MAC_A, MAC_B).writeTo(slot, HEADROOM);
            final int port = VxlanSourcePort.of(slot, HEADROOM, length);
            buckets[(port - VxlanSourcePort.MIN_PORT) * BUCKETS / 16_384]++;
            ports.set(port);
        }

        assertUniform(buckets, FLOWS);
        assertTrue(ports.cardinality() > 7_200, "distinct ports " + ports.cardinality());
    }

    @Test
    void shouldTellFlowsApartByEveryPartOfTheirTuple()
    {
        final int base = portOf(MAC_B, MAC_A, IP_A, IP_B, TCP, 40000, 80, 0);

        assertNotEquals(base, portOf(MAC_B, MAC_A, IP_A, IP_B, TCP, 40001, 80, 0), "source port");
        assertNotEquals(base, portOf(MAC_B, MAC_A, IP_A, IP_B, TCP, 40000, 81, 0), "destination port");
        assertNotEquals(base, portOf(MAC_B, MAC_A, IP_A, IP_B, UDP, 40000, 80, 0), "protocol");
        assertNotEquals(base, portOf(MAC_B, MAC_A, IP_A + 16, IP_B, TCP, 40000, 80, 0), "source address");
        assertNotEquals(base, portOf(MAC_B, MAC_A, IP_A, IP_B + 16, TCP, 40000, 80, 0), "destination address");
        assertNotEquals(base, portOf(MAC_B, MAC_A + 16, IP_A, IP_B, TCP, 40000, 80, 0), "source MAC");
        assertNotEquals(base, portOf(MAC_B + 16, MAC_A, IP_A, IP_B, TCP, 40000, 80, 0), "destination MAC");
    }

    @Test
    void shouldHashEveryFragmentOfADatagramAlikeWhateverItsPorts()
    {
        final int first = portOf(MAC_B, MAC_A, IP_A, IP_B, UDP, 5000, 53, 0x2000);
        final int middle = portOf(MAC_B, MAC_A, IP_A, IP_B, UDP, 0xDEAD, 0xBEEF, 0x2000 | 185);
        final int last = portOf(MAC_B, MAC_A, IP_A, IP_B, UDP, 0x1111, 0x2222, 370);

        assertEquals(first, middle, "later fragments carry payload where the ports were");
        assertEquals(first, last);
    }

    @Test
    void shouldIgnoreThePayloadOfOtherProtocols()
    {
        assertEquals(portOf(MAC_B, MAC_A, IP_A, IP_B, ICMP, 0x0800, 1, 0), portOf(MAC_B, MAC_A, IP_A, IP_B, ICMP, 0x0000, 2, 0),
            "an echo request and its reply's type/identifier bytes are not a flow key");
    }

    @Test
    void shouldHashNonIpFramesByTheirMacs()
    {
        slot.putBytes(HEADROOM, FrameBuilder.etherFrame(MAC_A, MacAddress.BROADCAST, 0x0806, 14).frame());
        slot.setMemory(HEADROOM + 14, 28, (byte)0x11);
        final int arp = VxlanSourcePort.of(slot, HEADROOM, 42);
        slot.setMemory(HEADROOM + 14, 28, (byte)0x22);

        assertEquals(arp, VxlanSourcePort.of(slot, HEADROOM, 42));
        slot.putBytes(HEADROOM, FrameBuilder.etherFrame(MAC_B, MacAddress.BROADCAST, 0x0806, 14).frame());
        assertNotEquals(arp, VxlanSourcePort.of(slot, HEADROOM, 42));
    }

    @Test
    void shouldNotReadBeyondATruncatedOrMalformedFrame()
    {
        final UnsafeBuffer exact = new UnsafeBuffer(new byte[54]);
        final int length = FrameBuilder.tcp(IP_A, 40000, IP_B, 80, 0).flagsAndFragmentOffset(0).ethernet(MAC_A, MAC_B).writeTo(exact, 0);
        assertEquals(54, length);
        final int whole = VxlanSourcePort.of(exact, 0, length);
        for (int truncated = 0; truncated < length; truncated++)
        {
            final int port = VxlanSourcePort.of(exact, 0, truncated);
            assertTrue(port >= 49_152 && port <= 65_535);
        }
        assertEquals(VxlanSourcePort.of(exact, 0, 34), VxlanSourcePort.of(exact, 0, 37), "ports only when all four bytes are there");
        assertNotEquals(whole, VxlanSourcePort.of(exact, 0, 37));
        assertEquals(whole, VxlanSourcePort.of(exact, 0, 38));

        exact.putByte(14, (byte)0x4F); // a header length of 60 bytes, more than present
        assertEquals(VxlanSourcePort.of(exact, 0, 14), VxlanSourcePort.of(exact, 0, length), "MACs only");
        exact.putByte(14, (byte)0x65); // version 6 in an IPv4 EtherType
        assertEquals(VxlanSourcePort.of(exact, 0, 14), VxlanSourcePort.of(exact, 0, length), "MACs only");
    }

    private int portOf(
        final long destinationMac, final long sourceMac, final int source, final int destination, final int protocol,
        final int sourcePort, final int destinationPort, final int fragment)
    {
        final int length = flow(source, destination, protocol, sourcePort, destinationPort)
            .flagsAndFragmentOffset(fragment).ethernet(sourceMac, destinationMac).writeTo(slot, HEADROOM);
        return VxlanSourcePort.of(slot, HEADROOM, length);
    }

    private int randomFlow(final Random random)
    {
        final long destinationMac = 0x0242_0000_0000L | (random.nextInt() & 0xFFFF_FFFFL);
        final long sourceMac = 0x0242_0000_0000L | (random.nextInt() & 0xFFFF_FFFFL);
        final int source = random.nextInt();
        final int destination = random.nextInt();
        final int protocol = random.nextBoolean() ? TCP : UDP;
        final int sourcePort = random.nextInt(65_536);
        final int destinationPort = random.nextInt(65_536);
        return flow(source, destination, protocol, sourcePort, destinationPort)
            .ethernet(sourceMac, destinationMac).writeTo(slot, HEADROOM);
    }

    /**
     * A packet whose 20 bytes after the IPv4 header start with the two port numbers: a TCP header, a
     * UDP header and 12 bytes, or for another protocol (ICMP) the two 16-bit words as they are.
     */
    private static FrameBuilder flow(
        final int source, final int destination, final int protocol, final int sourcePort, final int destinationPort)
    {
        switch (protocol)
        {
            case TCP:
                return FrameBuilder.tcp(source, sourcePort, destination, destinationPort, 0);
            case UDP:
                return FrameBuilder.udp(source, sourcePort, destination, destinationPort).payload(12);
            default:
                final byte[] words = new byte[20];
                FrameBuilder.put16(words, 0, sourcePort);
                FrameBuilder.put16(words, 2, destinationPort);
                return FrameBuilder.other(protocol, source, destination).payload(words);
        }
    }

    /** Pearson's chi-squared against a uniform spread: with 15 degrees of freedom, 37.7 is p = 0.001. */
    private static void assertUniform(final int[] buckets, final int draws)
    {
        final double expected = (double)draws / buckets.length;
        double chiSquared = 0;
        for (final int count : buckets)
        {
            chiSquared += (count - expected) * (count - expected) / expected;
        }
        assertTrue(chiSquared < 37.7, "chi-squared " + chiSquared + " over buckets " + java.util.Arrays.toString(buckets));
    }
}
