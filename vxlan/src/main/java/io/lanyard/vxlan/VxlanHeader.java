package io.lanyard.vxlan;

import io.lanyard.forwarding.wire.TcpHeader;
import io.lanyard.forwarding.wire.UdpHeader;
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
 *
 * <p><b>Remote checksum offload</b> (draft-herbert-vxlan-rco, Linux's {@code remcsumtx} and
 * {@code remcsumrx}) uses two reserved fields: the C flag (bit 10) says the inner TCP or UDP
 * checksum was left partial (the pseudo-header's sum) for the receiver to finish, and the VNI
 * word's last octet says where it is: the checksum start (from the inner Ethernet header) halved
 * in its low 7 bits, and the O bit (0x80) set for a UDP checksum, clear for TCP.
 *
 * <pre>
 * |R|R|R|R|I|R|R|R|R|R|C|              Reserved                   |
 * |           VXLAN Network Identifier (VNI)      |O| Csum start  |
 * </pre>
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

    /** The first word with the I flag alone: the header of a frame sent as it is. */
    private static final int FIRST_WORD = FLAG_I << 24;
    /** The C flag of remote checksum offload, in the first word. */
    public static final int FLAG_WORD_RCO = 0x0020_0000;
    /** In the VNI word's last octet, with the C flag: the checksum is UDP's (at offset 6), not TCP's (at 16). */
    public static final int RCO_UDP = 0x80;
    /** In the VNI word's last octet, with the C flag: the checksum start divided by two. */
    public static final int RCO_START_MASK = 0x7F;
    /** The furthest checksum start remote checksum offload can say. */
    public static final int MAX_RCO_START = RCO_START_MASK << 1;
    /** {@link #remoteChecksum()} of a header without the C flag. */
    public static final int NO_REMOTE_CHECKSUM = -1;

    /** Everything in the first word but the I flag, and the last octet of the second. */
    private static final int RESERVED_FIRST_WORD_MASK = ~FIRST_WORD;
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

    /**
     * Any reserved bit set that is not remote checksum offload's: still valid, but worth counting
     * (a peer speaking an extension such as VXLAN-GPE or GBP).
     */
    public boolean hasReservedBits()
    {
        final int first = buffer.getInt(offset, BIG_ENDIAN);
        final int lastOctetMask = (first & FLAG_WORD_RCO) != 0 ? 0 : RESERVED_SECOND_WORD_MASK;
        return (first & RESERVED_FIRST_WORD_MASK & ~FLAG_WORD_RCO) != 0 ||
            (buffer.getInt(offset + VNI_OFFSET, BIG_ENDIAN) & lastOctetMask) != 0;
    }

    /**
     * The remote checksum offload octet (the VNI word's last) when the C flag is set, else
     * {@link #NO_REMOTE_CHECKSUM}; {@link #checksumStart} and {@link #checksumOffset} read it.
     */
    public int remoteChecksum()
    {
        if ((buffer.getInt(offset, BIG_ENDIAN) & FLAG_WORD_RCO) == 0)
        {
            return NO_REMOTE_CHECKSUM;
        }
        return buffer.getByte(offset + VNI_OFFSET + 3) & 0xFF;
    }

    /** Where the partial checksum's sum starts, from the inner Ethernet header, for a {@link #remoteChecksum()} octet. */
    public static int checksumStart(final int remoteChecksum)
    {
        return (remoteChecksum & RCO_START_MASK) << 1;
    }

    /** Where the checksum field is from {@link #checksumStart}: UDP's or TCP's, for a {@link #remoteChecksum()} octet. */
    public static int checksumOffset(final int remoteChecksum)
    {
        return (remoteChecksum & RCO_UDP) != 0 ? UdpHeader.CHECKSUM_OFFSET : TcpHeader.CHECKSUM_OFFSET;
    }

    /**
     * The remote checksum offload octet for a partial checksum whose sum starts at
     * {@code checksumStart} (from the inner Ethernet header) with its field at
     * {@code checksumOffset} from there, or {@link #NO_REMOTE_CHECKSUM} when the field cannot say
     * it (an odd or too far start, a checksum neither TCP's nor UDP's).
     */
    public static int remoteChecksumOf(final int checksumStart, final int checksumOffset)
    {
        if (checksumStart < 0 || checksumStart > MAX_RCO_START || (checksumStart & 1) != 0)
        {
            return NO_REMOTE_CHECKSUM;
        }
        if (checksumOffset == TcpHeader.CHECKSUM_OFFSET)
        {
            return checksumStart >>> 1;
        }
        return checksumOffset == UdpHeader.CHECKSUM_OFFSET ? RCO_UDP | checksumStart >>> 1 : NO_REMOTE_CHECKSUM;
    }

    /**
     * Writes a header at {@code at}: the I flag and the VNI, and with a {@code remoteChecksum}
     * octet other than {@link #NO_REMOTE_CHECKSUM} the C flag and that octet; every other bit zero.
     * The VNI is not checked.
     */
    public static void put(final MutableDirectBuffer buffer, final int at, final int vni, final int remoteChecksum)
    {
        if (remoteChecksum == NO_REMOTE_CHECKSUM)
        {
            buffer.putInt(at, FIRST_WORD, BIG_ENDIAN);
            buffer.putInt(at + VNI_OFFSET, vni << 8, BIG_ENDIAN);
        }
        else
        {
            buffer.putInt(at, FIRST_WORD | FLAG_WORD_RCO, BIG_ENDIAN);
            buffer.putInt(at + VNI_OFFSET, vni << 8 | remoteChecksum, BIG_ENDIAN);
        }
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
        put(buffer, offset, vni, NO_REMOTE_CHECKSUM);
        return this;
    }

    public static boolean isValidVni(final int vni)
    {
        return vni >= MIN_VNI && vni <= MAX_VNI;
    }
}
