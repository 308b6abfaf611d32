package io.lanyard.forwarding.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.TCP_SYN;
import static io.lanyard.forwarding.testkit.GoldenPackets.TCP_SYN_SEGMENT_LENGTH;
import static io.lanyard.forwarding.testkit.GoldenPackets.TRANSPORT_OFFSET;
import static io.lanyard.forwarding.testkit.GoldenPackets.buffer;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.transportSum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpHeaderTest
{
    private final TcpHeader tcp = new TcpHeader();

    @Test
    void shouldDecodeEveryFieldOfTheGoldenSyn()
    {
        final UnsafeBuffer buffer = buffer(TCP_SYN);
        tcp.wrap(buffer, TRANSPORT_OFFSET, TCP_SYN_SEGMENT_LENGTH);

        assertTrue(tcp.isValid());
        assertEquals(TRANSPORT_OFFSET, tcp.offset());
        assertEquals(40000, tcp.sourcePort());
        assertEquals(80, tcp.destinationPort());
        assertEquals(0x1C2D_3E4FL, tcp.sequence());
        assertEquals(0, tcp.acknowledgment());
        assertEquals(24, tcp.headerLength());
        assertEquals(TcpHeader.FLAG_SYN, tcp.flags());
        assertEquals(64240, tcp.window());
        assertEquals(0x4E01, tcp.checksum());
        assertEquals(0, tcp.urgentPointer());
        assertEquals(0xFFFF, transportSum(buffer, TRANSPORT_OFFSET, TCP_SYN_SEGMENT_LENGTH), "the golden checksum is right");
    }

    @Test
    void shouldEncodeTheGoldenSynIntoAZeroedBuffer()
    {
        final byte[] golden = bytes(TCP_SYN.substring(2 * TRANSPORT_OFFSET));
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[golden.length]);
        buffer.putBytes(TcpHeader.MIN_LENGTH, golden, TcpHeader.MIN_LENGTH, golden.length - TcpHeader.MIN_LENGTH);

        tcp.wrap(buffer, 0, golden.length)
            .sourcePort(40000)
            .destinationPort(80)
            .sequence(0x1C2D_3E4FL)
            .acknowledgment(0)
            .headerLength(24)
            .flags(TcpHeader.FLAG_SYN)
            .window(64240)
            .checksum(0x4E01)
            .urgentPointer(0);

        assertArrayEquals(golden, buffer.byteArray());
    }

    @Test
    void shouldReadSequenceNumbersAboveTwoToThe31AsUnsigned()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[TcpHeader.MIN_LENGTH]);

        tcp.wrap(buffer, 0, TcpHeader.MIN_LENGTH).sequence(0xFFFF_FFFEL).acknowledgment(0x8000_0000L);

        assertEquals(0xFFFF_FFFEL, tcp.sequence());
        assertEquals(0x8000_0000L, tcp.acknowledgment());
        assertEquals((byte)0xFE, buffer.getByte(TcpHeader.SEQUENCE_OFFSET + 3));
    }

    @Test
    void shouldKeepEachFlagInItsOwnBit()
    {
        final UnsafeBuffer buffer = buffer(TCP_SYN);
        tcp.wrap(buffer, TRANSPORT_OFFSET, TCP_SYN_SEGMENT_LENGTH).flags(TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK);

        assertEquals(0x12, buffer.getByte(TRANSPORT_OFFSET + TcpHeader.FLAGS_OFFSET));
        assertEquals(24, tcp.headerLength(), "the data offset shares the word, not the byte");
    }

    @Test
    void shouldBeInvalidWhenShorterThanTheFixedHeader()
    {
        final UnsafeBuffer buffer = buffer(TCP_SYN);

        assertFalse(tcp.wrap(buffer, TRANSPORT_OFFSET, TcpHeader.MIN_LENGTH - 1).isValid());
        assertFalse(tcp.wrap(buffer, TRANSPORT_OFFSET, 0).isValid());
        assertTrue(tcp.wrap(buffer, TRANSPORT_OFFSET, TcpHeader.MIN_LENGTH).isValid());
    }
}
