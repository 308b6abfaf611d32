package io.lanyard.control.trace;

import java.nio.ByteBuffer;

/**
 * The frame a trace sends: Ethernet, IPv4 (TTL 64, DF) and a TCP SYN, a UDP datagram with 8
 * bytes of payload, or an ICMP echo request, every checksum complete, as a sandbox's stack would
 * write it. Also reads back the addresses and ports of a frame the decision rewrote.
 */
public final class TraceFrame
{
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMP = 1;
    /** The source port of a traced TCP or UDP flow, and the ID of a traced echo request. */
    public static final int SOURCE_PORT = 40_000;

    private static final int ETHERNET = 14;
    private static final int IPV4 = 20;

    private TraceFrame()
    {
    }

    /** The IPv4 endpoints of a frame: addresses, and ports (the echo ID for ICMP, 0 for its destination). */
    public record Tuple(int protocol, int source, int sourcePort, int destination, int destinationPort)
    {
    }

    /** A protocol as conntrack and tcpdump name it: {@code tcp}, {@code udp}, {@code icmp}, else {@code ip proto N}. */
    public static String protocolName(final int protocol)
    {
        return switch (protocol)
        {
            case TCP -> "tcp";
            case UDP -> "udp";
            case ICMP -> "icmp";
            default -> "ip proto " + protocol;
        };
    }

    public static byte[] build(final long sourceMac, final long destinationMac, final Tuple tuple)
    {
        final int l4 = switch (tuple.protocol())
        {
            case TCP -> 20;
            case UDP -> 16;
            case ICMP -> 16;
            default -> throw new IllegalArgumentException("protocol " + tuple.protocol());
        };
        final ByteBuffer frame = ByteBuffer.allocate(ETHERNET + IPV4 + l4);
        putMac(frame, destinationMac);
        putMac(frame, sourceMac);
        frame.putShort((short)0x0800);
        frame.put((byte)0x45).put((byte)0).putShort((short)(IPV4 + l4)).putShort((short)0x1234).putShort((short)0x4000)
            .put((byte)64).put((byte)tuple.protocol()).putShort((short)0).putInt(tuple.source()).putInt(tuple.destination());
        frame.putShort(ETHERNET + 10, (short)checksum(frame.array(), ETHERNET, IPV4, 0));
        final int start = ETHERNET + IPV4;
        switch (tuple.protocol())
        {
            case TCP ->
                // SYN, window 64240, data offset 5
                frame.putShort((short)tuple.sourcePort()).putShort((short)tuple.destinationPort()).putInt(1).putInt(0)
                    .put((byte)0x50).put((byte)0x02).putShort((short)64_240).putShort((short)0).putShort((short)0);
            case UDP -> frame.putShort((short)tuple.sourcePort()).putShort((short)tuple.destinationPort()).putShort((short)l4)
                .putShort((short)0).putLong(0x6c616e7961726421L);
            default -> frame.put((byte)8).put((byte)0).putShort((short)0).putShort((short)tuple.sourcePort()).putShort((short)1)
                .putLong(0x6c616e7961726421L);
        }
        final byte[] bytes = frame.array();
        if (tuple.protocol() == ICMP)
        {
            frame.putShort(start + 2, (short)checksum(bytes, start, l4, 0));
        }
        else
        {
            final long pseudo = (tuple.source() >>> 16) + (tuple.source() & 0xFFFF) + (tuple.destination() >>> 16) +
                (tuple.destination() & 0xFFFF) + tuple.protocol() + l4;
            frame.putShort(start + (tuple.protocol() == TCP ? 16 : 6), (short)checksum(bytes, start, l4, pseudo));
        }
        return bytes;
    }

    /** The tuple of an IPv4 frame, or null for anything else (an ARP reply, say). */
    public static Tuple read(final byte[] frame)
    {
        if (frame.length < ETHERNET + IPV4 + 8 || (frame[12] & 0xFF) != 0x08 || frame[13] != 0)
        {
            return null;
        }
        final ByteBuffer buffer = ByteBuffer.wrap(frame);
        final int headerLength = (frame[ETHERNET] & 0x0F) * 4;
        final int protocol = frame[ETHERNET + 9] & 0xFF;
        final int l4 = ETHERNET + headerLength;
        final int source = buffer.getInt(ETHERNET + 12);
        final int destination = buffer.getInt(ETHERNET + 16);
        if (protocol == ICMP)
        {
            return new Tuple(protocol, source, buffer.getShort(l4 + 4) & 0xFFFF, destination, 0);
        }
        return new Tuple(protocol, source, buffer.getShort(l4) & 0xFFFF, destination, buffer.getShort(l4 + 2) & 0xFFFF);
    }

    private static void putMac(final ByteBuffer frame, final long mac)
    {
        frame.putShort((short)(mac >>> 32)).putInt((int)mac);
    }

    private static int checksum(final byte[] bytes, final int offset, final int length, final long initial)
    {
        long sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            sum += ((bytes[offset + i] & 0xFF) << 8) | (i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0);
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)~sum & 0xFFFF;
    }
}
