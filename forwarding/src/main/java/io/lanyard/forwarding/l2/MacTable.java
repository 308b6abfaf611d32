package io.lanyard.forwarding.l2;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongLongConsumer;

import java.util.Arrays;

/**
 * The learned MAC addresses of every bridge domain: (domain, MAC) → (port, last seen).
 *
 * <p>One thread owns it (the forwarding stage); nothing here is thread-safe. The key packs the
 * domain into the top 16 bits above the 48-bit MAC; the value packs the time an entry was last
 * refreshed, in milliseconds since the table was made, above a 16-bit port index. The map is
 * sized once for {@code capacity} entries so it never rehashes on the hot path: learning a new
 * address into a full table is refused and counted, never makes room by evicting.
 *
 * <p>An entry older than the aging time is treated as absent by {@link #lookup} at once, and
 * removed for good by {@link #expire}, which the owner calls about once a second.
 *
 * <p>A port may be held to a number of addresses ({@link #limitPort}): beyond it, a new address
 * from that port (or one moving to it) is refused and counted in {@link #portLimitRefused()},
 * so one port flooding random source MACs cannot take the table from every other port.
 */
public final class MacTable
{
    public static final int MISSING = -1;
    public static final long DEFAULT_AGING_NANOS = 300_000_000_000L;
    public static final int DEFAULT_CAPACITY = 65_536;
    public static final int MAX_DOMAIN = 0xFFFF;
    public static final int MAX_PORT = 0xFFFF;
    /** {@link #limitPort}: no bound but the table's. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    /** Refreshing an entry on every frame would rewrite the map per frame; once a second is enough for aging. */
    private static final long REFRESH_MILLIS = 1_000;
    private static final long NO_VALUE = -1;

    private final Long2LongHashMap entries;
    private final int capacity;
    private final long agingMillis;
    private final long baseNanos;
    private final long[] expired;
    private final LongLongConsumer collectExpired = this::collectExpired;
    private int expiredCount;
    private long expireBeforeMillis;
    private long lastForcedExpiryMillis = Long.MIN_VALUE / 2;

    private final int[] portEntries = new int[MAX_PORT + 1];
    private final int[] portLimits = new int[MAX_PORT + 1];
    private long learnRefused;
    private long portLimitRefused;
    private long moves;

    /**
     * @param capacity   most entries held at once (all domains together).
     * @param agingNanos how long an entry lives without being refreshed by a frame from its MAC.
     * @param nowNanos   the current time of the owner's clock, the zero of the stored timestamps.
     */
    public MacTable(final int capacity, final long agingNanos, final long nowNanos)
    {
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.agingMillis = Math.max(1, agingNanos / 1_000_000);
        this.baseNanos = nowNanos;
        this.entries = new Long2LongHashMap(Math.max(16, capacity * 2), 0.65f, NO_VALUE);
        this.expired = new long[capacity];
        Arrays.fill(portLimits, UNLIMITED);
    }

    public static long key(final int domain, final long mac)
    {
        return ((long)domain << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    /**
     * Records that {@code mac} was seen arriving on {@code port}.
     *
     * @return false when the address is new and the table is full (the refusal is counted).
     */
    public boolean learn(final int domain, final long mac, final int port, final long nowNanos)
    {
        final long key = key(domain, mac);
        final long nowMillis = millis(nowNanos);
        final long value = entries.get(key);
        if (value == NO_VALUE)
        {
            if (portEntries[port] >= portLimits[port])
            {
                portLimitRefused++;
                return false;
            }
            if (entries.size() >= capacity && !madeRoom(nowNanos))
            {
                learnRefused++;
                return false;
            }
            portEntries[port]++;
        }
        else if ((int)(value & 0xFFFF) == port)
        {
            if (nowMillis - (value >>> 16) < REFRESH_MILLIS)
            {
                return true;
            }
        }
        else
        {
            if (portEntries[port] >= portLimits[port])
            {
                portLimitRefused++;
                return false;
            }
            portEntries[(int)(value & 0xFFFF)]--;
            portEntries[port]++;
            moves++;
        }
        entries.put(key, (nowMillis << 16) | port);
        return true;
    }

    /** @return the port behind {@code mac} in {@code domain}, or {@link #MISSING} if unknown or aged out. */
    public int lookup(final int domain, final long mac, final long nowNanos)
    {
        final long value = entries.get(key(domain, mac));
        if (value == NO_VALUE || millis(nowNanos) - (value >>> 16) >= agingMillis)
        {
            return MISSING;
        }
        return (int)(value & 0xFFFF);
    }

    /**
     * Holds {@code port} to at most {@code maxAddresses} entries from now on ({@link #UNLIMITED}
     * for none); what it already has stays, but it learns nothing new until it is under the bound.
     */
    public void limitPort(final int port, final int maxAddresses)
    {
        if (port < 0 || port > MAX_PORT || maxAddresses < 1)
        {
            throw new IllegalArgumentException("port " + port + " or limit " + maxAddresses + " out of range");
        }
        portLimits[port] = maxAddresses;
    }

    /** The entries that point at {@code port}. */
    public int entriesOf(final int port)
    {
        return portEntries[port];
    }

    /** New addresses (or moves) not learned because their port was at its bound, since the table was made. */
    public long portLimitRefused()
    {
        return portLimitRefused;
    }

    /** Removes every entry that points at {@code port}, e.g. when the port goes away. */
    public int removePort(final int port)
    {
        expiredCount = 0;
        entries.forEachLong((key, value) ->
        {
            if ((int)(value & 0xFFFF) == port)
            {
                expired[expiredCount++] = key;
            }
        });
        return removeCollected();
    }

    /** Removes entries not refreshed within the aging time. */
    public int expire(final long nowNanos)
    {
        expireBeforeMillis = millis(nowNanos) - agingMillis;
        expiredCount = 0;
        entries.forEachLong(collectExpired);
        return removeCollected();
    }

    public int size()
    {
        return entries.size();
    }

    public int capacity()
    {
        return capacity;
    }

    /** New addresses not learned because the table was full, since it was made. */
    public long learnRefused()
    {
        return learnRefused;
    }

    /** Addresses that moved from one port to another, since the table was made. */
    public long moves()
    {
        return moves;
    }

    /**
     * A full table may still hold entries that aged out but were not yet swept; sweep them now,
     * but at most once a second so a flood of new addresses cannot turn every frame into a sweep.
     */
    private boolean madeRoom(final long nowNanos)
    {
        final long nowMillis = millis(nowNanos);
        if (nowMillis - lastForcedExpiryMillis < REFRESH_MILLIS)
        {
            return false;
        }
        lastForcedExpiryMillis = nowMillis;
        return expire(nowNanos) > 0;
    }

    private void collectExpired(final long key, final long value)
    {
        if ((value >>> 16) <= expireBeforeMillis)
        {
            expired[expiredCount++] = key;
        }
    }

    private int removeCollected()
    {
        for (int i = 0; i < expiredCount; i++)
        {
            final long value = entries.remove(expired[i]);
            if (value != NO_VALUE)
            {
                portEntries[(int)(value & 0xFFFF)]--;
            }
        }
        return expiredCount;
    }

    private long millis(final long nowNanos)
    {
        return (nowNanos - baseNanos) / 1_000_000;
    }
}
