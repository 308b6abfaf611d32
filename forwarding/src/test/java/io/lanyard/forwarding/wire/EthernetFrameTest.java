package io.lanyard.forwarding.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.ICMP_ECHO_REQUEST;
import static io.lanyard.forwarding.testkit.GoldenPackets.ICMP_ECHO_REQUEST_LENGTH;
import static io.lanyard.forwarding.testkit.GoldenPackets.MAC_2;
import static io.lanyard.forwarding.testkit.GoldenPackets.MAC_3;
import static io.lanyard.forwarding.testkit.GoldenPackets.buffer;
import static io.lanyard.forwarding.testkit.GoldenPackets.bufferAt;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EthernetFrameTest
{
    private final EthernetFrame frame = new EthernetFrame();

    @Test
    void shouldDecodeEveryFieldOfAGoldenFrame()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        frame.wrap(buffer, 0, ICMP_ECHO_REQUEST_LENGTH);

        assertTrue(frame.isValid());
        assertSame(buffer, frame.buffer());
        assertEquals(0, frame.offset());
        assertEquals(ICMP_ECHO_REQUEST_LENGTH, frame.length());
        assertEquals(MAC_3, frame.destination());
        assertEquals(MAC_2, frame.source());
        assertEquals(EthernetFrame.ETHER_TYPE_IPV4, frame.etherType());
        assertEquals(14, frame.payloadOffset());
        assertEquals(84, frame.payloadLength());
    }

    @Test
    void shouldEncodeTheGoldenHeaderIntoAZeroedBuffer()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[EthernetFrame.HEADER_LENGTH]);

        frame.wrap(buffer, 0, EthernetFrame.HEADER_LENGTH)
            .destination(MAC_3)
            .source(MAC_2)
            .etherType(EthernetFrame.ETHER_TYPE_IPV4);

        assertArrayEquals(bytes(ICMP_ECHO_REQUEST.substring(0, 2 * EthernetFrame.HEADER_LENGTH)), buffer.byteArray());
    }

    @Test
    void shouldDecodeAFrameThatStartsAfterHeadroom()
    {
        final UnsafeBuffer buffer = bufferAt(74, ICMP_ECHO_REQUEST);
        frame.wrap(buffer, 74, ICMP_ECHO_REQUEST_LENGTH);

        assertEquals(MAC_3, frame.destination());
        assertEquals(MAC_2, frame.source());
        assertEquals(EthernetFrame.ETHER_TYPE_IPV4, frame.etherType());
        assertEquals(74 + 14, frame.payloadOffset());
    }

    @Test
    void shouldEncodeAfterHeadroomWithoutTouchingTheBytesAround()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 + 14 + 8]);

        frame.wrap(buffer, 64, 14).destination(MAC_3).source(MAC_2).etherType(EthernetFrame.ETHER_TYPE_IPV4);

        assertArrayEquals(new byte[64], copy(buffer, 0, 64));
        assertArrayEquals(bytes(ICMP_ECHO_REQUEST.substring(0, 28)), copy(buffer, 64, 14));
        assertArrayEquals(new byte[8], copy(buffer, 78, 8));
    }

    @Test
    void shouldBeInvalidWhenShorterThanAnEthernetHeader()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);

        assertFalse(frame.wrap(buffer, 0, 0).isValid());
        assertFalse(frame.wrap(buffer, 0, 13).isValid());
        assertFalse(frame.wrap(buffer, 0, -10).isValid());
        assertTrue(frame.wrap(buffer, 0, 14).isValid());
    }

    @Test
    void shouldReadAMacWithTheHighBitSetAsAPositive48BitValue()
    {
        final UnsafeBuffer buffer = buffer("ffffffffffff" + "feffffffff80" + "86dd");
        frame.wrap(buffer, 0, 14);

        assertEquals(0xFFFF_FFFF_FFFFL, frame.destination());
        assertEquals(0xFEFF_FFFF_FF80L, frame.source());
        assertEquals(EthernetFrame.ETHER_TYPE_IPV6, frame.etherType());
    }

    @Test
    void shouldWriteOnlyTheLow48BitsOfAMac()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);

        EthernetFrame.writeMac(buffer, 1, 0x0242_AC11_0002L);

        assertArrayEquals(bytes("000242ac11000200"), buffer.byteArray());
        assertEquals(0x0242_AC11_0002L, EthernetFrame.readMac(buffer, 1));
    }

    @Test
    void shouldReadAVlanTaggedFramesOuterEtherType()
    {
        final UnsafeBuffer buffer = buffer("0242ac110003" + "0242ac110002" + "8100" + "0064" + "0800");

        assertEquals(EthernetFrame.ETHER_TYPE_VLAN, frame.wrap(buffer, 0, 18).etherType());
    }
}
