package io.lanyard.perf;

import java.util.ArrayList;
import java.util.List;

/**
 * The network between the hosts of the overlay scenario, the same on both sides: a namespace
 * holding a Linux bridge, and one "host" namespace per host joined to it by a veth pair whose
 * host end, {@value #HOST_INTERFACE}, has the host's address in {@value #SUBNET} (a documentation
 * range, RFC 5737) and an MTU of {@value #MTU}. The overlay's VXLAN packets cross it; the
 * bridge's namespace has no address of its own.
 *
 * <pre>
 *   PREFIX-h1: ul0 192.0.2.11/24 ── p1 ┐
 *                                      ├ br0  (PREFIX-ul)
 *   PREFIX-h2: ul0 192.0.2.12/24 ── p2 ┘
 * </pre>
 */
record Underlay(String netns, List<Host> hosts)
{
    static final String SUBNET = "192.0.2.0/24";
    static final int PREFIX_LENGTH = 24;
    static final String HOST_INTERFACE = "ul0";
    static final int MTU = 1500;
    /** What a container's frame may carry so that its VXLAN packet fits the underlay: 50 bytes of outer Ethernet, IPv4, UDP and VXLAN headers less. */
    static final int OVERLAY_MTU = MTU - 50;
    static final int VXLAN_PORT = 4789;

    /** One host on the underlay: its namespace and its address on {@value #HOST_INTERFACE}. */
    record Host(String netns, String address)
    {
    }

    Underlay
    {
        hosts = List.copyOf(hosts);
    }

    /** The address of the host with this 0-based index: 192.0.2.11, 192.0.2.12, ... */
    static String hostAddress(final int index)
    {
        return "192.0.2." + (11 + index);
    }

    /**
     * Creates namespace {@code prefix + name} with the bridge, and one namespace per host name,
     * each with its {@value #HOST_INTERFACE} addressed and up; IPv6 is off on the underlay, so
     * that nothing but the overlay and its store speak on it.
     */
    static Underlay build(final Workspace workspace, final String name, final List<String> hostNames)
    {
        final String underlay = workspace.addNamespace(name);
        Exec.check(Workspace.inNamespace(underlay, List.of("sysctl", "-qw",
            "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")));
        Exec.check(List.of("ip", "-n", underlay, "link", "add", "br0", "mtu", Integer.toString(MTU), "type", "bridge"));
        Exec.check(List.of("ip", "-n", underlay, "link", "set", "br0", "up"));
        final List<Host> hosts = new ArrayList<>();
        for (int i = 0; i < hostNames.size(); i++)
        {
            hosts.add(plug(workspace, underlay, hostNames.get(i), "p" + (i + 1), hostAddress(i)));
        }
        return new Underlay(underlay, hosts);
    }

    /**
     * One more host on this underlay, as {@link #build} makes them, at an address of its own
     * (outside the {@link #hostAddress} of the built ones); its port on the bridge is
     * {@code p} + its name.
     */
    Host addHost(final Workspace workspace, final String name, final String address)
    {
        return plug(workspace, netns, name, "p" + name, address);
    }

    private static Host plug(final Workspace workspace, final String underlay, final String name, final String port, final String address)
    {
        final String host = workspace.addNamespace(name);
        Exec.check(List.of("ip", "-n", underlay, "link", "add", port, "mtu", Integer.toString(MTU), "type", "veth",
            "peer", "name", HOST_INTERFACE, "mtu", Integer.toString(MTU), "netns", host));
        Exec.check(List.of("ip", "-n", underlay, "link", "set", port, "master", "br0", "up"));
        Exec.check(Workspace.inNamespace(host, List.of("sysctl", "-qw", "net.ipv6.conf." + HOST_INTERFACE + ".disable_ipv6=1")));
        Exec.check(List.of("ip", "-n", host, "addr", "add", address + "/" + PREFIX_LENGTH, "dev", HOST_INTERFACE));
        Exec.check(List.of("ip", "-n", host, "link", "set", HOST_INTERFACE, "up"));
        return new Host(host, address);
    }
}
