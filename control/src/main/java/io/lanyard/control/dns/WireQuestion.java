package io.lanyard.control.dns;

import io.netty.buffer.ByteBuf;

/**
 * The one question of a forwarded query, kept as its wire bytes so that an upstream's answer can
 * be checked against it without decoding either: an answer that does not repeat the question is
 * not an answer to it (RFC 5452 section 9.1), however right its ID and source look.
 *
 * <pre>
 * RFC 1035 4.1.2, right after the 12-byte header
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * /                     QNAME                     /   length-prefixed labels, ended by a 0 byte
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                     QTYPE                     |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                     QCLASS                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * </pre>
 *
 * Names compare without regard to ASCII case (RFC 4343), since resolvers may answer with the case
 * they were asked in or with their own; QTYPE and QCLASS compare exactly. A compression pointer is
 * refused in the question: nothing precedes it that it could point to.
 */
final class WireQuestion
{
    private static final int MAX_NAME_BYTES = 255;
    private static final int MAX_LABEL_BYTES = 63;
    private static final int LABEL_KIND_MASK = 0xC0;
    private static final int TYPE_AND_CLASS_BYTES = 4;

    /** QNAME, QTYPE and QCLASS as they were on the wire. */
    private final byte[] wire;
    private final int nameLength;

    private WireQuestion(final byte[] wire, final int nameLength)
    {
        this.wire = wire;
        this.nameLength = nameLength;
    }

    /**
     * The question of a message that has a header, exactly one question and a well-formed QNAME;
     * {@code null} for anything else.
     */
    static WireQuestion of(final ByteBuf message)
    {
        final int start = message.readerIndex() + DnsHeader.LENGTH;
        final int end = message.writerIndex();
        if (message.readableBytes() < DnsHeader.LENGTH ||
            message.getUnsignedShort(message.readerIndex() + DnsHeader.QUESTION_COUNT_OFFSET) != 1)
        {
            return null;
        }
        int index = start;
        while (true)
        {
            if (index >= end)
            {
                return null;
            }
            final int label = message.getUnsignedByte(index);
            if ((label & LABEL_KIND_MASK) != 0 || label > MAX_LABEL_BYTES)
            {
                return null;
            }
            index += 1 + label;
            if (index - start > MAX_NAME_BYTES)
            {
                return null;
            }
            if (label == 0)
            {
                break;
            }
        }
        final int nameLength = index - start;
        if (end - index < TYPE_AND_CLASS_BYTES)
        {
            return null;
        }
        final byte[] wire = new byte[nameLength + TYPE_AND_CLASS_BYTES];
        message.getBytes(start, wire);
        return new WireQuestion(wire, nameLength);
    }

    /**
     * Whether {@code message} (a header already checked valid) carries exactly this question.
     * Since the name kept here is well formed, equal bytes (letters folded) mean the same labels:
     * length bytes are at most 63 and so are never folded.
     */
    boolean isAskedIn(final ByteBuf message)
    {
        final int start = message.readerIndex() + DnsHeader.LENGTH;
        if (message.getUnsignedShort(message.readerIndex() + DnsHeader.QUESTION_COUNT_OFFSET) != 1 ||
            message.writerIndex() - start < wire.length)
        {
            return false;
        }
        for (int i = 0; i < nameLength; i++)
        {
            if (lowerCase(message.getByte(start + i)) != lowerCase(wire[i]))
            {
                return false;
            }
        }
        for (int i = nameLength; i < wire.length; i++)
        {
            if (message.getByte(start + i) != wire[i])
            {
                return false;
            }
        }
        return true;
    }

    private static int lowerCase(final byte b)
    {
        return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
    }
}
