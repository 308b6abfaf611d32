package io.lanyard.vxlan;

import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.InternetChecksum;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.TcpHeader;
import io.lanyard.forwarding.wire.UdpHeader;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Cuts a segmentation-offload frame into the frames a wire carries, each behind its own VXLAN
 * header, as a NIC with TSO or USO would. Two kinds are cut: a TCP segment of up to 64 KB
 * ({@code GSO_TCPV4}, {@code GSO_TCPV6}) that the sender's kernel left for its "device" to split,
 * and a train of UDP datagrams sent as one ({@code GSO_UDP_L4}: a socket with
 * {@code UDP_SEGMENT}, as QUIC stacks send, through a TAP that offers USO). The headers of every
 * segment are written into an arena, and the payloads stay where they are, to be gathered by the
 * send ({@code sendmsg} with one iovec for a header and one for a payload).
 *
 * <pre>
 * arena, segment i at i × HEADER_SLOT:  | VXLAN (8) | Ethernet | IPv4/IPv6 | TCP (options kept) or UDP |
 * frame:                                 | Ethernet | IP | TCP/UDP | payload 0 | payload 1 | ... | payload n-1 |
 * </pre>
 *
 * Segment i carries {@code gso_size} bytes of payload (the last one the rest), its IPv4 total
 * length (or IPv6 payload length), IPv4 identification the first one's plus i and a fresh header
 * checksum. A TCP segment also gets a sequence number advanced by the bytes before it, FIN and
 * PSH only on the last segment and CWR only on the first (as the kernel's own segmentation does);
 * a UDP datagram its own length. Each gets a TCP or UDP checksum:
 * <ul>
 *   <li>complete, computed in software, for a VTEP that takes frames as they are (a kernel
 *       VTEP: no step after this one can finish it; a UDP sum of 0 is sent as 0xFFFF);</li>
 *   <li>or, for a VTEP that speaks remote checksum offload (another Lanyard host), left partial
 *       (the pseudo-header's sum) with the VXLAN header's C flag saying where it is: the
 *       payload is not read at all, the outer UDP checksum covers the bytes on the way, and the
 *       receiver hands the frame to its container's TAP with {@code NEEDS_CSUM}, as a kernel
 *       does across a veth.</li>
 * </ul>
 * Every datagram but the last is {@link #datagramLength()} bytes long, so the train can leave as
 * one UDP GSO send.
 *
 * <p>Not thread-safe; the results describe the last {@link #segment} call.
 */
public final class GsoSegmenter
{
    /** Room for a VXLAN header, an Ethernet header, IPv4 with options (60) and TCP with options (60). */
    public static final int HEADER_SLOT = 192;
    /** More segments than this (a tiny MSS on a large frame) are refused rather than sent. */
    public static final int MAX_SEGMENTS = 512;

    private static final int IPV6_HEADER_LENGTH = 40;

    private int segments;
    private int headerLength;
    private int payloadOffset;
    private int payloadEnd;
    private int segmentSize;

    /**
     * Writes the headers of each segment of the frame at {@code offset} into {@code arena}.
     *
     * @param header the frame's virtio header (its GSO type and size are used; the checksum
     *               fields are not trusted: the headers are read from the frame itself).
     * @param remoteChecksum leave each segment's TCP checksum partial for the receiving VTEP to
     *               finish (VXLAN remote checksum offload) rather than completing it.
     * @return how many segments, or -1 when the frame is not a segmentation-offload frame this can
     *         cut (another GSO type, a transport that does not match it, malformed or inconsistent
     *         headers, a UDP length that disagrees with the IP packet's, a segment size of 0, more
     *         than {@link #MAX_SEGMENTS} segments, or headers too long for a slot).
     */
    public int segment(
        final MutableDirectBuffer buffer, final int offset, final int length, final VirtioNetHeader header, final int vni,
        final boolean remoteChecksum, final MutableDirectBuffer arena)
    {
        segments = 0;
        final int gsoType = header.gsoType() & ~VirtioNetHeader.GSO_ECN;
        segmentSize = header.gsoSize();
        final boolean udp = gsoType == VirtioNetHeader.GSO_UDP_L4;
        if ((gsoType != VirtioNetHeader.GSO_TCPV4 && gsoType != VirtioNetHeader.GSO_TCPV6 && !udp) || segmentSize == 0 ||
            length < EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH)
        {
            return -1;
        }
        final int etherType = buffer.getShort(offset + EthernetFrame.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int ip = offset + EthernetFrame.HEADER_LENGTH;
        // GSO_UDP_L4 says nothing of the IP version: the frame does
        final boolean v4 = udp ? etherType == EthernetFrame.ETHER_TYPE_IPV4 : gsoType == VirtioNetHeader.GSO_TCPV4;
        final int protocol = udp ? Ipv4Header.PROTOCOL_UDP : Ipv4Header.PROTOCOL_TCP;
        final int ipHeaderLength;
        final int packetEnd;
        if (v4)
        {
            final int versionIhl = buffer.getByte(ip) & 0xFF;
            ipHeaderLength = (versionIhl & 0xF) * 4;
            final int totalLength = buffer.getShort(ip + Ipv4Header.TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
            if (etherType != EthernetFrame.ETHER_TYPE_IPV4 || (versionIhl >>> 4) != 4 || ipHeaderLength < Ipv4Header.MIN_LENGTH ||
                (buffer.getByte(ip + Ipv4Header.PROTOCOL_OFFSET) & 0xFF) != protocol ||
                (buffer.getShort(ip + Ipv4Header.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) &
                    (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK)) != 0)
            {
                return -1;
            }
            packetEnd = ip + totalLength;
        }
        else
        {
            ipHeaderLength = IPV6_HEADER_LENGTH;
            if (etherType != EthernetFrame.ETHER_TYPE_IPV6 || length < EthernetFrame.HEADER_LENGTH + IPV6_HEADER_LENGTH ||
                (buffer.getByte(ip) & 0xF0) != 0x60 || (buffer.getByte(ip + 6) & 0xFF) != protocol)
            {
                return -1;
            }
            packetEnd = ip + IPV6_HEADER_LENGTH + (buffer.getShort(ip + 4, BIG_ENDIAN) & 0xFFFF);
        }
        final int l4 = ip + ipHeaderLength;
        if (l4 + (udp ? UdpHeader.HEADER_LENGTH : TcpHeader.MIN_LENGTH) > offset + length || packetEnd > offset + length)
        {
            return -1;
        }
        final int l4HeaderLength = udp ? UdpHeader.HEADER_LENGTH : ((buffer.getByte(l4 + TcpHeader.DATA_OFFSET_OFFSET) & 0xFF) >>> 4) * 4;
        payloadOffset = l4 + l4HeaderLength;
        payloadEnd = packetEnd;
        headerLength = payloadOffset - offset;
        if ((!udp && l4HeaderLength < TcpHeader.MIN_LENGTH) || payloadOffset > payloadEnd || VxlanHeader.LENGTH + headerLength > HEADER_SLOT ||
            (udp && (buffer.getShort(l4 + UdpHeader.LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF) != packetEnd - l4))
        {
            return -1;
        }
        final int payload = payloadEnd - payloadOffset;
        final int count = payload == 0 ? 1 : (payload + segmentSize - 1) / segmentSize;
        if (count > MAX_SEGMENTS || count * HEADER_SLOT > arena.capacity())
        {
            return -1;
        }

        final long sequence = udp ? 0 : buffer.getInt(l4 + TcpHeader.SEQUENCE_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
        final int flags = udp ? 0 : buffer.getByte(l4 + TcpHeader.FLAGS_OFFSET) & 0xFF;
        final int identification = v4 ? buffer.getShort(ip + Ipv4Header.IDENTIFICATION_OFFSET, BIG_ENDIAN) & 0xFFFF : 0;
        // the pseudo-header without its length: addresses and protocol
        final int addresses = v4 ? InternetChecksum.sum(buffer, ip + Ipv4Header.SOURCE_OFFSET, 8, 0) : InternetChecksum.sum(buffer, ip + 8, 32, 0);
        final int ipInArena = VxlanHeader.LENGTH + EthernetFrame.HEADER_LENGTH;
        final int l4InArena = ipInArena + ipHeaderLength;
        final int checksumOffset = udp ? UdpHeader.CHECKSUM_OFFSET : TcpHeader.CHECKSUM_OFFSET;
        final int rco = remoteChecksum ? VxlanHeader.remoteChecksumOf(l4 - offset, checksumOffset) : VxlanHeader.NO_REMOTE_CHECKSUM;
        for (int i = 0; i < count; i++)
        {
            final int at = i * HEADER_SLOT;
            final int from = payloadOffset + i * segmentSize;
            final int size = Math.min(segmentSize, payloadEnd - from);
            VxlanHeader.put(arena, at, vni, rco);
            arena.putBytes(at + VxlanHeader.LENGTH, buffer, offset, headerLength);

            final int l4Length = l4HeaderLength + size;
            if (v4)
            {
                final int ipAt = at + ipInArena;
                arena.putShort(ipAt + Ipv4Header.TOTAL_LENGTH_OFFSET, (short)(ipHeaderLength + l4Length), BIG_ENDIAN);
                arena.putShort(ipAt + Ipv4Header.IDENTIFICATION_OFFSET, (short)(identification + i), BIG_ENDIAN);
                arena.putShort(ipAt + Ipv4Header.CHECKSUM_OFFSET, (short)0);
                arena.putShort(ipAt + Ipv4Header.CHECKSUM_OFFSET, (short)InternetChecksum.compute(arena, ipAt, ipHeaderLength), BIG_ENDIAN);
            }
            else
            {
                arena.putShort(at + ipInArena + 4, (short)l4Length, BIG_ENDIAN);
            }

            final int l4At = at + l4InArena;
            if (udp)
            {
                arena.putShort(l4At + UdpHeader.LENGTH_OFFSET, (short)l4Length, BIG_ENDIAN);
            }
            else
            {
                int segmentFlags = flags;
                if (i < count - 1)
                {
                    segmentFlags &= ~(TcpHeader.FLAG_FIN | TcpHeader.FLAG_PSH);
                }
                if (i > 0)
                {
                    segmentFlags &= ~TcpHeader.FLAG_CWR;
                }
                arena.putInt(l4At + TcpHeader.SEQUENCE_OFFSET, (int)(sequence + (long)i * segmentSize), BIG_ENDIAN);
                arena.putByte(l4At + TcpHeader.FLAGS_OFFSET, (byte)segmentFlags);
            }
            final int pseudo = InternetChecksum.fold((long)addresses + protocol + l4Length);
            if (rco != VxlanHeader.NO_REMOTE_CHECKSUM)
            {
                arena.putShort(l4At + checksumOffset, (short)pseudo, BIG_ENDIAN);
                continue;
            }
            arena.putShort(l4At + checksumOffset, (short)0);
            final int headerSum = InternetChecksum.sum(arena, l4At, l4HeaderLength, pseudo);
            final int checksum = ~InternetChecksum.sum(buffer, from, size, headerSum) & 0xFFFF;
            arena.putShort(l4At + checksumOffset, (short)(udp && checksum == 0 ? 0xFFFF : checksum), BIG_ENDIAN);
        }
        segments = count;
        return count;
    }

    /** How many segments the last {@link #segment} made. */
    public int segments()
    {
        return segments;
    }

    /** The bytes of each segment's header in the arena: VXLAN, Ethernet, IP and TCP or UDP. */
    public int arenaHeaderLength()
    {
        return VxlanHeader.LENGTH + headerLength;
    }

    /** Where segment {@code i}'s payload starts in the frame's buffer. */
    public int payloadOffset(final int i)
    {
        return payloadOffset + i * segmentSize;
    }

    /** The payload bytes of segment {@code i}. */
    public int payloadLength(final int i)
    {
        return Math.min(segmentSize, payloadEnd - payloadOffset(i));
    }

    /** The length of every datagram (VXLAN header and inner frame) but perhaps the last. */
    public int datagramLength()
    {
        return VxlanHeader.LENGTH + headerLength + segmentSize;
    }

    /** The length of the inner frame of segment {@code i}. */
    public int frameLength(final int i)
    {
        return headerLength + payloadLength(i);
    }
}
