package io.lanyard.forwarding.reply;

import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpWriterTest
{
    private static final int OFFSET = 74;
    private static final long ASKER_MAC = 0x0242_AC11_0002L;
    private static final int ASKER = 0xAC11_0002;
    private static final long REPLIER_MAC = 0x0242_AC11_0001L;
    private static final int REPLIER = 0xAC11_0001;

    /** 02:42:ac:11:00:02 (172.17.0.2) asks who has 172.17.0.1, broadcast. */
    private static final String REQUEST =
        "ffffffffffff" + "0242ac110002" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "0242ac110002" + "ac110002" + "000000000000" + "ac110001";
    /** 172.17.0.1 answers it is at 02:42:ac:11:00:01, to the asker alone. */
    private static final String REPLY =
        "0242ac110002" + "0242ac110001" + "0806" + "0001" + "0800" + "06" + "04" + "0002" +
        "0242ac110001" + "ac110001" + "0242ac110002" + "ac110002";

    private final EthernetFrame frame = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();

    @Test
    void shouldWriteABroadcastRequestByteForByte()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + ArpWriter.REQUEST_LENGTH]);

        final int length = ArpWriter.request(frame, arp, buffer, OFFSET, ASKER_MAC, ASKER, REPLIER);

        assertEquals(42, length);
        assertArrayEquals(bytes(REQUEST), copy(buffer, OFFSET, length));
        assertTrue(arp.isValid(), "the views are left on the request");
        assertEquals(OFFSET, frame.offset());
    }

    @Test
    void shouldTurnARequestIntoItsReplyInPlace()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + 60]);
        buffer.putBytes(OFFSET, bytes(REQUEST));
        frame.wrap(buffer, OFFSET, 60);
        arp.wrap(buffer, frame.payloadOffset(), frame.payloadLength());

        ArpWriter.reply(frame, arp, REPLIER_MAC, REPLIER);

        assertArrayEquals(bytes(REPLY), copy(buffer, OFFSET, 42));
        assertArrayEquals(new byte[18], copy(buffer, OFFSET + 42, 18), "the padding is untouched");
    }

    @Test
    void shouldAnswerWithTheWriterItsOwnRequestWouldGet()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + ArpWriter.REQUEST_LENGTH]);
        ArpWriter.request(frame, arp, buffer, OFFSET, ASKER_MAC, ASKER, REPLIER);

        ArpWriter.reply(frame, arp, REPLIER_MAC, REPLIER);

        assertArrayEquals(bytes(REPLY), copy(buffer, OFFSET, 42));
    }

    private static byte[] bytes(final String hex)
    {
        return HexFormat.of().parseHex(hex);
    }

    private static byte[] copy(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
