package io.lanyard.control.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.AbstractDnsOptPseudoRrRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.ReferenceCountUtil;

import java.util.List;

/**
 * Reading the queries the embedded DNS receives and writing its own answers, with
 * netty-codec-dns's record decoder and encoder for questions, names and records.
 *
 * <p>A query is read whole before it is answered, every section included, so a message that is
 * malformed anywhere is answered FORMERR rather than half-understood. Only the header (RFC 1035
 * 4.1.1) is read and written here by hand, since netty's message codecs are channel handlers
 * tied to one transport and the server answers the same query over UDP and TCP.
 */
final class DnsMessages
{
    static final int HEADER_LENGTH = 12;
    /** The largest UDP answer for a client that did not say otherwise with EDNS (RFC 1035 4.2.1). */
    static final int CLASSIC_UDP_LIMIT = 512;
    /** The largest UDP answer the server sends whatever EDNS offers, and the payload size it advertises. */
    static final int EDNS_UDP_LIMIT = 4096;
    static final int OPCODE_QUERY = 0;

    private static final int FLAG_QR = 0x8000;
    private static final int FLAG_AA = 0x0400;
    private static final int FLAG_TC = 0x0200;
    private static final int FLAG_RD = 0x0100;
    private static final int FLAG_RA = 0x0080;
    private static final int FLAG_CD = 0x0010;

    private DnsMessages()
    {
    }

    /** What reading a message gave. */
    enum Verdict
    {
        /** A well-formed standard query with one question. */
        QUERY,
        /** Not worth an answer: shorter than a header, or a response. */
        DROP,
        /** A readable header, but the rest is malformed or asks not one question. */
        FORMERR,
        /** An opcode other than QUERY. */
        NOTIMP
    }

    /**
     * A query as read.
     *
     * @param question   its question; null unless the verdict is {@link Verdict#QUERY}.
     * @param udpPayload the largest UDP answer it accepts: 512, or what its EDNS record offers (at most 4096).
     * @param edns       whether it carried an EDNS OPT record (an answer then carries one too, RFC 6891 7).
     */
    record Query(Verdict verdict, int id, int flags, DnsQuestion question, int udpPayload, boolean edns)
    {
        int opcode()
        {
            return (flags >> 11) & 0xF;
        }
    }

    /** Reads a message; never throws on content, however malformed. */
    static Query read(final ByteBuf message)
    {
        final int start = message.readerIndex();
        if (message.readableBytes() < HEADER_LENGTH)
        {
            return new Query(Verdict.DROP, 0, 0, null, CLASSIC_UDP_LIMIT, false);
        }
        final int id = message.getUnsignedShort(start);
        final int flags = message.getUnsignedShort(start + 2);
        if ((flags & FLAG_QR) != 0)
        {
            return new Query(Verdict.DROP, id, flags, null, CLASSIC_UDP_LIMIT, false);
        }
        if (((flags >> 11) & 0xF) != OPCODE_QUERY)
        {
            return new Query(Verdict.NOTIMP, id, flags, null, CLASSIC_UDP_LIMIT, false);
        }
        final int questions = message.getUnsignedShort(start + 4);
        final int records = message.getUnsignedShort(start + 6) + message.getUnsignedShort(start + 8) +
            message.getUnsignedShort(start + 10);
        if (questions != 1)
        {
            return new Query(Verdict.FORMERR, id, flags, null, CLASSIC_UDP_LIMIT, false);
        }
        // the whole message, read on from the end of the header: a compression pointer is an
        // offset from the message's first byte (RFC 1035 4.1.4), not from the question's
        final ByteBuf body = message.slice(start, message.readableBytes()).readerIndex(HEADER_LENGTH);
        try
        {
            final DnsQuestion question = DnsRecordDecoder.DEFAULT.decodeQuestion(body);
            requireWritable(question);
            int udpPayload = CLASSIC_UDP_LIMIT;
            boolean edns = false;
            for (int i = 0; i < records; i++)
            {
                final DnsRecord record = DnsRecordDecoder.DEFAULT.decodeRecord(body);
                if (record == null)
                {
                    return new Query(Verdict.FORMERR, id, flags, null, CLASSIC_UDP_LIMIT, false);
                }
                if (record.type() == DnsRecordType.OPT)
                {
                    edns = true;
                    udpPayload = Math.min(EDNS_UDP_LIMIT, Math.max(CLASSIC_UDP_LIMIT, record.dnsClass() & 0xFFFF));
                }
                ReferenceCountUtil.release(record);
            }
            return new Query(Verdict.QUERY, id, flags, question, udpPayload, edns);
        }
        catch (final Exception malformed)
        {
            // netty's decoder throws CorruptedFrameException for bad names and pointer loops and
            // IndexOutOfBoundsException for messages that end early; its encoder throws
            // IllegalArgumentException for a name it cannot write
            return new Query(Verdict.FORMERR, id, flags, null, CLASSIC_UDP_LIMIT, false);
        }
    }

