package io.lanyard.forwarding.security;

import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.DirectBuffer;

import java.util.Arrays;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Port security, as OVN's {@code port_security} or a cloud's anti-spoofing: a secured port (a
 * sandbox's) sends only as itself. Its frames must come from its own MAC; its IPv4 packets from
 * one of its own addresses (or 0.0.0.0, which a DHCP client uses before it has one); its ARP
 * packets must name its own MAC as sender, and one of its own addresses or 0.0.0.0 (an address
 * probe) as sender address — so it can neither take a neighbour's traffic nor claim the
 * gateway. Anything else is {@link DropReason#SPOOFED_MAC}, {@link DropReason#SPOOFED_IP} or
 * {@link DropReason#SPOOFED_ARP}; what no station sends (a frame too short for its header, a
 * group or zero source MAC) is left to the switch, which drops it as malformed or
 * {@code bad_source_mac}. Other EtherTypes (IPv6, VLAN tags, ...) are held to the MAC
 * alone. A port nobody secured (the host's side of a network, the uplink, an overlay port, a
 * network that relaxed it) passes everything.
 *
 * <p>Single-threaded (the forwarding stage owns it, as it owns the switch) and allocation-free;
 * a port id reused after a detach starts unsecured until it is secured again.
 */
public final class PortSecurity
{
    /** {@link #check}: the frame may enter. */
    public static final int PASS = -1;

    private static final long UNSECURED = -1L;
    /** The I/G bit: the least significant bit of the first octet. */
    private static final long GROUP_BIT = 0x0100_0000_0000L;
    private static final int[] NO_ADDRESSES = new int[0];
    private static final int SPOOFED_MAC = DropReason.SPOOFED_MAC.ordinal();
    private static final int SPOOFED_IP = DropReason.SPOOFED_IP.ordinal();
    private static final int SPOOFED_ARP = DropReason.SPOOFED_ARP.ordinal();

    private final long[] macs;
    private final int[][] addresses;

    public PortSecurity(final int maxPorts)
    {
        macs = new long[maxPorts];
        addresses = new int[maxPorts][];
        Arrays.fill(macs, UNSECURED);
        Arrays.fill(addresses, NO_ADDRESSES);
    }

    /**
     * From now on {@code port} sends only from {@code mac} and {@code ipv4Addresses} (the array
     * is copied).
     *
     * @throws IllegalArgumentException for a port out of range, or a MAC that is zero, a group
     *         address or wider than 48 bits; nothing changes then.
     */
    public void secure(final int port, final long mac, final int[] ipv4Addresses)
    {
        checkPort(port);
        if (mac <= 0 || mac > 0xFFFF_FFFF_FFFFL || (mac & GROUP_BIT) != 0)
        {
            throw new IllegalArgumentException("not a station's MAC: " + Long.toHexString(mac));
        }
        addresses[port] = ipv4Addresses.clone();
        macs[port] = mac;
    }

    /** {@code port} passes everything again (also what a detach does to its id). */
    public void release(final int port)
    {
        checkPort(port);
        macs[port] = UNSECURED;
        addresses[port] = NO_ADDRESSES;
    }

    public boolean isSecured(final int port)
    {
        return port >= 0 && port < macs.length && macs[port] != UNSECURED;
    }

    /**
     * Whether the frame that came in on {@code port} may enter.
     *
     * @return {@link #PASS}, or the ordinal of the {@link DropReason} to drop it for.
     */
    public int check(final int port, final DirectBuffer buffer, final int offset, final int length)
    {
        if (port < 0 || port >= macs.length)
        {
            return PASS;
        }
        final long mac = macs[port];
        if (mac == UNSECURED)
        {
            return PASS;
        }
        if (length < EthernetFrame.HEADER_LENGTH)
        {
            // the switch drops it as malformed
            return PASS;
        }
        final long source = EthernetFrame.readMac(buffer, offset + EthernetFrame.SOURCE_OFFSET);
        if (source != mac)
        {
            // a group or zero source is no one's: the switch drops it as bad_source_mac
            return source == 0 || (source & GROUP_BIT) != 0 ? PASS : SPOOFED_MAC;
        }
        final int etherType = buffer.getShort(offset + EthernetFrame.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int payload = offset + EthernetFrame.HEADER_LENGTH;
        if (etherType == EthernetFrame.ETHER_TYPE_IPV4)
        {
            // too short to say: the switch drops it as malformed, or delivers it as a frame without a source
            if (length < EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH)
            {
                return SPOOFED_IP;
            }
            return isOwnOrUnspecified(port, buffer.getInt(payload + Ipv4Header.SOURCE_OFFSET, BIG_ENDIAN)) ? PASS : SPOOFED_IP;
        }
        if (etherType == EthernetFrame.ETHER_TYPE_ARP)
        {
            if (length < EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH ||
                EthernetFrame.readMac(buffer, payload + ArpPacket.SENDER_HARDWARE_OFFSET) != mac ||
                !isOwnOrUnspecified(port, buffer.getInt(payload + ArpPacket.SENDER_PROTOCOL_OFFSET, BIG_ENDIAN)))
            {
                return SPOOFED_ARP;
            }
        }
        return PASS;
    }

    private boolean isOwnOrUnspecified(final int port, final int address)
    {
        if (address == 0)
        {
            return true;
        }
        for (final int own : addresses[port])
        {
            if (own == address)
            {
                return true;
            }
        }
        return false;
    }

    private void checkPort(final int port)
    {
        if (port < 0 || port >= macs.length)
        {
            throw new IllegalArgumentException("port " + port + " out of range 0.." + (macs.length - 1));
        }
    }
}
