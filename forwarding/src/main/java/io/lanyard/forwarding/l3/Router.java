package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.reply.ArpWriter;
import io.lanyard.forwarding.reply.EchoReplyWriter;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.IcmpHeader;
import io.lanyard.forwarding.wire.InternetChecksum;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.TcpHeader;
import io.lanyard.forwarding.wire.UdpHeader;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

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
 * <p>Checksums are updated incrementally (RFC 1624). A frame that carries a partial checksum
 * (virtio {@code NEEDS_CSUM}, as TAPs with offloads and veths hand over) holds only the
 * pseudo-header sum in its TCP/UDP checksum field: only address changes touch it then, with
 * the sum kept uncomplemented, as the kernel's {@code inet_proto_csum_replace4} does. Fragments
 * are dropped and counted, never mistranslated. Single-threaded and allocation-free per frame.
 */
public final class Router
{
    /** A direction tag meaning "out of the uplink, to the next hop towards the destination". */
    public static final long TAG_UPLINK = -1L;
    public static final int NO_PORT = -1;

    private static final int FLAG_ROUTED = 1;
    private static final int FLAG_MASQUERADE = 2;
    private static final int FLAG_EXTERNAL = 4;

    private static final int NAT_PORT_LOW = 1024;
    private static final int NAT_PORT_HIGH = 65535;
    private static final int ARP_CACHE_LIMIT = 4096;
    private static final long ARP_RETRY_MILLIS = 1000;
    private static final long NO_MAC = -1L;
    /** What an ICMP error quotes of the offending packet's payload at least (RFC 792): its ports or echo identifier. */
    private static final int QUOTED_PAYLOAD_LENGTH = 8;
    /** {@code protocol} of an ICMP error, whose quoted packet decides the connection. */
    private static final int ICMP_ERROR = 0x100;
    /** The ingress of a frame read from the uplink, where a domain number would be. */
    private static final int FROM_UPLINK = -1;

    /** How the router sees the switch's ports: which port a MAC is behind, a network's ports. */
    public interface Domains
    {
        /** The port {@code mac} was learned behind in {@code domain}, or a negative number. */
        int portOf(int domain, long mac, long nowNanos);

        /** Every port of {@code domain} (to flood a frame for a container not learned yet). */
        int[] ports(int domain);

        /** The domain's host-side port, or {@link #NO_PORT}. */
        int hostPort(int domain);
    }

    private final ConnectionTable connections;
    private final int[] gatewayAddress;
    private final long[] gatewayMac;
    private final int[] subnet;
    private final int[] subnetMask;
    private final int[] flags;
    private int[] routedDomains = new int[0];

    private int uplinkPort = NO_PORT;
    private long uplinkMac = NO_MAC;
    private int uplinkAddress;
    private int uplinkMask;
    private int uplinkGateway;
    private final Long2LongHashMap neighbours = new Long2LongHashMap(ARP_CACHE_LIMIT * 2, 0.6f, NO_MAC);
    private final Long2LongHashMap arpAsked = new Long2LongHashMap(ARP_CACHE_LIMIT * 2, 0.6f, Long.MIN_VALUE);

    private final Int2IntHashMap published = new Int2IntHashMap(256, 0.6f, -1);
    private int[] publishedDomain = new int[16];
    private int[] publishedAddress = new int[16];
    private int[] publishedPort = new int[16];
    private long[] publishedMac = new long[16];
    private int[] publishedKeys = new int[16];
    private int publishedCount;

    private final EthernetFrame frame = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Header ip = new Ipv4Header();
    private final Ipv4Header quoted = new Ipv4Header();
    private final IcmpHeader icmp = new IcmpHeader();
    private final IcmpHeader quotedIcmp = new IcmpHeader();
    private final TcpHeader tcp = new TcpHeader();
    private final UdpHeader udp = new UdpHeader();
    private final VirtioNetHeader vnet = new VirtioNetHeader();

