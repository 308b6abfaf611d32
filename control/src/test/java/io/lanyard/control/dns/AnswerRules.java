package io.lanyard.control.dns;

import java.util.HexFormat;
import java.util.Set;

import static io.lanyard.control.dns.ParsedReply.FORMERR;
import static io.lanyard.control.dns.ParsedReply.NOERROR;
import static io.lanyard.control.dns.ParsedReply.NOTIMP;
import static io.lanyard.control.dns.ParsedReply.SERVFAIL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the embedded DNS owes a message, judged from the message's bytes alone, and what every
 * answer it sends must be, for the fuzz tests over sockets ({@link EmbeddedDnsFuzzTest}) and of
 * the resolver itself ({@link ResolverFuzzTest}).
 */
final class AnswerRules
{
    /** What the server must do with one message. */
    enum Outcome
    {
        /** Shorter than a header, or a response: no answer. */
        DROPPED,
        /** Another opcode: NOTIMP. */
        NOT_IMPLEMENTED,
        /** Longer than any query read: FORMERR. */
        OVERSIZED,
        /** Read: FORMERR if malformed, else an answer (NOERROR or, with no upstreams, SERVFAIL). */
        READ
    }

    private AnswerRules()
    {
    }

    /** @param readBytes how much of the message the server reads (a datagram's receive buffer, or all of a TCP frame). */
    static Outcome expected(final byte[] message, final int readBytes)
    {
        final int length = Math.min(message.length, readBytes);
        if (length < StubQuery.HEADER_LENGTH)
        {
            return Outcome.DROPPED;
        }
        final int flags = ((message[2] & 0xFF) << 8) | (message[3] & 0xFF);
        if ((flags & StubQuery.FLAG_QR) != 0)
        {
            return Outcome.DROPPED;
        }
        if (((flags >> 11) & 0xF) != 0)
        {
            return Outcome.NOT_IMPLEMENTED;
        }
        return length > Resolver.MAX_QUERY ? Outcome.OVERSIZED : Outcome.READ;
    }

    /**
     * Checks the server's answer to {@code query} (made as {@code how} says): one netty's decoder
     * reads, with QR set, the query's ID and opcode, counts that match its sections, NOTIMP for
     * another opcode, FORMERR for an oversized query, and the question repeated in a NOERROR or
     * SERVFAIL, with AA on internal answers only.
     */
    static ParsedReply checkedAnswer(final Object how, final byte[] query, final Outcome outcome, final byte[] answer)
    {
        final String what = "the answer to " + how + ": " + HexFormat.of().formatHex(answer);
        final ParsedReply reply;
        try
        {
            reply = ParsedReply.parse(answer);
        }
        catch (final RuntimeException unreadable)
        {
            throw new AssertionError("netty cannot read " + what + ": " + unreadable, unreadable);
        }
        assertTrue(reply.isResponse(), "QR set in " + what);
        assertEquals(idOf(query), reply.id(), "the query's ID in " + what);
        assertEquals((query[2] >> 3) & 0xF, reply.opcode(), "the query's opcode in " + what);
        assertTrue(reply.countsMatchSections(), "header counts match the sections in " + what);
        switch (outcome)
        {
            case NOT_IMPLEMENTED -> assertEquals(NOTIMP, reply.rcode(), "NOTIMP for another opcode: " + what);
            case OVERSIZED -> assertEquals(FORMERR, reply.rcode(), "FORMERR for an oversized query: " + what);
            default -> assertTrue(Set.of(NOERROR, FORMERR, SERVFAIL).contains(reply.rcode()), "an answer of the server's own: " + what);
        }
        if (reply.rcode() == NOERROR || reply.rcode() == SERVFAIL)
        {
            assertEquals(1, reply.questions().size(), "the question is repeated in " + what);
            assertEquals(reply.rcode() == NOERROR, reply.authoritative(), "AA on internal answers only: " + what);
        }
        return reply;
    }

    static int idOf(final byte[] message)
    {
        return ((message[0] & 0xFF) << 8) | (message[1] & 0xFF);
    }
}
