package io.lanyard.forwarding.wire;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;


/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
 * words, and its incremental update when one field changes (RFC 1624, eqn. 3).
 */
public final class InternetChecksum
{
    private static final boolean NATIVE_IS_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private InternetChecksum()
    {
    }

    /**
     * Ones' complement sum of {@code length} bytes, folded to 16 bits but not complemented.
     *
     * <p>Read eight bytes at a time in the platform's order and added as 32-bit halves into a
     * 64-bit accumulator (at most 2^33 per step: no overflow below 2^30 bytes). On a
     * little-endian platform the words are then byte-swapped, and so is their ones' complement
     * sum (RFC 1071, section 2(B)): it is swapped back once at the end.
     */
    public static int sum(final DirectBuffer buffer, final int offset, final int length, final int initial)
    {
        long sum = 0;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            final long eight = buffer.getLong(offset + i);
            sum += (eight & 0xFFFF_FFFFL) + (eight >>> 32);
        }
        if (i + Integer.BYTES <= length)
        {
            sum += buffer.getInt(offset + i) & 0xFFFF_FFFFL;
            i += Integer.BYTES;
        }
        if (i + Short.BYTES <= length)
        {
            sum += buffer.getShort(offset + i) & 0xFFFF;
            i += Short.BYTES;
        }
        if (i < length)
        {
            // the odd last octet is the high half of a word padded with zero
            final int last = buffer.getByte(offset + i) & 0xFF;
            sum += NATIVE_IS_BIG_ENDIAN ? last << 8 : last;
        }
        int folded = fold(sum);
        if (!NATIVE_IS_BIG_ENDIAN)
        {
            folded = ((folded & 0xFF) << 8) | (folded >>> 8);
        }
        return fold((long)folded + initial);
    }

    /** The checksum to write into a header whose checksum field currently holds zero. */
    public static int compute(final DirectBuffer buffer, final int offset, final int length)
    {
        return ~sum(buffer, offset, length, 0) & 0xFFFF;
    }

    /** RFC 1624: HC' = ~(~HC + ~m + m') for a 16-bit field changing from m to m'. */
    public static int update16(final int checksum, final int oldValue, final int newValue)
    {
        final long sum = (~checksum & 0xFFFF) + (~oldValue & 0xFFFF) + (newValue & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /** {@link #update16} for a 32-bit field such as an IPv4 address. */
    public static int update32(final int checksum, final int oldValue, final int newValue)
    {
        final long sum = (~checksum & 0xFFFF) +
            (~(oldValue >>> 16) & 0xFFFF) + (~oldValue & 0xFFFF) +
            ((newValue >>> 16) & 0xFFFF) + (newValue & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /** Folds a sum of 16-bit words to 16 bits with end-around carries (not complemented). */
    public static int fold(final long value)
    {
        long sum = value;
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }
}
