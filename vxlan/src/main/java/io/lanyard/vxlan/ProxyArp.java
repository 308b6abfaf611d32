package io.lanyard.vxlan;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.reply.ArpWriter;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.MutableDirectBuffer;

/**
 * Answers, on this host, a local container's ARP request for the address of a remote endpoint
 * of the same overlay network, so that unicast between hosts never needs a flooded ARP.
 *
 * <p>The control plane programs every remote endpoint's MAC and address into the
 * {@link VtepTable}; a request for one of those addresses (broadcast, or unicast to the
 * endpoint's MAC when the asker revalidates its cache) becomes, in place in its slot, the reply
 * the endpoint would have sent, to go back out of the port it came in on. A request for any
 * other address is left untouched for the switch to flood: behind a static peer there are MACs
 * the control plane never heard of, and they must see the request to answer it.
 *
 * <p>Single-threaded, like the table it reads; allocation-free.
 */
public final class ProxyArp
{
    public static final int NOT_ANSWERED = 0;
    /** The frame now holds the reply; send it back out of its ingress port. */
    public static final int ANSWERED = 1;

    private final VtepTable table;
    private final EthernetFrame frame = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private long answered;

    public ProxyArp(final VtepTable table)
    {
        this.table = table;
    }

    /**
     * Rewrites an ARP request of {@code domain} for a remote endpoint's address into its reply.
     *
     * @return {@link #ANSWERED} when the frame now holds the reply, {@link #NOT_ANSWERED} when it is
     *         not such a request (not ARP, malformed, not a request, an unknown address); the frame
     *         is then unchanged.
     */
    public int answer(final int domain, final MutableDirectBuffer buffer, final int offset, final int length)
    {
        frame.wrap(buffer, offset, length);
        if (!frame.isValid() || frame.etherType() != EthernetFrame.ETHER_TYPE_ARP)
        {
            return NOT_ANSWERED;
        }
        arp.wrap(buffer, frame.payloadOffset(), frame.payloadLength());
        if (!arp.isValid() || arp.operation() != ArpPacket.OPERATION_REQUEST)
        {
            return NOT_ANSWERED;
        }
        final int targetAddress = arp.targetProtocol();
        final long targetMac = table.macOf(domain, targetAddress);
        if (targetMac == VtepTable.NO_MAC)
        {
            return NOT_ANSWERED;
        }
        final long destination = frame.destination();
        if (destination != MacAddress.BROADCAST && destination != targetMac)
        {
            return NOT_ANSWERED;
        }
        ArpWriter.reply(frame, arp, targetMac, targetAddress);
        answered++;
        return ANSWERED;
    }

    /** Requests answered since this responder was made. */
    public long answered()
    {
        return answered;
    }
}
