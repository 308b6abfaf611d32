package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.InternetChecksum;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * TCP segments written into fixed-size slots of one direct buffer the way a TAP or packet-socket
 * read leaves them: a 10-byte virtio_net_hdr at the slot's start, then Ethernet, IPv4 (20 bytes,
 * DF, TTL 64), TCP (20 bytes) and {@value #PAYLOAD_LENGTH} bytes of payload.
 *
 * <p>With a partial checksum the virtio header says {@code NEEDS_CSUM} (start and offset of the
 * TCP checksum) and the checksum field holds the folded pseudo-header sum, uncomplemented, as
 * Linux hands such frames over; otherwise the field holds the full checksum and the virtio header
 * is zero.
 */
final class NatFrames
{
    static final int SLOT_SIZE = 128;
    static final int FRAME_OFFSET = VirtioNetHeader.LENGTH;
    static final int PAYLOAD_LENGTH = 32;
    static final int TCP_HEADER_LENGTH = 20;
    static final int FRAME_LENGTH = EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + TCP_HEADER_LENGTH + PAYLOAD_LENGTH;
    /** Everything routing may rewrite: virtio header, Ethernet, IPv4 and TCP headers (not the payload). */
    static final int HEADERS_LENGTH = VirtioNetHeader.LENGTH + EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + TCP_HEADER_LENGTH;
    static final int IP_OFFSET = FRAME_OFFSET + EthernetFrame.HEADER_LENGTH;
    static final int TCP_OFFSET = IP_OFFSET + Ipv4Header.MIN_LENGTH;

    static final int SYN = 0x02;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    private static final int TCP_CHECKSUM_OFFSET = 16;

    private NatFrames()
    {
    }

    /** Writes a TCP segment into the slot starting at {@code slot}; the frame is at {@code slot + FRAME_OFFSET}. */
    static void tcp(
        final MutableDirectBuffer buffer, final int slot, final long sourceMac, final long destinationMac,
        final int source, final int sourcePort, final int destination, final int destinationPort,
        final int flags, final boolean partialChecksum)
    {
        buffer.setMemory(slot, SLOT_SIZE, (byte)0);
        final int l4Length = TCP_HEADER_LENGTH + PAYLOAD_LENGTH;
        if (partialChecksum)
        {
            buffer.putByte(slot + VirtioNetHeader.FLAGS_OFFSET, (byte)VirtioNetHeader.FLAG_NEEDS_CSUM);
            buffer.putShort(slot + VirtioNetHeader.CSUM_START_OFFSET, (short)(TCP_OFFSET - FRAME_OFFSET), LITTLE_ENDIAN);
            buffer.putShort(slot + VirtioNetHeader.CSUM_OFFSET_OFFSET, (short)TCP_CHECKSUM_OFFSET, LITTLE_ENDIAN);
        }

        final int ethernet = slot + FRAME_OFFSET;
        EthernetFrame.writeMac(buffer, ethernet + EthernetFrame.DESTINATION_OFFSET, destinationMac);
        EthernetFrame.writeMac(buffer, ethernet + EthernetFrame.SOURCE_OFFSET, sourceMac);
        buffer.putShort(ethernet + EthernetFrame.ETHER_TYPE_OFFSET, (short)EthernetFrame.ETHER_TYPE_IPV4, BIG_ENDIAN);

        final int ip = slot + IP_OFFSET;
        buffer.putByte(ip, (byte)0x45);
        buffer.putShort(ip + 2, (short)(Ipv4Header.MIN_LENGTH + l4Length), BIG_ENDIAN);
        buffer.putShort(ip + 4, (short)0x1C46, BIG_ENDIAN);
        buffer.putShort(ip + 6, (short)0x4000, BIG_ENDIAN);
        buffer.putByte(ip + 8, (byte)64);
        buffer.putByte(ip + 9, (byte)Ipv4Header.PROTOCOL_TCP);
        buffer.putInt(ip + 12, source, BIG_ENDIAN);
        buffer.putInt(ip + 16, destination, BIG_ENDIAN);
        buffer.putShort(ip + 10, (short)InternetChecksum.compute(buffer, ip, Ipv4Header.MIN_LENGTH), BIG_ENDIAN);

        final int tcp = slot + TCP_OFFSET;
        buffer.putShort(tcp, (short)sourcePort, BIG_ENDIAN);
        buffer.putShort(tcp + 2, (short)destinationPort, BIG_ENDIAN);
        buffer.putInt(tcp + 4, 0x1122_3344, BIG_ENDIAN);
        buffer.putInt(tcp + 8, (flags & ACK) != 0 ? 0x5566_7788 : 0, BIG_ENDIAN);
        buffer.putByte(tcp + 12, (byte)0x50);
        buffer.putByte(tcp + 13, (byte)flags);
        buffer.putShort(tcp + 14, (short)0xFAF0, BIG_ENDIAN);
        for (int i = 0; i < PAYLOAD_LENGTH; i++)
        {
            buffer.putByte(tcp + TCP_HEADER_LENGTH + i, (byte)(i * 7 + 3));
        }

        final int pseudo = pseudoHeaderSum(source, destination, l4Length);
        final int checksum = partialChecksum ? pseudo : ~InternetChecksum.sum(buffer, tcp, l4Length, pseudo) & 0xFFFF;
        buffer.putShort(tcp + TCP_CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
    }

    static int sourcePort(final MutableDirectBuffer buffer, final int slot)
    {
        return buffer.getShort(slot + TCP_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    static int ipSource(final MutableDirectBuffer buffer, final int slot)
    {
        return buffer.getInt(slot + IP_OFFSET + 12, BIG_ENDIAN);
    }

    static int ipDestination(final MutableDirectBuffer buffer, final int slot)
    {
        return buffer.getInt(slot + IP_OFFSET + 16, BIG_ENDIAN);
    }

    /** The TCP checksum verifies (full) or holds the pseudo-header sum of the current addresses (partial). */
    static boolean checksumIsConsistent(final MutableDirectBuffer buffer, final int slot)
    {
        final int l4Length = TCP_HEADER_LENGTH + PAYLOAD_LENGTH;
        final int pseudo = pseudoHeaderSum(ipSource(buffer, slot), ipDestination(buffer, slot), l4Length);
        final boolean partial = (buffer.getByte(slot + VirtioNetHeader.FLAGS_OFFSET) & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0;
        if (partial)
        {
            return (buffer.getShort(slot + TCP_OFFSET + TCP_CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF) == pseudo;
        }
        return InternetChecksum.sum(buffer, slot + TCP_OFFSET, l4Length, pseudo) == 0xFFFF;
    }

    private static int pseudoHeaderSum(final int source, final int destination, final int l4Length)
    {
        long sum = (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF) + Ipv4Header.PROTOCOL_TCP + l4Length;
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }
}
