package io.lanyard.forwarding.wire;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over a UDP header (RFC 768).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Length             |           Checksum            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Data ...
 * +-+-+-+-+-
 * </pre>
 *
 * Over IPv4 a checksum of zero means the sender computed none ({@link #NO_CHECKSUM}); a computed
 * checksum that comes out as zero is sent as 0xFFFF instead. The checksum covers a pseudo-header
 * of the IPv4 addresses, protocol and UDP length as well as the datagram.
 */
public final class UdpHeader
{
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    /** The checksum field of a datagram whose sender computed none. */
    public static final int NO_CHECKSUM = 0;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    public UdpHeader wrap(final MutableDirectBuffer buffer, final int offset, final int length)
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

    /** The 8-byte header is present; the Length field is not checked against the bytes present. */
    public boolean isValid()
    {
        return length >= HEADER_LENGTH;
    }

    public int offset()
    {
        return offset;
    }

    public int sourcePort()
    {
        return buffer.getShort(offset + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public UdpHeader sourcePort(final int port)
    {
        buffer.putShort(offset + SOURCE_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    public int destinationPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public UdpHeader destinationPort(final int port)
    {
        buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    /** The Length field: header and data, in bytes. */
    public int datagramLength()
    {
        return buffer.getShort(offset + LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public UdpHeader datagramLength(final int datagramLength)
    {
        buffer.putShort(offset + LENGTH_OFFSET, (short)datagramLength, BIG_ENDIAN);
        return this;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public UdpHeader checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }

    public int dataOffset()
    {
        return offset + HEADER_LENGTH;
    }
}
