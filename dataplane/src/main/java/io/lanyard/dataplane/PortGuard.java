package io.lanyard.dataplane;

/**
 * What a secured port may send as (port security, {@link io.lanyard.forwarding.security.PortSecurity}):
 * its own MAC and its own IPv4 addresses. A port attached without one passes everything.
 *
 * @param mac           the only source MAC its frames may carry.
 * @param ipv4Addresses the IPv4 source addresses it may use besides 0.0.0.0 (copied).
 */
public record PortGuard(long mac, int[] ipv4Addresses)
{
    public PortGuard
    {
        ipv4Addresses = ipv4Addresses.clone();
    }

    @Override
    public int[] ipv4Addresses()
    {
        return ipv4Addresses.clone();
    }
}
