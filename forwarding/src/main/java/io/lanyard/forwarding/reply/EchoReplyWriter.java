package io.lanyard.forwarding.reply;

import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.IcmpHeader;
import io.lanyard.forwarding.wire.InternetChecksum;
import io.lanyard.forwarding.wire.Ipv4Header;

/**
 * Turns an ICMP echo request into its reply in place, as the addressee answers a ping: the type
 * becomes echo reply, the addresses swap with the replier's address as the source, the TTL
 * starts afresh at {@link #REPLY_TTL}, and both checksums are made right.
 *
 * <p>The ICMP checksum is either updated for the one changed word (RFC 1624) or computed over the
 * whole message. The update is exact when the request's checksum is, and costs nothing however
 * long the payload; a request handed over with its checksum left to the device (virtio
 * {@code NEEDS_CSUM}) holds no checksum to update, and its reply leaves with none pending, so it
 * needs the full computation. Stateless and allocation-free.
 */
public final class EchoReplyWriter
{
    /** The TTL of a reply, Linux's default. */
    public static final int REPLY_TTL = 64;

    private EchoReplyWriter()
    {
    }

    /**
     * @param frame            wraps the request's Ethernet header.
     * @param ip               wraps its IPv4 header (validated by the caller).
     * @param icmp             wraps its ICMP message, an echo request (validated by the caller).
     * @param mac              the replier's MAC, the reply's Ethernet source.
     * @param address          the replier's address, the reply's IPv4 source.
     * @param computeInFull    true to compute the ICMP checksum over the whole reply; false to
     *                         update the request's, which must then be complete.
     */
    public static void reply(
        final EthernetFrame frame, final Ipv4Header ip, final IcmpHeader icmp, final long mac, final int address,
        final boolean computeInFull)
    {
        final int code = icmp.code();
        icmp.type(IcmpHeader.TYPE_ECHO_REPLY);
        if (computeInFull)
        {
            icmp.updateChecksum();
        }
        else
        {
            icmp.checksum(InternetChecksum.update16(icmp.checksum(),
                (IcmpHeader.TYPE_ECHO_REQUEST << 8) | code, (IcmpHeader.TYPE_ECHO_REPLY << 8) | code));
        }
        final int asker = ip.source();
        ip.source(address).destination(asker).ttl(REPLY_TTL).updateChecksum();
        frame.destination(frame.source()).source(mac);
    }
}
