package io.lanyard.perf;

import java.util.List;

/**
 * The NAT baseline: what Docker builds for a container that reaches the outside — a Linux bridge
 * holding the network's gateway address, IP forwarding, and an iptables MASQUERADE rule for the
 * network's subnet out of the uplink — in a router namespace of its own, so nothing of it
 * touches the root namespace's interfaces, routes or firewall.
 *
 * <pre>
 *   PREFIX-n1 (eth0 172.17.0.2/16,     PREFIX-nat: br0 172.17.0.1/16, ip_forward=1,
 *   default via 172.17.0.1) ── veth1 ─ br0                                               PREFIX-nout
 *                                      up0 198.51.100.2/24 ───────────────────────────── eth0 198.51.100.1/24
 *   iptables -t nat -A POSTROUTING -s 172.17.0.0/16 -o up0 -j MASQUERADE   (inside PREFIX-nat)
 * </pre>
 */
final class LinuxNat
{
    static final String LABEL = "Linux NAT";
    private static final String SUBNET = "172.17.0.0/16";
    private static final String GATEWAY = "172.17.0.1";
    private static final String CONTAINER = "172.17.0.2";
    private static final int CONTAINER_PREFIX_LENGTH = 16;

    private LinuxNat()
    {
    }

    static Endpoints build(final Workspace workspace)
    {
        final String router = workspace.addNamespace("nat");
        final String container = workspace.addNamespace("n1");
        Exec.check(List.of("ip", "-n", router, "link", "add", "br0", "type", "bridge"));
        Exec.check(List.of("ip", "-n", router, "addr", "add", GATEWAY + "/" + CONTAINER_PREFIX_LENGTH, "dev", "br0"));
        Exec.check(List.of("ip", "-n", router, "link", "set", "br0", "up"));
        Exec.check(List.of("ip", "-n", router, "link", "add", "veth1", "type", "veth", "peer", "name", "eth0", "netns", container));
        Exec.check(List.of("ip", "-n", router, "link", "set", "veth1", "master", "br0", "up"));
        Exec.check(List.of("ip", "-n", container, "addr", "add", CONTAINER + "/" + CONTAINER_PREFIX_LENGTH, "dev", "eth0"));
        Exec.check(List.of("ip", "-n", container, "link", "set", "eth0", "up"));
        Exec.check(List.of("ip", "-n", container, "route", "add", "default", "via", GATEWAY));

        final String outside = OutsideNetwork.build(workspace, "nout", router);
        Exec.check(List.of("ip", "-n", router, "addr", "add",
            OutsideNetwork.MASQUERADE_ADDRESS + "/" + OutsideNetwork.PREFIX_LENGTH, "dev", OutsideNetwork.ROUTER_INTERFACE));
        Exec.check(Workspace.inNamespace(router, List.of("sysctl", "-qw", "net.ipv4.ip_forward=1")));
        Exec.check(Workspace.inNamespace(router, List.of("iptables", "-t", "nat", "-A", "POSTROUTING",
            "-s", SUBNET, "-o", OutsideNetwork.ROUTER_INTERFACE, "-j", "MASQUERADE")));
        return new Endpoints(LABEL, container, outside, OutsideNetwork.SERVER_ADDRESS, OutsideNetwork.MASQUERADE_ADDRESS);
    }
}
