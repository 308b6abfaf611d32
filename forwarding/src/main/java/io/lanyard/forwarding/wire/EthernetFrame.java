package io.lanyard.forwarding.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over an Ethernet II frame (IEEE 802.3, without preamble and FCS).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination MAC address                    |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                      Source MAC address                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           EtherType           |          Payload ...          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Check {@link #isValid()} before reading any field of untrusted bytes.
 */
public final class EthernetFrame
{
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;

    public static final int ETHER_TYPE_IPV4 = 0x0800;
    public static final int ETHER_TYPE_ARP = 0x0806;
    public static final int ETHER_TYPE_VLAN = 0x8100;
    public static final int ETHER_TYPE_IPV6 = 0x86DD;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    public EthernetFrame wrap(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        // a reference store costs a GC write barrier: skip it when re-wrapping the same buffer
        if (this.buffer != buffer)
        {
            this.buffer = buffer;
        }
        this.offset = offset;
        this.length = length;
        return this;
    }

    public boolean isValid()
    {
        return length >= HEADER_LENGTH;
    }

    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    public int length()
    {
        return length;
    }

    public long destination()
    {
        return readMac(buffer, offset + DESTINATION_OFFSET);
    }

    public EthernetFrame destination(final long mac)
    {
        writeMac(buffer, offset + DESTINATION_OFFSET, mac);
        return this;
    }

    public long source()
    {
        return readMac(buffer, offset + SOURCE_OFFSET);
    }

    public EthernetFrame source(final long mac)
    {
        writeMac(buffer, offset + SOURCE_OFFSET, mac);
        return this;
    }

    public int etherType()
    {
        return buffer.getShort(offset + ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public EthernetFrame etherType(final int etherType)
    {
        buffer.putShort(offset + ETHER_TYPE_OFFSET, (short)etherType, BIG_ENDIAN);
        return this;
    }

    public int payloadOffset()
    {
        return offset + HEADER_LENGTH;
    }

    public int payloadLength()
    {
        return length - HEADER_LENGTH;
    }

    /** Reads six octets at {@code index} as a MAC in the low 48 bits of a long. */
    public static long readMac(final DirectBuffer buffer, final int index)
    {
        return ((buffer.getInt(index, BIG_ENDIAN) & 0xFFFF_FFFFL) << 16) |
            (buffer.getShort(index + 4, BIG_ENDIAN) & 0xFFFFL);
    }

    public static void writeMac(final MutableDirectBuffer buffer, final int index, final long mac)
    {
        buffer.putInt(index, (int)(mac >>> 16), BIG_ENDIAN);
        buffer.putShort(index + 4, (short)mac, BIG_ENDIAN);
    }
}
