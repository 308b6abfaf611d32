package io.lanyard.perf;

import java.util.List;

/**
 * The overlay baseline: two hosts on an {@link Underlay}, each with a kernel VXLAN device
 * (VNI {@value #VNI}, UDP port {@value Underlay#VXLAN_PORT}, no learning, a static default FDB
 * entry to the other host's address) enslaved to a Linux bridge, and a "container" namespace
 * joined to that bridge by a veth pair, addressed in 10.20.0.0/24 with the overlay MTU
 * ({@value Underlay#OVERLAY_MTU}). The containers' frames cross the underlay inside VXLAN, as
 * with Docker's overlay driver (minus its proxy ARP).
 *
 * <pre>
 *   PREFIX-vx1 (eth0 10.20.0.2/24) ── veth1 ─ br0 ─ vx0 (VNI 4096) ─ ul0 192.0.2.11  PREFIX-vxh1
 *                                                                     │ PREFIX-vxul
 *   PREFIX-vx2 (eth0 10.20.0.3/24) ── veth1 ─ br0 ─ vx0 (VNI 4096) ─ ul0 192.0.2.12  PREFIX-vxh2
 * </pre>
 */
final class LinuxOverlay
{
    static final String LABEL = "Linux VXLAN";
    static final int VNI = 4096;
    private static final String SUBNET = "10.20.0.";
    private static final int PREFIX_LENGTH = 24;
    private static final String VXLAN_DEVICE = "vx0";
    private static final String ALL_MACS = "00:00:00:00:00:00";

    private LinuxOverlay()
    {
    }

    static Endpoints build(final Workspace workspace)
    {
        final Underlay underlay = Underlay.build(workspace, "vxul", List.of("vxh1", "vxh2"));
        final String[] containers = new String[underlay.hosts().size()];
        for (int i = 0; i < containers.length; i++)
        {
            final Underlay.Host host = underlay.hosts().get(i);
            final List<String> others = underlay.hosts().stream().filter(other -> other != host).map(Underlay.Host::address).toList();
            containers[i] = kernelVtep(workspace, host, VNI, others, "vx" + (i + 1), address(i));
        }
        return new Endpoints(LABEL, containers[0], containers[1], address(1), address(0));
    }

    /**
     * Makes a host of the underlay a kernel VTEP with a "container" behind it: VXLAN device
     * {@value #VXLAN_DEVICE} (this VNI, UDP port {@value Underlay#VXLAN_PORT}, no learning, a
     * static default FDB entry to each remote VTEP) in bridge {@code br0}, and namespace
     * {@code prefix + container} joined to the bridge by a veth pair, its {@code eth0} at
     * {@code containerAddress}/24 with the overlay MTU. Offloads stay at the kernel's defaults.
     *
     * @param remotes the underlay addresses every frame is sent to (BUM and unicast alike, as
     *                there is no learning): one, for a pair.
     * @return the container's namespace.
     */
    static String kernelVtep(final Workspace workspace, final Underlay.Host host, final int vni, final List<String> remotes,
        final String container, final String containerAddress)
    {
        final String mtu = Integer.toString(Underlay.OVERLAY_MTU);
        final String netns = host.netns();
        Exec.check(List.of("ip", "-n", netns, "link", "add", VXLAN_DEVICE, "type", "vxlan", "id", Integer.toString(vni),
            "dstport", Integer.toString(Underlay.VXLAN_PORT), "local", host.address(), "dev", Underlay.HOST_INTERFACE, "nolearning"));
        for (final String remote : remotes)
        {
            Exec.check(List.of("bridge", "-n", netns, "fdb", "append", ALL_MACS, "dev", VXLAN_DEVICE, "dst", remote));
        }
        Exec.check(List.of("ip", "-n", netns, "link", "add", "br0", "type", "bridge"));
        Exec.check(List.of("ip", "-n", netns, "link", "set", VXLAN_DEVICE, "mtu", mtu, "master", "br0", "up"));

        final String containerNetns = workspace.addNamespace(container);
        Exec.check(List.of("ip", "-n", netns, "link", "add", "veth1", "mtu", mtu, "type", "veth",
            "peer", "name", "eth0", "mtu", mtu, "netns", containerNetns));
        Exec.check(List.of("ip", "-n", netns, "link", "set", "veth1", "master", "br0", "up"));
        Exec.check(List.of("ip", "-n", netns, "link", "set", "br0", "up"));
        Exec.check(List.of("ip", "-n", containerNetns, "addr", "add", containerAddress + "/" + PREFIX_LENGTH, "dev", "eth0"));
        Exec.check(List.of("ip", "-n", containerNetns, "link", "set", "eth0", "up"));
        return containerNetns;
    }

    /** The address of the container with this 0-based index: 10.20.0.2, 10.20.0.3. */
    private static String address(final int index)
    {
        return SUBNET + (index + 2);
    }
}
