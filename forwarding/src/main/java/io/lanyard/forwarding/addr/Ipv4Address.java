package io.lanyard.forwarding.addr;

/** An IPv4 address carried as an {@code int}, first octet most significant. */
public final class Ipv4Address
{
    private Ipv4Address()
    {
    }

    /**
     * @param text dotted-quad notation, four decimal octets with no leading sign or spaces.
     * @throws IllegalArgumentException when the text is not an IPv4 address.
     */
    public static int parse(final String text)
    {
        final String[] parts = text.split("\\.", -1);
        if (parts.length != 4)
        {
            throw new IllegalArgumentException("invalid IPv4 address: " + text);
        }
        int address = 0;
        for (final String part : parts)
        {
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0'))
            {
                throw new IllegalArgumentException("invalid IPv4 address: " + text);
            }
            int octet = 0;
            for (int i = 0; i < part.length(); i++)
            {
                final char c = part.charAt(i);
                if (c < '0' || c > '9')
                {
                    throw new IllegalArgumentException("invalid IPv4 address: " + text);
                }
                octet = octet * 10 + (c - '0');
            }
            if (octet > 255)
            {
                throw new IllegalArgumentException("invalid IPv4 address: " + text);
            }
            address = (address << 8) | octet;
        }
        return address;
    }

    public static String format(final int address)
    {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." +
            ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }
}
