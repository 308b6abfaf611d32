package io.lanyard.forwarding.nat;

import java.util.Objects;

import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_ICMP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_TCP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_UDP;

/**
 * The tracked connections of masquerade and DNAT: each connection is found by the tuple of its
 * packets in either direction, carries a protocol state that decides how long it may stay idle,
 * and two caller-owned tags that say where each direction's packets go.
 *
 * <p>A tuple is (protocol, source, source port, destination, destination port), IPv4 addresses
 * as ints and ports as 0..65535. A connection has an <em>original</em> tuple, that of its first
 * packet, and a <em>reply</em> tuple, that of the packets coming back after translation: for a
 * container's flow masqueraded behind the host, original (container:c → server:s) has reply
 * (server:s → host:p). An untranslated connection's reply is its original inverted. For ICMP
 * echo the caller passes the identifier as a port, the table does not care which.
 *
 * <h2>Layout</h2>
 * One thread owns the table and nothing is allocated after the constructor. A connection is an
 * id, 0 to capacity - 1, into parallel arrays; free ids sit on an int stack. Both tuples are
 * kept packed into two longs each, as the {@link TupleIndex} that finds connections by either
 * tuple packs them. A connection whose reply tuple equals its original (possible only for a flow
 * to itself) is indexed once, and found as original.
 *
 * <h2>States</h2>
 * TCP follows a simplified {@code nf_conntrack_proto_tcp}, UDP and ICMP are unreplied until a
 * reply is seen; each state has its idle timeout ({@link ConnectionStates}).
 *
 * <h2>Time and bounds</h2>
 * Time is the caller's clock in milliseconds. A connection is gone from the instant it expires:
 * {@link #lookup} removes an expired one it finds, and {@link #expire}, called about once a
 * second, sweeps the rest. A create into a full table sweeps first, but at most once a second,
 * so a flood of new flows against a full table costs each packet O(1); what is still refused is
 * counted in {@link #refusedFull()}, and established connections carry on.
 *
 * <p>An id is good until its connection is removed: by {@link #remove}, by {@link #expire}, by a
 * {@link #lookup} that finds it expired, or by a {@link #create} that finds it expired in the way
 * of the new connection or sweeps a full table. The per-connection accessors do not check: on a
 * removed id they return stale values, and a later create may hand the id out again.
 */
public final class ConnectionTable
{
    /** {@link #lookup}: no such connection. */
    public static final int NONE = -1;
    /** {@link #create}: the table is at capacity, even after sweeping expired connections. */
    public static final int FULL = -2;
    /** {@link #create}: the original or reply tuple is already used by a live connection. */
    public static final int CLASH = -3;

    /** TCP, between {@link #create} and the first {@link #update}. Numbered as Linux's TCP states. */
    public static final int NEW = 0;
    public static final int SYN_SENT = 1;
    public static final int SYN_RECV = 2;
    public static final int ESTABLISHED = 3;
    public static final int FIN_WAIT = 4;
    public static final int CLOSE_WAIT = 5;
    public static final int LAST_ACK = 6;
    public static final int TIME_WAIT = 7;
    public static final int CLOSE = 8;
    /** UDP and ICMP: no reply seen yet. */
    public static final int UNREPLIED = 9;
    /** UDP and ICMP: a reply has been seen. */
    public static final int REPLIED = 10;

    public static final int MAX_CAPACITY = 1 << 22;

    /** How often, at most, a create into a full table may sweep for expired connections. */
    private static final long FULL_SWEEP_INTERVAL_MILLIS = 1_000;

    /** Allocation tries at most this many ports, as Linux's nf_nat_l4proto_unique_tuple does. */
    private static final int MAX_PORT_CANDIDATES = 128;

    private final int capacity;
    private final TupleIndex index;

    /** Four longs per connection: original k0, k1, reply k0, k1; a free id has 0 as original k1. */
    private final long[] tuples;
    private final long[] tags;

    private final int[] freeIds;
    private int freeCount;

    private final ConnectionStates states;

    private boolean lastLookupWasReply;
    private boolean sweptWhenFull;
    private long lastFullSweepMillis;
    private long refusedFull;
    private long expired;
    /** Where {@link #expireSome} goes on from. */
    private int sweepCursor;

