package io.lanyard.vxlan;

import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The 36 bytes a VTEP puts in front of an inner Ethernet frame before handing it to a raw IPv4
 * socket (RFC 7348, section 5; the kernel adds the outer Ethernet header): outer IPv4, outer UDP
 * and the VXLAN header, built once per host and patched per packet, as Open vSwitch's native
 * tunnels do.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length*        |  IPv4: 4, 5, 0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Identification (0)      |0|1|0|    Fragment Offset (0)  |  DF set
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   TTL (64)    | Protocol (17) |      Header Checksum (0)      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Source Address (this host's VTEP address)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Destination Address* (the peer VTEP)               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  UDP Source Port* (inner flow)|  UDP Destination Port (4789)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          UDP Length*          |      UDP Checksum (0)         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|R|R|R|I|R|R|R|            Reserved                           |  VXLAN
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                VXLAN Network Identifier* (VNI) |   Reserved   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                                                    * patched per packet
 * </pre>
 *
 * The UDP checksum stays 0, which RFC 7348 allows over IPv4 and receivers (the Linux vxlan
 * driver among them) accept. The IPv4 checksum and Identification are left 0 for the raw socket
 * to fill. {@link #write} copies the template (five stores) and patches the lengths, the source
 * port and the VNI once per frame; {@link #destination} patches only the destination address, so
 * a flood to many VTEPs rewrites four bytes per copy. No method allocates; one instance belongs
 * to one thread.
 */
public final class VxlanEncapTemplate
{
    public static final int IPV4_OFFSET = 0;
    public static final int UDP_OFFSET = Ipv4Header.MIN_LENGTH;
    public static final int UDP_SOURCE_PORT_OFFSET = UDP_OFFSET;
    public static final int UDP_DESTINATION_PORT_OFFSET = UDP_OFFSET + 2;
    public static final int UDP_LENGTH_OFFSET = UDP_OFFSET + 4;
    public static final int UDP_CHECKSUM_OFFSET = UDP_OFFSET + 6;
    public static final int UDP_HEADER_LENGTH = 8;
    public static final int VXLAN_OFFSET = UDP_OFFSET + UDP_HEADER_LENGTH;
    /** Outer IPv4 (20) + UDP (8) + VXLAN (8): what goes in front of the inner frame. */
    public static final int LENGTH = VXLAN_OFFSET + VxlanHeader.LENGTH;
    /** The largest inner frame whose outer packet still fits IPv4's 16-bit Total Length. */
    public static final int MAX_FRAME_LENGTH = 0xFFFF - LENGTH;
    public static final int TTL = 64;

    private final int sourceAddress;
    private final int destinationPort;
    private final long word0;
    private final long word1;
    private final long word2;
    private final long word3;
    private final int word4;

    /**
     * @param sourceAddress this host's VTEP address; 0 lets the kernel fill in the address its
     *     route to each peer prefers.
     * @param destinationPort the UDP port the peer VTEPs listen on.
     * @throws IllegalArgumentException for a port outside 1..65535.
     */
    public VxlanEncapTemplate(final int sourceAddress, final int destinationPort)
    {
        if (destinationPort < 1 || destinationPort > 0xFFFF)
        {
            throw new IllegalArgumentException("UDP port out of range 1..65535: " + destinationPort);
        }
        this.sourceAddress = sourceAddress;
        this.destinationPort = destinationPort;
        final UnsafeBuffer template = new UnsafeBuffer(new byte[LENGTH]);
        new Ipv4Header().wrap(template, IPV4_OFFSET, Ipv4Header.MIN_LENGTH)
            .versionAndHeaderLength(Ipv4Header.MIN_LENGTH)
            .flagsAndFragmentOffset(Ipv4Header.FLAG_DONT_FRAGMENT)
            .ttl(TTL)
            .protocol(Ipv4Header.PROTOCOL_UDP)
            .source(sourceAddress);
        template.putShort(UDP_DESTINATION_PORT_OFFSET, (short)destinationPort, BIG_ENDIAN);
        new VxlanHeader().wrap(template, VXLAN_OFFSET, VxlanHeader.LENGTH).write(0);
        final ByteOrder order = ByteOrder.nativeOrder();
        word0 = template.getLong(0, order);
        word1 = template.getLong(8, order);
        word2 = template.getLong(16, order);
        word3 = template.getLong(24, order);
        word4 = template.getInt(32, order);
    }

    public int sourceAddress()
    {
        return sourceAddress;
    }

    public int destinationPort()
    {
        return destinationPort;
    }

    /**
     * Writes the 36 bytes at {@code offset}, for a frame of {@code frameLength} bytes that follows
     * them; the destination address is left 0 for {@link #destination}.
     *
     * @param frameLength at most {@link #MAX_FRAME_LENGTH} (not checked).
     * @param vni the VNI, {@link VxlanHeader#MIN_VNI}..{@link VxlanHeader#MAX_VNI} (not checked:
     *     the caller validated it when the overlay was set up).
     * @param sourcePort the outer UDP source port, e.g. {@link VxlanSourcePort#of}.
     */
    public void write(final MutableDirectBuffer buffer, final int offset, final int frameLength, final int vni, final int sourcePort)
    {
        final ByteOrder order = ByteOrder.nativeOrder();
        buffer.putLong(offset, word0, order);
        buffer.putLong(offset + 8, word1, order);
        buffer.putLong(offset + 16, word2, order);
        buffer.putLong(offset + 24, word3, order);
        buffer.putInt(offset + 32, word4, order);
        final int udpLength = UDP_HEADER_LENGTH + VxlanHeader.LENGTH + frameLength;
        buffer.putShort(offset + Ipv4Header.TOTAL_LENGTH_OFFSET, (short)(Ipv4Header.MIN_LENGTH + udpLength), BIG_ENDIAN);
        buffer.putShort(offset + UDP_SOURCE_PORT_OFFSET, (short)sourcePort, BIG_ENDIAN);
        buffer.putShort(offset + UDP_LENGTH_OFFSET, (short)udpLength, BIG_ENDIAN);
        buffer.putInt(offset + VXLAN_OFFSET + VxlanHeader.VNI_OFFSET, vni << 8, BIG_ENDIAN);
    }

    /** Points an outer header {@link #write} wrote at {@code offset} to the VTEP {@code address}. */
    public static void destination(final MutableDirectBuffer buffer, final int offset, final int address)
    {
        buffer.putInt(offset + IPV4_OFFSET + Ipv4Header.DESTINATION_OFFSET, address, BIG_ENDIAN);
    }
}
