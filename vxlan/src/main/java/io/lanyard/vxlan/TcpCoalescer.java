package io.lanyard.vxlan;

import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.InternetChecksum;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.TcpHeader;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Joins consecutive TCP segments of one flow, read as a train of VXLAN datagrams in one UDP GRO
 * read, into one large frame with a segmentation-offload virtio header — what the kernel's GRO
 * does before its stack, and what wireguard-go does for its TUN: the container's TAP then takes
 * 64 KB in one write, and its stack one segment.
 *
 * <pre>
 * train:  | VXLAN | Eth | IPv4 | TCP | payload 0 | VXLAN | Eth | IPv4 | TCP | payload 1 | ...   (each datagram segmentSize bytes, the last perhaps shorter)
 * joined:         | Eth | IPv4 | TCP | payload 0 | payload 1 | ...                            (in place, where datagram 0's frame was)
 * </pre>
 *
 * {@link #run} says how many datagrams from the first belong together, reading only: every one a
 * VXLAN header equal to the first's (so the same VNI), then an IPv4 (no options differing, not a
 * fragment, a valid header checksum) TCP segment whose headers equal the first's in everything
 * but the IPv4 length, identification and checksum, the sequence number (which must follow on
 * exactly) and PSH/FIN (allowed on the last segment only, which ends the run); a TCP checksum that
 * is complete, or the partial one a Linux VTEP leaves; no SYN, RST, URG or CWR; at most 64 KB in
 * all. {@link #join} then moves the payloads together and writes the joined frame's IPv4 length
 * and checksum, its TCP flags, a partial TCP checksum and a virtio header with {@code NEEDS_CSUM}
 * and {@code GSO_TCPV4} of the first segment's payload size. A run never waits for more data:
 * it ends with the read. Not thread-safe.
 */
public final class TcpCoalescer
{
    private static final int ENDS_RUN = TcpHeader.FLAG_FIN | TcpHeader.FLAG_PSH;
    private static final int NEVER_JOINED = TcpHeader.FLAG_SYN | TcpHeader.FLAG_RST | TcpHeader.FLAG_URG | TcpHeader.FLAG_CWR;
    private static final int MAX_IP_LENGTH = 0xFFFF;

    private int ipHeaderLength;
    private int tcpHeaderLength;
    private int segmentPayload;
    private int lastFlags;

    /**
     * How many datagrams, from the one at {@code first}, can be joined into one frame.
     *
     * @param length        the bytes of the train from {@code first}.
     * @param segmentSize   the size of each datagram but the last.
     * @return at least 1 (the first datagram alone, when it cannot be joined to the next).
     */
    public int run(final DirectBuffer buffer, final int first, final int length, final int segmentSize)
    {
        final int firstLength = Math.min(segmentSize, length);
        if (!readFirst(buffer, first, firstLength) || firstLength != segmentSize)
        {
            return 1;
        }
        final int frame = first + VxlanHeader.LENGTH;
        final int ip = frame + EthernetFrame.HEADER_LENGTH;
        final int tcp = ip + ipHeaderLength;
        final int headers = EthernetFrame.HEADER_LENGTH + ipHeaderLength + tcpHeaderLength;
        final long sequence = buffer.getInt(tcp + TcpHeader.SEQUENCE_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
        final int flags = buffer.getByte(tcp + TcpHeader.FLAGS_OFFSET) & 0xFF;
        lastFlags = flags;
        int count = 1;
        int ipLength = ipHeaderLength + tcpHeaderLength + segmentPayload;
        for (int at = first + segmentSize; at < first + length; at += segmentSize)
        {
            final int datagram = Math.min(segmentSize, first + length - at);
            final int payload = datagram - VxlanHeader.LENGTH - headers;
            if (payload <= 0 || ipLength + payload > MAX_IP_LENGTH ||
                buffer.getLong(at) != buffer.getLong(first) ||
                !sameBytes(buffer, frame, at + VxlanHeader.LENGTH, EthernetFrame.HEADER_LENGTH))
            {
                break;
            }
            final int otherIp = at + VxlanHeader.LENGTH + EthernetFrame.HEADER_LENGTH;
            final int otherTcp = otherIp + ipHeaderLength;
            if ((buffer.getShort(otherIp, BIG_ENDIAN) != buffer.getShort(ip, BIG_ENDIAN)) ||
                (buffer.getShort(otherIp + Ipv4Header.TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF) != datagram - VxlanHeader.LENGTH -
                    EthernetFrame.HEADER_LENGTH ||
                buffer.getInt(otherIp + Ipv4Header.FLAGS_FRAGMENT_OFFSET) != buffer.getInt(ip + Ipv4Header.FLAGS_FRAGMENT_OFFSET) ||
                buffer.getLong(otherIp + Ipv4Header.SOURCE_OFFSET) != buffer.getLong(ip + Ipv4Header.SOURCE_OFFSET) ||
                !sameBytes(buffer, ip + Ipv4Header.MIN_LENGTH, otherIp + Ipv4Header.MIN_LENGTH, ipHeaderLength - Ipv4Header.MIN_LENGTH) ||
                InternetChecksum.sum(buffer, otherIp, ipHeaderLength, 0) != 0xFFFF)
            {
                break;
            }
            final int otherFlags = buffer.getByte(otherTcp + TcpHeader.FLAGS_OFFSET) & 0xFF;
            if (buffer.getInt(otherTcp) != buffer.getInt(tcp) ||
                (buffer.getInt(otherTcp + TcpHeader.SEQUENCE_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL) !=
                    ((sequence + (long)count * segmentPayload) & 0xFFFF_FFFFL) ||
                buffer.getInt(otherTcp + 8) != buffer.getInt(tcp + 8) ||
                buffer.getByte(otherTcp + TcpHeader.DATA_OFFSET_OFFSET) != buffer.getByte(tcp + TcpHeader.DATA_OFFSET_OFFSET) ||
                (otherFlags & ~ENDS_RUN) != flags ||
                buffer.getShort(otherTcp + 14) != buffer.getShort(tcp + 14) ||
                buffer.getShort(otherTcp + 18) != buffer.getShort(tcp + 18) ||
                !sameBytes(buffer, tcp + TcpHeader.MIN_LENGTH, otherTcp + TcpHeader.MIN_LENGTH, tcpHeaderLength - TcpHeader.MIN_LENGTH) ||
                !hasAcceptableChecksum(buffer, otherIp, otherTcp, tcpHeaderLength + payload))
            {
                break;
            }
            count++;
            ipLength += payload;
            lastFlags = otherFlags;
            if ((otherFlags & ENDS_RUN) != 0 || payload != segmentPayload)
            {
                break;
            }
        }
        return count;
    }

    /**
     * Joins the {@code count} datagrams of the last {@link #run} (which must have been called on
     * the same bytes) into one frame at {@code first + 8}, and writes its virtio header.
     *
     * @return the joined frame's length.
     */
    public int join(
        final MutableDirectBuffer buffer, final int first, final int length, final int segmentSize, final int count,
        final VirtioNetHeader header)
    {
        final int frame = first + VxlanHeader.LENGTH;
        final int ip = frame + EthernetFrame.HEADER_LENGTH;
        final int tcp = ip + ipHeaderLength;
        final int headers = EthernetFrame.HEADER_LENGTH + ipHeaderLength + tcpHeaderLength;
        int end = frame + headers + segmentPayload;
        for (int i = 1; i < count; i++)
        {
            final int at = first + i * segmentSize;
            final int payload = Math.min(segmentSize, first + length - at) - VxlanHeader.LENGTH - headers;
            // moving left over bytes already read: a forward copy is safe
            buffer.putBytes(end, buffer, at + VxlanHeader.LENGTH + headers, payload);
            end += payload;
        }
        final int ipLength = end - ip;
        final int tcpLength = ipLength - ipHeaderLength;
        buffer.putShort(ip + Ipv4Header.TOTAL_LENGTH_OFFSET, (short)ipLength, BIG_ENDIAN);
        buffer.putShort(ip + Ipv4Header.CHECKSUM_OFFSET, (short)0);
        buffer.putShort(ip + Ipv4Header.CHECKSUM_OFFSET, (short)InternetChecksum.compute(buffer, ip, ipHeaderLength), BIG_ENDIAN);
        buffer.putByte(tcp + TcpHeader.FLAGS_OFFSET, (byte)lastFlags);
        buffer.putShort(tcp + TcpHeader.CHECKSUM_OFFSET, (short)pseudoHeaderSum(buffer, ip, tcpLength), BIG_ENDIAN);
        header.clear()
            .flags(VirtioNetHeader.FLAG_NEEDS_CSUM)
            .gsoType(VirtioNetHeader.GSO_TCPV4)
            .headerLength(headers)
            .gsoSize(segmentPayload)
            .csumStart(EthernetFrame.HEADER_LENGTH + ipHeaderLength)
            .csumOffset(TcpHeader.CHECKSUM_OFFSET);
        return end - frame;
    }

    /** Reads the first datagram's headers; false when it is no TCP segment that may be joined. */
    private boolean readFirst(final DirectBuffer buffer, final int first, final int datagram)
    {
        final int frame = first + VxlanHeader.LENGTH;
        final int ip = frame + EthernetFrame.HEADER_LENGTH;
        if (datagram < VxlanHeader.LENGTH + EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + TcpHeader.MIN_LENGTH ||
            (buffer.getShort(frame + EthernetFrame.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF) != EthernetFrame.ETHER_TYPE_IPV4)
        {
            return false;
        }
        final int versionIhl = buffer.getByte(ip) & 0xFF;
        ipHeaderLength = (versionIhl & 0xF) * 4;
        final int totalLength = buffer.getShort(ip + Ipv4Header.TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
        if ((versionIhl >>> 4) != 4 || ipHeaderLength < Ipv4Header.MIN_LENGTH ||
            totalLength != datagram - VxlanHeader.LENGTH - EthernetFrame.HEADER_LENGTH ||
            (buffer.getByte(ip + Ipv4Header.PROTOCOL_OFFSET) & 0xFF) != Ipv4Header.PROTOCOL_TCP ||
            (buffer.getShort(ip + Ipv4Header.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) &
                (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK)) != 0 ||
            ipHeaderLength + TcpHeader.MIN_LENGTH > totalLength ||
            InternetChecksum.sum(buffer, ip, ipHeaderLength, 0) != 0xFFFF)
        {
            return false;
        }
        final int tcp = ip + ipHeaderLength;
        tcpHeaderLength = ((buffer.getByte(tcp + TcpHeader.DATA_OFFSET_OFFSET) & 0xFF) >>> 4) * 4;
        segmentPayload = totalLength - ipHeaderLength - tcpHeaderLength;
        final int flags = buffer.getByte(tcp + TcpHeader.FLAGS_OFFSET) & 0xFF;
        return tcpHeaderLength >= TcpHeader.MIN_LENGTH && segmentPayload > 0 && (flags & (ENDS_RUN | NEVER_JOINED)) == 0 &&
            hasAcceptableChecksum(buffer, ip, tcp, totalLength - ipHeaderLength);
    }

    /**
     * The partial checksum (the pseudo-header's sum) a Linux VTEP sends over a veth, or a Lanyard
     * host with remote checksum offload, or a complete one. The cheap test comes first: a partial
     * checksum costs no read of the payload.
     */
    private static boolean hasAcceptableChecksum(final DirectBuffer buffer, final int ip, final int tcp, final int tcpLength)
    {
        final int pseudo = pseudoHeaderSum(buffer, ip, tcpLength);
        return (buffer.getShort(tcp + TcpHeader.CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF) == pseudo ||
            InternetChecksum.sum(buffer, tcp, tcpLength, pseudo) == 0xFFFF;
    }

    private static int pseudoHeaderSum(final DirectBuffer buffer, final int ip, final int tcpLength)
    {
        final int source = buffer.getInt(ip + Ipv4Header.SOURCE_OFFSET, BIG_ENDIAN);
        final int destination = buffer.getInt(ip + Ipv4Header.DESTINATION_OFFSET, BIG_ENDIAN);
        return InternetChecksum.fold((long)(source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF) +
            Ipv4Header.PROTOCOL_TCP + tcpLength);
    }

    private static boolean sameBytes(final DirectBuffer buffer, final int a, final int b, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(a + i) != buffer.getByte(b + i))
            {
                return false;
            }
        }
        return true;
    }
}
