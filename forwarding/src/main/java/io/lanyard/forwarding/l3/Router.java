package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.nat.ConnectionTuple;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.TcpHeader;
import org.agrona.MutableDirectBuffer;

/**
 * Layer 3 between Lanyard's networks and the outside: what {@code docker0}, the kernel's routing
 * and iptables' MASQUERADE/DNAT rules do for Docker, done on the frame in its ring slot.
 *
 * <p>Frames reach it from a network when they are addressed to the network's gateway MAC and the
 * {@link GatewayResponder} did not answer them, and from the uplink (the dataplane's own
 * interface towards the outside). Every IPv4 flow that crosses is tracked in a
 * {@link ConnectionTable} with two tuples, as Linux's conntrack does: the original one (as the
 * initiator sent it) and the reply one (as the answer will arrive). A packet matching one tuple
 * is rewritten so that it carries the inverse of the other, which expresses masquerade (source
 * changes), published ports (destination changes), hairpin (both) and untranslated routing
 * (neither) with one translation routine. Each direction also carries a tag saying where it
 * goes: the uplink (next hop resolved by ARP) or a network and a container MAC.
 *
 * <ul>
 *   <li>From a network: a tracked flow is translated; the gateway address goes to the
 *       network's host-side port; the uplink address reaches published ports (hairpin, the
 *       source becoming the target network's gateway so replies come back here); other
 *       networks' subnets are refused (isolation); the rest leaves by the uplink, masqueraded
 *       to the uplink address when the network says so, unless the network is internal.</li>
 *   <li>From the uplink: ARP for the uplink address is answered and ARP traffic teaches the
 *       next-hop cache; a tracked flow is translated back; a new flow to a published port is
 *       DNATed to its container; ICMP echo to the uplink address is answered; the rest is
 *       dropped as unsolicited.</li>
 *   <li>ICMP errors about a tracked flow (port unreachable, fragmentation needed, TTL exceeded)
 *       are translated with the packet they quote, and reach the container.</li>
 * </ul>
 *
 * <p>This class holds the decisions; its parts do the work: the packet is parsed once into a
 * {@link FlowTuple} and translated by the {@link NatRewriter} (checksums updated incrementally, a
 * partial checksum kept partial); the networks are a {@link RoutedDomains}, published ports a
 * {@link PublishedPortTable}; the {@link UplinkInterface} resolves next hops (its
 * {@link NeighbourCache}) and answers for the uplink address; ICMP errors go through the
 * {@link IcmpErrorTranslator}. Fragments are dropped and counted, never mistranslated.
 * Single-threaded and allocation-free per frame.
 */
public final class Router
{
    /** A direction tag meaning "out of the uplink, to the next hop towards the destination". */
    public static final long TAG_UPLINK = -1L;
    public static final int NO_PORT = -1;

    private static final int NAT_PORT_LOW = 1024;
    private static final int NAT_PORT_HIGH = 65535;
    /** The ingress of a frame read from the uplink, where a domain number would be. */
    private static final int FROM_UPLINK = -1;

    /**
     * How the router sees the ports of its networks without knowing the switch that holds them:
     * which port a MAC is behind, a network's ports, its host-side port. Implemented by whatever
     * puts the router behind a switch.
     */
    public interface Domains
    {
        /** The port {@code mac} was learned behind in {@code domain}, or a negative number. */
        int portOf(int domain, long mac, long nowNanos);

        /** The ports of {@code domain} a frame for a station not learned yet floods to. */
        int[] floodPorts(int domain);

        /** The domain's host-side port, or {@link #NO_PORT}. */
        int hostPort(int domain);
    }

    private final ConnectionTable connections;
    private final RoutedDomains networks;

    private final UplinkInterface uplink = new UplinkInterface();
    private final PublishedPortTable published = new PublishedPortTable();
    private final IcmpErrorTranslator icmpErrors;

    private final FlowTuple packet = new FlowTuple();
    /** The direction of a tracked connection the packet is translated to (the other one than its own). */
    private final ConnectionTuple otherDirection = new ConnectionTuple();
    private final EthernetFrame frame = new EthernetFrame();

