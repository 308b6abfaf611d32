package io.lanyard.control.capture;

import org.agrona.DirectBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The blocks of a pcapng file (the format tcpdump, tshark and Wireshark read), as a capture
 * writes them: a section header, an interface description per port (Ethernet, its name,
 * nanosecond timestamps), an enhanced packet per frame (its direction in {@code epb_flags}, a
 * drop's reason as its comment), and at the end an interface statistics block per port whose
 * {@code isb_ifdrop} is what the capture missed. Little-endian, as the section header says.
 */
public final class Pcapng
{
    private static final int SECTION_HEADER = 0x0A0D0D0A;
    private static final int INTERFACE_DESCRIPTION = 1;
    private static final int INTERFACE_STATISTICS = 5;
    private static final int ENHANCED_PACKET = 6;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final short OPT_COMMENT = 1;
    private static final short IF_NAME = 2;
    private static final short IF_TSRESOL = 9;
    private static final short EPB_FLAGS = 2;
    private static final short ISB_IFDROP = 5;

    private Pcapng()
    {
    }

    public static byte[] sectionHeader()
    {
        final ByteBuffer body = body(20);
        body.putInt(0x1A2B3C4D).putShort((short)1).putShort((short)0).putLong(-1L);
        endOptions(body);
        return block(SECTION_HEADER, body);
    }

    /** An Ethernet interface named {@code name}, timestamps in nanoseconds. */
    public static byte[] interfaceDescription(final String name, final int snapLength)
    {
        final byte[] text = name.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer body = body(8 + option(text.length) + option(1) + 4);
        body.putShort((short)LINKTYPE_ETHERNET).putShort((short)0).putInt(snapLength);
        putOption(body, IF_NAME, text);
        putOption(body, IF_TSRESOL, new byte[] {9});
        endOptions(body);
        return block(INTERFACE_DESCRIPTION, body);
    }

    /**
     * @param direction 1 for a frame the port sent (inbound to the switch), 2 for one written to it.
     * @param comment   the packet's comment (a drop's reason), or null.
     */
    public static byte[] enhancedPacket(final int interfaceId, final long unixNanos, final int originalLength, final DirectBuffer buffer,
        final int offset, final int length, final int direction, final String comment)
    {
        final byte[] text = comment == null ? null : comment.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer body = body(20 + padded(length) + option(4) + (text == null ? 0 : option(text.length)) + 4);
        body.putInt(interfaceId).putInt((int)(unixNanos >>> 32)).putInt((int)unixNanos).putInt(length).putInt(originalLength);
        final byte[] data = new byte[length];
        buffer.getBytes(offset, data);
        body.put(data).position(body.position() + padded(length) - length);
        putOption(body, EPB_FLAGS, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(direction).array());
        if (text != null)
        {
            putOption(body, OPT_COMMENT, text);
        }
        endOptions(body);
        return block(ENHANCED_PACKET, body);
    }

    /** The statistics of one interface at the end: the frames the capture's ring had no room for. */
    public static byte[] interfaceStatistics(final int interfaceId, final long unixNanos, final long dropped)
    {
        final ByteBuffer body = body(12 + option(8) + 4);
        body.putInt(interfaceId).putInt((int)(unixNanos >>> 32)).putInt((int)unixNanos);
        putOption(body, ISB_IFDROP, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(dropped).array());
        endOptions(body);
        return block(INTERFACE_STATISTICS, body);
    }

    /** Concatenates blocks. */
    public static byte[] join(final Iterable<byte[]> blocks)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        blocks.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static ByteBuffer body(final int length)
    {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int padded(final int length)
    {
        return (length + 3) & ~3;
    }

    private static int option(final int length)
    {
        return 4 + padded(length);
    }

    private static void putOption(final ByteBuffer body, final short code, final byte[] value)
    {
        body.putShort(code).putShort((short)value.length).put(value);
        body.position(body.position() + padded(value.length) - value.length);
    }

    private static void endOptions(final ByteBuffer body)
    {
        body.putShort((short)0).putShort((short)0);
    }

    private static byte[] block(final int type, final ByteBuffer body)
    {
        final int length = 12 + body.position();
        final ByteBuffer block = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        block.putInt(type).putInt(length).put(body.array(), 0, body.position()).putInt(length);
        return block.array();
    }
}
