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
 * sized once for {@code capacity} learned entries and a pinned one per port, so it never rehashes
 * on the hot path: learning a new address into a full table is refused and counted, never makes
 * room by evicting.
 *
 * <p>An entry older than the aging time is treated as absent by {@link #lookup} at once, and
 * removed for good by {@link #expire}, which the owner calls about once a second.
 *
 * <p>A port may be held to a number of addresses ({@link #limitPort}): beyond it, a new address
 * from that port (or one moving to it) is refused and counted in {@link #portLimitRefused()},
 * so one port flooding random source MACs cannot take the table from every other port. Each
 * domain is held likewise ({@link #limitDomain}, {@link #DEFAULT_DOMAIN_LIMIT} unless set), so
 * no network takes another's room.
 *
 * <p>An address the control plane knows (a sandbox's: Lanyard assigned it) is {@link #pin pinned}:
 * found without aging, never expired, moved or made room for, and outside every bound above, so a
 * flood of learned addresses can never push a sandbox out of the table. It goes with its port
 * ({@link #removePort}). Frames from it on another port do not move it ({@link #pinnedRefused()}).
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
    /**
     * The learned addresses one domain (network) may hold unless {@link #limitDomain} says else:
     * a network's learned stations are its host side, its overlay's and those behind sandboxes
     * without port security, so this is far above real use (Open vSwitch's default per bridge is
     * 2,048) and leaves most of the table to the other networks.
     */
    public static final int DEFAULT_DOMAIN_LIMIT = 8_192;

    /** Refreshing an entry on every frame would rewrite the map per frame; once a second is enough for aging. */
    private static final long REFRESH_MILLIS = 1_000;
    private static final long NO_VALUE = -1;
    /** In a value: the entry is pinned. The time field of a pinned entry is unused. */
    private static final long PINNED = 1L << 62;

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
    private final int[] domainEntries = new int[MAX_DOMAIN + 1];
    private final int[] domainLimits = new int[MAX_DOMAIN + 1];
    private int learned;
    private long learnRefused;
    private long portLimitRefused;
    private long domainLimitRefused;
    private long pinnedRefused;
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
        // room for the learned entries and a pinned one per port, so that nothing rehashes on the hot path
        final int most = capacity + MAX_PORT + 1;
        this.entries = new Long2LongHashMap(2 * most, 0.65f, NO_VALUE);
        this.expired = new long[most];
        Arrays.fill(portLimits, UNLIMITED);
        Arrays.fill(domainLimits, DEFAULT_DOMAIN_LIMIT);
    }

    public static long key(final int domain, final long mac)
    {
        return ((long)domain << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    /**
     * Records that {@code mac} was seen arriving on {@code port}.
     *
     * @return false when the address is not learned: new while the table, its port or its domain
     *         is full, or pinned to another port (each refusal is counted).
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
            if (domainEntries[domain] >= domainLimits[domain])
            {
                domainLimitRefused++;
                return false;
            }
            if (learned >= capacity && !madeRoom(nowNanos))
            {
                learnRefused++;
                return false;
            }
            portEntries[port]++;
            domainEntries[domain]++;
            learned++;
        }
        else if ((value & PINNED) != 0)
        {
            if ((int)(value & 0xFFFF) == port)
            {
                return true;
            }
            pinnedRefused++;
            return false;
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

    /**
     * Puts {@code mac} behind {@code port} in {@code domain} for as long as the port is there (or
     * until pinned elsewhere): an address the control plane assigned, never learned, aged or
     * evicted. A learned entry for it is replaced.
     */
    public void pin(final int domain, final long mac, final int port)
    {
        if (domain < 0 || domain > MAX_DOMAIN || port < 0 || port > MAX_PORT)
        {
            throw new IllegalArgumentException("domain " + domain + " or port " + port + " out of range");
        }
        final long key = key(domain, mac);
        final long previous = entries.put(key, PINNED | port);
        if (previous != NO_VALUE && (previous & PINNED) == 0)
        {
            forgetLearned(key, previous);
        }
    }

    /** @return the port behind {@code mac} in {@code domain}, or {@link #MISSING} if unknown or aged out. */
    public int lookup(final int domain, final long mac, final long nowNanos)
    {
        final long value = entries.get(key(domain, mac));
        if (value == NO_VALUE || (value & PINNED) == 0 && millis(nowNanos) - (value >>> 16) >= agingMillis)
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

    /**
     * Holds {@code domain} to at most {@code maxAddresses} learned entries from now on (pinned ones
     * do not count); what it already has stays.
     */
    public void limitDomain(final int domain, final int maxAddresses)
    {
        if (domain < 0 || domain > MAX_DOMAIN || maxAddresses < 1)
        {
            throw new IllegalArgumentException("domain " + domain + " or limit " + maxAddresses + " out of range");
        }
        domainLimits[domain] = maxAddresses;
    }

    /** The learned entries that point at {@code port}. */
    public int entriesOf(final int port)
    {
        return portEntries[port];
    }

    /** The learned entries of {@code domain}. */
    public int learnedIn(final int domain)
    {
        return domainEntries[domain];
    }

    /** New addresses (or moves) not learned because their port was at its bound, since the table was made. */
    public long portLimitRefused()
    {
        return portLimitRefused;
    }

    /** New addresses not learned because their domain was at its bound, since the table was made. */
    public long domainLimitRefused()
    {
        return domainLimitRefused;
    }

    /** Frames from a pinned address on a port not its own, which did not move it, since the table was made. */
    public long pinnedRefused()
    {
        return pinnedRefused;
    }

    /** Removes a learned entry (a pinned one stays): to undo what a traced frame taught the table. */
    public void forget(final int domain, final long mac)
    {
        final long key = key(domain, mac);
        final long value = entries.get(key);
        if (value != NO_VALUE && (value & PINNED) == 0)
        {
            entries.remove(key);
            forgetLearned(key, value);
        }
    }

    /** Removes every entry that points at {@code port}, pinned ones included, e.g. when the port goes away. */
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

    /** One entry of a dump ({@link #forEach}): where a MAC is, whether the control plane pinned it there, and how long ago a frame from it was seen. */
    @FunctionalInterface
    public interface EntryVisitor
    {
        /** @param ageMillis since a frame from {@code mac} was last seen (refreshed about once a second); 0 for a pinned entry. */
        void entry(int domain, long mac, int port, boolean pinned, long ageMillis);
    }

    /** Visits every entry still alive at {@code nowNanos}, in no order: for table dumps, not for the packet path (it allocates). */
    public void forEach(final long nowNanos, final EntryVisitor visitor)
    {
        final long nowMillis = millis(nowNanos);
        entries.forEachLong((key, value) ->
        {
            final boolean pinned = (value & PINNED) != 0;
            final long age = pinned ? 0 : nowMillis - (value >>> 16);
            if (pinned || age < agingMillis)
            {
                visitor.entry((int)(key >>> 48), key & 0xFFFF_FFFF_FFFFL, (int)(value & 0xFFFF), pinned, Math.max(0, age));
            }
        });
    }

    /** Entries held, pinned and learned. */
    public int size()
    {
        return entries.size();
    }

    /** Learned entries held (what {@link #capacity} bounds). */
    public int learned()
    {
        return learned;
    }

    /** The most learned entries held at once; pinned ones come on top. */
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
        if ((value & PINNED) == 0 && (value >>> 16) <= expireBeforeMillis)
        {
            expired[expiredCount++] = key;
        }
    }

    private int removeCollected()
    {
        for (int i = 0; i < expiredCount; i++)
        {
            final long key = expired[i];
            final long value = entries.remove(key);
            if (value != NO_VALUE && (value & PINNED) == 0)
            {
                forgetLearned(key, value);
            }
        }
        return expiredCount;
    }

    private void forgetLearned(final long key, final long value)
    {
        portEntries[(int)(value & 0xFFFF)]--;
        domainEntries[(int)(key >>> 48)]--;
        learned--;
    }

    private long millis(final long nowNanos)
    {
        return (nowNanos - baseNanos) / 1_000_000;
    }
}
