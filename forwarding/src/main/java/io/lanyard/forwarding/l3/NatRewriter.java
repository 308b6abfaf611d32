package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.wire.IcmpHeader;
import io.lanyard.forwarding.wire.InternetChecksum;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.TcpHeader;
import io.lanyard.forwarding.wire.UdpHeader;

/**
 * Rewrites a packet's addresses and ports to another tuple, keeping its transport checksum right
 * without summing the payload: the checksum is updated for each changed field (RFC 1624), which
 * costs the same for a 64 KB segment as for a bare ACK.
 *
 * <p>A packet with a partial checksum (virtio {@code NEEDS_CSUM}, as TAPs with offloads and
 * veths hand over) holds only the pseudo-header sum in its TCP/UDP checksum field, uncomplemented:
 * only the address changes touch it then, as the kernel's {@code inet_proto_csum_replace4} does,
 * and whoever finishes the checksum sums the new ports with the rest. A UDP datagram sent without
 * a checksum keeps none; one whose updated checksum comes out as 0 gets 0xFFFF. For ICMP echo the
 * identifier is the port (of the request's source, the reply's destination) and there is no
 * pseudo-header. The IPv4 header checksum is the caller's to update, with whatever else it
 * changes there (the TTL).
 *
 * <p>Stateless and allocation-free: it works through the views of the {@link FlowTuple} the
 * packet was parsed into, whose values are the old tuple.
 */
final class NatRewriter
{
    private NatRewriter()
    {
    }

    /** Rewrites the parsed TCP, UDP or ICMP echo packet to the new tuple. */
    static void rewrite(
        final FlowTuple packet, final int newSource, final int newSourcePort, final int newDestination, final int newDestinationPort)
    {
        final Ipv4Header ip = packet.ip();
        if (newSource != packet.source())
        {
            ip.source(newSource);
        }
        if (newDestination != packet.destination())
        {
            ip.destination(newDestination);
        }
        switch (packet.protocol())
        {
            case Ipv4Header.PROTOCOL_TCP:
            {
                final TcpHeader tcp = packet.tcp();
                if (newSourcePort != packet.sourcePort())
                {
                    tcp.sourcePort(newSourcePort);
                }
                if (newDestinationPort != packet.destinationPort())
                {
                    tcp.destinationPort(newDestinationPort);
                }
                tcp.checksum(transportChecksum(packet, tcp.checksum(), false, newSource, newSourcePort, newDestination, newDestinationPort));
                break;
            }
            case Ipv4Header.PROTOCOL_UDP:
            {
                final UdpHeader udp = packet.udp();
                if (newSourcePort != packet.sourcePort())
                {
                    udp.sourcePort(newSourcePort);
                }
                if (newDestinationPort != packet.destinationPort())
                {
                    udp.destinationPort(newDestinationPort);
                }
                udp.checksum(transportChecksum(packet, udp.checksum(), true, newSource, newSourcePort, newDestination, newDestinationPort));
                break;
            }
            default:
                rewriteEchoIdentifier(packet, newSourcePort, newDestinationPort);
                break;
        }
    }

    private static void rewriteEchoIdentifier(final FlowTuple packet, final int newSourcePort, final int newDestinationPort)
    {
        final IcmpHeader icmp = packet.icmp();
        final int oldIdentifier = icmp.identifier();
        final int newIdentifier = icmp.type() == IcmpHeader.TYPE_ECHO_REQUEST ? newSourcePort : newDestinationPort;
        if (oldIdentifier != newIdentifier)
        {
            icmp.identifier(newIdentifier);
            if (!packet.partialChecksum())
            {
                icmp.checksum(InternetChecksum.update16(icmp.checksum(), oldIdentifier, newIdentifier));
            }
        }
    }

    /** The TCP or UDP checksum after the address and port changes. */
    private static int transportChecksum(
        final FlowTuple packet, final int checksum, final boolean isUdp,
        final int newSource, final int newSourcePort, final int newDestination, final int newDestinationPort)
    {
        if (packet.partialChecksum())
        {
            // the field holds the uncomplemented pseudo-header sum; ports are summed by whoever finishes it
            int sum = ~checksum & 0xFFFF;
            sum = InternetChecksum.update32(sum, packet.source(), newSource);
            sum = InternetChecksum.update32(sum, packet.destination(), newDestination);
            return ~sum & 0xFFFF;
        }
        if (isUdp && checksum == UdpHeader.NO_CHECKSUM)
        {
            return checksum;
        }
        int updated = InternetChecksum.update32(checksum, packet.source(), newSource);
        updated = InternetChecksum.update32(updated, packet.destination(), newDestination);
        updated = InternetChecksum.update16(updated, packet.sourcePort(), newSourcePort);
        updated = InternetChecksum.update16(updated, packet.destinationPort(), newDestinationPort);
        return isUdp && updated == UdpHeader.NO_CHECKSUM ? 0xFFFF : updated;
    }
}
