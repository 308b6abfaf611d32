package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.wire.IcmpHeader;
import io.lanyard.forwarding.wire.InternetChecksum;
import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


import static io.lanyard.forwarding.testkit.GoldenPackets.bufferAt;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class GatewayResponderTest
{
    private static final int DOMAIN = 0;
    private static final int OTHER_DOMAIN = 1;
    private static final int GATEWAY = 0xAC11_0001;
    private static final long GATEWAY_MAC = 0x0242_AC11_0001L;
    private static final int OFFSET = 74;

    /** 02:42:ac:11:00:02 (172.17.0.2) asks who has 172.17.0.1. */
    private static final String ARP_REQUEST_FOR_GATEWAY =
        "ffffffffffff" + "0242ac110002" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "0242ac110002" + "ac110002" + "000000000000" + "ac110001";
    /** The answer, written by hand: the gateway is at 02:42:ac:11:00:01. */
    private static final String ARP_REPLY_FROM_GATEWAY =
        "0242ac110002" + "0242ac110001" + "0806" + "0001" + "0800" + "06" + "04" + "0002" +
        "0242ac110001" + "ac110001" + "0242ac110002" + "ac110002";
    /** Someone asks for 172.17.0.3, not the gateway. */
    private static final String ARP_REQUEST_FOR_PEER =
        "ffffffffffff" + "0242ac110002" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "0242ac110002" + "ac110002" + "000000000000" + "ac110003";
    /**
     * {@code ping 172.17.0.1} from 172.17.0.2 to the gateway's MAC: IPv4 TTL 64 id 0x1234 DF,
     * header checksum 0xd07f (RFC 1071 by hand), ICMP echo id 0x0f1e seq 7 with 8 bytes of data and
     * checksum 0xd8c6.
     */
    private static final String ECHO_TO_GATEWAY =
        "0242ac110001" + "0242ac110002" + "0800" +
        "4500" + "0024" + "1234" + "4000" + "4001" + "d07f" + "ac110002" + "ac110001" +
        "0800" + "d8c6" + "0f1e" + "0007" + "0102030405060708";

    private final GatewayResponder responder = new GatewayResponder(4);

    @BeforeEach
    void configure()
    {
        responder.configure(DOMAIN, GATEWAY, GATEWAY_MAC);
    }

    @Test
    void shouldTurnAnArpRequestForTheGatewayIntoItsReplyInPlace()
    {
        final UnsafeBuffer buffer = bufferAt(OFFSET, ARP_REQUEST_FOR_GATEWAY);

        assertEquals(GatewayResponder.ANSWERED, responder.answer(DOMAIN, buffer, OFFSET, 42));

        assertArrayEquals(bytes(ARP_REPLY_FROM_GATEWAY), copy(buffer, OFFSET, 42));
    }

    @Test
    void shouldLeaveAnArpRequestForSomeoneElseToTheSwitch()
    {
        final UnsafeBuffer buffer = bufferAt(OFFSET, ARP_REQUEST_FOR_PEER);

        assertEquals(GatewayResponder.NOT_FOR_GATEWAY, responder.answer(DOMAIN, buffer, OFFSET, 42));

        assertArrayEquals(bytes(ARP_REQUEST_FOR_PEER), copy(buffer, OFFSET, 42), "untouched");
    }

    @Test
    void shouldAnswerAnEchoRequestWithCorrectChecksums()
    {
        assertEquals(0xFFFF, InternetChecksum.sum(bufferAt(OFFSET, ECHO_TO_GATEWAY), OFFSET + 14, 20, 0), "golden IPv4 checksum is right");
        final UnsafeBuffer buffer = bufferAt(OFFSET, ECHO_TO_GATEWAY);

        assertEquals(GatewayResponder.ANSWERED, responder.answer(DOMAIN, buffer, OFFSET, 50));

        final byte[] reply = copy(buffer, OFFSET, 50);
        final byte[] request = bytes(ECHO_TO_GATEWAY);
        assertArrayEquals(slice(request, 6, 12), slice(reply, 0, 6), "back to the asker's MAC");
        assertArrayEquals(slice(request, 0, 6), slice(reply, 6, 12), "from the gateway's MAC");
        final Ipv4Header ip = new Ipv4Header().wrap(buffer, OFFSET + 14, 36);
        assertEquals(GATEWAY, ip.source());
        assertEquals(0xAC11_0002, ip.destination());
        assertEquals(64, ip.ttl());
        assertEquals(0xFFFF, InternetChecksum.sum(buffer, OFFSET + 14, 20, 0), "IPv4 checksum valid");
        final IcmpHeader icmp = new IcmpHeader().wrap(buffer, OFFSET + 34, 16);
        assertEquals(IcmpHeader.TYPE_ECHO_REPLY, icmp.type());
        assertEquals(0x0f1e, icmp.identifier());
        assertEquals(7, icmp.sequence());
        assertEquals(0xFFFF, InternetChecksum.sum(buffer, OFFSET + 34, 16, 0), "ICMP checksum valid");
        assertArrayEquals(slice(request, 42, 50), slice(reply, 42, 50), "data echoed");
    }

    @Test
    void shouldNotAnswerWhatTheGatewayDoesNotServe()
    {
        final UnsafeBuffer udp = bufferAt(OFFSET, ECHO_TO_GATEWAY);
        udp.putByte(OFFSET + 14 + 9, (byte)17);
        assertEquals(GatewayResponder.UNANSWERED, responder.answer(DOMAIN, udp, OFFSET, 50));

        final UnsafeBuffer fragment = bufferAt(OFFSET, ECHO_TO_GATEWAY);
        fragment.putShort(OFFSET + 14 + 6, (short)0x2000, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(GatewayResponder.UNANSWERED, responder.answer(DOMAIN, fragment, OFFSET, 50), "fragments are not answered");

        final UnsafeBuffer elsewhere = bufferAt(OFFSET, ECHO_TO_GATEWAY);
        elsewhere.putInt(OFFSET + 14 + 16, 0x0A00_0001, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(GatewayResponder.UNANSWERED, responder.answer(DOMAIN, elsewhere, OFFSET, 50), "routed traffic is not an echo for us");
    }

    @Test
    void shouldSurviveTruncatedFramesWithoutAnswering()
    {
        assertEquals(GatewayResponder.NOT_FOR_GATEWAY, responder.answer(DOMAIN, bufferAt(OFFSET, ARP_REQUEST_FOR_GATEWAY), OFFSET, 30));
        assertEquals(GatewayResponder.UNANSWERED, responder.answer(DOMAIN, bufferAt(OFFSET, ECHO_TO_GATEWAY), OFFSET, 30));
        assertEquals(GatewayResponder.UNANSWERED, responder.answer(DOMAIN, bufferAt(OFFSET, ECHO_TO_GATEWAY), OFFSET, 38));
    }

    @Test
    void shouldIgnoreDomainsWithoutAGatewayAndForgetACleared()
    {
        assertEquals(GatewayResponder.NOT_FOR_GATEWAY, responder.answer(OTHER_DOMAIN, bufferAt(OFFSET, ARP_REQUEST_FOR_GATEWAY), OFFSET, 42));
        responder.clear(DOMAIN);
        assertEquals(GatewayResponder.NOT_FOR_GATEWAY, responder.answer(DOMAIN, bufferAt(OFFSET, ECHO_TO_GATEWAY), OFFSET, 50));
    }

    private static byte[] slice(final byte[] bytes, final int from, final int to)
    {
        return java.util.Arrays.copyOfRange(bytes, from, to);
    }
}
