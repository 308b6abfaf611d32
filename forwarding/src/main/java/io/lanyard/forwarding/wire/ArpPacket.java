package io.lanyard.forwarding.wire;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over an ARP packet for IPv4 over Ethernet (RFC 826).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Hardware type (1)         |     Protocol type (0x0800)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  HLEN (6)     |  PLEN (4)     |          Operation            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              Sender hardware address (6 octets)               |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |  Sender protocol address ...  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  ... (4 octets)               |  Target hardware address ...  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                      ... (6 octets)                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              Target protocol address (4 octets)               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ArpPacket
{
    public static final int HARDWARE_TYPE_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int HARDWARE_LENGTH_OFFSET = 4;
    public static final int PROTOCOL_LENGTH_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_HARDWARE_OFFSET = 8;
    public static final int SENDER_PROTOCOL_OFFSET = 14;
    public static final int TARGET_HARDWARE_OFFSET = 18;
    public static final int TARGET_PROTOCOL_OFFSET = 24;
    public static final int LENGTH = 28;

    public static final int HARDWARE_TYPE_ETHERNET = 1;
    public static final int OPERATION_REQUEST = 1;
    public static final int OPERATION_REPLY = 2;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    public ArpPacket wrap(final MutableDirectBuffer buffer, final int offset, final int length)
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

    /** True for a complete Ethernet/IPv4 ARP packet; other hardware or protocol types are not valid here. */
    public boolean isValid()
    {
        return length >= LENGTH &&
            hardwareType() == HARDWARE_TYPE_ETHERNET &&
            protocolType() == EthernetFrame.ETHER_TYPE_IPV4 &&
            (buffer.getByte(offset + HARDWARE_LENGTH_OFFSET) & 0xFF) == 6 &&
            (buffer.getByte(offset + PROTOCOL_LENGTH_OFFSET) & 0xFF) == 4;
    }

    public int hardwareType()
    {
        return buffer.getShort(offset + HARDWARE_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public int protocolType()
    {
        return buffer.getShort(offset + PROTOCOL_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Writes the fixed fields of an Ethernet/IPv4 ARP packet and the given operation. */
    public ArpPacket ethernetIpv4(final int operation)
    {
        buffer.putShort(offset + HARDWARE_TYPE_OFFSET, (short)HARDWARE_TYPE_ETHERNET, BIG_ENDIAN);
        buffer.putShort(offset + PROTOCOL_TYPE_OFFSET, (short)EthernetFrame.ETHER_TYPE_IPV4, BIG_ENDIAN);
        buffer.putByte(offset + HARDWARE_LENGTH_OFFSET, (byte)6);
        buffer.putByte(offset + PROTOCOL_LENGTH_OFFSET, (byte)4);
        return operation(operation);
    }

    public int operation()
    {
        return buffer.getShort(offset + OPERATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public ArpPacket operation(final int operation)
    {
        buffer.putShort(offset + OPERATION_OFFSET, (short)operation, BIG_ENDIAN);
        return this;
    }

    public long senderHardware()
    {
        return EthernetFrame.readMac(buffer, offset + SENDER_HARDWARE_OFFSET);
    }

    public ArpPacket senderHardware(final long mac)
    {
        EthernetFrame.writeMac(buffer, offset + SENDER_HARDWARE_OFFSET, mac);
        return this;
    }

    public int senderProtocol()
    {
        return buffer.getInt(offset + SENDER_PROTOCOL_OFFSET, BIG_ENDIAN);
    }

    public ArpPacket senderProtocol(final int address)
    {
        buffer.putInt(offset + SENDER_PROTOCOL_OFFSET, address, BIG_ENDIAN);
        return this;
    }

    public long targetHardware()
    {
        return EthernetFrame.readMac(buffer, offset + TARGET_HARDWARE_OFFSET);
    }

    public ArpPacket targetHardware(final long mac)
    {
        EthernetFrame.writeMac(buffer, offset + TARGET_HARDWARE_OFFSET, mac);
        return this;
    }

    public int targetProtocol()
    {
        return buffer.getInt(offset + TARGET_PROTOCOL_OFFSET, BIG_ENDIAN);
    }

    public ArpPacket targetProtocol(final int address)
    {
        buffer.putInt(offset + TARGET_PROTOCOL_OFFSET, address, BIG_ENDIAN);
        return this;
    }
}
