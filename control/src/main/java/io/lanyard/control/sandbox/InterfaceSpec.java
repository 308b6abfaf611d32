package io.lanyard.control.sandbox;

import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;

/**
 * How one interface inside a sandbox is configured.
 *
 * @param defaultRoute whether the sandbox's default route goes through this interface's gateway
 *                     (only its first network's interface does, as in Docker).
 */
public record InterfaceSpec(String name, long mac, int address, int prefixLength, int gateway, int mtu, boolean defaultRoute)
{
    /** The {@code ip} commands that bring the interface to this configuration; safe to repeat. */
    String[] commands()
    {
        final String cidr = Ipv4Address.format(address) + "/" + prefixLength;
        final String link = "link set dev " + name;
        final String route = "route replace default via " + Ipv4Address.format(gateway) + " dev " + name;
        return defaultRoute ?
            new String[] {link + " address " + MacAddress.format(mac), link + " mtu " + mtu,
                "addr replace " + cidr + " dev " + name, link + " up", route} :
            new String[] {link + " address " + MacAddress.format(mac), link + " mtu " + mtu,
                "addr replace " + cidr + " dev " + name, link + " up"};
    }
}
