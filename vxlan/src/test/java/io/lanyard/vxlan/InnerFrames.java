package io.lanyard.vxlan;

import org.agrona.concurrent.UnsafeBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/** Inner Ethernet frames for the tests, written field by field into a slot with headroom. */
final class InnerFrames
{
    static final int HEADROOM = 64;
    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;

    private InnerFrames()
    {
    }

    /** An Ethernet + IPv4 (no options) + 20 bytes of transport header frame; returns its length. */
    static int ipv4(
        final UnsafeBuffer buffer, final int offset, final long destinationMac, final long sourceMac,
        final int source, final int destination, final int protocol, final int sourcePort, final int destinationPort,
        final int flagsAndFragmentOffset)
    {
        ethernet(buffer, offset, destinationMac, sourceMac, 0x0800);
        final int ip = offset + 14;
        buffer.putByte(ip, (byte)0x45);
        buffer.putByte(ip + 1, (byte)0);
        buffer.putShort(ip + 2, (short)40, BIG_ENDIAN);
        buffer.putShort(ip + 4, (short)0x1234, BIG_ENDIAN);
        buffer.putShort(ip + 6, (short)flagsAndFragmentOffset, BIG_ENDIAN);
        buffer.putByte(ip + 8, (byte)64);
        buffer.putByte(ip + 9, (byte)protocol);
        buffer.putShort(ip + 10, (short)0, BIG_ENDIAN);
        buffer.putInt(ip + 12, source, BIG_ENDIAN);
        buffer.putInt(ip + 16, destination, BIG_ENDIAN);
        buffer.putShort(ip + 20, (short)sourcePort, BIG_ENDIAN);
        buffer.putShort(ip + 22, (short)destinationPort, BIG_ENDIAN);
        buffer.setMemory(ip + 24, 16, (byte)0);
        return 14 + 40;
    }

    static int tcp(
        final UnsafeBuffer buffer, final long destinationMac, final long sourceMac,
        final int source, final int sourcePort, final int destination, final int destinationPort)
    {
        return ipv4(buffer, HEADROOM, destinationMac, sourceMac, source, destination, TCP, sourcePort, destinationPort, 0x4000);
    }

    static void ethernet(final UnsafeBuffer buffer, final int offset, final long destination, final long source, final int etherType)
    {
        buffer.putInt(offset, (int)(destination >>> 16), BIG_ENDIAN);
        buffer.putShort(offset + 4, (short)destination, BIG_ENDIAN);
        buffer.putInt(offset + 6, (int)(source >>> 16), BIG_ENDIAN);
        buffer.putShort(offset + 10, (short)source, BIG_ENDIAN);
        buffer.putShort(offset + 12, (short)etherType, BIG_ENDIAN);
    }

    static UnsafeBuffer slot()
    {
        return new UnsafeBuffer(new byte[2048]);
    }
}