    /**
     * @param capacity most connections held at once, 1 to {@link #MAX_CAPACITY}.
     * @param timeouts idle timeouts per protocol state.
     */
    public ConnectionTable(final int capacity, final ConntrackTimeouts timeouts)
    {
        if (capacity < 1 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("capacity must be 1.." + MAX_CAPACITY + ": " + capacity);
        }
        Objects.requireNonNull(timeouts, "timeouts");

        this.capacity = capacity;
        this.index = new TupleIndex(capacity);

        this.tuples = new long[capacity * 4];
        this.tags = new long[capacity * 2];

        this.freeIds = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            freeIds[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;

        this.states = new ConnectionStates(capacity, timeouts);
    }

    /**
     * @return the id of the live connection whose original or reply tuple this is, with its
     * direction in {@link #lastLookupWasReply()}; or {@link #NONE}, also when the connection found
     * has expired (it is removed).
     */
    public int lookup(
        final int protocol,
        final int source,
        final int sourcePort,
        final int destination,
        final int destinationPort,
        final long nowMillis)
    {
        if (!isValidTuple(protocol, sourcePort, destinationPort))
        {
            return NONE;
        }
        final int reference = index.find(TupleIndex.k0(source, destination), TupleIndex.k1(protocol, sourcePort, destinationPort));
        if (reference == TupleIndex.ABSENT)
        {
            return NONE;
        }
        final int id = TupleIndex.id(reference);
        if (states.isExpired(id, nowMillis))
        {
            removeExpired(id);
            return NONE;
        }
        lastLookupWasReply = TupleIndex.isReply(reference);
        return id;
    }

    /** Whether the last successful {@link #lookup} matched a reply tuple rather than an original one. */
    public boolean lastLookupWasReply()
    {
        return lastLookupWasReply;
    }

    /**
     * Tracks a new connection. It starts as {@link #NEW} for TCP and {@link #UNREPLIED} otherwise;
     * the caller then passes its first packet to {@link #update}. A live connection already using
     * either tuple makes it {@link #CLASH}; an expired one is removed to make way.
     *
     * @return the new id, or {@link #CLASH}, or {@link #FULL} (counted).
     * @throws IllegalArgumentException for a protocol other than TCP, UDP and ICMP, or a port out of range.
     */
    public int create(
        final int protocol,
        final int origSource,
        final int origSourcePort,
        final int origDestination,
        final int origDestinationPort,
        final int replySource,
        final int replySourcePort,
        final int replyDestination,
        final int replyDestinationPort,
        final long nowMillis)
    {
        if (protocol != PROTOCOL_TCP && protocol != PROTOCOL_UDP && protocol != PROTOCOL_ICMP)
        {
            throw new IllegalArgumentException("untracked protocol: " + protocol);
        }
        if (!isValidTuple(protocol, origSourcePort, origDestinationPort) ||
            !isValidTuple(protocol, replySourcePort, replyDestinationPort))
        {
            throw new IllegalArgumentException("ports must be 0..65535");
        }

        final long origK0 = TupleIndex.k0(origSource, origDestination);
        final long origK1 = TupleIndex.k1(protocol, origSourcePort, origDestinationPort);
        final long replyK0 = TupleIndex.k0(replySource, replyDestination);
        final long replyK1 = TupleIndex.k1(protocol, replySourcePort, replyDestinationPort);
        final boolean indexedOnce = origK0 == replyK0 && origK1 == replyK1;

        if (isHeldLive(origK0, origK1, nowMillis) || (!indexedOnce && isHeldLive(replyK0, replyK1, nowMillis)))
        {
            return CLASH;
        }

        if (freeCount == 0)
        {
            if (!sweptWhenFull || nowMillis - lastFullSweepMillis >= FULL_SWEEP_INTERVAL_MILLIS)
            {
                sweptWhenFull = true;
                lastFullSweepMillis = nowMillis;
                expire(nowMillis);
            }
            if (freeCount == 0)
            {
                refusedFull++;
                return FULL;
            }
        }

        final int id = freeIds[--freeCount];
        final int base = id * 4;
        tuples[base] = origK0;
        tuples[base + 1] = origK1;
        tuples[base + 2] = replyK0;
        tuples[base + 3] = replyK1;
        tags[id * 2] = 0;
        tags[id * 2 + 1] = 0;
        states.start(id, protocol, nowMillis);

        index.insert(origK0, origK1, TupleIndex.reference(id, false));
        if (!indexedOnce)
        {
            index.insert(replyK0, replyK1, TupleIndex.reference(id, true));
        }
        return id;
    }

    /**
     * Accounts for one packet of a live connection: advances its state (see
     * {@link ConnectionStates}; {@code tcpFlags} matter only for TCP) and refreshes its expiry
     * from the new state.
     *
     * @param reply    whether the packet matched the reply tuple.
     * @param tcpFlags byte 13 of the TCP header.
     */
    public void update(final int id, final boolean reply, final int tcpFlags, final long nowMillis)
    {
        states.update(id, protocol(id), reply, tcpFlags, nowMillis);
    }

    /**
     * Stops tracking a connection now; its id may be handed out again by the next {@link #create}.
     *
     * @throws IllegalArgumentException if the id is not a live connection.
     */
    public void remove(final int id)
    {
        if (id < 0 || id >= capacity || tuples[id * 4 + 1] == 0)
        {
            throw new IllegalArgumentException("not a live connection: " + id);
        }
        removeLive(id);
    }

    /**
     * Removes every connection expired at {@code nowMillis}. This visits every id, O(capacity):
     * meant for about once a second, not per packet.
     *
     * @return how many were removed.
     */
    public int expire(final long nowMillis)
    {
        return expireSlice(nowMillis, 0, capacity);
    }

    /**
     * Removes expired connections among the next {@code budget} ids after where the last call
     * stopped, wrapping around: called often with a small budget, it sweeps the whole table
     * without ever stopping the forwarding thread for a whole sweep (4 M entries take ~24 ms),
     * as Linux's conntrack garbage collector works in slices.
     *
     * @return how many were removed.
     */
    public int expireSome(final long nowMillis, final int budget)
    {
        final int count = Math.min(budget, capacity);
        final int start = sweepCursor;
        final int end = start + count;
        int removed;
        if (end <= capacity)
        {
            removed = expireSlice(nowMillis, start, end);
            sweepCursor = end == capacity ? 0 : end;
        }
        else
        {
            removed = expireSlice(nowMillis, start, capacity);
            removed += expireSlice(nowMillis, 0, end - capacity);
            sweepCursor = end - capacity;
        }
        return removed;
    }

    private int expireSlice(final long nowMillis, final int from, final int to)
    {
        int removed = 0;
        for (int id = from; id < to; id++)
        {
            if (tuples[id * 4 + 1] != 0 && states.isExpired(id, nowMillis))
            {
                removeExpired(id);
                removed++;
            }
        }
        return removed;
    }

    /**
     * Chooses the translated port of a new connection: a {@code p} in [low, high] such that no
     * connection in the table uses the reply tuple
     * (protocol, replySource, replySourcePort, replyDestination, p).
     *
     * <p>The preferred port (usually the original source port, as Linux keeps it when it can) if
     * it is in range and free; otherwise up to 128 consecutive ports, wrapping within the range,
     * from a start derived from a hash of the tuple and the preferred port, so that flows to one
     * server do not all queue behind the same first candidate. Connections expired but not yet
     * swept count as used: this takes no clock, and {@link #expire} reclaims them within a second.
     *
     * @return the port, or -1 if none of the candidates is free.
     * @throws IllegalArgumentException unless 0 &lt;= low &lt;= high &lt;= 65535, for a port out of
     * range, or for a protocol other than TCP, UDP and ICMP.
     */
    public int allocatePort(
        final int protocol,
        final int replySource,
        final int replySourcePort,
        final int replyDestination,
        final int preferredPort,
        final int low,
        final int high)
    {
        if (low < 0 || high > 0xFFFF || low > high)
        {
            throw new IllegalArgumentException("port range must be within 0..65535, low <= high: " + low + ".." + high);
        }
        if (protocol != PROTOCOL_TCP && protocol != PROTOCOL_UDP && protocol != PROTOCOL_ICMP)
        {
            throw new IllegalArgumentException("untracked protocol: " + protocol);
        }
        if ((replySourcePort & ~0xFFFF) != 0)
        {
            throw new IllegalArgumentException("port must be 0..65535: " + replySourcePort);
        }
        final long k0 = TupleIndex.k0(replySource, replyDestination);
        if (preferredPort >= low && preferredPort <= high &&
            !index.contains(k0, TupleIndex.k1(protocol, replySourcePort, preferredPort)))
        {
            return preferredPort;
        }

        final int rangeSize = high - low + 1;
        final long seed = TupleIndex.mix(k0 ^ TupleIndex.k1(protocol, replySourcePort, preferredPort & 0xFFFF) * 0x9E37_79B9_7F4A_7C15L);
        int offset = (int)((seed >>> 1) % rangeSize);
        final int candidates = Math.min(rangeSize, MAX_PORT_CANDIDATES);
        for (int i = 0; i < candidates; i++)
        {
            final int port = low + offset;
            if (!index.contains(k0, TupleIndex.k1(protocol, replySourcePort, port)))
            {
                return port;
            }
            offset = offset + 1 == rangeSize ? 0 : offset + 1;
        }
        return -1;
    }

    public int protocol(final int id)
    {
        return TupleIndex.protocol(tuples[id * 4 + 1]);
    }

    public int originalSource(final int id)
    {
        return TupleIndex.source(tuples[id * 4]);
    }

    public int originalSourcePort(final int id)
    {
        return TupleIndex.sourcePort(tuples[id * 4 + 1]);
    }

    public int originalDestination(final int id)
    {
        return TupleIndex.destination(tuples[id * 4]);
    }

    public int originalDestinationPort(final int id)
    {
        return TupleIndex.destinationPort(tuples[id * 4 + 1]);
    }

    public int replySource(final int id)
    {
        return TupleIndex.source(tuples[id * 4 + 2]);
    }

    public int replySourcePort(final int id)
    {
        return TupleIndex.sourcePort(tuples[id * 4 + 3]);
    }

    public int replyDestination(final int id)
    {
        return TupleIndex.destination(tuples[id * 4 + 2]);
    }

    public int replyDestinationPort(final int id)
    {
        return TupleIndex.destinationPort(tuples[id * 4 + 3]);
    }

    /** One of the TCP states, or {@link #UNREPLIED} / {@link #REPLIED} for UDP and ICMP. */
    public int state(final int id)
    {
        return states.state(id);
    }

    public long expiresAtMillis(final int id)
    {
        return states.expiresAtMillis(id);
    }

    /** Whether a packet matching the reply tuple has been seen (since the port was last reused, for TCP). */
    public boolean seenReply(final int id)
    {
        return states.seenReply(id);
    }

    /** True when {@code id} (0 to capacity - 1) holds a connection, expired or not. */
    public boolean isLive(final int id)
    {
        return tuples[id * 4 + 1] != 0;
    }

    /** The caller's tag for one direction of a connection; 0 when the connection is created. */
    public long tag(final int id, final boolean reply)
    {
        return tags[id * 2 + (reply ? 1 : 0)];
    }

    public void tag(final int id, final boolean reply, final long value)
    {
        tags[id * 2 + (reply ? 1 : 0)] = value;
    }

    public int size()
    {
        return capacity - freeCount;
    }

    public int capacity()
    {
        return capacity;
    }

    /** Creates refused because the table was full, since it was made. */
    public long refusedFull()
    {
        return refusedFull;
    }

    public static String stateName(final int state)
    {
        switch (state)
        {
            case NEW: return "NEW";
            case SYN_SENT: return "SYN_SENT";
            case SYN_RECV: return "SYN_RECV";
            case ESTABLISHED: return "ESTABLISHED";
            case FIN_WAIT: return "FIN_WAIT";
            case CLOSE_WAIT: return "CLOSE_WAIT";
            case LAST_ACK: return "LAST_ACK";
            case TIME_WAIT: return "TIME_WAIT";
            case CLOSE: return "CLOSE";
            case UNREPLIED: return "UNREPLIED";
            case REPLIED: return "REPLIED";
            default: return "UNKNOWN(" + state + ")";
        }
    }

    private static boolean isValidTuple(final int protocol, final int sourcePort, final int destinationPort)
    {
        return protocol >= 1 && protocol <= 0xFF && (sourcePort & ~0xFFFF) == 0 && (destinationPort & ~0xFFFF) == 0;
    }

    /** Whether a live connection holds this tuple; an expired holder is removed on the way. */
    private boolean isHeldLive(final long k0, final long k1, final long nowMillis)
    {
        final int reference = index.find(k0, k1);
        if (reference == TupleIndex.ABSENT)
        {
            return false;
        }
        final int id = TupleIndex.id(reference);
        if (states.isExpired(id, nowMillis))
        {
            removeExpired(id);
            return false;
        }
        return true;
    }

    private void removeExpired(final int id)
    {
        expired++;
        removeLive(id);
    }

    /** Connections removed because their timeout ran out, by any path (sweeps or lookups that found them), since creation. */
    public long expired()
    {
        return expired;
    }

    private void removeLive(final int id)
    {
        final int base = id * 4;
        final long origK0 = tuples[base];
        final long origK1 = tuples[base + 1];
        final long replyK0 = tuples[base + 2];
        final long replyK1 = tuples[base + 3];
        index.remove(origK0, origK1);
        if (origK0 != replyK0 || origK1 != replyK1)
        {
            index.remove(replyK0, replyK1);
        }
        tuples[base + 1] = 0;
        freeIds[freeCount++] = id;
    }
}
