package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.reply.ArpWriter;
import io.lanyard.forwarding.reply.EchoReplyWriter;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.IcmpHeader;

/**
 * The router's interface towards the outside, as a station on the uplink's link: its port, MAC,
 * address and subnet and default gateway, the neighbours it has resolved, and what it answers
 * itself.
 *
 * <p>A packet out goes to its destination when that is on the link, else to the gateway; when
 * that next hop's MAC is not known yet the packet becomes an ARP request for it (at most one a
 * second per address, the packets in between dropped), as a kernel whose neighbour queue is full
 * would lose it. ARP for the uplink address is answered, and the ARP the link carries teaches
 * the {@link NeighbourCache}: from any on-link sender that asks for us, and refreshing
 * neighbours already known. ICMP echo to the uplink address is answered.
 *
 * <p>Configured between batches; single-threaded and allocation-free per frame.
 */
final class UplinkInterface
{
    private int port = Router.NO_PORT;
    private long mac = NeighbourCache.NO_MAC;
    private int address;
    private int mask;
    private int gateway;
    private final NeighbourCache neighbours = new NeighbourCache();
    private final EthernetFrame requestFrame = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();

    /** {@code port} {@link Router#NO_PORT} removes the uplink. Forgets every neighbour. */
    void configure(final int uplinkPort, final long uplinkMac, final int uplinkAddress, final int prefixLength, final int defaultGateway)
    {
        port = uplinkPort;
        mac = uplinkMac;
        address = uplinkAddress;
        mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
        gateway = defaultGateway;
        neighbours.clear();
    }

    /** The uplink's port, or {@link Router#NO_PORT} when there is none. */
    int port()
    {
        return port;
    }

    boolean isPresent()
    {
        return port >= 0;
    }

    long mac()
    {
        return mac;
    }

    int address()
    {
        return address;
    }

    NeighbourCache neighbours()
    {
        return neighbours;
    }

    /**
     * Sends the routed packet towards {@code destination} through the uplink: sets its Ethernet
     * header for the next hop, or replaces it with an ARP request for an unresolved one.
     */
    void send(final FlowTuple packet, final int destination, final long nowMillis, final Verdict verdict)
    {
        if (port < 0)
        {
            verdict.drop(DropReason.NO_ROUTE);
            return;
        }
        final int nextHop = isOnLink(destination) ? destination : gateway;
        final long nextHopMac = neighbours.macOf(nextHop);
        if (nextHopMac != NeighbourCache.NO_MAC)
        {
            packet.frame().destination(nextHopMac).source(mac);
            verdict.port(port);
        }
        else if (neighbours.mayAsk(nextHop, nowMillis))
        {
            final int length = ArpWriter.request(requestFrame, arp, packet.buffer(), packet.frame().offset(), mac, address, nextHop);
            verdict.port(port).replace(length, DropReason.ARP_PENDING);
        }
        else
        {
            verdict.drop(DropReason.ARP_PENDING);
        }
    }

    /** ARP read from the uplink ({@code frame} wraps it): requests for the uplink address are answered; what neighbours say is learned. */
    void answerArp(final EthernetFrame frame, final Verdict verdict)
    {
        arp.wrap(frame.buffer(), frame.payloadOffset(), frame.payloadLength());
        if (!arp.isValid())
        {
            verdict.drop(DropReason.MALFORMED);
            return;
        }
        final int sender = arp.senderProtocol();
        final long senderMac = arp.senderHardware();
        final boolean forUs = arp.targetProtocol() == address;
        if (senderMac != 0 && !MacAddress.isGroup(senderMac) && sender != 0 && isOnLink(sender) &&
            (forUs || neighbours.contains(sender)))
        {
            neighbours.put(sender, senderMac);
        }
        if (forUs && arp.operation() == ArpPacket.OPERATION_REQUEST)
        {
            ArpWriter.reply(frame, arp, mac, address);
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

    /** ICMP to the uplink address ({@code packet} parsed as ICMP): an echo request is answered. */
    void answerEcho(final FlowTuple packet, final Verdict verdict)
    {
        final IcmpHeader icmp = packet.icmp();
        if (icmp.type() != IcmpHeader.TYPE_ECHO_REQUEST)
        {
            verdict.drop(DropReason.UNSOLICITED);
            return;
        }
        // a reply leaves with its virtio header cleared: a partial checksum must be completed
        EchoReplyWriter.reply(packet.frame(), packet.ip(), icmp, mac, address, packet.partialChecksum());
        verdict.reply();
    }

    private boolean isOnLink(final int other)
    {
        return (other & mask) == (address & mask);
    }
}
