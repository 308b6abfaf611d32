package io.lanyard.forwarding.bridge;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.l2.ArpResponder;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l3.GatewayResponder;
import io.lanyard.forwarding.l3.Router;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.MutableDirectBuffer;

/**
 * A network as Docker's bridge makes it, one forwarding decision per frame: the
 * {@link LearningSwitch} between its containers, its gateway address answered in place by the
 * {@link GatewayResponder}, and the {@link Router} behind the gateway, which also owns the uplink.
 *
 * <p>Each frame goes to exactly one of them, and whichever decides writes the {@link Verdict}:
 * <ul>
 *   <li>a frame read from the uplink (a port in no domain) is the router's;</li>
 *   <li>otherwise the switch admits it (ingress port, shape, source; the source is learned);</li>
 *   <li>a frame to the domain's gateway MAC, or an ARP broadcast in a domain with a gateway, is
 *       offered to the gateway, which may answer it in place (ARP, ping); IPv4 to the gateway MAC
 *       that it does not answer is routed, anything else to that MAC (ARP replies to the host's
 *       own requests, IPv6) goes to the domain's host-side port, whose interface carries that
 *       MAC, and the rest has no route;</li>
 *   <li>a broadcast ARP request for the address of a port under port security is answered in
 *       place for that port by the {@link ArpResponder}, not flooded;</li>
 *   <li>everything else, and what the gateway says is not its own (an ARP request for another
 *       address), is delivered by the switch, ICC applying.</li>
 * </ul>
 * The router sees the switch's ports through this class ({@link Router.Domains}), so neither
 * layer knows the other.
 *
 * <p>Single-threaded and allocation-free per frame, like its parts: the forwarding stage calls
 * {@link #forward} for every frame and configures between batches.
 */
public final class GatewaySwitch implements Router.Domains
{
    /** {@link GatewayResponder#mac} of a domain without a gateway: no 48-bit destination equals it. */
    private static final long NO_GATEWAY = -1L;

    private final LearningSwitch learningSwitch;
    private final GatewayResponder gateway;
    private final ArpResponder stations;
    private final Router router;
    private final EthernetFrame frame = new EthernetFrame();

    /** A switch whose gateways answer in place but route nothing. */
    public GatewaySwitch(final LearningSwitch learningSwitch)
    {
        this(learningSwitch, null);
    }

    /** @param router routes what is sent to a gateway and handles the uplink; null for gateways that route nothing. */
    public GatewaySwitch(final LearningSwitch learningSwitch, final Router router)
    {
        this.learningSwitch = learningSwitch;
        this.gateway = new GatewayResponder(learningSwitch.maxDomains());
        this.stations = new ArpResponder(learningSwitch.maxPorts());
        this.router = router;
    }

    /**
     * Decides where the frame goes and writes it into {@code verdict}: what the switch, the
     * gateway or the router decided.
     */
    public void forward(final int ingressPort, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos, final Verdict verdict)
    {
        if (router != null && ingressPort >= 0 && ingressPort == router.uplinkPort() &&
            learningSwitch.domainOf(ingressPort) == LearningSwitch.NO_DOMAIN)
        {
            router.fromUplink(buffer, offset, length, nowNanos, this, verdict);
            return;
        }
        final int domain = learningSwitch.admit(ingressPort, buffer, offset, length, nowNanos, verdict);
        if (domain == LearningSwitch.NO_DOMAIN)
        {
            return;
        }
        frame.wrap(buffer, offset, length);
        final long destination = frame.destination();
        final int etherType = frame.etherType();
        final long gatewayMac = gateway.mac(domain);
        if (destination == gatewayMac ||
            (etherType == EthernetFrame.ETHER_TYPE_ARP && destination == MacAddress.BROADCAST && gatewayMac != NO_GATEWAY))
        {
            final int toGateway = gateway.answer(domain, buffer, offset, length);
            if (toGateway == GatewayResponder.ANSWERED)
            {
                verdict.reply();
                return;
            }
            if (toGateway == GatewayResponder.UNANSWERED)
            {
                final int hostPort = learningSwitch.hostPort(domain);
                if (router != null && etherType == EthernetFrame.ETHER_TYPE_IPV4 && destination == gatewayMac)
                {
                    router.fromDomain(domain, ingressPort, buffer, offset, length, nowNanos, this, verdict);
                }
                // the rest sent to the gateway's MAC (ARP replies to the host's own requests, IPv6)
                // is for the host side, whose interface carries that MAC
                else if (etherType != EthernetFrame.ETHER_TYPE_IPV4 && destination == gatewayMac &&
                    hostPort != LearningSwitch.NO_PORT && hostPort != ingressPort)
                {
                    verdict.port(hostPort);
                }
                else
                {
                    verdict.drop(DropReason.NO_ROUTE);
                }
                return;
            }
        }
        if (etherType == EthernetFrame.ETHER_TYPE_ARP && destination == MacAddress.BROADCAST &&
            stations.answer(domain, ingressPort, buffer, offset, length))
        {
            verdict.reply();
            return;
        }
        learningSwitch.deliver(domain, ingressPort, destination, etherType, nowNanos, verdict);
    }

    /**
     * Sets a domain's gateway ({@code gatewayMac} -1 for none), which is answered in place, and
     * whether its containers may exchange IP.
     */
    public void configureDomain(final int domain, final int gatewayAddress, final long gatewayMac, final boolean icc)
    {
        if (gatewayMac == NO_GATEWAY)
        {
            gateway.clear(domain);
        }
        else
        {
            gateway.configure(domain, gatewayAddress, gatewayMac);
        }
        learningSwitch.configureDomain(domain, icc);
    }

    public LearningSwitch learningSwitch()
    {
        return learningSwitch;
    }

    /** Who answers ARP for the ports under port security (programmed as they attach and detach). */
    public ArpResponder arpResponder()
    {
        return stations;
    }

    /** The router behind the gateways, or null when they route nothing. */
    public Router router()
    {
        return router;
    }

    @Override
    public int portOf(final int domain, final long mac, final long nowNanos)
    {
        return learningSwitch.portOf(domain, mac, nowNanos);
    }

    @Override
    public int[] floodPorts(final int domain)
    {
        return learningSwitch.unicastFloodPorts(domain);
    }

    @Override
    public int hostPort(final int domain)
    {
        final int port = learningSwitch.hostPort(domain);
        return port == LearningSwitch.NO_PORT ? Router.NO_PORT : port;
    }
}
