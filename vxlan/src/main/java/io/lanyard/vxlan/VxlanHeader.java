package io.lanyard.vxlan;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over the VXLAN header (RFC 7348, section 5), the 8 bytes between the outer UDP
 * header and the inner Ethernet frame.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The I flag must be set for a valid VNI. The RFC has receivers ignore the reserved bits, so a
 * header with some of them set is still valid; {@link #hasReservedBits()} tells, for a counter.
 * Check {@link #isValid()} before reading the VNI of untrusted bytes.
 */
public final class VxlanHeader
{
    public static final int FLAGS_OFFSET = 0;
    public static final int VNI_OFFSET = 4;
    public static final int LENGTH = 8;

    /** The I flag: the VNI field holds a valid VNI. */
    public static final int FLAG_I = 0x08;
    /** The IANA-assigned UDP destination port. */
    public static final int DEFAULT_PORT = 4789;
    public static final int MIN_VNI = 0;
    public static final int MAX_VNI = (1 << 24) - 1;
    /** VNIs allocated to overlay networks start here, as Docker's overlay driver does. */
    public static final int FIRST_ALLOCATED_VNI = 4096;
    /**
     * What encapsulation adds in front of the inner frame: outer Ethernet (14), IPv4 without
     * options (20), UDP (8) and this header (8). The endpoint MTU is the underlay MTU minus this.
     */
    public static final int ENCAPSULATION_OVERHEAD = 14 + 20 + 8 + LENGTH;

    /** Everything in the first word but the I flag, and the last octet of the second. */
    private static final int RESERVED_FIRST_WORD_MASK = ~(FLAG_I << 24);
    private static final int RESERVED_SECOND_WORD_MASK = 0xFF;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    public VxlanHeader wrap(final MutableDirectBuffer buffer, final int offset, final int length)
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

    /** The 8 bytes are present and the I flag is set; reserved bits are ignored (RFC 7348). */
    public boolean isValid()
    {
        return length >= LENGTH && (flags() & FLAG_I) != 0;
    }

    /** Any reserved bit set: still valid, but worth counting (a peer speaking an extension such as VXLAN-GPE or GBP). */
    public boolean hasReservedBits()
    {
        return (buffer.getInt(offset, BIG_ENDIAN) & RESERVED_FIRST_WORD_MASK) != 0 ||
            (buffer.getInt(offset + VNI_OFFSET, BIG_ENDIAN) & RESERVED_SECOND_WORD_MASK) != 0;
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

    public int flags()
    {
        return buffer.getByte(offset + FLAGS_OFFSET) & 0xFF;
    }

    public int vni()
    {
        return buffer.getInt(offset + VNI_OFFSET, BIG_ENDIAN) >>> 8;
    }

    /** Offset of the inner Ethernet frame. */
    public int payloadOffset()
    {
        return offset + LENGTH;
    }

    public int payloadLength()
    {
        return length - LENGTH;
    }

    /**
     * Writes a whole header: the I flag, the VNI and zeros in every reserved bit.
     *
     * @throws IllegalArgumentException for a VNI outside {@link #MIN_VNI}..{@link #MAX_VNI}.
     */
    public VxlanHeader write(final int vni)
    {
        if (!isValidVni(vni))
        {
            throw new IllegalArgumentException("VNI out of range 0.." + MAX_VNI + ": " + vni);
        }
        buffer.putInt(offset, FLAG_I << 24, BIG_ENDIAN);
        buffer.putInt(offset + VNI_OFFSET, vni << 8, BIG_ENDIAN);
        return this;
    }

    public static boolean isValidVni(final int vni)
    {
        return vni >= MIN_VNI && vni <= MAX_VNI;
    }
}
