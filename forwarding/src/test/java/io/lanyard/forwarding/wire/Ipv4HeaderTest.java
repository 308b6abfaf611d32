package io.lanyard.forwarding.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.HOST_2;
import static io.lanyard.forwarding.testkit.GoldenPackets.HOST_3;
import static io.lanyard.forwarding.testkit.GoldenPackets.ICMP_ECHO_REQUEST;
import static io.lanyard.forwarding.testkit.GoldenPackets.ICMP_OFFSET;
import static io.lanyard.forwarding.testkit.GoldenPackets.IPV4_OFFSET;
import static io.lanyard.forwarding.testkit.GoldenPackets.buffer;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4HeaderTest
{
    private static final int IPV4_LENGTH = 84;

    /** The textbook header (192.168.0.1 → 192.168.0.199, UDP, checksum 0xb861), payload omitted. */
    private static final String TEXTBOOK_HEADER = "450000730000400040110000c0a80001c0a800c7";

    /** An IGMPv3 report: IHL 6 with the Router Alert option (RFC 2113), header checksum 0xfa00. */
    private static final String IGMP_WITH_ROUTER_ALERT =
        "46c00020" + "00004000" + "0102" + "fa00" + "0a000001" + "e0000016" + "94040000" + "2200ddff00000000";

    private final Ipv4Header ip = new Ipv4Header();

    @Test
    void shouldDecodeEveryFieldOfTheGoldenEchoRequest()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        ip.wrap(buffer, IPV4_OFFSET, IPV4_LENGTH);

        assertTrue(ip.isValid());
        assertEquals(IPV4_OFFSET, ip.offset());
        assertEquals(4, ip.version());
        assertEquals(20, ip.headerLength());
        assertEquals(0, ip.tos());
        assertEquals(84, ip.totalLength());
        assertEquals(0xB3D1, ip.identification());
        assertEquals(Ipv4Header.FLAG_DONT_FRAGMENT, ip.flagsAndFragmentOffset());
        assertFalse(ip.isFragment());
        assertEquals(64, ip.ttl());
        assertEquals(Ipv4Header.PROTOCOL_ICMP, ip.protocol());
        assertEquals(0x2EB0, ip.checksum());
        assertEquals(HOST_2, ip.source());
        assertEquals(HOST_3, ip.destination());
        assertEquals(ICMP_OFFSET, ip.payloadOffset());
        assertEquals(64, ip.payloadLength());
        assertTrue(ip.isChecksumCorrect());
    }

    @Test
    void shouldEncodeTheGoldenEchoRequestHeaderIntoAZeroedBuffer()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[Ipv4Header.MIN_LENGTH]);

        ip.wrap(buffer, 0, Ipv4Header.MIN_LENGTH)
            .versionAndHeaderLength(Ipv4Header.MIN_LENGTH)
            .tos(0)
            .totalLength(84)
            .identification(0xB3D1)
            .flagsAndFragmentOffset(Ipv4Header.FLAG_DONT_FRAGMENT)
            .ttl(64)
            .protocol(Ipv4Header.PROTOCOL_ICMP)
            .source(HOST_2)
            .destination(HOST_3)
            .updateChecksum();

        assertEquals(0x2EB0, ip.checksum());
        assertArrayEquals(bytes(ICMP_ECHO_REQUEST.substring(2 * IPV4_OFFSET, 2 * ICMP_OFFSET)), buffer.byteArray());
    }

    @Test
    void shouldComputeTheTextbookHeaderChecksum()
    {
        final UnsafeBuffer buffer = buffer(TEXTBOOK_HEADER);
        ip.wrap(buffer, 0, Ipv4Header.MIN_LENGTH);

        assertFalse(ip.isChecksumCorrect());
        ip.updateChecksum();

        assertEquals(0xB861, ip.checksum());
        assertTrue(ip.isChecksumCorrect());
        assertEquals(Ipv4Header.PROTOCOL_UDP, ip.protocol());
        assertEquals(0x73, ip.totalLength());
    }

    @Test
    void shouldRecomputeTheChecksumOverAnExistingNonZeroChecksum()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        ip.wrap(buffer, IPV4_OFFSET, IPV4_LENGTH).checksum(0xDEAD);

        assertFalse(ip.isChecksumCorrect());
        assertEquals(0x2EB0, ip.updateChecksum().checksum());
    }

    @Test
    void shouldDecodeAndEncodeAHeaderWithOptions()
    {
        final UnsafeBuffer golden = buffer(IGMP_WITH_ROUTER_ALERT);
        ip.wrap(golden, 0, 32);

        assertTrue(ip.isValid());
        assertEquals(24, ip.headerLength());
        assertEquals(0xC0, ip.tos());
        assertEquals(1, ip.ttl());
        assertEquals(2, ip.protocol());
        assertEquals(0xFA00, ip.checksum());
        assertEquals(24, ip.payloadOffset());
        assertEquals(8, ip.payloadLength());
        assertTrue(ip.isChecksumCorrect());

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[32]);
        buffer.putBytes(20, bytes("94040000" + "2200ddff00000000"));
        ip.wrap(buffer, 0, 32)
            .versionAndHeaderLength(24)
            .tos(0xC0)
            .totalLength(32)
            .identification(0)
            .flagsAndFragmentOffset(Ipv4Header.FLAG_DONT_FRAGMENT)
            .ttl(1)
            .protocol(2)
            .source(0x0A00_0001)
            .destination(0xE000_0016)
            .updateChecksum();

        assertArrayEquals(golden.byteArray(), buffer.byteArray());
    }

    @Test
    void shouldBeInvalidWhenShorterThanTheMinimumHeader()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);

        assertFalse(ip.wrap(buffer, IPV4_OFFSET, 19).isValid());
        assertFalse(ip.wrap(buffer, IPV4_OFFSET, 0).isValid());
    }

    @Test
    void shouldBeInvalidWhenTheHeaderLengthIsBelowFiveWords()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        buffer.putByte(IPV4_OFFSET, (byte)0x44);

        assertFalse(ip.wrap(buffer, IPV4_OFFSET, IPV4_LENGTH).isValid());
        buffer.putByte(IPV4_OFFSET, (byte)0x40);
        assertFalse(ip.wrap(buffer, IPV4_OFFSET, IPV4_LENGTH).isValid());
    }

    @Test
    void shouldBeInvalidWhenTheVersionIsNotFour()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);

        buffer.putByte(IPV4_OFFSET, (byte)0x65);
        assertFalse(ip.wrap(buffer, IPV4_OFFSET, IPV4_LENGTH).isValid());
        buffer.putByte(IPV4_OFFSET, (byte)0x55);
        assertFalse(ip.wrap(buffer, IPV4_OFFSET, IPV4_LENGTH).isValid());
    }

    @Test
    void shouldBeInvalidWhenTheTotalLengthExceedsTheBytesPresent()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);

        assertFalse(ip.wrap(buffer, IPV4_OFFSET, IPV4_LENGTH - 1).isValid());
        assertTrue(ip.wrap(buffer, IPV4_OFFSET, IPV4_LENGTH).isValid());
    }

    @Test
    void shouldBeValidWhenTheFrameCarriesEthernetPaddingBeyondTheTotalLength()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[60]);
        final byte[] header = bytes(ICMP_ECHO_REQUEST.substring(2 * IPV4_OFFSET, 2 * ICMP_OFFSET));
        buffer.putBytes(0, header);
        ip.wrap(buffer, 0, 46).totalLength(28);

        assertTrue(ip.isValid());
        assertEquals(8, ip.payloadLength());
    }

    @Test
    void shouldBeInvalidWhenTheTotalLengthIsShorterThanTheHeader()
    {
        final UnsafeBuffer buffer = buffer(IGMP_WITH_ROUTER_ALERT);

        ip.wrap(buffer, 0, 32).totalLength(22);
        assertFalse(ip.isValid());
        ip.totalLength(24);
        assertTrue(ip.isValid());
    }

    @Test
    void shouldBeInvalidWhenTheOptionsRunPastTheBytesPresent()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        buffer.putByte(IPV4_OFFSET, (byte)0x4F);

        ip.wrap(buffer, IPV4_OFFSET, 40).totalLength(40);
        assertFalse(ip.isValid(), "IHL 15 means a 60-byte header");
    }

    @Test
    void shouldAcceptASegmentationOffloadTotalLengthWhenTheBytesArePresent()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[65_535]);
        buffer.putBytes(0, bytes(ICMP_ECHO_REQUEST.substring(2 * IPV4_OFFSET, 2 * ICMP_OFFSET)));
        ip.wrap(buffer, 0, 65_535).totalLength(65_535);

        assertTrue(ip.isValid());
        assertEquals(65_535, ip.totalLength());
        assertEquals(65_515, ip.payloadLength());
    }

    @Test
    void shouldTellFragmentsFromWholeDatagrams()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[20]);
        ip.wrap(buffer, 0, 20);

        assertFalse(ip.flagsAndFragmentOffset(0).isFragment());
        assertFalse(ip.flagsAndFragmentOffset(Ipv4Header.FLAG_DONT_FRAGMENT).isFragment());
        assertTrue(ip.flagsAndFragmentOffset(Ipv4Header.FLAG_MORE_FRAGMENTS).isFragment(), "first fragment");
        assertTrue(ip.flagsAndFragmentOffset(185).isFragment(), "last fragment at offset 1480");
        assertTrue(ip.flagsAndFragmentOffset(Ipv4Header.FLAG_MORE_FRAGMENTS | 185).isFragment(), "middle fragment");
        assertArrayEquals(bytes("20b9"), copy(buffer, Ipv4Header.FLAGS_FRAGMENT_OFFSET, 2));
    }

    @Test
    void shouldReadFieldsAsUnsigned()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[20]);
        ip.wrap(buffer, 0, 20)
            .tos(0xFF)
            .totalLength(0xFFFF)
            .identification(0xFFFF)
            .ttl(255)
            .protocol(255)
            .source(0xFFFF_FFFF)
            .destination(0xC0A8_0001);

        assertEquals(0xFF, ip.tos());
        assertEquals(0xFFFF, ip.totalLength());
        assertEquals(0xFFFF, ip.identification());
        assertEquals(255, ip.ttl());
        assertEquals(255, ip.protocol());
        assertEquals(0xFFFF_FFFF, ip.source());
        assertEquals(0xC0A8_0001, ip.destination());
    }
}
