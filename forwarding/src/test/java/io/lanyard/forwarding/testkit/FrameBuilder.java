package io.lanyard.forwarding.testkit;

import org.agrona.MutableDirectBuffer;

import java.util.Arrays;

/**
 * Builds an IPv4 frame byte by byte, as a ring slot holds it: a 10-byte virtio_net_hdr, then
 * Ethernet, IPv4 and TCP, UDP or ICMP. Every checksum comes from {@link IndependentChecksum}; a
 * frame with a partial checksum carries the pseudo-header sum in its TCP/UDP checksum field and
 * {@code NEEDS_CSUM} in its virtio header, as Linux hands such frames over. ARP and other
 * Ethernet frames come from {@link #arp} and {@link #etherFrame}.
 *
 * <p>The defaults (IPv4 identification 0x1C46, DF, TTL 64, TCP sequence 0x11223344, window
 * 0xFAF0, payload bytes {@code i * 7 + 3}) are part of what benchmarks measure: change them and
 * the frames, and the figures, are no longer those of before.
 */
public final class FrameBuilder
{
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMP = 1;

    public static final int ECHO_REPLY = 0;
    public static final int DESTINATION_UNREACHABLE = 3;
    public static final int ECHO_REQUEST = 8;
    public static final int TIME_EXCEEDED = 11;
    public static final int PORT_UNREACHABLE = 3;

    public static final int VIRTIO_NEEDS_CSUM = 1;
    public static final int VIRTIO_GSO_TCPV4 = 1;
    public static final int VIRTIO_GSO_UDP_L4 = 5;

    /** The TCP sequence number of a segment unless {@link #sequenceNumbers} says otherwise. */
    public static final long DEFAULT_SEQUENCE = 0x1122_3344L;

    private static final int ETHERNET_LENGTH = 14;
    private static final int IPV4_LENGTH = 20;

    private final int protocol;
    private final int source;
    private final int sourcePort;
    private final int destination;
    private final int destinationPort;

    private long sourceMac = 0x0200_0000_0001L;
    private long destinationMac = 0x0200_0000_0002L;
    private int ttl = 64;
    private int identification = 0x1C46;
    private int flagsAndFragmentOffset = 0x4000;
    private int tcpFlags;
    private long sequenceNumber = DEFAULT_SEQUENCE;
    private long acknowledgementNumber;
    private int icmpType;
    private int icmpCode;
    private int icmpIdentifier;
    private int icmpSequence;
    private byte[] payload = new byte[0];
    private byte[] ipOptions = new byte[0];
    private int padding;
    private boolean partialChecksum;
    private int gsoType;
    private int gsoSize;
    private boolean zeroUdpChecksum;

    private FrameBuilder(final int protocol, final int source, final int sourcePort, final int destination, final int destinationPort)
    {
        this.protocol = protocol;
        this.source = source;
        this.sourcePort = sourcePort;
        this.destination = destination;
        this.destinationPort = destinationPort;
    }

    public static FrameBuilder tcp(final int source, final int sourcePort, final int destination, final int destinationPort, final int flags)
    {
        final FrameBuilder builder = new FrameBuilder(TCP, source, sourcePort, destination, destinationPort);
        builder.tcpFlags = flags;
        return builder;
    }

    public static FrameBuilder udp(final int source, final int sourcePort, final int destination, final int destinationPort)
    {
        return new FrameBuilder(UDP, source, sourcePort, destination, destinationPort);
    }

    public static FrameBuilder echoRequest(final int source, final int destination, final int identifier, final int sequence)
    {
        return icmp(source, destination, ECHO_REQUEST, 0, identifier, sequence);
    }

    public static FrameBuilder echoReply(final int source, final int destination, final int identifier, final int sequence)
    {
        return icmp(source, destination, ECHO_REPLY, 0, identifier, sequence);
    }

    /** An ICMP error whose data is {@code quotedPacket} (an IPv4 header and the start of its payload). */
    public static FrameBuilder icmpError(final int source, final int destination, final int type, final int code, final byte[] quotedPacket)
    {
        return icmp(source, destination, type, code, 0, 0).payload(quotedPacket);
    }

    /** An IPv4 packet of a protocol the router does not track, with {@code payload} as is. */
    public static FrameBuilder other(final int protocolNumber, final int source, final int destination)
    {
        return new FrameBuilder(protocolNumber, source, 0, destination, 0);
    }

    private static FrameBuilder icmp(
        final int source, final int destination, final int type, final int code, final int identifier, final int sequence)
    {
        final FrameBuilder builder = new FrameBuilder(ICMP, source, 0, destination, 0);
        builder.icmpType = type;
        builder.icmpCode = code;
        builder.icmpIdentifier = identifier;
        builder.icmpSequence = sequence;
        return builder;
    }

    public FrameBuilder ethernet(final long sourceMacAddress, final long destinationMacAddress)
    {
        sourceMac = sourceMacAddress;
        destinationMac = destinationMacAddress;
        return this;
    }

