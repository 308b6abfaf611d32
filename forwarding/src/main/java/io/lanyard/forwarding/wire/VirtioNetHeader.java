package io.lanyard.forwarding.wire;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Flyweight over {@code struct virtio_net_hdr} (virtio 1.x, section 5.1.6), the 10-byte header a
 * TAP opened with {@code IFF_VNET_HDR} puts before every frame. It tells whether the frame still
 * needs its L4 checksum and whether it is a segmentation-offload frame (a TCP segment of up to
 * 64 KB the kernel did not split). The fields are little-endian on this platform.
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+---------------+---------------+
 * |     flags     |   gso_type    |            hdr_len            |
 * +---------------+---------------+---------------+---------------+
 * |            gso_size           |           csum_start          |
 * +---------------+---------------+---------------+---------------+
 * |          csum_offset          |
 * +---------------+---------------+
 * </pre>
 */
public final class VirtioNetHeader
{
    public static final int FLAGS_OFFSET = 0;
    public static final int GSO_TYPE_OFFSET = 1;
    public static final int HEADER_LENGTH_OFFSET = 2;
    public static final int GSO_SIZE_OFFSET = 4;
    public static final int CSUM_START_OFFSET = 6;
    public static final int CSUM_OFFSET_OFFSET = 8;
    public static final int LENGTH = 10;

    public static final int FLAG_NEEDS_CSUM = 1;
    public static final int FLAG_DATA_VALID = 2;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    private MutableDirectBuffer buffer;
    private int offset;

    public VirtioNetHeader wrap(final MutableDirectBuffer buffer, final int offset)
    {
        // a reference store costs a GC write barrier: skip it when re-wrapping the same buffer
        if (this.buffer != buffer)
        {
            this.buffer = buffer;
        }
        this.offset = offset;
        return this;
    }

    public int flags()
    {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    public VirtioNetHeader flags(final int flags)
    {
        buffer.putByte(offset + FLAGS_OFFSET, (byte)flags);
        return this;
    }

    public int gsoType()
    {
        return buffer.getByte(offset + GSO_TYPE_OFFSET) & 0xFF;
    }

    public VirtioNetHeader gsoType(final int gsoType)
    {
        buffer.putByte(offset + GSO_TYPE_OFFSET, (byte)gsoType);
        return this;
    }

    public int headerLength()
    {
        return buffer.getShort(offset + HEADER_LENGTH_OFFSET, LITTLE_ENDIAN) & 0xFFFF;
    }

    public VirtioNetHeader headerLength(final int headerLength)
    {
        buffer.putShort(offset + HEADER_LENGTH_OFFSET, (short)headerLength, LITTLE_ENDIAN);
        return this;
    }

    public int gsoSize()
    {
        return buffer.getShort(offset + GSO_SIZE_OFFSET, LITTLE_ENDIAN) & 0xFFFF;
    }

    public VirtioNetHeader gsoSize(final int gsoSize)
    {
        buffer.putShort(offset + GSO_SIZE_OFFSET, (short)gsoSize, LITTLE_ENDIAN);
        return this;
    }

    public int csumStart()
    {
        return buffer.getShort(offset + CSUM_START_OFFSET, LITTLE_ENDIAN) & 0xFFFF;
    }

    public VirtioNetHeader csumStart(final int csumStart)
    {
        buffer.putShort(offset + CSUM_START_OFFSET, (short)csumStart, LITTLE_ENDIAN);
        return this;
    }

    public int csumOffset()
    {
        return buffer.getShort(offset + CSUM_OFFSET_OFFSET, LITTLE_ENDIAN) & 0xFFFF;
    }

    public VirtioNetHeader csumOffset(final int csumOffset)
    {
        buffer.putShort(offset + CSUM_OFFSET_OFFSET, (short)csumOffset, LITTLE_ENDIAN);
        return this;
    }

    /** A header that asks nothing of the receiver: a complete frame with valid checksums. */
    public VirtioNetHeader clear()
    {
        buffer.setMemory(offset, LENGTH, (byte)0);
        return this;
    }
}
