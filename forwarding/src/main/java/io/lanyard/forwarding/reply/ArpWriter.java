package io.lanyard.forwarding.reply;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.MutableDirectBuffer;

/**
 * Writes the two ARP frames the dataplane sends as a station: the reply to a request, in place
 * over it (a gateway, a proxy for a remote endpoint, the uplink answering for its address), and a
 * broadcast request for an address (the router resolving a next hop, the uplink probing for its
 * gateway).
 *
 * <p>Stateless and allocation-free: the caller passes the views it already holds, which the
 * methods wrap or read as they say.
 */
public final class ArpWriter
{
    /** An Ethernet header and an Ethernet/IPv4 ARP packet, without padding. */
    public static final int REQUEST_LENGTH = EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH;

    private ArpWriter()
    {
    }

    /**
     * Turns the request {@code frame} and {@code arp} wrap (validated by the caller) into the reply
     * of {@code mac} at {@code address}, addressed to the asker.
     */
    public static void reply(final EthernetFrame frame, final ArpPacket arp, final long mac, final int address)
    {
        final long askerMac = arp.senderHardware();
        final int askerAddress = arp.senderProtocol();
        arp.operation(ArpPacket.OPERATION_REPLY)
            .targetHardware(askerMac)
            .targetProtocol(askerAddress)
            .senderHardware(mac)
            .senderProtocol(address);
        frame.destination(frame.source()).source(mac);
    }

    /**
     * Writes a broadcast request from {@code mac} at {@code address} asking for {@code target},
     * {@link #REQUEST_LENGTH} bytes at {@code offset}; {@code frame} and {@code arp} are left
     * wrapping it.
     *
     * @return {@link #REQUEST_LENGTH}.
     */
    public static int request(
        final EthernetFrame frame, final ArpPacket arp, final MutableDirectBuffer buffer, final int offset,
        final long mac, final int address, final int target)
    {
        frame.wrap(buffer, offset, REQUEST_LENGTH)
            .destination(MacAddress.BROADCAST)
            .source(mac)
            .etherType(EthernetFrame.ETHER_TYPE_ARP);
        arp.wrap(buffer, offset + EthernetFrame.HEADER_LENGTH, ArpPacket.LENGTH)
            .ethernetIpv4(ArpPacket.OPERATION_REQUEST)
            .senderHardware(mac)
            .senderProtocol(address)
            .targetHardware(0)
            .targetProtocol(target);
        return REQUEST_LENGTH;
    }
}