    private long created;

    public Router(final int maxDomains, final ConnectionTable connections)
    {
        this.connections = connections;
        this.icmpErrors = new IcmpErrorTranslator(connections);
        this.networks = new RoutedDomains(maxDomains);
    }

    // ------------------------------------------------------------------ configuration (between batches)

    /**
     * Makes {@code domain} a routed network: its subnet (for isolation), gateway, whether traffic
     * out is masqueraded, and whether it may leave at all ({@code external} false for internal
     * networks).
     */
    public void configureDomain(
        final int domain, final int subnetAddress, final int prefixLength, final int gateway, final long gatewayMacAddress,
        final boolean masquerade, final boolean external)
    {
        networks.configure(domain, subnetAddress, prefixLength, gateway, gatewayMacAddress, masquerade, external);
    }

    /** The domain is routed no more; its connections are dropped. */
    public void clearDomain(final int domain)
    {
        networks.clear(domain);
        forget(domain, 0, true);
    }

    /**
     * Drops the connections of a container that left {@code domain} (by its MAC): they would
     * otherwise hold their NAT ports and table entries until they time out, five days for an
     * established TCP flow. Docker flushes conntrack for a removed container's ports for the same
     * reason. A sweep of the whole table: control-plane work, between batches.
     *
     * @return how many connections were dropped.
     */
    public int forgetEndpoint(final int domain, final long mac)
    {
        return forget(domain, mac & 0xFFFF_FFFF_FFFFL, false);
    }

    private int forget(final int domain, final long mac, final boolean wholeDomain)
    {
        int dropped = 0;
        for (int id = 0; id < connections.capacity(); id++)
        {
            if (connections.isLive(id) && (concerns(connections.tag(id, false), domain, mac, wholeDomain) ||
                concerns(connections.tag(id, true), domain, mac, wholeDomain)))
            {
                connections.remove(id);
                dropped++;
            }
        }
        return dropped;
    }

    private static boolean concerns(final long tag, final int domain, final long mac, final boolean wholeDomain)
    {
        return tag != TAG_UPLINK && (int)(tag >>> 48) == domain && (wholeDomain || (tag & 0xFFFF_FFFF_FFFFL) == mac);
    }

    /** The dataplane's interface towards the outside; {@code port} {@link #NO_PORT} removes it. */
    public void configureUplink(final int port, final long mac, final int address, final int prefixLength, final int gateway)
    {
        uplink.configure(port, mac, address, prefixLength, gateway);
    }

    public int uplinkPort()
    {
        return uplink.port();
    }

    /**
     * Publishes {@code hostPort}/{@code protocol} of the uplink address: new flows to it go to
     * {@code address:port} at {@code mac} in {@code domain}.
     */
    public void publish(final int protocolNumber, final int hostPort, final int domain, final int address, final int port, final long mac)
    {
        published.publish(protocolNumber, hostPort, domain, address, port, mac);
    }

    /** Stops new flows to the port; flows already tracked run until they expire, as with Linux. */
    public void unpublish(final int protocolNumber, final int hostPort)
    {
        published.unpublish(protocolNumber, hostPort);
    }

    /** Records where {@code address} is on the uplink's link (learned from ARP, or given). */
    public void neighbour(final int address, final long mac)
    {
        uplink.neighbours().put(address, mac);
    }

    /** The MAC of a neighbour on the uplink's link, or -1 when it is not known. */
    public long neighbourMac(final int address)
    {
        return uplink.neighbours().macOf(address);
    }

    public ConnectionTable connections()
    {
        return connections;
    }

    /** Connections created since the router was made. */
    public long created()
    {
        return created;
    }

    // ------------------------------------------------------------------ per frame

