package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.IcmpHeader;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.TcpHeader;
import io.lanyard.forwarding.wire.UdpHeader;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.MutableDirectBuffer;

/**
 * The IPv4 packet being routed, parsed once: its tuple as the connection table sees it
 * (protocol, addresses, ports), where its transport header is, its TCP flags, and whether its
 * checksum was left to the device, with the header views wrapped over it for whoever rewrites
 * it.
 *
 * <p>For ICMP echo the identifier stands in for a port: the source port of a request, the
 * destination port of a reply, as Linux's conntrack keys them. An ICMP error has
 * {@link #ICMP_ERROR} as its protocol and the packet it quotes in {@link #quoted()}; a packet of a
 * protocol the table does not track has {@link #UNTRACKED}.
 *
 * <p>The router owns one and parses every packet into it: single-threaded, allocation-free. The
 * values are those the packet arrived with; rewriting the packet does not change them.
 */
final class FlowTuple
{
    /** {@link #protocol()} of a packet the connection table does not track. */
    static final int UNTRACKED = 0;
    /** {@link #protocol()} of an ICMP error, whose quoted packet decides the connection. */
    static final int ICMP_ERROR = 0x100;
    /** What an ICMP error quotes of the offending packet's payload at least (RFC 792): its ports or echo identifier. */
    static final int QUOTED_PAYLOAD_LENGTH = 8;

    private final EthernetFrame frame = new EthernetFrame();
    private final Ipv4Header ip = new Ipv4Header();
    private final Ipv4Header quoted = new Ipv4Header();
    private final IcmpHeader icmp = new IcmpHeader();
    private final TcpHeader tcp = new TcpHeader();
    private final UdpHeader udp = new UdpHeader();
    private final VirtioNetHeader virtioHeader = new VirtioNetHeader();

    private MutableDirectBuffer buffer;
    private int protocol;
    private int source;
    private int sourcePort;
    private int destination;
    private int destinationPort;
    private int l4Offset;
    private int l4Length;
    private int tcpFlags;
    private boolean partialChecksum;

