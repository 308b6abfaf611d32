package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.nat.ConnectionTuple;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.IcmpHeader;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.TcpHeader;
import io.lanyard.forwarding.wire.UdpHeader;
import org.agrona.MutableDirectBuffer;

/**
 * Translates the ICMP errors about tracked flows (port unreachable, fragmentation needed, TTL
 * exceeded, parameter problem), as Linux's conntrack does with "related" packets, so that they
 * reach the host whose packet caused them.
 *
 * <p>An error quotes the IPv4 header and the first 8 bytes of the packet it is about, which
 * travelled the other way: the connection is found by the quoted tuple's inverse
 * ({@link #connectionOf}). The quoted packet is then restored to the tuple of its own
 * direction (as its sender knows it), and the error itself is addressed as a packet of the
 * error's direction: to that sender, from the translated address when the error comes from the
 * quoted packet's destination itself ({@link #translate}). Checksums of the quoted header, the
 * outer header and the ICMP message are computed in full: an error is small and rare.
 *
 * <p>Single-threaded, allocation-free; the router owns one.
 */
final class IcmpErrorTranslator
{
    private final ConnectionTable connections;
    private final TcpHeader quotedTcp = new TcpHeader();
    private final UdpHeader quotedUdp = new UdpHeader();
    private final IcmpHeader quotedIcmp = new IcmpHeader();

    IcmpErrorTranslator(final ConnectionTable connections)
    {
        this.connections = connections;
    }

    /**
     * The connection the error's quoted packet belongs to, its direction in
     * {@link ConnectionTable#lastLookupWasReply()} (the error's direction, the opposite of the
     * quoted packet's).
     *
     * @param error a packet parsed as {@link FlowTuple#ICMP_ERROR}.
     * @return the connection, or -1 with the drop written into {@code verdict}: the quoted packet
     *         is not TCP, UDP or ICMP echo, or belongs to no tracked connection.
     */
    int connectionOf(final FlowTuple error, final long nowMillis, final Verdict verdict)
    {
        final Ipv4Header quoted = error.quoted();
        final int protocol = quoted.protocol();
        if (!wrapQuotedTransport(error, protocol))
        {
            verdict.drop(DropReason.UNSUPPORTED);
            return -1;
        }
        final int sourcePort;
        final int destinationPort;
        if (protocol == Ipv4Header.PROTOCOL_ICMP)
        {
            final int type = quotedIcmp.type();
            if (type != IcmpHeader.TYPE_ECHO_REQUEST && type != IcmpHeader.TYPE_ECHO_REPLY)
            {
                verdict.drop(DropReason.UNSUPPORTED);
                return -1;
            }
            sourcePort = type == IcmpHeader.TYPE_ECHO_REQUEST ? quotedIcmp.identifier() : 0;
            destinationPort = type == IcmpHeader.TYPE_ECHO_REPLY ? quotedIcmp.identifier() : 0;
        }
        else
        {
            sourcePort = protocol == Ipv4Header.PROTOCOL_TCP ? quotedTcp.sourcePort() : quotedUdp.sourcePort();
            destinationPort = protocol == Ipv4Header.PROTOCOL_TCP ? quotedTcp.destinationPort() : quotedUdp.destinationPort();
        }
        final int id = connections.lookup(protocol, quoted.destination(), destinationPort, quoted.source(), sourcePort, nowMillis);
        if (id < 0)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return -1;
        }
        return id;
    }

    /**
     * Rewrites the error found to belong to a connection: the quoted packet gets
     * {@code quotedDirection}, the tuple of its own direction; the error goes to that tuple's
     * source, one hop older.
     */
    void translate(final FlowTuple error, final ConnectionTuple quotedDirection)
    {
        final Ipv4Header quoted = error.quoted();
        final int protocol = quoted.protocol();
        final int quotedDestination = quoted.destination();
        wrapQuotedTransport(error, protocol);
        quoted.source(quotedDirection.source()).destination(quotedDirection.destination()).updateChecksum();
        if (protocol == Ipv4Header.PROTOCOL_ICMP)
        {
            final int sourcePort = quotedDirection.sourcePort();
            quotedIcmp.identifier(sourcePort != 0 ? sourcePort : quotedDirection.destinationPort());
        }
        else if (protocol == Ipv4Header.PROTOCOL_TCP)
        {
            quotedTcp.sourcePort(quotedDirection.sourcePort()).destinationPort(quotedDirection.destinationPort());
        }
        else
        {
            quotedUdp.sourcePort(quotedDirection.sourcePort()).destinationPort(quotedDirection.destinationPort());
        }
        final Ipv4Header ip = error.ip();
        // an error sent by the quoted packet's destination itself speaks for the translated address
        if (ip.source() == quotedDestination)
        {
            ip.source(quotedDirection.destination());
        }
        ip.destination(quotedDirection.source()).ttl(ip.ttl() - 1).updateChecksum();
        error.icmp().updateChecksum();
        error.clearChecksumOffload();
    }

    /**
     * Wraps the view of the quoted packet's transport header; the quote holds 8 bytes of it at
     * least (see {@link FlowTuple#QUOTED_PAYLOAD_LENGTH}): its ports, or its ICMP type and identifier.
     *
     * @return false for a protocol that is not tracked.
     */
    private boolean wrapQuotedTransport(final FlowTuple error, final int protocol)
    {
        final MutableDirectBuffer buffer = error.buffer();
        final int offset = error.quoted().payloadOffset();
        final int length = error.remainingFrom(offset);
        switch (protocol)
        {
            case Ipv4Header.PROTOCOL_TCP:
                quotedTcp.wrap(buffer, offset, length);
                return true;
            case Ipv4Header.PROTOCOL_UDP:
                quotedUdp.wrap(buffer, offset, length);
                return true;
            case Ipv4Header.PROTOCOL_ICMP:
                quotedIcmp.wrap(buffer, offset, length);
                return true;
            default:
                return false;
        }
    }
}