    /**
     * Decides a frame of {@code domain}, addressed to its gateway MAC, that the gateway did not
     * answer, and writes where it goes into {@code verdict}. The frame starts at {@code offset};
     * when {@code offset} leaves room, the virtio header is just before it (as in a ring slot).
     */
    public void fromDomain(
        final int domain, final int ingressPort, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos, final Domains domains, final Verdict verdict)
    {
        if (!networks.isRouted(domain))
        {
            verdict.drop(DropReason.NO_ROUTE);
            return;
        }
        if (!packet.parse(buffer, offset, length, verdict))
        {
            return;
        }
        final long nowMillis = nowNanos / 1_000_000L;
        final int protocol = packet.protocol();
        if (protocol == FlowTuple.ICMP_ERROR)
        {
            icmpError(domain, nowNanos, nowMillis, domains, verdict);
            return;
        }
        final int destination = packet.destination();
        int id = protocol == FlowTuple.UNTRACKED ? ConnectionTable.NONE : lookup(nowMillis);
        if (id >= 0)
        {
            final boolean reply = connections.lastLookupWasReply();
            if (!arrivesFrom(id, reply, domain))
            {
                verdict.drop(DropReason.ISOLATION);
                return;
            }
            translateTracked(id, reply, nowNanos, nowMillis, domains, verdict);
            return;
        }
        if (destination == networks.gatewayAddress(domain))
        {
            final int hostPort = domains.hostPort(domain);
            if (hostPort >= 0)
            {
                verdict.port(hostPort);
            }
            else
            {
                verdict.drop(DropReason.NO_ROUTE);
            }
            return;
        }
        if (protocol == FlowTuple.UNTRACKED)
        {
            verdict.drop(DropReason.UNSUPPORTED);
            return;
        }
        if (uplink.isPresent() && destination == uplink.address())
        {
            // as Docker's isolation rules drop an internal network's packets DNATed to another bridge
            if (!networks.isExternal(domain))
            {
                verdict.drop(DropReason.NO_ROUTE);
                return;
            }
            id = hairpin(domain, nowMillis, verdict);
        }
        else if (networks.isInRoutedSubnet(destination))
        {
            verdict.drop(DropReason.ISOLATION);
            return;
        }
        else if (!networks.isExternal(domain) || !uplink.isPresent())
        {
            verdict.drop(DropReason.NO_ROUTE);
            return;
        }
        else if (isReset())
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        else
        {
            id = outbound(domain, nowMillis, verdict);
        }
        if (id >= 0)
        {
            translateTracked(id, false, nowNanos, nowMillis, domains, verdict);
        }
    }

    /** Decides a frame read from the uplink and writes where it goes into {@code verdict}. */
    public void fromUplink(
        final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos, final Domains domains,
        final Verdict verdict)
    {
        frame.wrap(buffer, offset, length);
        if (!frame.isValid())
        {
            verdict.drop(DropReason.MALFORMED);
            return;
        }
        final int etherType = frame.etherType();
        if (etherType == EthernetFrame.ETHER_TYPE_ARP)
        {
            uplink.answerArp(frame, verdict);
            return;
        }
        if (frame.destination() != uplink.mac() || etherType != EthernetFrame.ETHER_TYPE_IPV4)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        if (!packet.parse(buffer, offset, length, verdict))
        {
            return;
        }
        final long nowMillis = nowNanos / 1_000_000L;
        final int protocol = packet.protocol();
        if (protocol == FlowTuple.ICMP_ERROR)
        {
            icmpError(FROM_UPLINK, nowNanos, nowMillis, domains, verdict);
            return;
        }
        if (protocol == FlowTuple.UNTRACKED)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        int id = lookup(nowMillis);
        if (id >= 0)
        {
            final boolean reply = connections.lastLookupWasReply();
            if (!arrivesFrom(id, reply, FROM_UPLINK))
            {
                verdict.drop(DropReason.UNSOLICITED);
                return;
            }
            translateTracked(id, reply, nowNanos, nowMillis, domains, verdict);
            return;
        }
        if (packet.destination() != uplink.address())
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        if (protocol == Ipv4Header.PROTOCOL_ICMP)
        {
            uplink.answerEcho(packet, verdict);
            return;
        }
        final int index = published.find(protocol, packet.destinationPort());
        if (index == PublishedPortTable.NOT_PUBLISHED || isReset())
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        id = create(published.address(index), published.port(index), packet.source(), packet.sourcePort(),
            domainTag(published.domain(index), published.mac(index)), TAG_UPLINK, nowMillis, verdict);
        if (id >= 0)
        {
            translateTracked(id, false, nowNanos, nowMillis, domains, verdict);
        }
    }