    /** The next-hop MTU of a "fragmentation needed" error (the low half of its second word). */
    public FrameBuilder nextHopMtu(final int mtu)
    {
        icmpSequence = mtu;
        return this;
    }

    /** IPv4 options (a multiple of 4 bytes) between the fixed header and the payload. */
    public FrameBuilder ipOptions(final byte[] options)
    {
        ipOptions = options.clone();
        return this;
    }

    /** Bytes of Ethernet padding after the IPv4 packet (zeros), as on a minimum-size frame. */
    public FrameBuilder ethernetPadding(final int length)
    {
        padding = length;
        return this;
    }

    public FrameBuilder ttl(final int value)
    {
        ttl = value;
        return this;
    }

    public FrameBuilder identification(final int value)
    {
        identification = value;
        return this;
    }

    /** The IPv4 flags and fragment offset field (0x4000 is DF, the default). */
    public FrameBuilder flagsAndFragmentOffset(final int value)
    {
        flagsAndFragmentOffset = value;
        return this;
    }

    public FrameBuilder sequenceNumbers(final long sequence, final long acknowledgement)
    {
        sequenceNumber = sequence;
        acknowledgementNumber = acknowledgement;
        return this;
    }

    public FrameBuilder payload(final byte[] bytes)
    {
        payload = bytes.clone();
        return this;
    }

    /** {@code length} bytes of a recognisable pattern. */
    public FrameBuilder payload(final int length)
    {
        payload = new byte[length];
        for (int i = 0; i < length; i++)
        {
            payload[i] = (byte)(i * 7 + 3);
        }
        return this;
    }

    /** The TCP/UDP checksum left to the receiver: the field holds the pseudo-header sum; virtio says NEEDS_CSUM. */
    public FrameBuilder partialChecksum()
    {
        partialChecksum = true;
        return this;
    }

    /** A segmentation-offload frame (implies a partial checksum). */
    public FrameBuilder gso(final int type, final int segmentSize)
    {
        partialChecksum = true;
        gsoType = type;
        gsoSize = segmentSize;
        return this;
    }

    /** A UDP datagram sent without a checksum (the field is 0). */
    public FrameBuilder withoutUdpChecksum()
    {
        zeroUdpChecksum = true;
        return this;
    }

    public int l4HeaderLength()
    {
        switch (protocol)
        {
            case TCP:
                return 20;
            case UDP:
            case ICMP:
                return 8;
            default:
                return 0;
        }
    }

    private int checksumFieldOffset()
    {
        return protocol == TCP ? 16 : protocol == UDP ? 6 : 2;
    }

    /** The IPv4 packet: header and transport, checksums filled in. */
    public byte[] ipPacket()
    {
        final int l4Length = l4HeaderLength() + payload.length;
        final int headerLength = IPV4_LENGTH + ipOptions.length;
        final byte[] packet = new byte[headerLength + l4Length];
        packet[0] = (byte)(0x40 | headerLength / 4);
        put16(packet, 2, packet.length);
        put16(packet, 4, identification);
        put16(packet, 6, flagsAndFragmentOffset);
        packet[8] = (byte)ttl;
        packet[9] = (byte)protocol;
        put32(packet, 12, source);
        put32(packet, 16, destination);
        System.arraycopy(ipOptions, 0, packet, IPV4_LENGTH, ipOptions.length);
        put16(packet, 10, IndependentChecksum.checksum(packet, 0, headerLength, 0));

        final int l4 = headerLength;
        switch (protocol)
        {
            case TCP:
                put16(packet, l4, sourcePort);
                put16(packet, l4 + 2, destinationPort);
                put32(packet, l4 + 4, (int)sequenceNumber);
                put32(packet, l4 + 8, (int)acknowledgementNumber);
                packet[l4 + 12] = 0x50;
                packet[l4 + 13] = (byte)tcpFlags;
                put16(packet, l4 + 14, 0xFAF0);
                break;
            case UDP:
                put16(packet, l4, sourcePort);
                put16(packet, l4 + 2, destinationPort);
                put16(packet, l4 + 4, l4Length);
                break;
            case ICMP:
                packet[l4] = (byte)icmpType;
                packet[l4 + 1] = (byte)icmpCode;
                put16(packet, l4 + 4, icmpIdentifier);
                put16(packet, l4 + 6, icmpSequence);
                break;
            default:
                break;
        }
        System.arraycopy(payload, 0, packet, l4 + l4HeaderLength(), payload.length);

        final int checksumAt = l4 + checksumFieldOffset();
        if (protocol == TCP || protocol == UDP)
        {
            final int pseudo = IndependentChecksum.pseudoHeaderSum(source, destination, protocol, l4Length);
            if (partialChecksum)
            {
                put16(packet, checksumAt, pseudo);
            }
            else if (!zeroUdpChecksum)
            {
                int checksum = IndependentChecksum.checksum(packet, l4, l4Length, pseudo);
                if (protocol == UDP && checksum == 0)
                {
                    checksum = 0xFFFF;
                }
                put16(packet, checksumAt, checksum);
            }
        }
        else if (protocol == ICMP && !partialChecksum)
        {
            put16(packet, checksumAt, IndependentChecksum.checksum(packet, l4, l4Length, 0));
        }
        return packet;
    }

