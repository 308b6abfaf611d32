package io.lanyard.control;

import io.lanyard.control.ipam.AddressSpace;
import io.lanyard.control.routing.HostRoutes;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code lanyardd --bip} and {@code --default-address-pool}, as dockerd reads them: where the
 * default bridge and the networks made without {@code --subnet} get their subnets, kept off the
 * routes of the daemon's namespace ({@link HostRoutes}).
 */
final class AddressFlags
{
    @Option(names = "--bip", paramLabel = "CIDR",
        description = "the default bridge's address and prefix, e.g. 192.168.200.1/24 (default: the first default pool clear of the host's routes, 172.17.0.1/16 on a host without Docker)")
    String bip;

    @Option(names = "--default-address-pool", paramLabel = "base=CIDR,size=N",
        description = "where networks without --subnet get one: BASE cut into /N subnets, first free first; repeatable (default: Docker's, 172.17-31.0.0/16 then 192.168.0.0/16 in /20s)")
    List<String> defaultAddressPools = new ArrayList<>();

    private Ipv4Cidr bridgeAddress;
    private AddressSpace addressSpace;

    /**
     * Reads both flags.
     *
     * @throws IllegalArgumentException with a one-line reason.
     */
    void parse()
    {
        final HostRoutes routes = new HostRoutes();
        final List<AddressSpace.Pool> pools = new ArrayList<>();
        for (final String pool : defaultAddressPools)
        {
            pools.add(AddressSpace.Pool.parse(pool));
        }
        addressSpace = pools.isEmpty() ? AddressSpace.docker(routes::routes) : AddressSpace.of(pools, routes::routes);
        if (bip == null)
        {
            return;
        }
        try
        {
            bridgeAddress = Ipv4Cidr.parse(bip);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("--bip " + bip + ": expected the bridge's address with a prefix, e.g. 192.168.200.1/24");
        }
        if (bridgeAddress.prefixLength() < 8 || bridgeAddress.prefixLength() > 30 || bridgeAddress.address() == bridgeAddress.network() ||
            bridgeAddress.address() == bridgeAddress.broadcast())
        {
            throw new IllegalArgumentException("--bip " + bip + ": a host address (not the subnet's first or last) with a prefix from 8 to 30");
        }
    }

    /** Where local networks get their subnets; after {@link #parse}. */
    AddressSpace addressSpace()
    {
        return addressSpace;
    }

    /** {@code --bip}, or null; after {@link #parse}. */
    Ipv4Cidr bridgeAddress()
    {
        return bridgeAddress;
    }
}
