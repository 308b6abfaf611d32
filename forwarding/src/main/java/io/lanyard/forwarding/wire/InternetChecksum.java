package io.lanyard.forwarding.wire;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
 * words, and its incremental update when one field changes (RFC 1624, eqn. 3).
 */
public final class InternetChecksum
{
    private InternetChecksum()
    {
    }

    /** Ones' complement sum of {@code length} bytes, folded to 16 bits but not complemented. */
    public static int sum(final DirectBuffer buffer, final int offset, final int length, final int initial)
    {
        long sum = initial;
        int i = 0;
        for (; i + 4 <= length; i += 4)
        {
            sum += buffer.getInt(offset + i, BIG_ENDIAN) & 0xFFFF_FFFFL;
        }
        if (i + 2 <= length)
        {
            sum += buffer.getShort(offset + i, BIG_ENDIAN) & 0xFFFF;
            i += 2;
        }
        if (i < length)
        {
            sum += (buffer.getByte(offset + i) & 0xFF) << 8;
        }
        return fold(sum);
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

    private static int fold(final long value)
    {
        long sum = value;
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }
}
