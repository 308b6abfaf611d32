package io.lanyard.forwarding.testkit;

/**
 * The Internet checksum (RFC 1071) computed the slow, obvious way, word by word over a byte
 * array, so that the router's incremental updates are checked against something that shares no
 * code with them.
 */
public final class IndependentChecksum
{
    private IndependentChecksum()
    {
    }

    /** The ones' complement sum of the 16-bit big-endian words (an odd last byte padded), folded, not complemented. */
    public static int sum(final byte[] bytes, final int offset, final int length)
    {
        long sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            final int high = bytes[offset + i] & 0xFF;
            final int low = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        return fold(sum);
    }

    /** The folded, uncomplemented sum of the TCP/UDP pseudo-header: addresses, protocol, L4 length. */
    public static int pseudoHeaderSum(final int source, final int destination, final int protocol, final int l4Length)
    {
        final long sum = (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF) +
            protocol + l4Length;
        return fold(sum);
    }

    /** The value to write into a checksum field that is zero in {@code bytes}, on top of {@code initialSum}. */
    public static int checksum(final byte[] bytes, final int offset, final int length, final int initialSum)
    {
        return ~fold((long)initialSum + sum(bytes, offset, length)) & 0xFFFF;
    }

    /** Whether the bytes, checksum field included, sum to all ones on top of {@code initialSum}. */
    public static boolean verifies(final byte[] bytes, final int offset, final int length, final int initialSum)
    {
        return fold((long)initialSum + sum(bytes, offset, length)) == 0xFFFF;
    }

    public static int fold(final long value)
    {
        long sum = value;
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }
}
