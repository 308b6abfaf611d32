package io.lanyard.vxlan;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.MutableDirectBuffer;

import java.util.Arrays;

/**
 * The forwarding decision of a host that takes part in overlay networks: the
 * {@link GatewaySwitch} (the learning switch, each network's gateway and the router behind it),
 * with each overlay network's other hosts behind one port of its domain.
 *
 * <p>An overlay network is a domain with one more port, its overlay port, which stands for every
 * other host of the network. Around the gateway switch's decision this adds what only the overlay
 * knows, from the {@link VtepTable} it owns:
 * <ul>
 *   <li>before the switch: a datagram's sender must be a peer or static peer of the network
 *       (what a static peer sends teaches the table where its MACs are), and a local ARP request
 *       for a remote endpoint is answered on the spot ({@link ProxyArp}), so unicast between
 *       hosts never needs a flooded ARP;</li>
 *   <li>after it: a frame for the overlay port carries the VTEP of its destination MAC (or every
 *       VTEP of the network when the MAC is unknown); a flood that reaches the overlay port goes
 *       to the one host the table places an unknown-locally unicast MAC behind, or else to every
 *       VTEP; a reply goes back to the host its request came from. A frame for one VTEP that is
 *       a Lanyard host (a peer, not a static peer) may keep a partial checksum: Lanyard hosts
 *       speak VXLAN remote checksum offload to each other, kernel VTEPs need not.</li>
 * </ul>
 * Everything is written into the frame's {@link Verdict}. Single-threaded (the forwarding stage
 * owns it, as it owns the switch) and allocation-free.
 */
public final class OverlaySwitch
{
    private static final int NO_PORT = -1;

    private final GatewaySwitch gatewaySwitch;
    private final LearningSwitch learningSwitch;
    private final VtepTable vtepTable;
    private final ProxyArp proxyArp;
    /** Each domain's overlay port, or {@link #NO_PORT}. */
    private final int[] overlayPorts;
    private final EthernetFrame frame = new EthernetFrame();

    /** @param nowNanos the owner's clock now, the zero of the VTEP table's aging. */
    public OverlaySwitch(final GatewaySwitch gatewaySwitch, final long nowNanos)
    {
        this.gatewaySwitch = gatewaySwitch;
        this.learningSwitch = gatewaySwitch.learningSwitch();
        this.vtepTable = new VtepTable(learningSwitch.maxDomains(), nowNanos);
        this.proxyArp = new ProxyArp(vtepTable);
        this.overlayPorts = new int[learningSwitch.maxDomains()];
        Arrays.fill(overlayPorts, NO_PORT);
    }

    /**
     * Decides where the frame goes and writes it into {@code verdict}.
     *
     * @param sourceVtep the VTEP a frame from an overlay port came from; 0 for a frame of a local port.
     */
    public void decide(
        final int ingressPort, final int sourceVtep, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos, final Verdict verdict)
    {
        final int domain = learningSwitch.domainOf(ingressPort);
        final int overlayPort = domain == LearningSwitch.NO_DOMAIN ? NO_PORT : overlayPorts[domain];
        if (overlayPort != NO_PORT && !admit(domain, overlayPort, ingressPort, sourceVtep, buffer, offset, length, nowNanos, verdict))
        {
            return;
        }
        gatewaySwitch.forward(ingressPort, buffer, offset, length, nowNanos, verdict);
        final int egress = verdict.egress();
        if (egress == Verdict.REPLY)
        {
            // a reply to a frame from another host goes back to the host it came from
            verdict.vtep(sourceVtep);
        }
        else if (overlayPort != NO_PORT && egress == overlayPort)
        {
            final int vtep = vtepTable.vtepOf(domain, frame.wrap(buffer, offset, length).destination(), nowNanos);
            verdict.vtep(vtep).vteps(vtep == VtepTable.NO_VTEP ? vtepTable.floodVteps(domain) : VtepTable.NO_VTEPS)
                .remoteChecksum(vtep != VtepTable.NO_VTEP && vtepTable.isMember(domain, vtep));
        }
        else if (overlayPort != NO_PORT && egress == Verdict.FLOOD && ingressPort != overlayPort &&
            contains(verdict.floodPorts(), overlayPort))
        {
            floodOverOverlay(domain, overlayPort, buffer, offset, length, nowNanos, verdict);
        }
    }

    /** Makes {@code port} (already attached to {@code domain}) the domain's overlay port. */
    public void addOverlay(final int domain, final int port)
    {
        overlayPorts[domain] = port;
    }

    /** The domain is no longer an overlay: forgets its VTEPs and endpoints. */
    public void removeOverlay(final int domain)
    {
        overlayPorts[domain] = NO_PORT;
        vtepTable.clear(domain);
    }

    public VtepTable vtepTable()
    {
        return vtepTable;
    }

    /**
     * Overlay ingress policy, before the switch sees the frame.
     *
     * @return false when the verdict is already written.
     */
    private boolean admit(
        final int domain, final int overlayPort, final int ingressPort, final int sourceVtep,
        final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos, final Verdict verdict)
    {
        if (ingressPort == overlayPort)
        {
            if (!vtepTable.isAccepted(domain, sourceVtep))
            {
                verdict.drop(DropReason.VXLAN_NOT_A_PEER);
                return false;
            }
            if (frame.wrap(buffer, offset, length).isValid() && vtepTable.isStaticPeer(domain, sourceVtep))
            {
                vtepTable.learn(domain, frame.source(), sourceVtep, nowNanos);
            }
            return true;
        }
        if (proxyArp.answer(domain, buffer, offset, length) == ProxyArp.ANSWERED)
        {
            verdict.reply();
            return false;
        }
        return true;
    }

    /**
     * A flood that reaches the overlay: a unicast MAC the switch has not seen locally but the VTEP
     * table places behind one host goes to that host alone; the rest is replicated to every VTEP
     * of the network.
     */
    private void floodOverOverlay(
        final int domain, final int overlayPort, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos, final Verdict verdict)
    {
        final long destination = frame.wrap(buffer, offset, length).destination();
        if (!MacAddress.isGroup(destination))
        {
            final int vtep = vtepTable.vtepOf(domain, destination, nowNanos);
            if (vtep != VtepTable.NO_VTEP)
            {
                verdict.port(overlayPort).vtep(vtep).remoteChecksum(vtepTable.isMember(domain, vtep));
                return;
            }
        }
        verdict.vteps(vtepTable.floodVteps(domain));
    }

    private static boolean contains(final int[] ports, final int port)
    {
        for (final int member : ports)
        {
            if (member == port)
            {
                return true;
            }
        }
        return false;
    }
}