    // the packet being decided: its tuple as the connection table sees it
    private MutableDirectBuffer buffer;
    private int protocol;
    private int source;
    private int sourcePort;
    private int destination;
    private int destinationPort;
    private int l4Offset;
    private int l4Length;
    private int tcpFlags;
    private boolean partialChecksum;
    // one direction's tuple of a tracked connection (see loadTuple)
    private int tupleSource;
    private int tupleSourcePort;
    private int tupleDestination;
    private int tupleDestinationPort;

    private long created;

    public Router(final int maxDomains, final ConnectionTable connections)
    {
        this.connections = connections;
        gatewayAddress = new int[maxDomains];
        gatewayMac = new long[maxDomains];
        subnet = new int[maxDomains];
        subnetMask = new int[maxDomains];
        flags = new int[maxDomains];
        Arrays.fill(gatewayMac, NO_MAC);
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
        final int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
        subnet[domain] = subnetAddress & mask;
        subnetMask[domain] = mask;
        gatewayAddress[domain] = gateway;
        gatewayMac[domain] = gatewayMacAddress;
        flags[domain] = FLAG_ROUTED | (masquerade ? FLAG_MASQUERADE : 0) | (external ? FLAG_EXTERNAL : 0);
        clearRouted(domain);
        routedDomains = Arrays.copyOf(routedDomains, routedDomains.length + 1);
        routedDomains[routedDomains.length - 1] = domain;
    }

