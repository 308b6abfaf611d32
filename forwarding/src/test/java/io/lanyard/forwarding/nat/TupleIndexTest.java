package io.lanyard.forwarding.nat;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_TCP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TupleIndexTest
{
    private static final int CONTAINER = 0xAC11_0002;
    private static final int SERVER = 0xC633_6401;

    @Test
    void shouldPackATupleIntoTwoLongsAndBack()
    {
        final long k0 = TupleIndex.k0(0xFFFF_FFFE, CONTAINER);
        final long k1 = TupleIndex.k1(PROTOCOL_UDP, 65535, 1);

        assertEquals(0xFFFF_FFFE, TupleIndex.source(k0), "the high bit of an address survives");
        assertEquals(CONTAINER, TupleIndex.destination(k0));
        assertEquals(PROTOCOL_UDP, TupleIndex.protocol(k1));
        assertEquals(65535, TupleIndex.sourcePort(k1));
        assertEquals(1, TupleIndex.destinationPort(k1));
        assertEquals(0, k1 & 0xFF_FFFF, "the low 24 bits are left for the reference");
    }

    @Test
    void shouldFindATupleByItsReferenceUntilItIsRemoved()
    {
        final TupleIndex index = new TupleIndex(4);
        final long k0 = TupleIndex.k0(CONTAINER, SERVER);
        final long k1 = TupleIndex.k1(PROTOCOL_TCP, 40000, 80);

        index.insert(k0, k1, TupleIndex.reference(3, true));

        final int reference = index.find(k0, k1);
        assertEquals(3, TupleIndex.id(reference));
        assertTrue(TupleIndex.isReply(reference));
        assertFalse(index.contains(k0, TupleIndex.k1(PROTOCOL_UDP, 40000, 80)), "another protocol is another tuple");

        index.remove(k0, k1);

        assertEquals(TupleIndex.ABSENT, index.find(k0, k1));
    }

    @Test
    void shouldKeepEveryOtherTupleFindableWhileRemovingFromTheMiddleOfChains()
    {
        final int connections = 512;
        final TupleIndex index = new TupleIndex(connections);
        final long[] k0s = new long[connections * 2];
        final long[] k1s = new long[connections * 2];
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < k0s.length; i++)
        {
            // ports close together, as NAT allocates them: many share a home slot's neighbourhood
            k0s[i] = TupleIndex.k0(CONTAINER, SERVER + (i & 3));
            k1s[i] = TupleIndex.k1(PROTOCOL_TCP, 1024 + i, 80);
            index.insert(k0s[i], k1s[i], TupleIndex.reference(i >>> 1, (i & 1) != 0));
        }
        final boolean[] removed = new boolean[k0s.length];
        for (int round = 0; round < k0s.length / 2; round++)
        {
            final int victim = random.nextInt(k0s.length);
            if (!removed[victim])
            {
                index.remove(k0s[victim], k1s[victim]);
                removed[victim] = true;
            }
            for (int i = 0; i < k0s.length; i++)
            {
                assertEquals(removed[i] ? TupleIndex.ABSENT : TupleIndex.reference(i >>> 1, (i & 1) != 0),
                    index.find(k0s[i], k1s[i]), "round " + round + ", tuple " + i);
            }
        }
    }
}
