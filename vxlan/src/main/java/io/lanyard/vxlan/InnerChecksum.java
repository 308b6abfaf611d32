package io.lanyard.vxlan;

import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.InternetChecksum;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.TcpHeader;
import io.lanyard.forwarding.wire.UdpHeader;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Recognises the partial TCP/UDP checksum a Linux VTEP leaves in a decapsulated frame, and
 * says so in the frame's virtio header.
 *
 * <p>A Linux sender whose underlay device can carry an unfinished checksum (a veth, a virtio
 * NIC between VMs of one hypervisor) sends its inner TCP and UDP segments {@code CHECKSUM_PARTIAL}:
 * the checksum field holds only the pseudo-header's sum, folded and not complemented, and the
 * device is to finish it. A kernel VTEP on the far side would get that state with the packet; a
 * UDP socket does not pass it on, so the frame would reach a container with a checksum it
 * rejects. The fix costs no checksum over the payload in the common case:
 *
 * <ul>
 *   <li>a field that is not the pseudo-header's sum cannot be a partial one: the frame is left as
 *       it came (complete, or damaged, for the receiver to drop as it would any other);</li>
 *   <li>a field equal to it is summed over the segment: if the sum checks out the checksum was
 *       complete after all (one frame in 65 536 of complete ones), else the virtio header gets
 *       {@code NEEDS_CSUM} with the checksum's start and offset, which is exactly the state the
 *       sender's kernel had: a TAP hands it on as {@code CHECKSUM_PARTIAL}, and a sink that
 *       must send the frame as finished completes it.</li>
 * </ul>
 *
 * IPv4 (not a fragment) and IPv6 (TCP or UDP as the first next header) are recognised; anything
 * else, VLAN-tagged frames included, is left alone. A UDP checksum of zero means none.
 *
 * <p>The other way, {@link #complete} finishes a partial checksum of a frame about to be
 * encapsulated: inside a datagram no device will finish it.
 */
public final class InnerChecksum
{
    private static final int IPV6_HEADER_LENGTH = 40;

    private InnerChecksum()
    {
    }

    /**
     * Marks {@code header} {@code NEEDS_CSUM} when the frame at {@code offset} carries a partial
     * TCP/UDP checksum; leaves it untouched otherwise.
     *
     * @return whether the frame's checksum was partial.
     */
    public static boolean markIfPartial(final DirectBuffer buffer, final int offset, final int length, final VirtioNetHeader header)
    {
        if (length < EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH)
        {
            return false;
        }
        final int etherType = buffer.getShort(offset + EthernetFrame.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int ip = offset + EthernetFrame.HEADER_LENGTH;
        final int l4Start;
        final int l4Length;
        final int protocol;
        long pseudo;
        if (etherType == EthernetFrame.ETHER_TYPE_IPV4)
        {
            final int versionIhl = buffer.getByte(ip) & 0xFF;
            final int headerLength = (versionIhl & 0xF) * 4;
            final int totalLength = buffer.getShort(ip + Ipv4Header.TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
            if ((versionIhl >>> 4) != 4 || headerLength < Ipv4Header.MIN_LENGTH || totalLength < headerLength ||
                EthernetFrame.HEADER_LENGTH + totalLength > length ||
                (buffer.getShort(ip + Ipv4Header.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) &
                    (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK)) != 0)
            {
                return false;
            }
            protocol = buffer.getByte(ip + Ipv4Header.PROTOCOL_OFFSET) & 0xFF;
            l4Start = ip + headerLength;
            l4Length = totalLength - headerLength;
            pseudo = InternetChecksum.sum(buffer, ip + Ipv4Header.SOURCE_OFFSET, 8, 0);
        }
        else if (etherType == EthernetFrame.ETHER_TYPE_IPV6)
        {
            if (length < EthernetFrame.HEADER_LENGTH + IPV6_HEADER_LENGTH || (buffer.getByte(ip) & 0xF0) != 0x60)
            {
                return false;
            }
            protocol = buffer.getByte(ip + 6) & 0xFF;
            l4Start = ip + IPV6_HEADER_LENGTH;
            l4Length = buffer.getShort(ip + 4, BIG_ENDIAN) & 0xFFFF;
            if (EthernetFrame.HEADER_LENGTH + IPV6_HEADER_LENGTH + l4Length > length)
            {
                return false;
            }
            pseudo = InternetChecksum.sum(buffer, ip + 8, 32, 0);
        }
        else
        {
            return false;
        }
        final int checksumOffset;
        if (protocol == Ipv4Header.PROTOCOL_TCP && l4Length >= TcpHeader.MIN_LENGTH)
        {
            checksumOffset = TcpHeader.CHECKSUM_OFFSET;
        }
        else if (protocol == Ipv4Header.PROTOCOL_UDP && l4Length >= UdpHeader.HEADER_LENGTH)
        {
            checksumOffset = UdpHeader.CHECKSUM_OFFSET;
        }
        else
        {
            return false;
        }
        final int field = buffer.getShort(l4Start + checksumOffset, BIG_ENDIAN) & 0xFFFF;
        if (field == 0 && checksumOffset == UdpHeader.CHECKSUM_OFFSET)
        {
            return false;
        }
        pseudo += protocol + l4Length;
        final int pseudoSum = InternetChecksum.fold(pseudo);
        if (field != pseudoSum)
        {
            return false;
        }
        if (InternetChecksum.sum(buffer, l4Start, l4Length, pseudoSum) == 0xFFFF)
        {
            return false;
        }
        header.flags(header.flags() | VirtioNetHeader.FLAG_NEEDS_CSUM)
            .csumStart(l4Start - offset)
            .csumOffset(checksumOffset);
        return true;
    }

    /**
     * Finishes a checksum a sender left partial ({@code NEEDS_CSUM}): the field at
     * {@code checksumStart + checksumOffset} holds the pseudo-header's sum, and the ones'
     * complement of the sum from {@code checksumStart} to the end of the frame replaces it, as a
     * NIC would write it (0xFFFF for a UDP result of 0, which would mean no checksum).
     *
     * @return the field's value before, to put back if the frame goes elsewhere still partial, or
     *         -1 when the start and offset do not fit in the frame (nothing is written).
     */
    public static int complete(
        final MutableDirectBuffer buffer, final int offset, final int length, final int checksumStart, final int checksumOffset)
    {
        final int field = offset + checksumStart + checksumOffset;
        if (checksumStart < EthernetFrame.HEADER_LENGTH || checksumOffset < 0 || checksumStart + checksumOffset + 2 > length)
        {
            return -1;
        }
        final int before = buffer.getShort(field, BIG_ENDIAN) & 0xFFFF;
        int checksum = ~InternetChecksum.sum(buffer, offset + checksumStart, length - checksumStart, 0) & 0xFFFF;
        if (checksum == 0 && checksumOffset == UdpHeader.CHECKSUM_OFFSET)
        {
            checksum = 0xFFFF;
        }
        buffer.putShort(field, (short)checksum, BIG_ENDIAN);
        return before;
    }
}
