package io.lanyard.dataplane;

import io.lanyard.tap.IoLoop;
import io.lanyard.tap.UdpSocket;
import io.lanyard.vxlan.VxlanHeader;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The overlay networks of this host: the host's one VXLAN socket, each overlay domain's port
 * ({@code overlay:<vni>}, which stands for every other host of the network) and what the
 * forwarding stage knows of those hosts — the peers it floods to, the static peers whose MACs it
 * learns, and the remote endpoints it answers for.
 *
 * <p>The VNI → port map belongs to the VXLAN reader on the I/O thread and is changed only there
 * ({@link ForwardingProxy#onIoThread}). Each overlay port is a port of the {@link PortTable}, and
 * every change is made under the port table's lock, so a port and its overlay come and go together.
 */
public final class OverlayPorts
{
    private final PortTable ports;
    private final ForwardingProxy forwarding;
    private final Pipeline pipeline;
    private final DataplaneCounters counters;
    /** VNI → overlay port, read by the VXLAN reader: changed only on the I/O thread. */
    private final Int2ObjectHashMap<Port> portsByVni = new Int2ObjectHashMap<>();
    /** Each domain's overlay port (null when none), under the port table's lock. */
    private final Port[] byDomain;
    private UdpSocket socket;
    private IoLoop.Watch watch;

    OverlayPorts(
        final PortTable ports, final ForwardingProxy forwarding, final Pipeline pipeline, final DataplaneCounters counters,
        final int maxDomains)
    {
        this.ports = ports;
        this.forwarding = forwarding;
        this.pipeline = pipeline;
        this.counters = counters;
        this.byDomain = new Port[maxDomains];
        ports.overlays(this);
    }

    /** {@link #attachSocket(UdpSocket, int)} with the other VTEPs on the IANA port, 4789. */
    public void attachSocket(final UdpSocket socket)
    {
        attachSocket(socket, VxlanHeader.DEFAULT_PORT);
    }

    /**
     * Starts reading the host's one VXLAN socket (the caller bound it, in the right namespace, to
     * the advertised address and the VXLAN port) and sends overlay ports' frames to the other
     * VTEPs' {@code vxlanPort} through its {@link UdpSocket#senders() senders}: the kernel's outer
     * IPv4 with DF from the socket's address (0 lets the kernel pick one per route) and UDP with
     * a checksum, from a source port chosen by the inner flow's hash ({@link OverlaySender}). The
     * dataplane does not close it.
     *
     * <p>The TAPs of an overlay network's containers may have offloads like any: a TCP
     * segmentation-offload frame is cut into MSS-sized datagrams at encapsulation, and a partial
     * checksum is finished there.
     *
     * @param vxlanPort the UDP destination port of the other VTEPs, 1..65535.
     * @throws IllegalArgumentException for a port out of range.
     */
    public void attachSocket(final UdpSocket socket, final int vxlanPort)
    {
        synchronized (ports)
        {
            forwarding.ensureOpen();
            if (vxlanPort < 1 || vxlanPort > 0xFFFF)
            {
                throw new IllegalArgumentException("VXLAN port out of range 1..65535: " + vxlanPort);
            }
            if (this.socket != null)
            {
                throw new IllegalStateException("an overlay socket is already attached");
            }
            this.socket = socket;
            pipeline.transmit().overlaySocket(socket, vxlanPort);
            final VxlanPortReader reader = new VxlanPortReader(socket, portsByVni, pipeline.writer(), counters);
            watch = pipeline.ioLoop().watchReadable(socket.fd(), reader);
        }
    }

    /**
     * Makes {@code domain} an overlay network carried over VXLAN as {@code vni}: adds its overlay
     * port ({@code overlay:<vni>}), which stands for every other host of the network. Program the
     * peers and remote endpoints with {@link #setPeers}, {@link #addEndpoint}.
     */
    public Port add(final int domain, final int vni)
    {
        synchronized (ports)
        {
            forwarding.checkDomain(domain);
            if (!VxlanHeader.isValidVni(vni))
            {
                throw new IllegalArgumentException("VNI out of range: " + vni);
            }
            if (byDomain[domain] != null)
            {
                throw new IllegalStateException("domain " + domain + " already has overlay " + byDomain[domain].label());
            }
            for (final Port overlay : byDomain)
            {
                if (overlay != null && overlay.vni == vni)
                {
                    throw new IllegalStateException("VNI " + vni + " is already domain " + overlay.domain() + "'s");
                }
            }
            final Port port = ports.attachOverlay(domain, "overlay:" + vni, vni);
            byDomain[domain] = port;
            forwarding.addOverlay(port);
            forwarding.onIoThread("map " + port.label(), () -> portsByVni.put(vni, port));
            return port;
        }
    }

    /** The domain stops being an overlay: its VNI is no longer read, its VTEPs are forgotten, its overlay port is detached. */
    public void remove(final int domain)
    {
        synchronized (ports)
        {
            forwarding.checkDomain(domain);
            final Port port = byDomain[domain];
            if (port == null)
            {
                return;
            }
            // stop reading its VNI, take the port out of the switch (frames of it still in the ring are
            // then dropped as from no port), and only then forget its VTEPs
            forwarding.onIoThread("unmap " + port.label(), () -> portsByVni.remove(port.vni));
            byDomain[domain] = null;
            ports.remove(port);
            forwarding.removeOverlay(port);
        }
    }

    /**
     * A remote container of the overlay: {@code mac} with {@code ipv4} (answered by proxy ARP;
     * 0 for none) behind the host {@code vtep}.
     */
    public void addEndpoint(final int domain, final long mac, final int ipv4, final int vtep)
    {
        synchronized (ports)
        {
            checkOverlay(domain);
            forwarding.addOverlayEndpoint(domain, mac, ipv4, vtep);
        }
    }

    public void removeEndpoint(final int domain, final long mac)
    {
        synchronized (ports)
        {
            checkOverlay(domain);
            forwarding.removeOverlayEndpoint(domain, mac);
        }
    }

    /** The other Lanyard hosts of the overlay (their VTEP addresses): they may send into it and get its floods. */
    public void setPeers(final int domain, final int[] vteps)
    {
        synchronized (ports)
        {
            checkOverlay(domain);
            forwarding.setOverlayPeers(domain, vteps.clone());
        }
    }

    /** VTEPs that are not Lanyard hosts (a hardware VTEP, a kernel vxlan device): their MACs are learned. */
    public void setStaticPeers(final int domain, final int[] vteps)
    {
        synchronized (ports)
        {
            checkOverlay(domain);
            forwarding.setOverlayStaticPeers(domain, vteps.clone());
        }
    }

    /** The domain's overlay port, or null. */
    public Port port(final int domain)
    {
        synchronized (ports)
        {
            forwarding.checkDomain(domain);
            return byDomain[domain];
        }
    }

    /** Stops reading the VXLAN socket (the dataplane is closing; the port table holds the lock). */
    void stopReading()
    {
        if (watch != null)
        {
            watch.cancel();
        }
    }

    private void checkOverlay(final int domain)
    {
        forwarding.checkDomain(domain);
        if (byDomain[domain] == null)
        {
            throw new IllegalStateException("domain " + domain + " is not an overlay");
        }
    }
}
