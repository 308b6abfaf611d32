package io.lanyard.forwarding.reply;

import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.ARP_REPLY;
import static io.lanyard.forwarding.testkit.GoldenPackets.ARP_REQUEST;
import static io.lanyard.forwarding.testkit.GoldenPackets.HOST_2;
import static io.lanyard.forwarding.testkit.GoldenPackets.HOST_3;
import static io.lanyard.forwarding.testkit.GoldenPackets.MAC_2;
import static io.lanyard.forwarding.testkit.GoldenPackets.MAC_3;
import static io.lanyard.forwarding.testkit.GoldenPackets.bufferAt;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 172.17.0.2 asks who has 172.17.0.3, which answers: the golden ARP request and reply, written and turned. */
class ArpWriterTest
{
    private static final int OFFSET = 74;
    private static final String PADDING = "000000000000000000000000000000000000";

    private final EthernetFrame frame = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();

    @Test
    void shouldWriteABroadcastRequestByteForByte()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + ArpWriter.REQUEST_LENGTH]);

        final int length = ArpWriter.request(frame, arp, buffer, OFFSET, MAC_2, HOST_2, HOST_3);

        assertEquals(42, length);
        assertArrayEquals(bytes(ARP_REQUEST), copy(buffer, OFFSET, length));
        assertTrue(arp.isValid(), "the views are left on the request");
        assertEquals(OFFSET, frame.offset());
    }

    @Test
    void shouldTurnARequestIntoItsReplyInPlace()
    {
        final UnsafeBuffer buffer = bufferAt(OFFSET, ARP_REQUEST + PADDING);
        frame.wrap(buffer, OFFSET, 60);
        arp.wrap(buffer, frame.payloadOffset(), frame.payloadLength());

        ArpWriter.reply(frame, arp, MAC_3, HOST_3);

        assertArrayEquals(bytes(ARP_REPLY + PADDING), copy(buffer, OFFSET, 60), "the padding is untouched");
    }

    @Test
    void shouldAnswerWithTheWriterItsOwnRequestWouldGet()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + ArpWriter.REQUEST_LENGTH]);
        ArpWriter.request(frame, arp, buffer, OFFSET, MAC_2, HOST_2, HOST_3);

        ArpWriter.reply(frame, arp, MAC_3, HOST_3);

        assertArrayEquals(bytes(ARP_REPLY), copy(buffer, OFFSET, 42));
    }
}
