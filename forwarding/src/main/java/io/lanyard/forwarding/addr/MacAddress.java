package io.lanyard.forwarding.addr;

/**
 * A 48-bit IEEE 802 MAC address carried as the low 48 bits of a {@code long}, first octet most
 * significant. The hot path only ever sees the {@code long}; these methods are for the edges.
 */
public final class MacAddress
{
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    public static final long MASK = 0xFFFF_FFFF_FFFFL;

    private MacAddress()
    {
    }

    /** The I/G bit: set for group (multicast and broadcast) addresses. */
    public static boolean isGroup(final long mac)
    {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    /** Docker's scheme: {@code 02:42} followed by the four octets of the IPv4 address. */
    public static long fromIpv4(final int address)
    {
        return 0x0242_0000_0000L | (address & 0xFFFF_FFFFL);
    }

    /**
     * @param text six colon-separated two-digit hex octets, e.g. {@code 02:42:ac:11:00:02}.
     * @throws IllegalArgumentException when the text is not a MAC address.
     */
    public static long parse(final String text)
    {
        if (text.length() != 17)
        {
            throw new IllegalArgumentException("invalid MAC address: " + text);
        }
        long mac = 0;
        for (int i = 0; i < 17; i++)
        {
            final char c = text.charAt(i);
            if (i % 3 == 2)
            {
                if (c != ':')
                {
                    throw new IllegalArgumentException("invalid MAC address: " + text);
                }
                continue;
            }
            final int digit = c <= 'f' ? Character.digit(c, 16) : -1;
            if (digit < 0)
            {
                throw new IllegalArgumentException("invalid MAC address: " + text);
            }
            mac = (mac << 4) | digit;
        }
        return mac;
    }

    public static String format(final long mac)
    {
        final StringBuilder text = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int octet = (int)(mac >>> shift) & 0xFF;
            text.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
            if (shift > 0)
            {
                text.append(':');
            }
        }
        return text.toString();
    }
}