    /**
     * Parses the frame at {@code offset}; when {@code offset} leaves room, the virtio header is
     * just before it (as in a ring slot).
     *
     * @return false when the frame is not an IPv4 packet that can be routed; the drop is then
     *         written into {@code verdict} (not IPv4, malformed, a fragment).
     */
    boolean parse(final MutableDirectBuffer buffer, final int offset, final int length, final Verdict verdict)
    {
        // a reference store costs a GC write barrier: skip it when re-wrapping the same buffer
        if (this.buffer != buffer)
        {
            this.buffer = buffer;
        }
        frame.wrap(buffer, offset, length);
        ip.wrap(buffer, frame.payloadOffset(), frame.payloadLength());
        if (frame.etherType() != EthernetFrame.ETHER_TYPE_IPV4)
        {
            verdict.drop(DropReason.UNSUPPORTED);
            return false;
        }
        if (!ip.isValid())
        {
            verdict.drop(DropReason.MALFORMED);
            return false;
        }
        if (ip.isFragment())
        {
            verdict.drop(DropReason.FRAGMENT);
            return false;
        }
        partialChecksum = offset >= VirtioNetHeader.LENGTH &&
            (virtioHeader.wrap(buffer, offset - VirtioNetHeader.LENGTH).flags() & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0;
        source = ip.source();
        destination = ip.destination();
        l4Offset = ip.payloadOffset();
        l4Length = ip.payloadLength();
        tcpFlags = 0;
        sourcePort = 0;
        destinationPort = 0;
        protocol = ip.protocol();
        if (!parseTransport())
        {
            verdict.drop(DropReason.MALFORMED);
            return false;
        }
        return true;
    }

    int protocol()
    {
        return protocol;
    }

    int source()
    {
        return source;
    }

    int sourcePort()
    {
        return sourcePort;
    }

    int destination()
    {
        return destination;
    }

    int destinationPort()
    {
        return destinationPort;
    }

    /** The TCP flags byte; 0 for other protocols. */
    int tcpFlags()
    {
        return tcpFlags;
    }

    /** Whether the TCP/UDP checksum was left to the device (virtio {@code NEEDS_CSUM}): the field holds only the pseudo-header sum. */
    boolean partialChecksum()
    {
        return partialChecksum;
    }

    MutableDirectBuffer buffer()
    {
        return buffer;
    }

    EthernetFrame frame()
    {
        return frame;
    }

    Ipv4Header ip()
    {
        return ip;
    }

    /** The ICMP message of an ICMP packet. */
    IcmpHeader icmp()
    {
        return icmp;
    }

    TcpHeader tcp()
    {
        return tcp;
    }

    UdpHeader udp()
    {
        return udp;
    }

    /** The IPv4 header an {@link #ICMP_ERROR} quotes. */
    Ipv4Header quoted()
    {
        return quoted;
    }

    /** The bytes of the frame from {@code offset} to its end. */
    int remainingFrom(final int offset)
    {
        return frame.offset() + frame.length() - offset;
    }

    /**
     * Clears the virtio header before the frame, if it has one: the packet was rewritten whole
     * (checksums computed in full), so it asks nothing more of the receiver.
     */
    void clearChecksumOffload()
    {
        if (frame.offset() >= VirtioNetHeader.LENGTH)
        {
            virtioHeader.wrap(buffer, frame.offset() - VirtioNetHeader.LENGTH).clear();
        }
    }

    /** Reads the ports (or echo identifier) of the packet; false when its transport header is cut short. */
    private boolean parseTransport()
    {
        switch (protocol)
        {
            case Ipv4Header.PROTOCOL_TCP:
                if (!tcp.wrap(buffer, l4Offset, l4Length).isValid())
                {
                    return false;
                }
                sourcePort = tcp.sourcePort();
                destinationPort = tcp.destinationPort();
                tcpFlags = tcp.flags();
                return true;
            case Ipv4Header.PROTOCOL_UDP:
                if (!udp.wrap(buffer, l4Offset, l4Length).isValid())
                {
                    return false;
                }
                sourcePort = udp.sourcePort();
                destinationPort = udp.destinationPort();
                return true;
            case Ipv4Header.PROTOCOL_ICMP:
                return parseIcmp();
            default:
                protocol = UNTRACKED;
                return true;
        }
    }

    private boolean parseIcmp()
    {
        icmp.wrap(buffer, l4Offset, l4Length);
        if (!icmp.isValid())
        {
            return false;
        }
        final int type = icmp.type();
        if (type == IcmpHeader.TYPE_ECHO_REQUEST)
        {
            sourcePort = icmp.identifier();
            return true;
        }
        if (type == IcmpHeader.TYPE_ECHO_REPLY)
        {
            destinationPort = icmp.identifier();
            return true;
        }
        if (type == IcmpHeader.TYPE_DESTINATION_UNREACHABLE || type == IcmpHeader.TYPE_TIME_EXCEEDED ||
            type == IcmpHeader.TYPE_PARAMETER_PROBLEM)
        {
            final int quotedOffset = l4Offset + IcmpHeader.HEADER_LENGTH;
            final int quotedLength = remainingFrom(quotedOffset);
            quoted.wrap(buffer, quotedOffset, quotedLength);
            // the quote holds the header and at least 8 bytes of its payload, whatever its total length says
            if (quotedLength < Ipv4Header.MIN_LENGTH + QUOTED_PAYLOAD_LENGTH || quoted.version() != 4 ||
                quoted.headerLength() < Ipv4Header.MIN_LENGTH || quotedLength < quoted.headerLength() + QUOTED_PAYLOAD_LENGTH)
            {
                return false;
            }
            protocol = ICMP_ERROR;
            return true;
        }
        protocol = UNTRACKED;
        return true;
    }
}
