package io.lanyard.forwarding.reply;

import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.IcmpHeader;
import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EchoReplyWriterTest
{
    private static final int OFFSET = 74;
    private static final int LENGTH = 98;
    private static final long REPLIER_MAC = 0x0242_AC11_0003L;
    private static final int REPLIER = 0xAC11_0003;

    private static final String PAYLOAD =
        "5f5e0f6600000000" + "a3c10b0000000000" +
        "101112131415161718191a1b1c1d1e1f" + "202122232425262728292a2b2c2d2e2f" + "3031323334353637";
    /**
     * {@code ping} from 172.17.0.2 to 172.17.0.3 after one hop: IPv4 TTL 63, checksum 0x2fb0; ICMP
     * echo request id 0x0f1e seq 1, checksum 0x0c88 (both by hand, RFC 1071).
     */
    private static final String REQUEST =
        "0242ac110003" + "0242ac110002" + "0800" +
        "4500" + "0054" + "b3d1" + "4000" + "3f01" + "2fb0" + "ac110002" + "ac110003" +
        "0800" + "0c88" + "0f1e" + "0001" + PAYLOAD;
    /** Its reply from 172.17.0.3: TTL 64 afresh, IPv4 checksum 0x2eb0, ICMP checksum 0x1488. */
    private static final String REPLY =
        "0242ac110002" + "0242ac110003" + "0800" +
        "4500" + "0054" + "b3d1" + "4000" + "4001" + "2eb0" + "ac110003" + "ac110002" +
        "0000" + "1488" + "0f1e" + "0001" + PAYLOAD;

    private final EthernetFrame frame = new EthernetFrame();
    private final Ipv4Header ip = new Ipv4Header();
    private final IcmpHeader icmp = new IcmpHeader();

    @Test
    void shouldWriteTheReplyUpdatingTheChecksumIncrementally()
    {
        final UnsafeBuffer buffer = request(REQUEST);

        EchoReplyWriter.reply(frame, ip, icmp, REPLIER_MAC, REPLIER, false);

        assertArrayEquals(bytes(REPLY), copy(buffer, OFFSET, LENGTH));
    }

    @Test
    void shouldWriteTheSameReplyComputingTheChecksumInFull()
    {
        final UnsafeBuffer buffer = request(REQUEST);

        EchoReplyWriter.reply(frame, ip, icmp, REPLIER_MAC, REPLIER, true);

        assertArrayEquals(bytes(REPLY), copy(buffer, OFFSET, LENGTH));
    }

    @Test
    void shouldMakeARightChecksumOutOfARequestWhoseChecksumWasLeftToTheDevice()
    {
        final UnsafeBuffer buffer = request(REQUEST.replace("0800" + "0c88", "0800" + "0000"));

        EchoReplyWriter.reply(frame, ip, icmp, REPLIER_MAC, REPLIER, true);

        assertArrayEquals(bytes(REPLY), copy(buffer, OFFSET, LENGTH));
    }

    @Test
    void shouldCarryAWrongChecksumOverWhenUpdatingIt()
    {
        final UnsafeBuffer buffer = request(REQUEST.replace("0800" + "0c88", "0800" + "0000"));

        EchoReplyWriter.reply(frame, ip, icmp, REPLIER_MAC, REPLIER, false);

        assertEquals(0x0800, icmp.checksum(), "the update is exact only for a checksum that was complete");
    }

    private UnsafeBuffer request(final String hex)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + LENGTH]);
        buffer.putBytes(OFFSET, bytes(hex));
        frame.wrap(buffer, OFFSET, LENGTH);
        ip.wrap(buffer, frame.payloadOffset(), frame.payloadLength());
        icmp.wrap(buffer, ip.payloadOffset(), ip.payloadLength());
        return buffer;
    }
}
