package io.lanyard.forwarding.wire;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over an ICMP message (RFC 792). For echo request and reply the second word holds
 * the identifier and sequence number; for errors it is unused (or carries the next-hop MTU)
 * and the payload starts with the offending IPv4 header.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Identifier          |        Sequence Number        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Data ...
 * +-+-+-+-+-
 * </pre>
 */
public final class IcmpHeader
{
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int IDENTIFIER_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    public IcmpHeader wrap(final MutableDirectBuffer buffer, final int offset, final int length)
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

    public int length()
    {
        return length;
    }

    public int type()
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    public IcmpHeader type(final int type)
    {
        buffer.putByte(offset + TYPE_OFFSET, (byte)type);
        return this;
    }

    public int code()
    {
        return buffer.getByte(offset + CODE_OFFSET) & 0xFF;
    }

    public IcmpHeader code(final int code)
    {
        buffer.putByte(offset + CODE_OFFSET, (byte)code);
        return this;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public IcmpHeader checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }

    public int identifier()
    {
        return buffer.getShort(offset + IDENTIFIER_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public IcmpHeader identifier(final int identifier)
    {
        buffer.putShort(offset + IDENTIFIER_OFFSET, (short)identifier, BIG_ENDIAN);
        return this;
    }

    public int sequence()
    {
        return buffer.getShort(offset + SEQUENCE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public IcmpHeader sequence(final int sequence)
    {
        buffer.putShort(offset + SEQUENCE_OFFSET, (short)sequence, BIG_ENDIAN);
        return this;
    }

    public int dataOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /** Computes the checksum over the whole message ({@link #length()} bytes) and writes it. */
    public IcmpHeader updateChecksum()
    {
        checksum(0);
        return checksum(InternetChecksum.compute(buffer, offset, length));
    }

    public boolean isChecksumCorrect()
    {
        return InternetChecksum.sum(buffer, offset, length, 0) == 0xFFFF;
    }
}
