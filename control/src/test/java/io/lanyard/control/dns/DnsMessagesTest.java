package io.lanyard.control.dns;

import io.lanyard.control.dns.DnsMessages.Query;
import io.lanyard.control.dns.DnsMessages.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DnsMessagesTest
{
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.11", 53);

    /** A query as a real client (netty's encoder) writes it. */
    static ByteBuf query(final int id, final String name, final DnsRecordType type, final boolean edns)
    {
        final DatagramDnsQuery query = new DatagramDnsQuery(CLIENT, SERVER, id).setRecursionDesired(true);
        query.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
        if (edns)
        {
            query.addRecord(DnsSection.ADDITIONAL, new io.netty.handler.codec.dns.AbstractDnsOptPseudoRrRecord(1232)
            {
            });
        }
        final EmbeddedChannel channel = new EmbeddedChannel(new DatagramDnsQueryEncoder());
        channel.writeOutbound(query);
        final DatagramPacket packet = channel.readOutbound();
        channel.finishAndReleaseAll();
        return packet.content();
    }

    /** Decodes an answer as a real client (netty's decoder) reads it. */
    static DatagramDnsResponse decode(final ByteBuf answer)
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        channel.writeInbound(new DatagramPacket(answer, CLIENT, SERVER));
        final DatagramDnsResponse response = channel.readInbound();
        channel.finish();
        return response;
    }

    @Test
    void shouldReadAQueryWithItsQuestionAndEdnsPayloadSize()
    {
        final ByteBuf message = query(0x1234, "web.frontend.", DnsRecordType.A, true);
        try
        {
            final Query query = DnsMessages.read(message);
            assertEquals(Verdict.QUERY, query.verdict());
            assertEquals(0x1234, query.id());
            assertEquals("web.frontend.", query.question().name());
            assertEquals(DnsRecordType.A, query.question().type());
            assertTrue(query.edns());
            assertEquals(1232, query.udpPayload());
        }
        finally
        {
            message.release();
        }
        final ByteBuf classic = query(1, "web", DnsRecordType.A, false);
        assertEquals(512, DnsMessages.read(classic).udpPayload(), "no EDNS: the classic 512 bytes");
        classic.release();
    }

    @Test
    void shouldSortOutWhatIsNotAPlainQuery()
    {
        assertEquals(Verdict.DROP, DnsMessages.read(Unpooled.wrappedBuffer(new byte[11])).verdict(), "shorter than a header");

        final ByteBuf response = query(7, "web", DnsRecordType.A, false);
        response.setShort(2, response.getUnsignedShort(2) | 0x8000);
        assertEquals(Verdict.DROP, DnsMessages.read(response).verdict(), "a response is never answered (no reflection loops)");

        final ByteBuf update = query(7, "web", DnsRecordType.A, false);
        update.setShort(2, (update.getUnsignedShort(2) & ~0x7800) | (5 << 11));
        assertEquals(Verdict.NOTIMP, DnsMessages.read(update).verdict(), "opcode UPDATE");

        final ByteBuf twoQuestions = query(7, "web", DnsRecordType.A, false);
        twoQuestions.setShort(4, 2);
        assertEquals(Verdict.FORMERR, DnsMessages.read(twoQuestions).verdict(), "QDCOUNT 2 with one question");

        final ByteBuf cut = query(7, "a-long-name.example", DnsRecordType.A, false);
        assertEquals(Verdict.FORMERR, DnsMessages.read(cut.slice(0, 20)).verdict(), "the question ends early");

        final ByteBuf loop = Unpooled.buffer();
        loop.writeShort(9).writeShort(0x0100).writeShort(1).writeShort(0).writeShort(0).writeShort(0);
        loop.writeShort(0xC00C).writeShort(1).writeShort(1); // a name that points at itself
        assertEquals(Verdict.FORMERR, DnsMessages.read(loop).verdict(), "a compression pointer loop");
        List.of(response, update, twoQuestions, cut, loop).forEach(ByteBuf::release);
    }

    @Test
    void shouldWriteAnAuthoritativeAnswerAClientReads()
    {
        final ByteBuf message = query(42, "web", DnsRecordType.A, false);
        final Query query = DnsMessages.read(message);
        final List<DnsRecord> answers = new ArrayList<>();
        answers.add(new DefaultDnsRawRecord("web", DnsRecordType.A, 600, Unpooled.wrappedBuffer(new byte[] {10, 0, 0, 2})));
        final DatagramDnsResponse response = decode(DnsMessages.answer(ByteBufAllocator.DEFAULT, query, DnsResponseCode.NOERROR,
            true, answers, 512));
        try
        {
            assertEquals(42, response.id());
            assertEquals(DnsResponseCode.NOERROR, response.code());
            assertTrue(response.isAuthoritativeAnswer());
            assertTrue(response.isRecursionDesired(), "RD echoed");
            assertFalse(response.isTruncated());
            assertEquals("web.", response.recordAt(DnsSection.QUESTION).name());
            final DnsRawRecord a = response.recordAt(DnsSection.ANSWER);
            assertEquals(600, a.timeToLive());
            assertEquals(0x0A000002, a.content().getInt(a.content().readerIndex()));
        }
        finally
        {
            response.release();
            message.release();
        }
    }

    @Test
    void shouldTruncateAnAnswerThatDoesNotFitTheClientsLimit()
    {
        final ByteBuf message = query(5, "many-replicas-of-a-service", DnsRecordType.A, false);
        final Query query = DnsMessages.read(message);
        final List<DnsRecord> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++)
        {
            answers.add(new DefaultDnsRawRecord(query.question().name(), DnsRecordType.A, 600,
                Unpooled.wrappedBuffer(new byte[] {10, 0, 1, (byte)i})));
        }
        final DatagramDnsResponse response = decode(DnsMessages.answer(ByteBufAllocator.DEFAULT, query, DnsResponseCode.NOERROR,
            true, answers, 512));
        try
        {
            assertTrue(response.isTruncated(), "40 A records of a 26-letter name exceed 512 bytes: TC, ask over TCP");
            assertEquals(0, response.count(DnsSection.ANSWER));
            assertEquals(1, response.count(DnsSection.QUESTION));
        }
        finally
        {
            response.release();
            message.release();
        }
    }

    @Test
    void shouldCutARelayedAnswerTooLargeForTheClientBackToItsQuestionWithTc()
    {
        final ByteBuf message = query(9, "many.big.test", DnsRecordType.A, true);
        final Query query = DnsMessages.read(message);
        final ByteBuf upstream = Unpooled.buffer()
            .writeShort(4242).writeShort(0x8000 | 0x0400 | 0x0100 | 0x0080).writeShort(1).writeShort(100).writeShort(0).writeShort(0)
            .writeZero(1600);
        final DatagramDnsResponse response = decode(DnsMessages.truncated(ByteBufAllocator.DEFAULT, query, upstream));
        try
        {
            assertEquals(0, upstream.refCnt(), "the upstream's answer is released");
            assertEquals(9, response.id(), "the client's ID");
            assertTrue(response.isTruncated());
            assertTrue(response.isAuthoritativeAnswer(), "the upstream's AA");
            assertEquals(DnsResponseCode.NOERROR, response.code());
            assertEquals(1, response.count(DnsSection.QUESTION));
            assertEquals("many.big.test.", response.recordAt(DnsSection.QUESTION).name());
            assertEquals(0, response.count(DnsSection.ANSWER));
            assertEquals(1, response.count(DnsSection.ADDITIONAL), "an EDNS query gets an OPT record back");
        }
        finally
        {
            response.release();
            message.release();
        }
    }

    @Test
    void shouldAnswerErrorsWithTheQuestionWhenThereIsOne()
    {
        final ByteBuf message = query(77, "x", DnsRecordType.AAAA, true);
        final Query query = DnsMessages.read(message);
        final DatagramDnsResponse servfail = decode(DnsMessages.error(ByteBufAllocator.DEFAULT, query, DnsResponseCode.SERVFAIL));
        assertEquals(DnsResponseCode.SERVFAIL, servfail.code());
        assertEquals(1, servfail.count(DnsSection.QUESTION));
        assertEquals(1, servfail.count(DnsSection.ADDITIONAL), "an EDNS query gets an OPT record back");
        servfail.release();
        message.release();

        final ByteBuf garbage = Unpooled.buffer().writeShort(99).writeShort(0x0100).writeShort(1).writeZero(10);
        final Query bad = DnsMessages.read(garbage);
        assertEquals(Verdict.FORMERR, bad.verdict());
        assertNull(bad.question());
        final DatagramDnsResponse formerr = decode(DnsMessages.error(ByteBufAllocator.DEFAULT, bad, DnsResponseCode.FORMERR));
        assertEquals(99, formerr.id());
        assertEquals(DnsResponseCode.FORMERR, formerr.code());
        assertEquals(0, formerr.count(DnsSection.QUESTION));
        assertEquals(DnsOpCode.QUERY, formerr.opCode());
        formerr.release();
        garbage.release();
    }

    @Test
    void shouldReadReverseNamesOfWholeAddressesOnly()
    {
        assertEquals(0xAC120002L, DnsMessages.reverseAddress("2.0.18.172.in-addr.arpa."));
        assertEquals(0xAC120002L, DnsMessages.reverseAddress("2.0.18.172.IN-ADDR.ARPA"));
        assertEquals(-1, DnsMessages.reverseAddress("0.18.172.in-addr.arpa."), "a /24 zone, not an address");
        assertEquals(-1, DnsMessages.reverseAddress("256.0.18.172.in-addr.arpa."));
        assertEquals(-1, DnsMessages.reverseAddress("a.0.18.172.in-addr.arpa."));
        assertEquals(-1, DnsMessages.reverseAddress("2..18.172.in-addr.arpa."));
        assertEquals(-1, DnsMessages.reverseAddress("web.frontend."));
    }
}
