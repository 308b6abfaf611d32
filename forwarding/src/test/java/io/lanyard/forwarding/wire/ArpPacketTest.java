package io.lanyard.forwarding.wire;

import io.lanyard.forwarding.addr.MacAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.ARP_REPLY;
import static io.lanyard.forwarding.testkit.GoldenPackets.ARP_REQUEST;
import static io.lanyard.forwarding.testkit.GoldenPackets.HOST_2;
import static io.lanyard.forwarding.testkit.GoldenPackets.HOST_3;
import static io.lanyard.forwarding.testkit.GoldenPackets.MAC_2;
import static io.lanyard.forwarding.testkit.GoldenPackets.MAC_3;
import static io.lanyard.forwarding.testkit.GoldenPackets.buffer;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpPacketTest
{
    private static final int ARP_OFFSET = EthernetFrame.HEADER_LENGTH;
    private static final int FRAME_LENGTH = EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH;

    private final EthernetFrame frame = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();

    @Test
    void shouldDecodeEveryFieldOfAGoldenArpRequest()
    {
        final UnsafeBuffer buffer = buffer(ARP_REQUEST);
        frame.wrap(buffer, 0, FRAME_LENGTH);
        arp.wrap(buffer, frame.payloadOffset(), frame.payloadLength());

        assertEquals(MacAddress.BROADCAST, frame.destination());
        assertEquals(MAC_2, frame.source());
        assertEquals(EthernetFrame.ETHER_TYPE_ARP, frame.etherType());
        assertTrue(arp.isValid());
        assertEquals(ArpPacket.HARDWARE_TYPE_ETHERNET, arp.hardwareType());
        assertEquals(EthernetFrame.ETHER_TYPE_IPV4, arp.protocolType());
        assertEquals(ArpPacket.OPERATION_REQUEST, arp.operation());
        assertEquals(MAC_2, arp.senderHardware());
        assertEquals(HOST_2, arp.senderProtocol());
        assertEquals(0L, arp.targetHardware());
        assertEquals(HOST_3, arp.targetProtocol());
    }

    @Test
    void shouldDecodeEveryFieldOfAGoldenArpReply()
    {
        final UnsafeBuffer buffer = buffer(ARP_REPLY);
        arp.wrap(buffer, ARP_OFFSET, ArpPacket.LENGTH);

        assertTrue(arp.isValid());
        assertEquals(ArpPacket.OPERATION_REPLY, arp.operation());
        assertEquals(MAC_3, arp.senderHardware());
        assertEquals(HOST_3, arp.senderProtocol());
        assertEquals(MAC_2, arp.targetHardware());
        assertEquals(HOST_2, arp.targetProtocol());
    }

    @Test
    void shouldEncodeTheGoldenArpRequestIntoAZeroedBuffer()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[FRAME_LENGTH]);

        frame.wrap(buffer, 0, FRAME_LENGTH)
            .destination(MacAddress.BROADCAST)
            .source(MAC_2)
            .etherType(EthernetFrame.ETHER_TYPE_ARP);
        arp.wrap(buffer, ARP_OFFSET, ArpPacket.LENGTH)
            .ethernetIpv4(ArpPacket.OPERATION_REQUEST)
            .senderHardware(MAC_2)
            .senderProtocol(HOST_2)
            .targetHardware(0)
            .targetProtocol(HOST_3);

        assertArrayEquals(bytes(ARP_REQUEST), buffer.byteArray());
    }

    @Test
    void shouldEncodeTheGoldenArpReplyIntoAZeroedBuffer()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[FRAME_LENGTH]);

        frame.wrap(buffer, 0, FRAME_LENGTH).destination(MAC_2).source(MAC_3).etherType(EthernetFrame.ETHER_TYPE_ARP);
        arp.wrap(buffer, ARP_OFFSET, ArpPacket.LENGTH)
            .ethernetIpv4(ArpPacket.OPERATION_REPLY)
            .senderHardware(MAC_3)
            .senderProtocol(HOST_3)
            .targetHardware(MAC_2)
            .targetProtocol(HOST_2);

        assertArrayEquals(bytes(ARP_REPLY), buffer.byteArray());
    }

    @Test
    void shouldTurnARequestIntoItsReplyInPlace()
    {
        final UnsafeBuffer buffer = buffer(ARP_REQUEST);
        frame.wrap(buffer, 0, FRAME_LENGTH);
        arp.wrap(buffer, ARP_OFFSET, ArpPacket.LENGTH);

        final long askerMac = arp.senderHardware();
        final int askerIp = arp.senderProtocol();
        frame.destination(askerMac).source(MAC_3);
        arp.operation(ArpPacket.OPERATION_REPLY)
            .targetHardware(askerMac)
            .targetProtocol(askerIp)
            .senderHardware(MAC_3)
            .senderProtocol(HOST_3);

        assertArrayEquals(bytes(ARP_REPLY), buffer.byteArray());
    }

    @Test
    void shouldBeValidWhenPaddedToTheMinimumEthernetPayload()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[60]);
        buffer.putBytes(0, bytes(ARP_REQUEST));

        assertTrue(arp.wrap(buffer, ARP_OFFSET, 46).isValid());
    }

    @Test
    void shouldBeInvalidWhenTruncated()
    {
        final UnsafeBuffer buffer = buffer(ARP_REQUEST);

        assertFalse(arp.wrap(buffer, ARP_OFFSET, ArpPacket.LENGTH - 1).isValid());
        assertFalse(arp.wrap(buffer, ARP_OFFSET, 0).isValid());
    }

    @Test
    void shouldBeInvalidWhenTheHardwareTypeIsNotEthernet()
    {
        final UnsafeBuffer buffer = buffer(ARP_REQUEST);
        buffer.putByte(ARP_OFFSET + ArpPacket.HARDWARE_TYPE_OFFSET + 1, (byte)6);

        assertFalse(arp.wrap(buffer, ARP_OFFSET, ArpPacket.LENGTH).isValid());
    }

    @Test
    void shouldBeInvalidWhenTheProtocolTypeIsNotIpv4()
    {
        final UnsafeBuffer buffer = buffer(ARP_REQUEST);
        buffer.putShort(ARP_OFFSET + ArpPacket.PROTOCOL_TYPE_OFFSET, (short)0x86DD, java.nio.ByteOrder.BIG_ENDIAN);

        assertFalse(arp.wrap(buffer, ARP_OFFSET, ArpPacket.LENGTH).isValid());
    }

    @Test
    void shouldBeInvalidWhenTheHardwareAddressLengthIsNotSix()
    {
        final UnsafeBuffer buffer = buffer(ARP_REQUEST);
        buffer.putByte(ARP_OFFSET + ArpPacket.HARDWARE_LENGTH_OFFSET, (byte)8);

        assertFalse(arp.wrap(buffer, ARP_OFFSET, ArpPacket.LENGTH).isValid());
    }

    @Test
    void shouldBeInvalidWhenTheProtocolAddressLengthIsNotFour()
    {
        final UnsafeBuffer buffer = buffer(ARP_REQUEST);
        buffer.putByte(ARP_OFFSET + ArpPacket.PROTOCOL_LENGTH_OFFSET, (byte)16);

        assertFalse(arp.wrap(buffer, ARP_OFFSET, ArpPacket.LENGTH).isValid());
    }
}
