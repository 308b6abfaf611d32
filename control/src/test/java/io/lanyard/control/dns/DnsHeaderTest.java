package io.lanyard.control.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.lanyard.control.dns.WireMessages.GOLDEN_ANSWER;
import static io.lanyard.control.dns.WireMessages.GOLDEN_QUERY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DnsHeaderTest
{
    private final DnsHeader header = new DnsHeader();

    @Test
    void shouldReadTheHeaderFieldsOfAGoldenAnswer()
    {
        final ByteBuf answer = Unpooled.wrappedBuffer(GOLDEN_ANSWER);

        assertTrue(header.wrap(answer).isValid());
        assertEquals(0xbeef, header.id());
        assertTrue(header.isResponse());
        assertFalse(header.isTruncated());
        assertEquals(0, header.responseCode());
        assertEquals(1, header.questionCount());
        assertFalse(header.wrap(Unpooled.wrappedBuffer(GOLDEN_QUERY)).isResponse());
    }

    @Test
    void shouldReadTruncationAndResponseCodeFromTheFlags()
    {
        final byte[] flagged = GOLDEN_ANSWER.clone();
        flagged[2] = (byte)0x83;
        flagged[3] = (byte)0x82;

        header.wrap(Unpooled.wrappedBuffer(flagged));

        assertTrue(header.isTruncated());
        assertEquals(2, header.responseCode());
    }

    @Test
    void shouldRewriteOnlyTheIdAtTheReaderIndex()
    {
        final byte[] framed = new byte[2 + GOLDEN_ANSWER.length];
        System.arraycopy(GOLDEN_ANSWER, 0, framed, 2, GOLDEN_ANSWER.length);
        final ByteBuf buffer = Unpooled.wrappedBuffer(framed).skipBytes(2);

        header.wrap(buffer).id(0x0102);

        final byte[] expected = GOLDEN_ANSWER.clone();
        expected[0] = 0x01;
        expected[1] = 0x02;
        assertArrayEquals(expected, Arrays.copyOfRange(framed, 2, framed.length));
    }

    @Test
    void shouldCallAMessageShorterThanAHeaderInvalid()
    {
        assertFalse(header.wrap(Unpooled.wrappedBuffer(Arrays.copyOf(GOLDEN_QUERY, 11))).isValid());
    }
}
