package io.lanyard.perf;

import java.util.List;

/**
 * The "outside" of the NAT scenario, the same on both sides: a namespace holding the server at
 * {@value #SERVER_ADDRESS}/{@value #PREFIX_LENGTH} (a documentation range, RFC 5737), joined by a
 * veth pair to the router's namespace, where the router's end is named {@value #ROUTER_INTERFACE}
 * and its address is {@value #MASQUERADE_ADDRESS}. The outside namespace has no route to the
 * containers' subnet, so only masqueraded packets can be answered.
 */
final class OutsideNetwork
{
    static final String SERVER_ADDRESS = "198.51.100.1";
    static final String MASQUERADE_ADDRESS = "198.51.100.2";
    static final int PREFIX_LENGTH = 24;
    static final String ROUTER_INTERFACE = "up0";

    private OutsideNetwork()
    {
    }

    /**
     * Creates namespace {@code prefix + name} with the server's end of the link, addressed and up,
     * and the router's end, {@value #ROUTER_INTERFACE}, in {@code routerNetns}: up, without an
     * address (the caller adds one if its router is the kernel) and without IPv6, so that nothing
     * but the router under test speaks on it.
     *
     * @return the outside namespace's full name.
     */
    static String build(final Workspace workspace, final String name, final String routerNetns)
    {
        final String outside = workspace.addNamespace(name);
        Exec.check(List.of("ip", "-n", routerNetns, "link", "add", ROUTER_INTERFACE, "type", "veth", "peer", "name", "eth0", "netns", outside));
        Exec.check(Workspace.inNamespace(routerNetns, List.of("sysctl", "-qw", "net.ipv6.conf." + ROUTER_INTERFACE + ".disable_ipv6=1")));
        Exec.check(List.of("ip", "-n", routerNetns, "link", "set", ROUTER_INTERFACE, "up"));
        Exec.check(List.of("ip", "-n", outside, "addr", "add", SERVER_ADDRESS + "/" + PREFIX_LENGTH, "dev", "eth0"));
        Exec.check(List.of("ip", "-n", outside, "link", "set", "eth0", "up"));
        return outside;
    }
}
