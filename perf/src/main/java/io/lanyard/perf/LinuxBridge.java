package io.lanyard.perf;

import java.util.List;

/**
 * The baseline: a Linux bridge in a switch namespace of its own, and two "container" namespaces
 * joined to it by veth pairs, addressed in 10.42.0.0/24. This is what Docker builds (minus
 * iptables), and nothing of it touches the root namespace.
 *
 * <pre>
 *   PREFIX-b1 (eth0 10.42.0.1) ── veth1 ┐
 *                                        ├ br0  (PREFIX-br)
 *   PREFIX-b2 (eth0 10.42.0.2) ── veth2 ┘
 * </pre>
 */
final class LinuxBridge
{
    static final String LABEL = "Linux bridge";
    private static final String SUBNET = "10.42.0.";

    private LinuxBridge()
    {
    }

    static Endpoints build(final Workspace workspace)
    {
        final String bridge = workspace.addNamespace("br");
        final String first = workspace.addNamespace("b1");
        final String second = workspace.addNamespace("b2");
        Exec.check(List.of("ip", "-n", bridge, "link", "add", "br0", "type", "bridge"));
        Exec.check(List.of("ip", "-n", bridge, "link", "set", "br0", "up"));
        final String[] containers = {first, second};
        for (int i = 1; i <= containers.length; i++)
        {
            final String container = containers[i - 1];
            final String veth = "veth" + i;
            Exec.check(List.of("ip", "-n", bridge, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", container));
            Exec.check(List.of("ip", "-n", bridge, "link", "set", veth, "master", "br0", "up"));
            Exec.check(List.of("ip", "-n", container, "addr", "add", SUBNET + i + "/24", "dev", "eth0"));
            Exec.check(List.of("ip", "-n", container, "link", "set", "eth0", "up"));
        }
        return new Endpoints(LABEL, first, second, SUBNET + 2, SUBNET + 1);
    }
}
