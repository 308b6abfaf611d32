package io.lanyard.control.dns;

import io.netty.buffer.ByteBuf;

/**
 * A view of a DNS message's header in a Netty buffer, at the buffer's reader index: only the
 * fields the forwarder needs to recognise an answer and decide what to do with it. Wrap, check
 * {@link #isValid()}, then read; one instance is re-wrapped for every message.
 *
 * <pre>
 * RFC 1035 4.1.1
 *                                 1  1  1  1  1  1
 *   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                      ID                       |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                    QDCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                    ANCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                    NSCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                    ARCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * </pre>
 */
final class DnsHeader
{
    static final int LENGTH = 12;
    static final int ID_OFFSET = 0;
    static final int FLAGS_OFFSET = 2;
    static final int QUESTION_COUNT_OFFSET = 4;

    private static final int RESPONSE_FLAG = 0x8000;
    private static final int TRUNCATED_FLAG = 0x0200;
    private static final int RESPONSE_CODE_MASK = 0x000F;

    private ByteBuf buffer;
    private int offset;
    private int length;

    DnsHeader wrap(final ByteBuf buffer)
    {
        this.buffer = buffer;
        this.offset = buffer.readerIndex();
        this.length = buffer.readableBytes();
        return this;
    }

    /** Whether the message is long enough for a header; nothing else may be read otherwise. */
    boolean isValid()
    {
        return length >= LENGTH;
    }

    int id()
    {
        return buffer.getUnsignedShort(offset + ID_OFFSET);
    }

    /** Rewrites the ID in place: the rest of the message is left byte for byte as it was. */
    DnsHeader id(final int id)
    {
        buffer.setShort(offset + ID_OFFSET, id);
        return this;
    }

    /** QR: an answer rather than a question. */
    boolean isResponse()
    {
        return (flags() & RESPONSE_FLAG) != 0;
    }

    /** TC: the answer did not fit the datagram; the whole of it is to be had over TCP. */
    boolean isTruncated()
    {
        return (flags() & TRUNCATED_FLAG) != 0;
    }

    /** The header's 4-bit RCODE (an EDNS extended RCODE's upper bits live in the OPT record, not here). */
    int responseCode()
    {
        return flags() & RESPONSE_CODE_MASK;
    }

    int questionCount()
    {
        return buffer.getUnsignedShort(offset + QUESTION_COUNT_OFFSET);
    }

    private int flags()
    {
        return buffer.getUnsignedShort(offset + FLAGS_OFFSET);
    }
}
