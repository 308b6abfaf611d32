package io.lanyard.forwarding.wire;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over an IPv4 header (RFC 791).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * A frame the kernel handed over with segmentation offload may carry a Total Length that
 * covers a whole 64 KB segment; validity only requires the bytes present to cover it.
 */
public final class Ipv4Header
{
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    public static final int MIN_LENGTH = 20;

    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;

    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    public Ipv4Header wrap(final MutableDirectBuffer buffer, final int offset, final int length)
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

    /** Version 4, a header length of at least 20 bytes, and a total length the bytes present cover. */
    public boolean isValid()
    {
        if (length < MIN_LENGTH)
        {
            return false;
        }
        final int versionIhl = buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xFF;
        final int headerLength = (versionIhl & 0xF) << 2;
        final int totalLength = totalLength();
        return (versionIhl >>> 4) == 4 && headerLength >= MIN_LENGTH &&
            totalLength >= headerLength && totalLength <= length;
    }

    public int offset()
    {
        return offset;
    }

    public int version()
    {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xFF) >>> 4;
    }

    public int headerLength()
    {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xF) << 2;
    }

    /** Sets version 4 and the header length in bytes (a multiple of 4). */
    public Ipv4Header versionAndHeaderLength(final int headerLength)
    {
        buffer.putByte(offset + VERSION_IHL_OFFSET, (byte)(0x40 | (headerLength >>> 2)));
        return this;
    }

    public int tos()
    {
        return buffer.getByte(offset + TOS_OFFSET) & 0xFF;
    }

    public Ipv4Header tos(final int tos)
    {
        buffer.putByte(offset + TOS_OFFSET, (byte)tos);
        return this;
    }

    public int totalLength()
    {
        return buffer.getShort(offset + TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public Ipv4Header totalLength(final int totalLength)
    {
        buffer.putShort(offset + TOTAL_LENGTH_OFFSET, (short)totalLength, BIG_ENDIAN);
        return this;
    }

    public int identification()
    {
        return buffer.getShort(offset + IDENTIFICATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public Ipv4Header identification(final int identification)
    {
        buffer.putShort(offset + IDENTIFICATION_OFFSET, (short)identification, BIG_ENDIAN);
        return this;
    }

    /** The 16-bit field holding the flags (top 3 bits) and the fragment offset in 8-byte units. */
    public int flagsAndFragmentOffset()
    {
        return buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public Ipv4Header flagsAndFragmentOffset(final int value)
    {
        buffer.putShort(offset + FLAGS_FRAGMENT_OFFSET, (short)value, BIG_ENDIAN);
        return this;
    }

    /** True for any fragment of a datagram: more fragments follow, or this one is not the first. */
    public boolean isFragment()
    {
        return (flagsAndFragmentOffset() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl()
    {
        return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
    }

    public Ipv4Header ttl(final int ttl)
    {
        buffer.putByte(offset + TTL_OFFSET, (byte)ttl);
        return this;
    }

    public int protocol()
    {
        return buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
    }

    public Ipv4Header protocol(final int protocol)
    {
        buffer.putByte(offset + PROTOCOL_OFFSET, (byte)protocol);
        return this;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public Ipv4Header checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }

    public int source()
    {
        return buffer.getInt(offset + SOURCE_OFFSET, BIG_ENDIAN);
    }

    public Ipv4Header source(final int address)
    {
        buffer.putInt(offset + SOURCE_OFFSET, address, BIG_ENDIAN);
        return this;
    }

    public int destination()
    {
        return buffer.getInt(offset + DESTINATION_OFFSET, BIG_ENDIAN);
    }

    public Ipv4Header destination(final int address)
    {
        buffer.putInt(offset + DESTINATION_OFFSET, address, BIG_ENDIAN);
        return this;
    }

    public int payloadOffset()
    {
        return offset + headerLength();
    }

    /** Payload bytes according to Total Length (not the bytes present after it). */
    public int payloadLength()
    {
        return totalLength() - headerLength();
    }

    /** Computes the header checksum over the header as it stands and writes it. */
    public Ipv4Header updateChecksum()
    {
        checksum(0);
        return checksum(InternetChecksum.compute(buffer, offset, headerLength()));
    }

    public boolean isChecksumCorrect()
    {
        return InternetChecksum.sum(buffer, offset, headerLength(), 0) == 0xFFFF;
    }
}
