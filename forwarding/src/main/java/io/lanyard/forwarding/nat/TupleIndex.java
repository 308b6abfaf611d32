package io.lanyard.forwarding.nat;

/**
 * The index of the {@link ConnectionTable}: packed tuple → the connection and direction it
 * belongs to, in one open-addressed array, and the packing of a tuple into two longs that the
 * table also stores its tuples in.
 *
 * <p>A tuple (protocol, source, source port, destination, destination port) packs into
 * {@code k0 = source << 32 | destination} and
 * {@code k1 = protocol << 56 | sourcePort << 40 | destinationPort << 24}, leaving 24 low bits of
 * {@code k1} free. The index is an array of such pairs with linear probing, sized at least four
 * slots per connection, so that with two tuples per connection it is never more than half full.
 * Each slot stores the tuple itself with a 24-bit reference (the connection id and the direction)
 * in the spare bits, so a probe reads one 16-byte slot and never touches the connection arrays;
 * an empty slot is all zeroes (no protocol is 0). Deleting a slot shifts the rest of its probe
 * chain back into the hole (Knuth's algorithm R), so there are no tombstones and chains never get
 * longer than the live entries make them.
 *
 * <p>The slot is chosen by a murmur3 finalizer over both longs: NAT flows differ from one another
 * in a few bits of a port or an address, which a weak hash would pile into one chain.
 *
 * <p>Allocation-free after the constructor; single-threaded, like the table.
 */
final class TupleIndex
{
    /** {@link #find} of a tuple not indexed. */
    static final int ABSENT = -1;

    private static final long REF_MASK = 0xFF_FFFFL;
    private static final long KEY_MASK = ~REF_MASK;
    private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

    /** Two longs per slot: {@code k0}, then {@code k1 | reference}; 0 in the second is empty. */
    private final long[] slots;
    private final int slotMask;

    /** @param connections the most connections the table holds (each indexed by up to two tuples). */
    TupleIndex(final int connections)
    {
        final int slotCount = Integer.highestOneBit(connections * 4 - 1) << 1;
        this.slotMask = slotCount - 1;
        this.slots = new long[slotCount * 2];
    }

    static long k0(final int source, final int destination)
    {
        return ((long)source << 32) | (destination & 0xFFFF_FFFFL);
    }

    static long k1(final int protocol, final int sourcePort, final int destinationPort)
    {
        return ((long)protocol << 56) | ((long)sourcePort << 40) | ((long)destinationPort << 24);
    }

    static int source(final long k0)
    {
        return (int)(k0 >>> 32);
    }

    static int destination(final long k0)
    {
        return (int)k0;
    }

    static int protocol(final long k1)
    {
        return (int)(k1 >>> 56);
    }

    static int sourcePort(final long k1)
    {
        return (int)(k1 >>> 40) & 0xFFFF;
    }

    static int destinationPort(final long k1)
    {
        return (int)(k1 >>> 24) & 0xFFFF;
    }

    /** A reference to one direction of a connection, as the index stores it. */
    static int reference(final int id, final boolean reply)
    {
        return (id << 1) | (reply ? 1 : 0);
    }

    static int id(final int reference)
    {
        return reference >>> 1;
    }

    static boolean isReply(final int reference)
    {
        return (reference & 1) != 0;
    }

    /** The murmur3 64-bit finalizer: every input bit flips about half of the output bits. */
    static long mix(final long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return h;
    }

    /** The reference stored with the tuple, or {@link #ABSENT}. */
    int find(final long k0, final long k1)
    {
        final int slot = findSlot(k0, k1);
        return slot < 0 ? ABSENT : (int)(slots[slot * 2 + 1] & REF_MASK);
    }

    boolean contains(final long k0, final long k1)
    {
        return findSlot(k0, k1) >= 0;
    }

    /** Indexes a tuple known to be absent, in the first empty slot of its chain. */
    void insert(final long k0, final long k1, final int reference)
    {
        int slot = homeSlot(k0, k1);
        while (slots[slot * 2 + 1] != 0)
        {
            slot = (slot + 1) & slotMask;
        }
        slots[slot * 2] = k0;
        slots[slot * 2 + 1] = k1 | reference;
    }

    /** Removes a tuple known to be indexed. */
    void remove(final long k0, final long k1)
    {
        deleteSlot(findSlot(k0, k1));
    }

    /**
     * Multiplying k1 by an odd constant is a bijection, so two tuples that differ only in k0, or
     * only in k1, never meet before the finalizer, which is itself a bijection.
     */
    private int homeSlot(final long k0, final long k1)
    {
        return (int)mix(k0 ^ (k1 * GOLDEN)) & slotMask;
    }

    /** @return the slot holding this tuple, or -1. */
    private int findSlot(final long k0, final long k1)
    {
        int slot = homeSlot(k0, k1);
        while (true)
        {
            final long entry = slots[slot * 2 + 1];
            if (entry == 0)
            {
                return -1;
            }
            if ((entry & KEY_MASK) == k1 && slots[slot * 2] == k0)
            {
                return slot;
            }
            slot = (slot + 1) & slotMask;
        }
    }

    /**
     * Backward-shift deletion. Walking on from the hole to the end of the chain, each entry that
     * may legally sit in the hole (its home slot is not cyclically after the hole) moves into it
     * and leaves a new hole behind; entries whose home lies between the hole and themselves stay,
     * as moving them before their home would hide them from lookups. The final hole is emptied.
     */
    private void deleteSlot(final int slot)
    {
        int hole = slot;
        int next = slot;
        while (true)
        {
            next = (next + 1) & slotMask;
            final long entry = slots[next * 2 + 1];
            if (entry == 0)
            {
                break;
            }
            final long k0 = slots[next * 2];
            final int home = homeSlot(k0, entry & KEY_MASK);
            if (((next - home) & slotMask) >= ((next - hole) & slotMask))
            {
                slots[hole * 2] = k0;
                slots[hole * 2 + 1] = entry;
                hole = next;
            }
        }
        slots[hole * 2] = 0;
        slots[hole * 2 + 1] = 0;
    }
}
