package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.reply.ArpWriter;
import io.lanyard.forwarding.reply.EchoReplyWriter;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.IcmpHeader;
import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.MutableDirectBuffer;

import java.util.Arrays;

/**
 * The gateway address of each bridge domain, as containers see it: it answers ARP requests for
 * the gateway address and ICMP echo requests sent to it, as {@code docker0} does.
 *
 * <p>Replies are written in place over the request, in its slot, and go back out of the port
 * the request came in on: an ARP request becomes the reply by swapping and filling fields; an
 * echo request becomes the reply by swapping addresses and changing its type, with the ICMP
 * and IPv4 header checksums computed afresh (TTL is reset). Single-threaded, like the rest of the forwarding stage's tables.
 */
public final class GatewayResponder
{
    public static final int NOT_FOR_GATEWAY = 0;
    public static final int ANSWERED = 1;
    public static final int UNANSWERED = 2;

    private final int[] address;
    private final long[] mac;
    private final EthernetFrame frame = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Header ip = new Ipv4Header();
    private final IcmpHeader icmp = new IcmpHeader();

    public GatewayResponder(final int maxDomains)
    {
        address = new int[maxDomains];
        mac = new long[maxDomains];
        Arrays.fill(mac, -1L);
    }

    /** The domain's gateway is {@code gatewayAddress} at {@code gatewayMac}. */
    public void configure(final int domain, final int gatewayAddress, final long gatewayMac)
    {
        address[domain] = gatewayAddress;
        mac[domain] = gatewayMac;
    }

    public void clear(final int domain)
    {
        address[domain] = 0;
        mac[domain] = -1L;
    }

    public boolean hasGateway(final int domain)
    {
        return mac[domain] != -1L;
    }

    public long mac(final int domain)
    {
        return mac[domain];
    }

    public int address(final int domain)
    {
        return address[domain];
    }

    /**
     * Looks at a frame of {@code domain} addressed to the gateway (to its MAC, or an ARP broadcast).
     *
     * @return {@link #ANSWERED} when the frame now holds the reply to send back, {@link #UNANSWERED}
     *         when it is for the gateway but asks for something the gateway does not serve, and
     *         {@link #NOT_FOR_GATEWAY} otherwise.
     */
    public int answer(final int domain, final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final long gatewayMac = mac[domain];
        if (gatewayMac == -1L)
        {
            return NOT_FOR_GATEWAY;
        }
        frame.wrap(buffer, offset, length);
        final long destination = frame.destination();
        final int etherType = frame.etherType();
        if (etherType == EthernetFrame.ETHER_TYPE_ARP && (destination == MacAddress.BROADCAST || destination == gatewayMac))
        {
            return answerArp(domain, gatewayMac);
        }
        if (destination != gatewayMac)
        {
            return NOT_FOR_GATEWAY;
        }
        if (etherType == EthernetFrame.ETHER_TYPE_IPV4)
        {
            return answerEcho(domain, gatewayMac);
        }
        return UNANSWERED;
    }

    private int answerArp(final int domain, final long gatewayMac)
    {
        arp.wrap(frame.buffer(), frame.payloadOffset(), frame.payloadLength());
        if (!arp.isValid() || arp.operation() != ArpPacket.OPERATION_REQUEST || arp.targetProtocol() != address[domain])
        {
            return frame.destination() == gatewayMac ? UNANSWERED : NOT_FOR_GATEWAY;
        }
        ArpWriter.reply(frame, arp, gatewayMac, address[domain]);
        return ANSWERED;
    }

    private int answerEcho(final int domain, final long gatewayMac)
    {
        ip.wrap(frame.buffer(), frame.payloadOffset(), frame.payloadLength());
        if (!ip.isValid() || ip.destination() != address[domain] || ip.protocol() != Ipv4Header.PROTOCOL_ICMP || ip.isFragment())
        {
            return UNANSWERED;
        }
        icmp.wrap(frame.buffer(), ip.payloadOffset(), ip.payloadLength());
        if (!icmp.isValid() || icmp.type() != IcmpHeader.TYPE_ECHO_REQUEST)
        {
            return UNANSWERED;
        }
        // computed in full: a request handed over with its checksum left to the device (virtio
        // NEEDS_CSUM) holds no valid checksum to update, and the reply leaves with none pending
        EchoReplyWriter.reply(frame, ip, icmp, gatewayMac, address[domain], true);
        return ANSWERED;
    }
}
