package io.lanyard.forwarding.nat;

import java.util.Objects;

import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_ICMP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_TCP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_UDP;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_ACK;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_FIN;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_RST;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_SYN;

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
 * kept packed into two longs each: {@code k0 = source << 32 | destination} and
 * {@code k1 = protocol << 56 | sourcePort << 40 | destinationPort << 24}, leaving 24 low bits.
 * The index is an open-addressed array of such pairs with linear probing, at least four slots
 * per connection, so that with two tuples per connection it is never more than half full. Each
 * slot stores the tuple itself, with the connection id and the direction in the 24 spare bits,
 * so a probe reads one 16-byte slot and never touches the connection arrays; an empty slot is
 * all zeroes (no protocol is 0). A connection whose reply tuple equals its original (possible
 * only for a flow to itself) is indexed once, and found as original. Deleting a slot shifts the
 * rest of its probe chain back into the hole (Knuth's algorithm R), so there are no tombstones
 * and chains never get longer than the live entries make them.
 *
 * <p>The slot is chosen by a murmur3 finalizer over both longs: NAT flows differ from one another
 * in a few bits of a port or an address, which a weak hash would pile into one chain.
 *
 * <h2>TCP states</h2>
 * A simplified {@code nf_conntrack_proto_tcp}: it follows flags, not sequence numbers.
 * <pre>
 *   state         packet                                      next
 *   NEW           SYN without ACK                             SYN_SENT
 *   NEW           anything else without RST (picked up        ESTABLISHED
 *                 mid-stream, as nf_conntrack_tcp_loose=1)
 *   SYN_SENT      SYN+ACK from reply                          SYN_RECV
 *   SYN_RECV      ACK (no SYN) from original                  ESTABLISHED, or FIN_WAIT if it has FIN
 *   ESTABLISHED   FIN from either side                        FIN_WAIT (that side closed first)
 *   FIN_WAIT      FIN from the other side                     LAST_ACK
 *   FIN_WAIT      ACK (no FIN) from the other side            CLOSE_WAIT
 *   CLOSE_WAIT    FIN from the other side                     LAST_ACK
 *   LAST_ACK      ACK (no FIN, no SYN) from the first closer  TIME_WAIT
 *   TIME_WAIT,    SYN without ACK from original (the client   SYN_SENT, as a fresh connection:
 *   CLOSE         reusing its port)                           no reply seen, no closer
 *   any           RST from either side                        CLOSE
 *   any           anything else                               unchanged
 * </pre>
 * {@code NEW} is the state between {@link #create} and the first {@link #update}, and lasts the
 * tcp_close timeout should the caller never make that update. Every packet refreshes the expiry
 * to now plus the new state's timeout, except that until a reply has been seen no state may stay
 * longer than tcp_unacknowledged: a flow picked up mid-stream, or one whose peer never answers,
 * lives 300 s rather than 5 days.
 *
 * <p>UDP and ICMP connections are {@code UNREPLIED} until a reply is seen, then {@code REPLIED};
 * UDP lives the udp timeout while unreplied and udp_stream after, ICMP always the icmp timeout.
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

    private static final long REF_MASK = 0xFF_FFFFL;
    private static final long KEY_MASK = ~REF_MASK;

    private static final int SEEN_REPLY = 1;
    private static final int REPLY_CLOSED_FIRST = 2;

    private final int capacity;
    private final int slotMask;

    /** Two longs per slot: {@code k0}, then {@code k1 | id << 1 | reply}; 0 in the second is empty. */
    private final long[] index;

    /** Four longs per connection: original k0, k1, reply k0, k1; a free id has 0 as original k1. */
    private final long[] tuples;
    private final int[] states;
    private final int[] flags;
    private final long[] expiresAtMillis;
    private final long[] tags;

    private final int[] freeIds;
    private int freeCount;

    private final long[] tcpTimeoutMillis = new long[CLOSE + 1];
    private final long tcpUnacknowledgedMillis;
    private final long udpMillis;
    private final long udpStreamMillis;
    private final long icmpMillis;

    private boolean lastLookupWasReply;
    private boolean sweptWhenFull;
    private long lastFullSweepMillis;
    private long refusedFull;
    private long expired;

    /**
     * @param capacity most connections held at once, 1 to {@link #MAX_CAPACITY}.
     * @param timeouts idle timeouts per protocol state.
     */
    /** Where {@link #expireSome} goes on from. */
    private int sweepCursor;

    public ConnectionTable(final int capacity, final ConntrackTimeouts timeouts)
    {
        if (capacity < 1 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("capacity must be 1.." + MAX_CAPACITY + ": " + capacity);
        }
        Objects.requireNonNull(timeouts, "timeouts");

        this.capacity = capacity;
        final int slots = Integer.highestOneBit(capacity * 4 - 1) << 1;
        this.slotMask = slots - 1;
        this.index = new long[slots * 2];

        this.tuples = new long[capacity * 4];
        this.states = new int[capacity];
        this.flags = new int[capacity];
        this.expiresAtMillis = new long[capacity];
        this.tags = new long[capacity * 2];

        this.freeIds = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            freeIds[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;

        tcpTimeoutMillis[NEW] = timeouts.tcpCloseMillis();
        tcpTimeoutMillis[SYN_SENT] = timeouts.tcpSynSentMillis();
        tcpTimeoutMillis[SYN_RECV] = timeouts.tcpSynRecvMillis();
        tcpTimeoutMillis[ESTABLISHED] = timeouts.tcpEstablishedMillis();
        tcpTimeoutMillis[FIN_WAIT] = timeouts.tcpFinWaitMillis();
        tcpTimeoutMillis[CLOSE_WAIT] = timeouts.tcpCloseWaitMillis();
        tcpTimeoutMillis[LAST_ACK] = timeouts.tcpLastAckMillis();
        tcpTimeoutMillis[TIME_WAIT] = timeouts.tcpTimeWaitMillis();
        tcpTimeoutMillis[CLOSE] = timeouts.tcpCloseMillis();
        this.tcpUnacknowledgedMillis = timeouts.tcpUnacknowledgedMillis();
        this.udpMillis = timeouts.udpMillis();
        this.udpStreamMillis = timeouts.udpStreamMillis();
        this.icmpMillis = timeouts.icmpMillis();
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
        final long k0 = k0(source, destination);
        final long k1 = k1(protocol, sourcePort, destinationPort);
        final int slot = findSlot(k0, k1);
        if (slot < 0)
        {
            return NONE;
        }
        final int ref = (int)(index[slot * 2 + 1] & REF_MASK);
        final int id = ref >>> 1;
        if (nowMillis >= expiresAtMillis[id])
        {
            removeExpired(id);
            return NONE;
        }
        lastLookupWasReply = (ref & 1) != 0;
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

        final long origK0 = k0(origSource, origDestination);
        final long origK1 = k1(protocol, origSourcePort, origDestinationPort);
        final long replyK0 = k0(replySource, replyDestination);
        final long replyK1 = k1(protocol, replySourcePort, replyDestinationPort);
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
        flags[id] = 0;
        tags[id * 2] = 0;
        tags[id * 2 + 1] = 0;
        if (protocol == PROTOCOL_TCP)
        {
            states[id] = NEW;
            expiresAtMillis[id] = nowMillis + tcpTimeoutMillis[NEW];
        }
        else
        {
            states[id] = UNREPLIED;
            expiresAtMillis[id] = nowMillis + (protocol == PROTOCOL_UDP ? udpMillis : icmpMillis);
        }

        insert(origK0, origK1 | ((long)id << 1));
        if (!indexedOnce)
        {
            insert(replyK0, replyK1 | ((long)id << 1) | 1);
        }
        return id;
    }

    /**
     * Accounts for one packet of a live connection: advances its state (see the class comment;
     * {@code tcpFlags} matter only for TCP) and refreshes its expiry from the new state.
     *
     * @param reply    whether the packet matched the reply tuple.
     * @param tcpFlags byte 13 of the TCP header.
     */
    public void update(final int id, final boolean reply, final int tcpFlags, final long nowMillis)
    {
        int bits = flags[id];
        if (reply)
        {
            bits |= SEEN_REPLY;
        }

        final int protocol = (int)(tuples[id * 4 + 1] >>> 56);
        final long timeoutMillis;
        if (protocol == PROTOCOL_TCP)
        {
            final int state = states[id];
            final boolean syn = (tcpFlags & FLAG_SYN) != 0;
            final boolean ack = (tcpFlags & FLAG_ACK) != 0;
            final boolean fin = (tcpFlags & FLAG_FIN) != 0;
            final boolean fromFirstCloser = reply == ((bits & REPLY_CLOSED_FIRST) != 0);
            int next = state;
            if ((tcpFlags & FLAG_RST) != 0)
            {
                next = CLOSE;
            }
            else
            {
                switch (state)
                {
                    case NEW:
                        next = syn && !ack ? SYN_SENT : ESTABLISHED;
                        break;

                    case SYN_SENT:
                        if (reply && syn && ack)
                        {
                            next = SYN_RECV;
                        }
                        break;

                    case SYN_RECV:
                        if (!reply && ack && !syn)
                        {
                            next = fin ? FIN_WAIT : ESTABLISHED;
                        }
                        break;

                    case ESTABLISHED:
                        if (fin)
                        {
                            next = FIN_WAIT;
                            bits = reply ? bits | REPLY_CLOSED_FIRST : bits & ~REPLY_CLOSED_FIRST;
                        }
                        break;

                    case FIN_WAIT:
                        if (!fromFirstCloser)
                        {
                            if (fin)
                            {
                                next = LAST_ACK;
                            }
                            else if (ack)
                            {
                                next = CLOSE_WAIT;
                            }
                        }
                        break;

                    case CLOSE_WAIT:
                        if (!fromFirstCloser && fin)
                        {
                            next = LAST_ACK;
                        }
                        break;

                    case LAST_ACK:
                        if (fromFirstCloser && ack && !fin && !syn)
                        {
                            next = TIME_WAIT;
                        }
                        break;

                    case TIME_WAIT:
                    case CLOSE:
                        if (!reply && syn && !ack)
                        {
                            next = SYN_SENT;
                            bits = 0;
                        }
                        break;

                    default:
                        break;
                }
            }
            states[id] = next;
            final long stateTimeout = tcpTimeoutMillis[next];
            timeoutMillis = (bits & SEEN_REPLY) == 0 && stateTimeout > tcpUnacknowledgedMillis ?
                tcpUnacknowledgedMillis : stateTimeout;
        }
        else
        {
            final boolean replied = (bits & SEEN_REPLY) != 0;
            states[id] = replied ? REPLIED : UNREPLIED;
            if (protocol == PROTOCOL_UDP)
            {
                timeoutMillis = replied ? udpStreamMillis : udpMillis;
            }
            else
            {
                timeoutMillis = icmpMillis;
            }
        }

        flags[id] = bits;
        expiresAtMillis[id] = nowMillis + timeoutMillis;
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
            if (tuples[id * 4 + 1] != 0 && nowMillis >= expiresAtMillis[id])
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
        final long k0 = k0(replySource, replyDestination);
        if (preferredPort >= low && preferredPort <= high &&
            findSlot(k0, k1(protocol, replySourcePort, preferredPort)) < 0)
        {
            return preferredPort;
        }

        final int rangeSize = high - low + 1;
        final long seed = mix(k0 ^ k1(protocol, replySourcePort, preferredPort & 0xFFFF) * 0x9E37_79B9_7F4A_7C15L);
        int offset = (int)((seed >>> 1) % rangeSize);
        final int candidates = Math.min(rangeSize, MAX_PORT_CANDIDATES);
        for (int i = 0; i < candidates; i++)
        {
            final int port = low + offset;
            if (findSlot(k0, k1(protocol, replySourcePort, port)) < 0)
            {
                return port;
            }
            offset = offset + 1 == rangeSize ? 0 : offset + 1;
        }
        return -1;
    }

    public int protocol(final int id)
    {
        return (int)(tuples[id * 4 + 1] >>> 56);
    }

    public int originalSource(final int id)
    {
        return (int)(tuples[id * 4] >>> 32);
    }

    public int originalSourcePort(final int id)
    {
        return (int)(tuples[id * 4 + 1] >>> 40) & 0xFFFF;
    }

    public int originalDestination(final int id)
    {
        return (int)tuples[id * 4];
    }

    public int originalDestinationPort(final int id)
    {
        return (int)(tuples[id * 4 + 1] >>> 24) & 0xFFFF;
    }

    public int replySource(final int id)
    {
        return (int)(tuples[id * 4 + 2] >>> 32);
    }

    public int replySourcePort(final int id)
    {
        return (int)(tuples[id * 4 + 3] >>> 40) & 0xFFFF;
    }

    public int replyDestination(final int id)
    {
        return (int)tuples[id * 4 + 2];
    }

    public int replyDestinationPort(final int id)
    {
        return (int)(tuples[id * 4 + 3] >>> 24) & 0xFFFF;
    }

    /** One of the TCP states, or {@link #UNREPLIED} / {@link #REPLIED} for UDP and ICMP. */
    public int state(final int id)
    {
        return states[id];
    }

    public long expiresAtMillis(final int id)
    {
        return expiresAtMillis[id];
    }

    /** Whether a packet matching the reply tuple has been seen (since the port was last reused, for TCP). */
    public boolean seenReply(final int id)
    {
        return (flags[id] & SEEN_REPLY) != 0;
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

    private static long k0(final int source, final int destination)
    {
        return ((long)source << 32) | (destination & 0xFFFF_FFFFL);
    }

    private static long k1(final int protocol, final int sourcePort, final int destinationPort)
    {
        return ((long)protocol << 56) | ((long)sourcePort << 40) | ((long)destinationPort << 24);
    }

    /** The murmur3 64-bit finalizer: every input bit flips about half of the output bits. */
    private static long mix(final long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * Multiplying k1 by an odd constant is a bijection, so two tuples that differ only in k0, or
     * only in k1, never meet before the finalizer, which is itself a bijection.
     */
    private int homeSlot(final long k0, final long k1)
    {
        return (int)mix(k0 ^ (k1 * 0x9E37_79B9_7F4A_7C15L)) & slotMask;
    }

    /** @return the slot holding this tuple, or -1. */
    private int findSlot(final long k0, final long k1)
    {
        int slot = homeSlot(k0, k1);
        while (true)
        {
            final long entry = index[slot * 2 + 1];
            if (entry == 0)
            {
                return -1;
            }
            if ((entry & KEY_MASK) == k1 && index[slot * 2] == k0)
            {
                return slot;
            }
            slot = (slot + 1) & slotMask;
        }
    }

    /** Whether a live connection holds this tuple; an expired holder is removed on the way. */
    private boolean isHeldLive(final long k0, final long k1, final long nowMillis)
    {
        final int slot = findSlot(k0, k1);
        if (slot < 0)
        {
            return false;
        }
        final int id = (int)((index[slot * 2 + 1] & REF_MASK) >>> 1);
        if (nowMillis >= expiresAtMillis[id])
        {
            removeExpired(id);
            return false;
        }
        return true;
    }

    /** Puts an entry known to be absent into the first empty slot of its chain. */
    private void insert(final long k0, final long entry)
    {
        int slot = homeSlot(k0, entry & KEY_MASK);
        while (index[slot * 2 + 1] != 0)
        {
            slot = (slot + 1) & slotMask;
        }
        index[slot * 2] = k0;
        index[slot * 2 + 1] = entry;
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
        deleteSlot(findSlot(origK0, origK1));
        if (origK0 != replyK0 || origK1 != replyK1)
        {
            deleteSlot(findSlot(replyK0, replyK1));
        }
        tuples[base + 1] = 0;
        freeIds[freeCount++] = id;
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
            final long entry = index[next * 2 + 1];
            if (entry == 0)
            {
                break;
            }
            final long k0 = index[next * 2];
            final int home = homeSlot(k0, entry & KEY_MASK);
            if (((next - home) & slotMask) >= ((next - hole) & slotMask))
            {
                index[hole * 2] = k0;
                index[hole * 2 + 1] = entry;
                hole = next;
            }
        }
        index[hole * 2] = 0;
        index[hole * 2 + 1] = 0;
    }
}
