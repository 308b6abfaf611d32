package io.lanyard.forwarding.nat;

import static io.lanyard.forwarding.nat.ConnectionTable.CLOSE;
import static io.lanyard.forwarding.nat.ConnectionTable.CLOSE_WAIT;
import static io.lanyard.forwarding.nat.ConnectionTable.ESTABLISHED;
import static io.lanyard.forwarding.nat.ConnectionTable.FIN_WAIT;
import static io.lanyard.forwarding.nat.ConnectionTable.LAST_ACK;
import static io.lanyard.forwarding.nat.ConnectionTable.NEW;
import static io.lanyard.forwarding.nat.ConnectionTable.REPLIED;
import static io.lanyard.forwarding.nat.ConnectionTable.SYN_RECV;
import static io.lanyard.forwarding.nat.ConnectionTable.SYN_SENT;
import static io.lanyard.forwarding.nat.ConnectionTable.TIME_WAIT;
import static io.lanyard.forwarding.nat.ConnectionTable.UNREPLIED;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_TCP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_UDP;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_ACK;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_FIN;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_RST;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_SYN;

/**
 * The protocol state of each connection of a {@link ConnectionTable}, by id, and the instant it
 * expires: every packet moves the state on and sets the expiry to now plus the new state's idle
 * timeout ({@link ConntrackTimeouts}). The states are numbered as the table's public constants.
 *
 * <h2>TCP</h2>
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
 * {@code NEW} is the state between {@link #start} and the first {@link #update}, and lasts the
 * tcp_close timeout should the caller never make that update. Every packet refreshes the expiry
 * to now plus the new state's timeout, except that until a reply has been seen no state may stay
 * longer than tcp_unacknowledged: a flow picked up mid-stream, or one whose peer never answers,
 * lives 300 s rather than 5 days.
 *
 * <p>UDP and ICMP connections are {@code UNREPLIED} until a reply is seen, then {@code REPLIED};
 * UDP lives the udp timeout while unreplied and udp_stream after, ICMP always the icmp timeout.
 *
 * <p>Parallel arrays by connection id, allocated once; single-threaded, like the table.
 */
final class ConnectionStates
{
    private static final int SEEN_REPLY = 1;
    private static final int REPLY_CLOSED_FIRST = 2;

    private final int[] states;
    private final int[] flags;
    private final long[] expiresAtMillis;

    private final long[] tcpTimeoutMillis = new long[CLOSE + 1];
    private final long tcpUnacknowledgedMillis;
    private final long udpMillis;
    private final long udpStreamMillis;
    private final long icmpMillis;

    ConnectionStates(final int capacity, final ConntrackTimeouts timeouts)
    {
        states = new int[capacity];
        flags = new int[capacity];
        expiresAtMillis = new long[capacity];
        tcpTimeoutMillis[NEW] = timeouts.tcpCloseMillis();
        tcpTimeoutMillis[SYN_SENT] = timeouts.tcpSynSentMillis();
        tcpTimeoutMillis[SYN_RECV] = timeouts.tcpSynRecvMillis();
        tcpTimeoutMillis[ESTABLISHED] = timeouts.tcpEstablishedMillis();
        tcpTimeoutMillis[FIN_WAIT] = timeouts.tcpFinWaitMillis();
        tcpTimeoutMillis[CLOSE_WAIT] = timeouts.tcpCloseWaitMillis();
        tcpTimeoutMillis[LAST_ACK] = timeouts.tcpLastAckMillis();
        tcpTimeoutMillis[TIME_WAIT] = timeouts.tcpTimeWaitMillis();
        tcpTimeoutMillis[CLOSE] = timeouts.tcpCloseMillis();
        tcpUnacknowledgedMillis = timeouts.tcpUnacknowledgedMillis();
        udpMillis = timeouts.udpMillis();
        udpStreamMillis = timeouts.udpStreamMillis();
        icmpMillis = timeouts.icmpMillis();
    }

    /** A new connection of {@code protocol}: {@code NEW} for TCP, {@code UNREPLIED} otherwise, no reply seen. */
    void start(final int id, final int protocol, final long nowMillis)
    {
        flags[id] = 0;
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
    }

    /**
     * Accounts for one packet of the connection: advances its state and refreshes its expiry.
     *
     * @param reply    whether the packet matched the reply tuple.
     * @param tcpFlags byte 13 of the TCP header; ignored for other protocols.
     */
    void update(final int id, final int protocol, final boolean reply, final int tcpFlags, final long nowMillis)
    {
        // nearly every packet: a segment of an answered, established connection that neither opens nor closes
        // it; kept small so that the compiler inlines it where the packet is routed
        if (protocol == PROTOCOL_TCP && (tcpFlags & (FLAG_SYN | FLAG_FIN | FLAG_RST)) == 0 && states[id] == ESTABLISHED &&
            (flags[id] & SEEN_REPLY) != 0)
        {
            expiresAtMillis[id] = nowMillis + tcpTimeoutMillis[ESTABLISHED];
            return;
        }
        advance(id, protocol, reply, tcpFlags, nowMillis);
    }

    private void advance(final int id, final int protocol, final boolean reply, final int tcpFlags, final long nowMillis)
    {
        int bits = flags[id];
        if (reply)
        {
            bits |= SEEN_REPLY;
        }

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

    int state(final int id)
    {
        return states[id];
    }

    long expiresAtMillis(final int id)
    {
        return expiresAtMillis[id];
    }

    boolean isExpired(final int id, final long nowMillis)
    {
        return nowMillis >= expiresAtMillis[id];
    }

    /** Whether a packet matching the reply tuple has been seen (since the port was last reused, for TCP). */
    boolean seenReply(final int id)
    {
        return (flags[id] & SEEN_REPLY) != 0;
    }
}
