package io.lanyard.forwarding.wire;

import io.lanyard.forwarding.testkit.GoldenPackets;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.ICMP_ECHO_REQUEST;
import static io.lanyard.forwarding.testkit.GoldenPackets.ICMP_OFFSET;
import static io.lanyard.forwarding.testkit.GoldenPackets.buffer;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IcmpHeaderTest
{
    private static final int ICMP_LENGTH = 64;
    private static final String ECHO_PAYLOAD = ICMP_ECHO_REQUEST.substring(2 * (ICMP_OFFSET + IcmpHeader.HEADER_LENGTH));

    private final IcmpHeader icmp = new IcmpHeader();

    @Test
    void shouldDecodeEveryFieldOfTheGoldenEchoRequest()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        icmp.wrap(buffer, ICMP_OFFSET, ICMP_LENGTH);

        assertTrue(icmp.isValid());
        assertEquals(ICMP_LENGTH, icmp.length());
        assertEquals(IcmpHeader.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0x0C88, icmp.checksum());
        assertEquals(0x0F1E, icmp.identifier());
        assertEquals(1, icmp.sequence());
        assertEquals(ICMP_OFFSET + 8, icmp.dataOffset());
        assertTrue(icmp.isChecksumCorrect());
    }

    @Test
    void shouldEncodeTheGoldenEchoRequestIntoAZeroedBuffer()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[ICMP_LENGTH]);
        buffer.putBytes(IcmpHeader.HEADER_LENGTH, bytes(ECHO_PAYLOAD));

        icmp.wrap(buffer, 0, ICMP_LENGTH)
            .type(IcmpHeader.TYPE_ECHO_REQUEST)
            .code(0)
            .identifier(0x0F1E)
            .sequence(1)
            .updateChecksum();

        assertEquals(0x0C88, icmp.checksum());
        assertArrayEquals(bytes(ICMP_ECHO_REQUEST.substring(2 * ICMP_OFFSET)), buffer.byteArray());
    }

    @Test
    void shouldAnswerAnEchoRequestWithAReplyWhoseChecksumIsUpdatedIncrementally()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        icmp.wrap(buffer, ICMP_OFFSET, ICMP_LENGTH);

        final int before = icmp.checksum();
        icmp.type(IcmpHeader.TYPE_ECHO_REPLY);
        icmp.checksum(InternetChecksum.update16(before, 0x0800, 0x0000));

        assertEquals(0x1488, icmp.checksum());
        assertTrue(icmp.isChecksumCorrect());
        assertEquals(0x1488, icmp.updateChecksum().checksum(), "agrees with a full recompute");
    }

    @Test
    void shouldDetectACorruptedPayload()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        icmp.wrap(buffer, ICMP_OFFSET, ICMP_LENGTH);

        buffer.putByte(icmp.dataOffset() + 20, (byte)0x00);

        assertFalse(icmp.isChecksumCorrect());
    }

    @Test
    void shouldDecodeADestinationUnreachableThatQuotesTheOffendingHeader()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8 + 28]);
        final UnsafeBuffer golden = buffer(ICMP_ECHO_REQUEST);
        buffer.putBytes(8, golden, GoldenPackets.IPV4_OFFSET, 28);
        icmp.wrap(buffer, 0, 36).type(IcmpHeader.TYPE_DESTINATION_UNREACHABLE).code(4).sequence(1450).updateChecksum();

        assertEquals(3, icmp.type());
        assertEquals(4, icmp.code());
        assertEquals(1450, icmp.sequence(), "the next-hop MTU shares the sequence field");
        assertTrue(icmp.isChecksumCorrect());
        assertArrayEquals(copy(golden, GoldenPackets.IPV4_OFFSET, 28), copy(buffer, icmp.dataOffset(), 28));
    }

    @Test
    void shouldBeInvalidWhenShorterThanTheHeader()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);

        assertFalse(icmp.wrap(buffer, ICMP_OFFSET, 7).isValid());
        assertFalse(icmp.wrap(buffer, ICMP_OFFSET, 0).isValid());
        assertTrue(icmp.wrap(buffer, ICMP_OFFSET, 8).isValid());
    }

    @Test
    void shouldComputeTheChecksumOfAnOddLengthMessage()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[9]);
        icmp.wrap(buffer, 0, 9).type(IcmpHeader.TYPE_ECHO_REQUEST).identifier(1).sequence(2);
        buffer.putByte(8, (byte)0xAB);

        icmp.updateChecksum();

        // 0x0800 + 0x0001 + 0x0002 + 0xab00 = 0xb303, complemented
        assertEquals(0x4CFC, icmp.checksum());
        assertTrue(icmp.isChecksumCorrect());
    }
}
