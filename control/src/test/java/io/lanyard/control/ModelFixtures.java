package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.addr.MacAddress;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Networks, endpoints and sandboxes as the state holds them, built in one line for the collaborators' tests. */
final class ModelFixtures
{
    static final Instant CREATED = Instant.parse("2024-05-01T10:00:00Z");

    private ModelFixtures()
    {
    }

    /** A 64-hex ID made of one repeated digit, then {@code tail}. */
    static String id(final char digit, final String tail)
    {
        return String.valueOf(digit).repeat(64 - tail.length()) + tail;
    }

    static Network none()
    {
        return new Network(id('0', "01"), "none", Network.DRIVER_NULL, Network.SCOPE_LOCAL, CREATED, false, false, null, null, null);
    }

    static Network host()
    {
        return new Network(id('0', "02"), "host", Network.DRIVER_HOST, Network.SCOPE_LOCAL, CREATED, false, false, null, null, null);
    }

    /** The default bridge, 172.17.0.0/16. */
    static Network defaultBridge()
    {
        return new Network(id('0', "03"), "bridge", Network.DRIVER_BRIDGE, Network.SCOPE_LOCAL, CREATED, false, false,
            List.of(new IpamPool("172.17.0.0/16", "172.17.0.1", null, null)), Map.of(Network.OPTION_DEFAULT_BRIDGE, "true"), null);
    }

    /** A user-defined bridge with one pool per subnet, each with its first address as gateway. */
    static Network bridge(final String name, final String... subnets)
    {
        return network(Network.DRIVER_BRIDGE, name, false, Map.of(), subnets);
    }

    static Network internalBridge(final String name, final String subnet)
    {
        return network(Network.DRIVER_BRIDGE, name, true, Map.of(), subnet);
    }

    static Network overlay(final String name, final String subnet, final int vni)
    {
        return network(Network.DRIVER_OVERLAY, name, false, Map.of(Network.OPTION_VXLAN_ID, Integer.toString(vni)), subnet);
    }

    static Network network(final String driver, final String name, final boolean internal, final Map<String, String> options,
        final String... subnets)
    {
        final List<IpamPool> ipam = java.util.Arrays.stream(subnets)
            .map(subnet -> new IpamPool(subnet, Ipv4Address.format(Ipv4Cidr.parse(subnet).network() + 1), null, null))
            .toList();
        return new Network(id('a', Integer.toHexString(Math.abs(name.hashCode()))), name, driver,
            Network.DRIVER_OVERLAY.equals(driver) ? Network.SCOPE_GLOBAL : Network.SCOPE_LOCAL, CREATED, internal, false, ipam, options,
            null);
    }

    /** A settled endpoint at {@code address} on the network's subnet that holds it, its MAC made from the address. */
    static Endpoint endpoint(final String endpointId, final Network network, final String interfaceName, final String address)
    {
        final int ip = Ipv4Address.parse(address);
        final int prefix = network.ipam().stream().map(p -> Ipv4Cidr.parse(p.subnet())).filter(s -> s.contains(ip))
            .findFirst().orElseThrow().prefixLength();
        return new Endpoint(endpointId, network.id(), interfaceName, address, prefix, MacAddress.format(MacAddress.fromIpv4(ip)),
            List.of(), null);
    }

    /** An endpoint on a network without addressing (none, host). */
    static Endpoint bareEndpoint(final String endpointId, final Network network)
    {
        return new Endpoint(endpointId, network.id(), null, null, 0, null, List.of(), null);
    }

    static Sandbox sandbox(final char digit, final String name, final String state, final List<Endpoint> endpoints,
        final List<String> links)
    {
        return new Sandbox(id(digit, ""), name, ControlPlaneFixture.SANDBOX_PREFIX + name, CREATED, state, List.of(), null, null, null,
            endpoints, List.of(), List.of(), links);
    }

    static Sandbox sandbox(final char digit, final String name, final Endpoint... endpoints)
    {
        return sandbox(digit, name, Sandbox.READY, List.of(endpoints), List.of());
    }
}