    /** The frame in a ring slot: virtio_net_hdr, Ethernet header, the IPv4 packet. */
    public Slot slot()
    {
        final byte[] packet = ipPacket();
        final byte[] bytes = new byte[Slot.FRAME_OFFSET + ETHERNET_LENGTH + packet.length + padding];
        if (partialChecksum)
        {
            final int l4Start = ETHERNET_LENGTH + IPV4_LENGTH + ipOptions.length;
            bytes[0] = VIRTIO_NEEDS_CSUM;
            bytes[1] = (byte)gsoType;
            putLittle16(bytes, 2, gsoType != 0 ? l4Start + l4HeaderLength() : 0);
            putLittle16(bytes, 4, gsoSize);
            putLittle16(bytes, 6, l4Start);
            putLittle16(bytes, 8, checksumFieldOffset());
        }
        final int frame = Slot.FRAME_OFFSET;
        put48(bytes, frame, destinationMac);
        put48(bytes, frame + 6, sourceMac);
        put16(bytes, frame + 12, 0x0800);
        System.arraycopy(packet, 0, bytes, frame + ETHERNET_LENGTH, packet.length);
        return new Slot(bytes);
    }

    /** The Ethernet frame alone, without the virtio header: what a socket or a VXLAN datagram carries. */
    public byte[] frame()
    {
        return slot().frame();
    }

    /** Writes {@link #frame()} into {@code buffer} at {@code offset}; returns its length. */
    public int writeTo(final MutableDirectBuffer buffer, final int offset)
    {
        final byte[] frame = frame();
        buffer.putBytes(offset, frame);
        return frame.length;
    }

    /**
     * A frame of another EtherType in a slot (no virtio flags): the Ethernet header, then zeros up
     * to {@code frameLength} (at least the 14-byte header).
     */
    public static Slot etherFrame(final long sourceMacAddress, final long destinationMacAddress, final int etherType, final int frameLength)
    {
        final byte[] bytes = new byte[Slot.FRAME_OFFSET + Math.max(ETHERNET_LENGTH, frameLength)];
        final int frame = Slot.FRAME_OFFSET;
        put48(bytes, frame, destinationMacAddress);
        put48(bytes, frame + 6, sourceMacAddress);
        put16(bytes, frame + 12, etherType);
        return new Slot(bytes);
    }

    /** An Ethernet/IPv4 ARP frame in a slot (no virtio flags). */
    public static Slot arp(
        final long ethernetSource, final long ethernetDestination, final int operation,
        final long senderMac, final int senderAddress, final long targetMac, final int targetAddress)
    {
        final byte[] bytes = new byte[Slot.FRAME_OFFSET + ETHERNET_LENGTH + 28];
        final int frame = Slot.FRAME_OFFSET;
        put48(bytes, frame, ethernetDestination);
        put48(bytes, frame + 6, ethernetSource);
        put16(bytes, frame + 12, 0x0806);
        final int arp = frame + ETHERNET_LENGTH;
        put16(bytes, arp, 1);
        put16(bytes, arp + 2, 0x0800);
        bytes[arp + 4] = 6;
        bytes[arp + 5] = 4;
        put16(bytes, arp + 6, operation);
        put48(bytes, arp + 8, senderMac);
        put32(bytes, arp + 14, senderAddress);
        put48(bytes, arp + 18, targetMac);
        put32(bytes, arp + 24, targetAddress);
        return new Slot(bytes);
    }

    /** The first {@code length} bytes of a packet, as an ICMP error quotes it. */
    public static byte[] quote(final byte[] packet, final int length)
    {
        return Arrays.copyOf(packet, Math.min(length, packet.length));
    }

    public static void put16(final byte[] bytes, final int at, final int value)
    {
        bytes[at] = (byte)(value >>> 8);
        bytes[at + 1] = (byte)value;
    }

    public static void put32(final byte[] bytes, final int at, final int value)
    {
        put16(bytes, at, value >>> 16);
        put16(bytes, at + 2, value);
    }

    public static void put48(final byte[] bytes, final int at, final long mac)
    {
        for (int i = 0; i < 6; i++)
        {
            bytes[at + i] = (byte)(mac >>> (40 - 8 * i));
        }
    }

    private static void putLittle16(final byte[] bytes, final int at, final int value)
    {
        bytes[at] = (byte)value;
        bytes[at + 1] = (byte)(value >>> 8);
    }
}