    // ------------------------------------------------------------------ decisions

    /** The tracked connection the packet belongs to, either way, or a negative number. */
    private int lookup(final long nowMillis)
    {
        return connections.lookup(packet.protocol(), packet.source(), packet.sourcePort(),
            packet.destination(), packet.destinationPort(), nowMillis);
    }

    /** A TCP reset opens no connection: there is nothing to reset. */
    private boolean isReset()
    {
        return packet.protocol() == Ipv4Header.PROTOCOL_TCP && (packet.tcpFlags() & TcpHeader.FLAG_RST) != 0;
    }

    /**
     * A new flow from a container to the outside, masqueraded to the uplink address when its
     * network says so.
     *
     * @return the new connection, or -1 with the drop written.
     */
    private int outbound(final int domain, final long nowMillis, final Verdict verdict)
    {
        final long containerTag = domainTag(domain, packet.frame().source());
        final int protocol = packet.protocol();
        if (!networks.masquerades(domain))
        {
            return create(packet.destination(), packet.destinationPort(), packet.source(), packet.sourcePort(),
                TAG_UPLINK, containerTag, nowMillis, verdict);
        }
        final int natPort = connections.allocatePort(protocol, packet.destination(), packet.destinationPort(), uplink.address(),
            packet.sourcePort(), protocol == Ipv4Header.PROTOCOL_ICMP ? 0 : NAT_PORT_LOW, NAT_PORT_HIGH);
        if (natPort < 0)
        {
            verdict.drop(DropReason.NAT_NO_PORT);
            return -1;
        }
        return create(packet.destination(), packet.destinationPort(), uplink.address(), natPort, TAG_UPLINK, containerTag,
            nowMillis, verdict);
    }

    /**
     * A new flow from a container to a port published on the uplink address: DNAT to the
     * published container, and SNAT to its network's gateway so its replies come back here.
     *
     * @return the new connection, or -1 with the drop written.
     */
    private int hairpin(final int domain, final long nowMillis, final Verdict verdict)
    {
        final int protocol = packet.protocol();
        final int index = published.find(protocol, packet.destinationPort());
        if (index == PublishedPortTable.NOT_PUBLISHED || protocol == Ipv4Header.PROTOCOL_ICMP)
        {
            verdict.drop(DropReason.NO_ROUTE);
            return -1;
        }
        final int targetDomain = published.domain(index);
        final int targetAddress = published.address(index);
        final int targetPort = published.port(index);
        final int snatAddress = networks.gatewayAddress(targetDomain);
        final int natPort = connections.allocatePort(protocol, targetAddress, targetPort, snatAddress,
            packet.sourcePort(), NAT_PORT_LOW, NAT_PORT_HIGH);
        if (natPort < 0)
        {
            verdict.drop(DropReason.NAT_NO_PORT);
            return -1;
        }
        return create(targetAddress, targetPort, snatAddress, natPort,
            domainTag(targetDomain, published.mac(index)), domainTag(domain, packet.frame().source()), nowMillis, verdict);
    }

    /**
     * Tracks the packet's tuple as original, with the given reply tuple and direction tags.
     *
     * @return the new connection, or -1 with the drop written.
     */
    private int create(
        final int replySource, final int replySourcePort, final int replyDestination, final int replyDestinationPort,
        final long originalTag, final long replyTag, final long nowMillis, final Verdict verdict)
    {
        // a packet that will not be forwarded leaves no connection behind (Linux never confirms its entry)
        if (packet.ip().ttl() <= 1)
        {
            verdict.drop(DropReason.TTL_EXCEEDED);
            return -1;
        }
        final int id = connections.create(packet.protocol(), packet.source(), packet.sourcePort(),
            packet.destination(), packet.destinationPort(),
            replySource, replySourcePort, replyDestination, replyDestinationPort, nowMillis);
        if (id == ConnectionTable.FULL)
        {
            verdict.drop(DropReason.NAT_TABLE_FULL);
            return -1;
        }
        if (id < 0)
        {
            verdict.drop(DropReason.NAT_NO_PORT);
            return -1;
        }
        created++;
        connections.tag(id, false, originalTag);
        connections.tag(id, true, replyTag);
        return id;
    }

