package io.lanyard.forwarding.addr;

/**
 * An IPv4 prefix such as {@code 172.17.0.0/16}. The address is kept as written (so a gateway
 * written as {@code 172.17.42.1/16} round-trips); {@link #network()} is the masked address.
 */
public record Ipv4Cidr(int address, int prefixLength)
{
    public Ipv4Cidr
    {
        if (prefixLength < 0 || prefixLength > 32)
        {
            throw new IllegalArgumentException("invalid prefix length: " + prefixLength);
        }
    }

    /** @throws IllegalArgumentException when the text is not {@code A.B.C.D/N}. */
    public static Ipv4Cidr parse(final String text)
    {
        final int slash = text.indexOf('/');
        if (slash < 0)
        {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
        final int address;
        final int prefix;
        try
        {
            address = Ipv4Address.parse(text.substring(0, slash));
            final String bits = text.substring(slash + 1);
            if (bits.isEmpty() || bits.length() > 2 || !bits.chars().allMatch(c -> c >= '0' && c <= '9'))
            {
                throw new IllegalArgumentException();
            }
            prefix = Integer.parseInt(bits);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
        if (prefix > 32)
        {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
        return new Ipv4Cidr(address, prefix);
    }

    public int mask()
    {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public int network()
    {
        return address & mask();
    }

    public int broadcast()
    {
        return network() | ~mask();
    }

    /** Number of addresses in the prefix, as a long so that /0 fits. */
    public long size()
    {
        return 1L << (32 - prefixLength);
    }

    public boolean contains(final int candidate)
    {
        return (candidate & mask()) == network();
    }

    public boolean contains(final Ipv4Cidr other)
    {
        return other.prefixLength >= prefixLength && contains(other.network());
    }

    public boolean overlaps(final Ipv4Cidr other)
    {
        return contains(other.network()) || other.contains(network());
    }

    /** The same prefix with the host bits cleared. */
    public Ipv4Cidr canonical()
    {
        return new Ipv4Cidr(network(), prefixLength);
    }

    @Override
    public String toString()
    {
        return Ipv4Address.format(address) + "/" + prefixLength;
    }
}