    public void clearDomain(final int domain)
    {
        flags[domain] = 0;
        gatewayMac[domain] = NO_MAC;
        clearRouted(domain);
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

    private void clearRouted(final int domain)
    {
        int kept = 0;
        final int[] others = new int[routedDomains.length];
        for (final int routed : routedDomains)
        {
            if (routed != domain)
            {
                others[kept++] = routed;
            }
        }
        routedDomains = Arrays.copyOf(others, kept);
    }

    /** The dataplane's interface towards the outside; {@code port} {@link #NO_PORT} removes it. */
    public void configureUplink(final int port, final long mac, final int address, final int prefixLength, final int gateway)
    {
        uplinkPort = port;
        uplinkMac = mac;
        uplinkAddress = address;
        uplinkMask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
        uplinkGateway = gateway;
        neighbours.clear();
        arpAsked.clear();
    }

    public int uplinkPort()
    {
        return uplinkPort;
    }

    /**
     * Publishes {@code hostPort}/{@code protocol} of the uplink address: new flows to it go to
     * {@code address:port} at {@code mac} in {@code domain}.
     */
    public void publish(final int protocolNumber, final int hostPort, final int domain, final int address, final int port, final long mac)
    {
        final int key = publishedKey(protocolNumber, hostPort);
        int index = published.get(key);
        if (index < 0)
        {
            index = publishedCount++;
            if (index == publishedDomain.length)
            {
                publishedDomain = Arrays.copyOf(publishedDomain, index * 2);
                publishedAddress = Arrays.copyOf(publishedAddress, index * 2);
                publishedPort = Arrays.copyOf(publishedPort, index * 2);
                publishedMac = Arrays.copyOf(publishedMac, index * 2);
                publishedKeys = Arrays.copyOf(publishedKeys, index * 2);
            }
            publishedKeys[index] = key;
            published.put(key, index);
        }
        publishedDomain[index] = domain;
        publishedAddress[index] = address;
        publishedPort[index] = port;
        publishedMac[index] = mac;
    }

    /** Stops new flows to the port; flows already tracked run until they expire, as with Linux. */
    public void unpublish(final int protocolNumber, final int hostPort)
    {
        final int index = published.remove(publishedKey(protocolNumber, hostPort));
        if (index >= 0)
        {
            final int last = --publishedCount;
            if (index != last)
            {
                publishedDomain[index] = publishedDomain[last];
                publishedAddress[index] = publishedAddress[last];
                publishedPort[index] = publishedPort[last];
                publishedMac[index] = publishedMac[last];
                publishedKeys[index] = publishedKeys[last];
                published.put(publishedKeys[index], index);
            }
        }
    }

    /** Records where {@code address} is on the uplink's link (learned from ARP, or given). */
    public void neighbour(final int address, final long mac)
    {
        if (neighbours.size() < ARP_CACHE_LIMIT || neighbours.containsKey(address))
        {
            neighbours.put(address, mac);
        }
    }

    public long neighbourMac(final int address)
    {
        return neighbours.get(address);
    }

    public ConnectionTable connections()
    {
        return connections;
    }

    // ------------------------------------------------------------------ per frame

    /** Connections created since the router was made. */
    public long created()
    {
        return created;
    }

    /**
     * Decides a frame of {@code domain}, addressed to its gateway MAC, that the gateway did not
     * answer, and writes where it goes into {@code verdict}. The frame starts at {@code offset};
     * when {@code offset} leaves room, the virtio header is just before it (as in a ring slot).
     */
    public void fromDomain(
        final int domain, final int ingressPort, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos, final Domains domains, final Verdict verdict)
    {
        if ((flags[domain] & FLAG_ROUTED) == 0)
        {
            verdict.drop(DropReason.NO_ROUTE);
            return;
        }
        if (!parse(buffer, offset, length, verdict))
        {
            return;
        }
        final long nowMillis = nowNanos / 1_000_000L;
        if (protocol == ICMP_ERROR)
        {
            icmpError(domain, nowNanos, nowMillis, domains, verdict);
            return;
        }
        int id = protocol == 0 ? ConnectionTable.NONE :
            connections.lookup(protocol, source, sourcePort, destination, destinationPort, nowMillis);
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
        if (destination == gatewayAddress[domain])
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
        if (protocol == 0)
        {
            verdict.drop(DropReason.UNSUPPORTED);
            return;
        }
        if (uplinkPort >= 0 && destination == uplinkAddress)
        {
            // as Docker's isolation rules drop an internal network's packets DNATed to another bridge
            if ((flags[domain] & FLAG_EXTERNAL) == 0)
            {
                verdict.drop(DropReason.NO_ROUTE);
                return;
            }
            id = hairpin(domain, nowMillis, verdict);
            if (id >= 0)
            {
                translateTracked(id, false, nowNanos, nowMillis, domains, verdict);
            }
            return;
        }
        if (isRoutedSubnet(destination))
        {
            verdict.drop(DropReason.ISOLATION);
            return;
        }
        if ((flags[domain] & FLAG_EXTERNAL) == 0 || uplinkPort < 0)
        {
            verdict.drop(DropReason.NO_ROUTE);
            return;
        }
        if (protocol == Ipv4Header.PROTOCOL_TCP && (tcpFlags & TcpHeader.FLAG_RST) != 0)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        final long containerTag = domainTag(domain, frame.source());
        if ((flags[domain] & FLAG_MASQUERADE) != 0)
        {
            final int natPort = connections.allocatePort(protocol, destination, destinationPort, uplinkAddress,
                sourcePort, protocol == Ipv4Header.PROTOCOL_ICMP ? 0 : NAT_PORT_LOW, NAT_PORT_HIGH);
            if (natPort < 0)
            {
                verdict.drop(DropReason.NAT_NO_PORT);
                return;
            }
            id = create(destination, destinationPort, uplinkAddress, natPort, TAG_UPLINK, containerTag, nowMillis, verdict);
        }
        else
        {
            id = create(destination, destinationPort, source, sourcePort, TAG_UPLINK, containerTag, nowMillis, verdict);
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
        final long destinationMac = frame.destination();
        final int etherType = frame.etherType();
        if (etherType == EthernetFrame.ETHER_TYPE_ARP)
        {
            uplinkArp(verdict);
            return;
        }
        if (destinationMac != uplinkMac || etherType != EthernetFrame.ETHER_TYPE_IPV4)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        if (!parse(buffer, offset, length, verdict))
        {
            return;
        }
        final long nowMillis = nowNanos / 1_000_000L;
        if (protocol == ICMP_ERROR)
        {
            icmpError(FROM_UPLINK, nowNanos, nowMillis, domains, verdict);
            return;
        }
        if (protocol == 0)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        int id = connections.lookup(protocol, source, sourcePort, destination, destinationPort, nowMillis);
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
        if (destination != uplinkAddress)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        if (protocol == Ipv4Header.PROTOCOL_ICMP)
        {
            echoReply(verdict);
            return;
        }
        final int index = published.get(publishedKey(protocol, destinationPort));
        if (index < 0 || (protocol == Ipv4Header.PROTOCOL_TCP && (tcpFlags & TcpHeader.FLAG_RST) != 0))
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        id = create(publishedAddress[index], publishedPort[index], source, sourcePort,
            domainTag(publishedDomain[index], publishedMac[index]), TAG_UPLINK, nowMillis, verdict);
        if (id >= 0)
        {
            translateTracked(id, false, nowNanos, nowMillis, domains, verdict);
        }
    }

    // ------------------------------------------------------------------ decisions

    /** @return the connection of a hairpin flow to a published port, or -1 with the drop written. */
    private int hairpin(final int domain, final long nowMillis, final Verdict verdict)
    {
        final int index = published.get(publishedKey(protocol, destinationPort));
        if (index < 0 || protocol == Ipv4Header.PROTOCOL_ICMP)
        {
            verdict.drop(DropReason.NO_ROUTE);
            return -1;
        }
        final int targetDomain = publishedDomain[index];
        final int targetAddress = publishedAddress[index];
        final int targetPort = publishedPort[index];
        final int snatAddress = gatewayAddress[targetDomain];
        final int natPort = connections.allocatePort(protocol, targetAddress, targetPort, snatAddress,
            sourcePort, NAT_PORT_LOW, NAT_PORT_HIGH);
        if (natPort < 0)
        {
            verdict.drop(DropReason.NAT_NO_PORT);
            return -1;
        }
        return create(targetAddress, targetPort, snatAddress, natPort,
            domainTag(targetDomain, publishedMac[index]), domainTag(domain, frame.source()), nowMillis, verdict);
    }

    /**
     * Tracks the current packet's tuple as original, with the given reply tuple and direction tags.
     *
     * @return the new connection, or -1 with the drop written.
     */
    private int create(
        final int replySource, final int replySourcePort, final int replyDestination, final int replyDestinationPort,
        final long originalTag, final long replyTag, final long nowMillis, final Verdict verdict)
    {
        // a packet that will not be forwarded leaves no connection behind (Linux never confirms its entry)
        if (ip.ttl() <= 1)
        {
            verdict.drop(DropReason.TTL_EXCEEDED);
            return -1;
        }
        final int id = connections.create(protocol, source, sourcePort, destination, destinationPort,
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
        final int ttl = ip.ttl();
        if (ttl <= 1)
        {
            verdict.drop(DropReason.TTL_EXCEEDED);
            return;
        }
        connections.update(id, reply, tcpFlags, nowMillis);
        // the packet leaves carrying the inverse of the other direction's tuple
        loadTuple(id, !reply);
        rewrite(tupleDestination, tupleDestinationPort, tupleSource, tupleSourcePort);
        ip.ttl(ttl - 1).updateChecksum();
        egress(connections.tag(id, reply), tupleSource, nowNanos, nowMillis, domains, verdict);
    }

    /** Sets the Ethernet header for where the packet goes and writes the port (or the flood) into {@code verdict}. */
    private void egress(
        final long tag, final int destinationAddress, final long nowNanos, final long nowMillis, final Domains domains,
        final Verdict verdict)
    {
        if (tag == TAG_UPLINK)
        {
            if (uplinkPort < 0)
            {
                verdict.drop(DropReason.NO_ROUTE);
                return;
            }
            final int nextHop = (destinationAddress & uplinkMask) == (uplinkAddress & uplinkMask) ? destinationAddress : uplinkGateway;
            final long nextHopMac = neighbours.get(nextHop);
            if (nextHopMac == NO_MAC)
            {
                askForNeighbour(nextHop, nowMillis, verdict);
                return;
            }
            frame.destination(nextHopMac).source(uplinkMac);
            verdict.port(uplinkPort);
            return;
        }
        final int domain = (int)(tag >>> 48);
        if ((flags[domain] & FLAG_ROUTED) == 0)
        {
            // the network was removed while its connections live on: no gateway MAC to send from
            verdict.drop(DropReason.NO_ROUTE);
            return;
        }
        final long mac = tag & 0xFFFF_FFFF_FFFFL;
        frame.destination(mac).source(gatewayMac[domain]);
        final int port = domains.portOf(domain, mac, nowNanos);
        if (port >= 0)
        {
            verdict.port(port);
        }
        else
        {
            verdict.flood(domains.ports(domain));
        }
    }

    /**
     * The next hop is not resolved: the frame (lost, as when a kernel's neighbour queue is full)
     * becomes an ARP request for it, at most one a second per address.
     */
    private void askForNeighbour(final int nextHop, final long nowMillis, final Verdict verdict)
    {
        final long asked = arpAsked.get(nextHop);
        if (asked != Long.MIN_VALUE && nowMillis - asked < ARP_RETRY_MILLIS)
        {
            verdict.drop(DropReason.ARP_PENDING);
            return;
        }
        if (arpAsked.size() >= ARP_CACHE_LIMIT)
        {
            arpAsked.clear();
        }
        arpAsked.put(nextHop, nowMillis);
        final int length = ArpWriter.request(frame, arp, buffer, frame.offset(), uplinkMac, uplinkAddress, nextHop);
        verdict.port(uplinkPort).replace(length, DropReason.ARP_PENDING);
    }

    private void uplinkArp(final Verdict verdict)
    {
        arp.wrap(frame.buffer(), frame.payloadOffset(), frame.payloadLength());
        if (!arp.isValid())
        {
            verdict.drop(DropReason.MALFORMED);
            return;
        }
        final int sender = arp.senderProtocol();
        final long senderMac = arp.senderHardware();
        final boolean forUs = arp.targetProtocol() == uplinkAddress;
        if (senderMac != 0 && !MacAddress.isGroup(senderMac) && sender != 0 &&
            (sender & uplinkMask) == (uplinkAddress & uplinkMask) && (forUs || neighbours.containsKey(sender)))
        {
            neighbour(sender, senderMac);
        }
        if (forUs && arp.operation() == ArpPacket.OPERATION_REQUEST)
        {
            ArpWriter.reply(frame, arp, uplinkMac, uplinkAddress);
            verdict.reply();
        }
        else if (forUs && arp.operation() == ArpPacket.OPERATION_REPLY)
        {
            verdict.consumed();
        }
        else
        {
            verdict.drop(DropReason.UNSOLICITED);
        }
    }

    private void echoReply(final Verdict verdict)
    {
        icmp.wrap(frame.buffer(), l4Offset, l4Length);
        if (icmp.type() != IcmpHeader.TYPE_ECHO_REQUEST)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        // a reply leaves with its virtio header cleared: a partial checksum must be completed
        EchoReplyWriter.reply(frame, ip, icmp, uplinkMac, uplinkAddress, partialChecksum);
        verdict.reply();
    }

    /**
     * An ICMP error quoting a packet of a tracked flow: the quoted packet went the other way, so
     * the connection is found by its inverse, the quoted packet is restored to the tuple of its
     * own direction, and the outer packet is addressed as a packet of the error's direction.
     */
    private void icmpError(
        final int ingressDomain, final long nowNanos, final long nowMillis, final Domains domains, final Verdict verdict)
    {
        final int quotedProtocol = quoted.protocol();
        final int quotedOffset = quoted.payloadOffset();
        final int quotedSource = quoted.source();
        final int quotedDestination = quoted.destination();
        int quotedSourcePort = 0;
        int quotedDestinationPort = 0;
        // the quote holds 8 bytes of the quoted packet's payload at least (see parseIcmp): its ports, or
        // its ICMP type and identifier
        final int quotedPayloadLength = frame.offset() + frame.length() - quotedOffset;
        if (quotedProtocol == Ipv4Header.PROTOCOL_TCP)
        {
            tcp.wrap(buffer, quotedOffset, quotedPayloadLength);
            quotedSourcePort = tcp.sourcePort();
            quotedDestinationPort = tcp.destinationPort();
        }
        else if (quotedProtocol == Ipv4Header.PROTOCOL_UDP)
        {
            udp.wrap(buffer, quotedOffset, quotedPayloadLength);
            quotedSourcePort = udp.sourcePort();
            quotedDestinationPort = udp.destinationPort();
        }
        else if (quotedProtocol == Ipv4Header.PROTOCOL_ICMP)
        {
            quotedIcmp.wrap(buffer, quotedOffset, quotedPayloadLength);
            final int type = quotedIcmp.type();
            final int identifier = quotedIcmp.identifier();
            if (type == IcmpHeader.TYPE_ECHO_REQUEST)
            {
                quotedSourcePort = identifier;
            }
            else if (type == IcmpHeader.TYPE_ECHO_REPLY)
            {
                quotedDestinationPort = identifier;
            }
            else
            {
                verdict.drop(DropReason.UNSUPPORTED);
                return;
            }
        }
        else
        {
            verdict.drop(DropReason.UNSUPPORTED);
            return;
        }
        final int id = connections.lookup(quotedProtocol, quotedDestination, quotedDestinationPort, quotedSource, quotedSourcePort, nowMillis);
        if (id < 0)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        final boolean reply = connections.lastLookupWasReply();
        if (!arrivesFrom(id, reply, ingressDomain))
        {
            verdict.drop(ingressDomain == FROM_UPLINK ? DropReason.UNSOLICITED : DropReason.ISOLATION);
            return;
        }
        final int ttl = ip.ttl();
        if (ttl <= 1)
        {
            verdict.drop(DropReason.TTL_EXCEEDED);
            return;
        }
        // the quoted packet travelled in the other direction: give it that direction's own tuple
        loadTuple(id, !reply);
        final int newQuotedSource = tupleSource;
        final int newQuotedSourcePort = tupleSourcePort;
        final int newQuotedDestination = tupleDestination;
        final int newQuotedDestinationPort = tupleDestinationPort;
        final int newDestination = tupleSource;
        final int newSourceIfQuoted = tupleDestination;
        quoted.source(newQuotedSource).destination(newQuotedDestination).updateChecksum();
        if (quotedProtocol == Ipv4Header.PROTOCOL_ICMP)
        {
            quotedIcmp.identifier(newQuotedSourcePort != 0 ? newQuotedSourcePort : newQuotedDestinationPort);
        }
        else if (quotedProtocol == Ipv4Header.PROTOCOL_TCP)
        {
            tcp.sourcePort(newQuotedSourcePort).destinationPort(newQuotedDestinationPort);
        }
        else
        {
            udp.sourcePort(newQuotedSourcePort).destinationPort(newQuotedDestinationPort);
        }
        // an error sent by the quoted packet's destination itself speaks for the translated address
        if (ip.source() == quotedDestination)
        {
            ip.source(newSourceIfQuoted);
        }
        ip.destination(newDestination).ttl(ttl - 1).updateChecksum();
        icmp.wrap(buffer, l4Offset, l4Length);
        icmp.updateChecksum();
        clearChecksumOffload();
        egress(connections.tag(id, reply), newDestination, nowNanos, nowMillis, domains, verdict);
    }

    // ------------------------------------------------------------------ packet work

    /**
     * Reads the IPv4 packet's tuple. {@code protocol} is 0 for packets the table does not track,
     * and a marker for ICMP errors (whose quoted packet is then wrapped by {@code quoted}).
     */
    private boolean parse(final MutableDirectBuffer buffer, final int offset, final int length, final Verdict verdict)
    {
        this.buffer = buffer;
        frame.wrap(buffer, offset, length);
        ip.wrap(buffer, frame.payloadOffset(), frame.payloadLength());
        if (frame.etherType() != EthernetFrame.ETHER_TYPE_IPV4)
        {
            verdict.drop(DropReason.UNSUPPORTED);
            return false;
        }
        if (!ip.isValid())
        {
            verdict.drop(DropReason.MALFORMED);
            return false;
        }
        if (ip.isFragment())
        {
            verdict.drop(DropReason.FRAGMENT);
            return false;
        }
        partialChecksum = offset >= VirtioNetHeader.LENGTH &&
            (vnet.wrap(buffer, offset - VirtioNetHeader.LENGTH).flags() & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0;
        source = ip.source();
        destination = ip.destination();
        l4Offset = ip.payloadOffset();
        l4Length = ip.payloadLength();
        tcpFlags = 0;
        sourcePort = 0;
        destinationPort = 0;
        protocol = ip.protocol();
        if (!parseTransport())
        {
            verdict.drop(DropReason.MALFORMED);
            return false;
        }
        return true;
    }

    /** Reads the ports (or echo identifier) of the packet; false when its transport header is cut short. */
    private boolean parseTransport()
    {
        switch (protocol)
        {
            case Ipv4Header.PROTOCOL_TCP:
                if (!tcp.wrap(buffer, l4Offset, l4Length).isValid())
                {
                    return false;
                }
                sourcePort = tcp.sourcePort();
                destinationPort = tcp.destinationPort();
                tcpFlags = tcp.flags();
                return true;
            case Ipv4Header.PROTOCOL_UDP:
                if (!udp.wrap(buffer, l4Offset, l4Length).isValid())
                {
                    return false;
                }
                sourcePort = udp.sourcePort();
                destinationPort = udp.destinationPort();
                return true;
            case Ipv4Header.PROTOCOL_ICMP:
                return parseIcmp();
            default:
                protocol = 0;
                return true;
        }
    }

    private boolean parseIcmp()
    {
        icmp.wrap(buffer, l4Offset, l4Length);
        if (!icmp.isValid())
        {
            return false;
        }
        final int type = icmp.type();
        if (type == IcmpHeader.TYPE_ECHO_REQUEST)
        {
            sourcePort = icmp.identifier();
            return true;
        }
        if (type == IcmpHeader.TYPE_ECHO_REPLY)
        {
            destinationPort = icmp.identifier();
            return true;
        }
        if (type == IcmpHeader.TYPE_DESTINATION_UNREACHABLE || type == IcmpHeader.TYPE_TIME_EXCEEDED || type == IcmpHeader.TYPE_PARAMETER_PROBLEM)
        {
            final int quotedOffset = l4Offset + IcmpHeader.HEADER_LENGTH;
            final int quotedLength = frame.offset() + frame.length() - quotedOffset;
            quoted.wrap(buffer, quotedOffset, quotedLength);
            // the quote holds the header and at least 8 bytes of its payload, whatever its total length says
            if (quotedLength < Ipv4Header.MIN_LENGTH + QUOTED_PAYLOAD_LENGTH || quoted.version() != 4 ||
                quoted.headerLength() < Ipv4Header.MIN_LENGTH || quotedLength < quoted.headerLength() + QUOTED_PAYLOAD_LENGTH)
            {
                return false;
            }
            protocol = ICMP_ERROR;
            return true;
        }
        protocol = 0;
        return true;
    }

    /** Writes the new addresses and ports, updating the transport checksum incrementally. */
    private void rewrite(final int newSource, final int newSourcePort, final int newDestination, final int newDestinationPort)
    {
        final int oldSource = source;
        final int oldDestination = destination;
        if (newSource != oldSource)
        {
            ip.source(newSource);
        }
        if (newDestination != oldDestination)
        {
            ip.destination(newDestination);
        }
        switch (protocol)
        {
            case Ipv4Header.PROTOCOL_TCP:
                tcp.sourcePort(newSourcePort).destinationPort(newDestinationPort).checksum(transportChecksum(
                    tcp.checksum(), false, oldSource, newSource, oldDestination, newDestination, newSourcePort, newDestinationPort));
                break;
            case Ipv4Header.PROTOCOL_UDP:
                udp.sourcePort(newSourcePort).destinationPort(newDestinationPort).checksum(transportChecksum(
                    udp.checksum(), true, oldSource, newSource, oldDestination, newDestination, newSourcePort, newDestinationPort));
                break;
            default:
            {
                // ICMP echo: the identifier is the "port"; no pseudo-header
                final int oldIdentifier = icmp.identifier();
                final int newIdentifier = icmp.type() == IcmpHeader.TYPE_ECHO_REQUEST ? newSourcePort : newDestinationPort;
                if (oldIdentifier != newIdentifier)
                {
                    icmp.identifier(newIdentifier);
                    if (!partialChecksum)
                    {
                        icmp.checksum(InternetChecksum.update16(icmp.checksum(), oldIdentifier, newIdentifier));
                    }
                }
                break;
            }
        }
    }

    /** The TCP or UDP checksum after the address and port changes (the old ports are the packet's). */
    private int transportChecksum(
        final int checksum, final boolean isUdp,
        final int oldSource, final int newSource, final int oldDestination, final int newDestination,
        final int newSourcePort, final int newDestinationPort)
    {
        if (partialChecksum)
        {
            // the field holds the uncomplemented pseudo-header sum; ports are summed by whoever finishes it
            int sum = ~checksum & 0xFFFF;
            sum = InternetChecksum.update32(sum, oldSource, newSource);
            sum = InternetChecksum.update32(sum, oldDestination, newDestination);
            return ~sum & 0xFFFF;
        }
        if (isUdp && checksum == UdpHeader.NO_CHECKSUM)
        {
            return checksum;
        }
        int updated = InternetChecksum.update32(checksum, oldSource, newSource);
        updated = InternetChecksum.update32(updated, oldDestination, newDestination);
        updated = InternetChecksum.update16(updated, sourcePort, newSourcePort);
        updated = InternetChecksum.update16(updated, destinationPort, newDestinationPort);
        return isUdp && updated == UdpHeader.NO_CHECKSUM ? 0xFFFF : updated;
    }

    private void clearChecksumOffload()
    {
        if (frame.offset() >= VirtioNetHeader.LENGTH)
        {
            vnet.wrap(buffer, frame.offset() - VirtioNetHeader.LENGTH).clear();
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

    /** Loads the connection's original or reply tuple into the {@code tuple*} fields. */
    private void loadTuple(final int id, final boolean replyTuple)
    {
        if (replyTuple)
        {
            tupleSource = connections.replySource(id);
            tupleSourcePort = connections.replySourcePort(id);
            tupleDestination = connections.replyDestination(id);
            tupleDestinationPort = connections.replyDestinationPort(id);
        }
        else
        {
            tupleSource = connections.originalSource(id);
            tupleSourcePort = connections.originalSourcePort(id);
            tupleDestination = connections.originalDestination(id);
            tupleDestinationPort = connections.originalDestinationPort(id);
        }
    }

    private boolean isRoutedSubnet(final int address)
    {
        for (final int domain : routedDomains)
        {
            if ((address & subnetMask[domain]) == subnet[domain])
            {
                return true;
            }
        }
        return false;
    }

    private static long domainTag(final int domain, final long mac)
    {
        return ((long)domain << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    private static int publishedKey(final int protocolNumber, final int port)
    {
        return (protocolNumber << 16) | port;
    }
}
