package io.lanyard.forwarding.l3;

import org.agrona.collections.Long2LongHashMap;

/**
 * The uplink's neighbours (ARP cache): the MAC of each address on the uplink's link the router
 * sends to, and when it last asked for one it does not know.
 *
 * <p>Both maps are bounded by {@link #LIMIT} and sized for it, so they never grow on the hot
 * path: a new neighbour past the limit is not cached (its packets keep asking), and the record
 * of requests is emptied when it fills, at worst letting one more request per address out
 * early. A request for an address goes out at most once per {@link #RETRY_MILLIS}; the packets
 * in between are dropped, as a kernel's full neighbour queue would.
 *
 * <p>Single-threaded, like the router that owns it.
 */
final class NeighbourCache
{
    /** {@link #macOf} of an address not cached. */
    static final long NO_MAC = -1L;
    static final int LIMIT = 4096;
    static final long RETRY_MILLIS = 1000;

    private static final long NEVER_ASKED = Long.MIN_VALUE;

    private final Long2LongHashMap macs = new Long2LongHashMap(LIMIT * 2, 0.6f, NO_MAC);
    private final Long2LongHashMap askedAtMillis = new Long2LongHashMap(LIMIT * 2, 0.6f, NEVER_ASKED);

    /** Records where {@code address} is (learned from ARP, or given); ignored for a new address when full. */
    void put(final int address, final long mac)
    {
        if (macs.size() < LIMIT || macs.containsKey(address))
        {
            macs.put(address, mac);
        }
    }

    /** The MAC of {@code address}, or {@link #NO_MAC}. */
    long macOf(final int address)
    {
        return macs.get(address);
    }

    boolean contains(final int address)
    {
        return macs.containsKey(address);
    }

    /**
     * Whether a request for {@code address} may go out now: none did within the last
     * {@link #RETRY_MILLIS}. When it may, the request is recorded as sent.
     */
    boolean mayAsk(final int address, final long nowMillis)
    {
        final long asked = askedAtMillis.get(address);
        if (asked != NEVER_ASKED && nowMillis - asked < RETRY_MILLIS)
        {
            return false;
        }
        if (askedAtMillis.size() >= LIMIT)
        {
            askedAtMillis.clear();
        }
        askedAtMillis.put(address, nowMillis);
        return true;
    }

    /** Forgets every neighbour and request (the uplink changed). */
    void clear()
    {
        macs.clear();
        askedAtMillis.clear();
    }
}
