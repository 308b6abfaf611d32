package io.lanyard.dataplane;

import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.NamespaceThread;
import io.lanyard.tap.TapDevice;
import io.lanyard.tap.UdpSocket;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.UdpCapture;
import io.lanyard.testkit.VethPair;
import io.lanyard.vxlan.VxlanHeader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The namespaces of an overlay test and what lives in them: hosts joined by an underlay (a veth
 * on 192.0.2.0/24), Lanyard hosts — a dataplane reading the host's VXLAN socket, with one
 * container on overlay network {@link #DOMAIN} (VNI {@link #VNI}) — and sockets and captures
 * opened inside a namespace. {@link #close()} closes all of them in reverse order, then deletes
 * the namespaces. Call {@code Privileges.requireNetAdmin} first.
 */
final class OverlayHosts implements AutoCloseable
{
    static final int DOMAIN = 1;
    static final int VNI = 4096;
    /** The underlay addresses of the first and second host (192.0.2.1 and .2). */
    static final int HOST_1 = 0xC000_0201;
    static final int HOST_2 = 0xC000_0202;

    private final Namespaces namespaces;
    private final NamespaceThread namespaceThread = new NamespaceThread();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Path workDirectory;

    /** A Lanyard host's dataplane, its overlay port, its container's port and the container's namespace. */
    record LanyardHost(Dataplane dataplane, Port overlay, Port tap, String container)
    {
    }

    /**
     * @param label         the test's namespace label (see {@link Namespaces}).
     * @param workDirectory where the dataplanes' counters files go (null for a test that starts none).
     */
    OverlayHosts(final String label, final Path workDirectory)
    {
        this.namespaces = new Namespaces(label);
        this.workDirectory = workDirectory;
    }

    Namespaces namespaces()
    {
        return namespaces;
    }

    /** Creates the namespace {@code prefix + name} and returns its full name. */
    String add(final String name)
    {
        return namespaces.add(name);
    }

    /** Joins two hosts: {@code v1} in {@code host1} with 192.0.2.1/24, {@code v2} in {@code host2} with 192.0.2.2/24. */
    void underlay(final String host1, final String host2)
    {
        VethPair.connect(host1, "v1", "192.0.2.1/24", host2, "v2", "192.0.2.2/24");
    }

    /**
     * Makes {@code hostNetns} a Lanyard host: a dataplane reading a VXLAN socket bound there to
     * {@code address} and {@code vxlanPort}, and a container {@code name} (a namespace of its own)
     * whose {@code eth0} (a TAP without offloads, MTU 1450) is a port of the overlay network.
     */
    LanyardHost lanyardHost(
        final String hostNetns, final int address, final int vxlanPort, final String name, final String ip, final String mac)
    {
        final Dataplane dataplane = closing(Dataplane.start(DataplaneConfig.defaults(workDirectory.resolve(name + "-counters"))
            .withRingSize(256)));
        final UdpSocket socket = bind(hostNetns, address, vxlanPort);
        if (vxlanPort == VxlanHeader.DEFAULT_PORT)
        {
            dataplane.overlays().attachSocket(socket);
        }
        else
        {
            dataplane.overlays().attachSocket(socket, vxlanPort);
        }

        final String container = namespaces.add(name);
        final TapDevice tap = closing(namespaceThread.call(IpRoute2.netnsPath(container),
            () -> TapDevice.open("eth0", TapDevice.OFFLOAD_NONE)));
        tap.unpersist();
        IpRoute2.batch(container, List.of(
            "link set eth0 address " + mac,
            "link set eth0 mtu 1450",
            "addr add " + ip + "/24 dev eth0",
            "link set eth0 up"));
        final Port port = dataplane.ports().attachTap(tap, DOMAIN, name + "/eth0");
        final Port overlay = dataplane.overlays().add(DOMAIN, VNI);
        assertEquals("overlay:" + VNI, overlay.label());
        return new LanyardHost(dataplane, overlay, port, container);
    }

    /** A UDP socket bound inside {@code netns}. */
    UdpSocket bind(final String netns, final int address, final int port)
    {
        return closing(namespaceThread.call(IpRoute2.netnsPath(netns), () -> UdpSocket.bind(address, port)));
    }

    /** A raw capture of the UDP datagrams {@code netns} receives. */
    UdpCapture capture(final String netns)
    {
        return closing(namespaceThread.call(IpRoute2.netnsPath(netns), UdpCapture::open));
    }

    @Override
    public void close() throws Exception
    {
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            resources.get(i).close();
        }
        namespaceThread.close();
        namespaces.close();
    }

    private <T extends AutoCloseable> T closing(final T resource)
    {
        resources.add(resource);
        return resource;
    }
}
