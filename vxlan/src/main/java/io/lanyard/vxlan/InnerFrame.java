package io.lanyard.vxlan;

import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Whether a decapsulated frame is whole: an IPv4 or IPv6 packet inside it must fit in the
 * datagram that carried it, with a header of a possible length. A frame that claims more than
 * it carries was cut or forged; it is dropped where it arrived rather than handed on for a
 * container's stack to find out. Ethernet padding (a frame longer than its packet) is fine, and
 * other EtherTypes are not looked into.
 */
public final class InnerFrame
{
    private static final int IPV6_HEADER_LENGTH = 40;

    private InnerFrame()
    {
    }

    /** @return false when the frame's IP header says more than the frame holds, or is no possible header. */
    public static boolean isWhole(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < EthernetFrame.HEADER_LENGTH)
        {
            return false;
        }
        final int etherType = buffer.getShort(offset + EthernetFrame.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int ip = offset + EthernetFrame.HEADER_LENGTH;
        final int room = length - EthernetFrame.HEADER_LENGTH;
        if (etherType == EthernetFrame.ETHER_TYPE_IPV4)
        {
            if (room < Ipv4Header.MIN_LENGTH)
            {
                return false;
            }
            final int versionIhl = buffer.getByte(ip) & 0xFF;
            final int headerLength = (versionIhl & 0xF) * 4;
            final int totalLength = buffer.getShort(ip + Ipv4Header.TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
            return (versionIhl >>> 4) == 4 && headerLength >= Ipv4Header.MIN_LENGTH && totalLength >= headerLength && totalLength <= room;
        }
        if (etherType == EthernetFrame.ETHER_TYPE_IPV6)
        {
            return room >= IPV6_HEADER_LENGTH && (buffer.getByte(ip) & 0xF0) == 0x60 &&
                IPV6_HEADER_LENGTH + (buffer.getShort(ip + 4, BIG_ENDIAN) & 0xFFFF) <= room;
        }
        return true;
    }
}
