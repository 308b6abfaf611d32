package io.lanyard.forwarding.wire;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over a TCP header (RFC 9293, section 3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options ...                                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The checksum covers a pseudo-header of the IPv4 addresses, protocol and TCP length as well
 * as the segment; a frame handed over with a partial checksum (virtio {@code NEEDS_CSUM}) holds
 * only that pseudo-header sum here, and whoever finishes it adds the rest.
 */
public final class TcpHeader
{
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    public static final int MIN_LENGTH = 20;

    /** Flag bits as they sit in the byte at {@link #FLAGS_OFFSET}. */
    public static final int FLAG_FIN = 0x01;
    public static final int FLAG_SYN = 0x02;
    public static final int FLAG_RST = 0x04;
    public static final int FLAG_PSH = 0x08;
    public static final int FLAG_ACK = 0x10;
    public static final int FLAG_URG = 0x20;
    public static final int FLAG_ECE = 0x40;
    public static final int FLAG_CWR = 0x80;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    public TcpHeader wrap(final MutableDirectBuffer buffer, final int offset, final int length)
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

    /**
     * The fixed 20-byte header is present, so ports, flags and checksum can be read. Options are
     * not looked at: a translator that rewrites ports and checksum has no use for them, and a
     * data offset that disagrees with the bytes present is for the receiving end to refuse.
     */
    public boolean isValid()
    {
        return length >= MIN_LENGTH;
    }

    public int offset()
    {
        return offset;
    }

    public int sourcePort()
    {
        return buffer.getShort(offset + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public TcpHeader sourcePort(final int port)
    {
        buffer.putShort(offset + SOURCE_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    public int destinationPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public TcpHeader destinationPort(final int port)
    {
        buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    /** The sequence number, unsigned in the low 32 bits of the long. */
    public long sequence()
    {
        return buffer.getInt(offset + SEQUENCE_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    public TcpHeader sequence(final long sequence)
    {
        buffer.putInt(offset + SEQUENCE_OFFSET, (int)sequence, BIG_ENDIAN);
        return this;
    }

    /** The acknowledgment number, unsigned in the low 32 bits of the long. */
    public long acknowledgment()
    {
        return buffer.getInt(offset + ACKNOWLEDGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    public TcpHeader acknowledgment(final long acknowledgment)
    {
        buffer.putInt(offset + ACKNOWLEDGMENT_OFFSET, (int)acknowledgment, BIG_ENDIAN);
        return this;
    }

    /** The data offset in bytes: the header with its options. */
    public int headerLength()
    {
        return ((buffer.getByte(offset + DATA_OFFSET_OFFSET) & 0xFF) >>> 4) << 2;
    }

    /** Sets the data offset from a header length in bytes (a multiple of 4); the reserved bits become zero. */
    public TcpHeader headerLength(final int headerLength)
    {
        buffer.putByte(offset + DATA_OFFSET_OFFSET, (byte)((headerLength >>> 2) << 4));
        return this;
    }

    /** The eight flag bits ({@link #FLAG_FIN} ... {@link #FLAG_CWR}). */
    public int flags()
    {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    public TcpHeader flags(final int flags)
    {
        buffer.putByte(offset + FLAGS_OFFSET, (byte)flags);
        return this;
    }

    public int window()
    {
        return buffer.getShort(offset + WINDOW_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public TcpHeader window(final int window)
    {
        buffer.putShort(offset + WINDOW_OFFSET, (short)window, BIG_ENDIAN);
        return this;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public TcpHeader checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }

    public int urgentPointer()
    {
        return buffer.getShort(offset + URGENT_POINTER_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public TcpHeader urgentPointer(final int urgentPointer)
    {
        buffer.putShort(offset + URGENT_POINTER_OFFSET, (short)urgentPointer, BIG_ENDIAN);
        return this;
    }
}
