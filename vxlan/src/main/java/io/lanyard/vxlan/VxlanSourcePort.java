package io.lanyard.vxlan;

import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The outer UDP source port of an encapsulated frame: a hash of its inner flow, in the dynamic
 * range 49152–65535, as RFC 7348 (section 5) recommends. Underlay routers and NICs spread
 * traffic over paths and queues by the outer 5-tuple; an outer source port that follows the
 * inner flow gives each inner flow its own spreading while keeping its packets in order.
 *
 * <p>The inner flow is the Ethernet destination and source MACs and, for an IPv4 frame, the
 * addresses and protocol and, for TCP and UDP that is not a fragment, the two ports. Fragments
 * hash without ports so that every fragment of a datagram takes the path of the first. A frame
 * too short for a layer contributes the layers before it only; no input makes this throw. The
 * two directions of a flow may get different ports; nothing needs them equal.
 *
 * <p>Stateless, allocation-free and safe from any thread.
 */
public final class VxlanSourcePort
{
    public static final int MIN_PORT = 49_152;
    public static final int MAX_PORT = 65_535;

    /** The 16 384 ports of the range, a power of two: the top 14 bits of the hash pick one. */
    private static final int PORT_BITS = 14;
    private static final long SEED = 0x2545_F491_4F6C_DD1DL;
    private static final long PRIME_1 = 0x9E37_79B9_7F4A_7C15L;
    private static final long PRIME_2 = 0xC2B2_AE3D_27D4_EB4FL;
    private static final long PRIME_3 = 0x1656_67B1_9E37_79F9L;

    private VxlanSourcePort()
    {
    }

    /**
     * @param buffer the inner Ethernet frame's bytes.
     * @param offset where the frame starts.
     * @param length the bytes of the frame present.
     * @return a port in {@link #MIN_PORT}..{@link #MAX_PORT}, the same for every frame of a flow.
     */
    public static int of(final DirectBuffer buffer, final int offset, final int length)
    {
        long hash = SEED;
        if (length < EthernetFrame.HEADER_LENGTH)
        {
            return toPort(hash);
        }
        hash = round(hash, EthernetFrame.readMac(buffer, offset + EthernetFrame.DESTINATION_OFFSET));
        hash = round(hash, EthernetFrame.readMac(buffer, offset + EthernetFrame.SOURCE_OFFSET));

        final int etherType = buffer.getShort(offset + EthernetFrame.ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int ipOffset = offset + EthernetFrame.HEADER_LENGTH;
        final int ipLength = length - EthernetFrame.HEADER_LENGTH;
        if (etherType != EthernetFrame.ETHER_TYPE_IPV4 || ipLength < Ipv4Header.MIN_LENGTH)
        {
            return toPort(hash);
        }
        final int versionIhl = buffer.getByte(ipOffset + Ipv4Header.VERSION_IHL_OFFSET) & 0xFF;
        final int headerLength = (versionIhl & 0xF) << 2;
        if ((versionIhl >>> 4) != 4 || headerLength < Ipv4Header.MIN_LENGTH || headerLength > ipLength)
        {
            return toPort(hash);
        }
        hash = round(hash, buffer.getLong(ipOffset + Ipv4Header.SOURCE_OFFSET, BIG_ENDIAN));

        final int protocol = buffer.getByte(ipOffset + Ipv4Header.PROTOCOL_OFFSET) & 0xFF;
        final int fragment = buffer.getShort(ipOffset + Ipv4Header.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) &
            (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK);
        long transport = (long)protocol << 32;
        if ((protocol == Ipv4Header.PROTOCOL_TCP || protocol == Ipv4Header.PROTOCOL_UDP) &&
            fragment == 0 && headerLength + 4 <= ipLength)
        {
            // source and destination port, the first four bytes of both TCP and UDP headers
            transport |= buffer.getInt(ipOffset + headerLength, BIG_ENDIAN) & 0xFFFF_FFFFL;
        }
        return toPort(round(hash, transport));
    }

    /** One xxHash64-style round: multiply the input in, rotate, multiply again. */
    private static long round(final long hash, final long input)
    {
        return Long.rotateLeft(hash ^ (input * PRIME_1), 31) * PRIME_2 + PRIME_3;
    }

    /** MurmurHash3's 64-bit finaliser, so every input bit reaches the top bits used for the port. */
    private static int toPort(final long hash)
    {
        long h = hash;
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return MIN_PORT + (int)(h >>> (64 - PORT_BITS));
    }
}
