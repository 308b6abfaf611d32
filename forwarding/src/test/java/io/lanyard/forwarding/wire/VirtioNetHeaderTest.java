package io.lanyard.forwarding.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class VirtioNetHeaderTest
{
    /**
     * A TCP/IPv4 segmentation-offload frame as a TAP hands it over: NEEDS_CSUM, GSO_TCPV4,
     * hdr_len 66, gso_size 1448, csum_start 34 (Ethernet + IPv4), csum_offset 16 (TCP checksum);
     * every 16-bit field little-endian.
     */
    private static final String TCP_GSO = "01" + "01" + "4200" + "a805" + "2200" + "1000";

    private final VirtioNetHeader header = new VirtioNetHeader();

    @Test
    void shouldDecodeEveryLittleEndianFieldOfAGoldenGsoHeader()
    {
        header.wrap(new UnsafeBuffer(bytes(TCP_GSO)), 0);

        assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, header.flags());
        assertEquals(VirtioNetHeader.GSO_TCPV4, header.gsoType());
        assertEquals(66, header.headerLength());
        assertEquals(1448, header.gsoSize());
        assertEquals(34, header.csumStart());
        assertEquals(16, header.csumOffset());
    }

    @Test
    void shouldEncodeTheGoldenGsoHeaderIntoAZeroedBuffer()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[VirtioNetHeader.LENGTH]);

        header.wrap(buffer, 0)
            .flags(VirtioNetHeader.FLAG_NEEDS_CSUM)
            .gsoType(VirtioNetHeader.GSO_TCPV4)
            .headerLength(66)
            .gsoSize(1448)
            .csumStart(34)
            .csumOffset(16);

        assertArrayEquals(bytes(TCP_GSO), buffer.byteArray());
    }

    @Test
    void shouldReadSixteenBitFieldsAsUnsigned()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes("ff" + "85" + "ffff" + "0080" + "fffe" + "0100"));
        header.wrap(buffer, 0);

        assertEquals(0xFF, header.flags());
        assertEquals(VirtioNetHeader.GSO_ECN | VirtioNetHeader.GSO_UDP_L4, header.gsoType());
        assertEquals(0xFFFF, header.headerLength());
        assertEquals(0x8000, header.gsoSize());
        assertEquals(0xFEFF, header.csumStart());
        assertEquals(1, header.csumOffset());
    }

    @Test
    void shouldDecodeAndEncodeAHeaderThatStartsAfterHeadroom()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 + VirtioNetHeader.LENGTH + 14]);
        header.wrap(buffer, 64)
            .flags(VirtioNetHeader.FLAG_NEEDS_CSUM)
            .gsoType(VirtioNetHeader.GSO_TCPV4)
            .headerLength(66)
            .gsoSize(1448)
            .csumStart(34)
            .csumOffset(16);

        assertArrayEquals(new byte[64], copy(buffer, 0, 64));
        assertArrayEquals(bytes(TCP_GSO), copy(buffer, 64, VirtioNetHeader.LENGTH));
        assertEquals(1448, header.gsoSize());
    }

    @Test
    void shouldClearExactlyTheTenHeaderBytes()
    {
        final byte[] filled = new byte[4 + VirtioNetHeader.LENGTH + 4];
        java.util.Arrays.fill(filled, (byte)0x5A);
        final UnsafeBuffer buffer = new UnsafeBuffer(filled);

        header.wrap(buffer, 4).clear();

        assertEquals(VirtioNetHeader.GSO_NONE, header.gsoType());
        assertEquals(0, header.flags());
        assertArrayEquals(bytes("5a5a5a5a" + "00000000000000000000" + "5a5a5a5a"), buffer.byteArray());
    }
}