    /** Rewrites the packet of a tracked connection and sends it where its direction goes. */
    private void translateTracked(
        final int id, final boolean reply, final long nowNanos, final long nowMillis, final Domains domains, final Verdict verdict)
    {
        final Ipv4Header ip = packet.ip();
        final int ttl = ip.ttl();
        if (ttl <= 1)
        {
            verdict.drop(DropReason.TTL_EXCEEDED);
            return;
        }
        connections.update(id, reply, packet.tcpFlags(), nowMillis);
        // the packet leaves carrying the inverse of the other direction's tuple
        final ConnectionTuple other = otherDirection.wrap(connections, id, !reply);
        NatRewriter.rewrite(packet, other.destination(), other.destinationPort(), other.source(), other.sourcePort());
        ip.ttl(ttl - 1).updateChecksum();
        egress(connections.tag(id, reply), other.source(), nowNanos, nowMillis, domains, verdict);
    }

    /**
     * An ICMP error quoting a packet of a tracked flow, translated for the flow and sent where
     * the error's direction goes.
     */
    private void icmpError(
        final int ingressDomain, final long nowNanos, final long nowMillis, final Domains domains, final Verdict verdict)
    {
        final int id = icmpErrors.connectionOf(packet, nowMillis, verdict);
        if (id < 0)
        {
            return;
        }
        final boolean reply = connections.lastLookupWasReply();
        if (!arrivesFrom(id, reply, ingressDomain))
        {
            verdict.drop(ingressDomain == FROM_UPLINK ? DropReason.UNSOLICITED : DropReason.ISOLATION);
            return;
        }
        if (packet.ip().ttl() <= 1)
        {
            verdict.drop(DropReason.TTL_EXCEEDED);
            return;
        }
        // the quoted packet travelled in the other direction: give it that direction's own tuple
        final ConnectionTuple quotedDirection = otherDirection.wrap(connections, id, !reply);
        icmpErrors.translate(packet, quotedDirection);
        egress(connections.tag(id, reply), quotedDirection.source(), nowNanos, nowMillis, domains, verdict);
    }

    /** Sets the Ethernet header for where the packet goes and writes the port (or the flood) into {@code verdict}. */
    private void egress(
        final long tag, final int destinationAddress, final long nowNanos, final long nowMillis, final Domains domains,
        final Verdict verdict)
    {
        if (tag == TAG_UPLINK)
        {
            uplink.send(packet, destinationAddress, nowMillis, verdict);
            return;
        }
        final int domain = (int)(tag >>> 48);
        if (!networks.isRouted(domain))
        {
            // the network was removed while its connections live on: no gateway MAC to send from
            verdict.drop(DropReason.NO_ROUTE);
            return;
        }
        final long mac = tag & 0xFFFF_FFFF_FFFFL;
        packet.frame().destination(mac).source(networks.gatewayMac(domain));
        final int port = domains.portOf(domain, mac, nowNanos);
        if (port >= 0)
        {
            verdict.port(port);
        }
        else
        {
            verdict.flood(domains.floodPorts(domain));
        }
    }

    /**
     * Whether a packet of one direction came in where the other direction's packets go out
     * ({@code domain} {@link #FROM_UPLINK} for the uplink): a spoofed tuple must not carry a
     * packet into another network, or out of an internal one.
     */
    private boolean arrivesFrom(final int id, final boolean reply, final int domain)
    {
        final long otherWay = connections.tag(id, !reply);
        return domain == FROM_UPLINK ? otherWay == TAG_UPLINK : otherWay != TAG_UPLINK && (int)(otherWay >>> 48) == domain;
    }

    private static long domainTag(final int domain, final long mac)
    {
        return ((long)domain << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }
}