    /**
     * Throws unless the answer can repeat the question: netty's decoder takes names its encoder
     * refuses (a NUL byte in a label, a name over 255 bytes, a dot in a label that leaves an
     * empty one), and answering such a question would throw after the query was counted, leaving
     * the client without an answer and its TCP connection closed. Such a name is as malformed
     * here as one that cannot be read.
     */
    private static void requireWritable(final DnsQuestion question) throws Exception
    {
        final ByteBuf scratch = Unpooled.buffer(question.name().length() + 6);
        try
        {
            DnsRecordEncoder.DEFAULT.encodeQuestion(question, scratch);
        }
        finally
        {
            scratch.release();
        }
    }

    /**
     * An answer to {@code query}: its question (when it has one) and {@code answers}, which
     * are consumed (released). When the answer would not fit {@code limit}, only the question is
     * sent with TC set, and the client asks again over TCP.
     */
    static ByteBuf answer(final ByteBufAllocator alloc, final Query query, final DnsResponseCode code, final boolean authoritative,
        final List<DnsRecord> answers, final int limit)
    {
        final ByteBuf out = alloc.buffer(CLASSIC_UDP_LIMIT);
        try
        {
            writeHeader(out, query, code, authoritative, false, query.question() == null ? 0 : 1, answers.size(), query.edns() ? 1 : 0);
            if (query.question() != null)
            {
                DnsRecordEncoder.DEFAULT.encodeQuestion(query.question(), out);
            }
            final int questionEnd = out.writerIndex();
            for (final DnsRecord record : answers)
            {
                DnsRecordEncoder.DEFAULT.encodeRecord(record, out);
            }
            if (query.edns())
            {
                writeOpt(out);
            }
            if (out.readableBytes() > limit)
            {
                out.writerIndex(questionEnd);
                out.setShort(6, 0);
                out.setShort(2, out.getUnsignedShort(2) | FLAG_TC);
                if (query.edns())
                {
                    writeOpt(out);
                }
            }
            return out;
        }
        catch (final Exception ex)
        {
            out.release();
            throw new IllegalStateException("cannot encode an answer to " + query.question() + ": " + ex, ex);
        }
        finally
        {
            answers.forEach(ReferenceCountUtil::release);
        }
    }

    /**
     * What the client gets over UDP for an upstream's answer larger than its limit: what
     * {@link #answer} sends for an answer of its own that does not fit — the header with TC set
     * and the question, with the upstream's RCODE and AA — so the client asks again over TCP
     * (RFC 1035 4.2.1, RFC 2181 9). {@code response} is consumed (released).
     */
    static ByteBuf truncated(final ByteBufAllocator alloc, final Query query, final ByteBuf response)
    {
        final int flags = response.getUnsignedShort(response.readerIndex() + 2);
        response.release();
        // a limit nothing fits: the answer is cut back to its question, with TC
        return answer(alloc, query, DnsResponseCode.valueOf(flags & 0xF), (flags & FLAG_AA) != 0, List.of(), 0);
    }

    /** An answer with no records and {@code code}: FORMERR, NOTIMP, SERVFAIL, REFUSED or an empty NOERROR. */
    static ByteBuf error(final ByteBufAllocator alloc, final Query query, final DnsResponseCode code)
    {
        return answer(alloc, query, code, false, List.of(), Integer.MAX_VALUE);
    }

    private static void writeOpt(final ByteBuf out) throws Exception
    {
        DnsRecordEncoder.DEFAULT.encodeRecord(new AbstractDnsOptPseudoRrRecord(EDNS_UDP_LIMIT)
        {
        }, out);
    }

    private static void writeHeader(final ByteBuf out, final Query query, final DnsResponseCode code, final boolean authoritative,
        final boolean truncated, final int questions, final int answers, final int additional)
    {
        int flags = FLAG_QR | (query.flags() & (0x7800 | FLAG_RD | FLAG_CD)) | FLAG_RA | (code.intValue() & 0xF);
        if (authoritative)
        {
            flags |= FLAG_AA;
        }
        if (truncated)
        {
            flags |= FLAG_TC;
        }
        out.writeShort(query.id());
        out.writeShort(flags);
        out.writeShort(questions);
        out.writeShort(answers);
        out.writeShort(0);
        out.writeShort(additional);
    }

    /**
     * The IPv4 address a PTR name such as {@code 2.0.18.172.in-addr.arpa.} asks about, or -1 when
     * the name is not the reverse of one whole address.
     */
    static long reverseAddress(final String name)
    {
        final String suffix = ".in-addr.arpa";
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith("."))
        {
            lower = lower.substring(0, lower.length() - 1);
        }
        if (!lower.endsWith(suffix))
        {
            return -1;
        }
        final String[] octets = lower.substring(0, lower.length() - suffix.length()).split("\\.", -1);
        if (octets.length != 4)
        {
            return -1;
        }
        long address = 0;
        for (int i = 3; i >= 0; i--)
        {
            final String octet = octets[i];
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(Character::isDigit))
            {
                return -1;
            }
            final int value = Integer.parseInt(octet);
            if (value > 255)
            {
                return -1;
            }
            address = (address << 8) | value;
        }
        return address;
    }
}
