package io.lanyard.forwarding.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.TRANSPORT_OFFSET;
import static io.lanyard.forwarding.testkit.GoldenPackets.UDP_DNS_QUERY;
import static io.lanyard.forwarding.testkit.GoldenPackets.UDP_DNS_QUERY_DATAGRAM_LENGTH;
import static io.lanyard.forwarding.testkit.GoldenPackets.buffer;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.transportSum;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpHeaderTest
{
    private final UdpHeader udp = new UdpHeader();

    @Test
    void shouldDecodeEveryFieldOfTheGoldenDnsQuery()
    {
        final UnsafeBuffer buffer = buffer(UDP_DNS_QUERY);
        udp.wrap(buffer, TRANSPORT_OFFSET, UDP_DNS_QUERY_DATAGRAM_LENGTH);

        assertTrue(udp.isValid());
        assertEquals(TRANSPORT_OFFSET, udp.offset());
        assertEquals(53535, udp.sourcePort());
        assertEquals(53, udp.destinationPort());
        assertEquals(UDP_DNS_QUERY_DATAGRAM_LENGTH, udp.datagramLength());
        assertEquals(0x5AEC, udp.checksum());
        assertEquals(TRANSPORT_OFFSET + 8, udp.dataOffset());
        assertEquals(0xABCD, buffer.getShort(udp.dataOffset(), BIG_ENDIAN) & 0xFFFF, "the DNS id follows");
        assertEquals(0xFFFF, transportSum(buffer, TRANSPORT_OFFSET, UDP_DNS_QUERY_DATAGRAM_LENGTH),
            "the golden checksum is right");
    }

    @Test
    void shouldEncodeTheGoldenDnsQueryIntoAZeroedBuffer()
    {
        final byte[] golden = bytes(UDP_DNS_QUERY.substring(2 * TRANSPORT_OFFSET));
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[golden.length]);
        buffer.putBytes(UdpHeader.HEADER_LENGTH, golden, UdpHeader.HEADER_LENGTH, golden.length - UdpHeader.HEADER_LENGTH);

        udp.wrap(buffer, 0, golden.length)
            .sourcePort(53535)
            .destinationPort(53)
            .datagramLength(UDP_DNS_QUERY_DATAGRAM_LENGTH)
            .checksum(0x5AEC);

        assertArrayEquals(golden, buffer.byteArray());
    }

    @Test
    void shouldBeInvalidWhenShorterThanTheHeader()
    {
        final UnsafeBuffer buffer = buffer(UDP_DNS_QUERY);

        assertFalse(udp.wrap(buffer, TRANSPORT_OFFSET, UdpHeader.HEADER_LENGTH - 1).isValid());
        assertFalse(udp.wrap(buffer, TRANSPORT_OFFSET, 0).isValid());
        assertTrue(udp.wrap(buffer, TRANSPORT_OFFSET, UdpHeader.HEADER_LENGTH).isValid());
    }
}
