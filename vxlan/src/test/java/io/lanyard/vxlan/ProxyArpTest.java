package io.lanyard.vxlan;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.GoldenPackets.bufferAt;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ProxyArpTest
{
    private static final int OVERLAY = 1;
    private static final int OTHER_OVERLAY = 2;
    private static final int HOST_B = 0xC000_0202;
    private static final int KERNEL_K = 0xC000_0209;
    private static final long T0 = 1_000_000_000L;
    private static final int OFFSET = 74;

    /** The local container 10.0.0.5 (02:42:0a:00:00:05) asks who has 10.0.0.2, an endpoint on host B. */
    private static final String REQUEST_FOR_REMOTE =
        "ffffffffffff" + "02420a000005" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "02420a000005" + "0a000005" + "000000000000" + "0a000002";
    /** The answer, written by hand: 10.0.0.2 is at 02:42:0a:00:00:02, sent back to the asker. */
    private static final String REPLY_FROM_REMOTE =
        "02420a000005" + "02420a000002" + "0806" + "0001" + "0800" + "06" + "04" + "0002" +
        "02420a000002" + "0a000002" + "02420a000005" + "0a000005";
    /** The same request as the kernel sends it, padded to the 60-byte Ethernet minimum. */
    private static final String PADDING = "000000000000000000000000000000000000";
    /** The asker revalidating its cache entry: unicast to the MAC it holds. */
    private static final String UNICAST_REQUEST_FOR_REMOTE =
        "02420a000002" + "02420a000005" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "02420a000005" + "0a000005" + "02420a000002" + "0a000002";
    /** Unicast to someone else's MAC: not ours to answer. */
    private static final String REQUEST_TO_ANOTHER_MAC =
        "02420a000009" + "02420a000005" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "02420a000005" + "0a000005" + "000000000000" + "0a000002";
    /** Who has 10.0.0.7, an address nobody programmed (maybe behind the kernel VTEP). */
    private static final String REQUEST_FOR_UNKNOWN =
        "ffffffffffff" + "02420a000005" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "02420a000005" + "0a000005" + "000000000000" + "0a000007";

    private final VtepTable table = new VtepTable(4, 16, 16, 300_000_000_000L, T0);
    private final ProxyArp proxyArp = new ProxyArp(table);

    @BeforeEach
    void programRemoteEndpoint()
    {
        table.setPeers(OVERLAY, new int[] {HOST_B});
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});
        table.addEndpoint(OVERLAY, 0x0242_0A00_0002L, 0x0A00_0002, HOST_B);
    }

    @Test
    void shouldTurnARequestForARemoteEndpointIntoItsReplyInPlace()
    {
        final UnsafeBuffer buffer = bufferAt(OFFSET, REQUEST_FOR_REMOTE);

        assertEquals(ProxyArp.ANSWERED, proxyArp.answer(OVERLAY, buffer, OFFSET, 42));

        assertArrayEquals(bytes(REPLY_FROM_REMOTE), copy(buffer, OFFSET, 42));
        assertEquals(1, proxyArp.answered());
    }

    @Test
    void shouldAnswerAPaddedRequestAndLeaveThePaddingAlone()
    {
        final UnsafeBuffer buffer = bufferAt(OFFSET, REQUEST_FOR_REMOTE + PADDING);

        assertEquals(ProxyArp.ANSWERED, proxyArp.answer(OVERLAY, buffer, OFFSET, 60));

        assertArrayEquals(bytes(REPLY_FROM_REMOTE + PADDING), copy(buffer, OFFSET, 60));
    }

    @Test
    void shouldAnswerAUnicastRevalidation()
    {
        final UnsafeBuffer buffer = bufferAt(OFFSET, UNICAST_REQUEST_FOR_REMOTE);

        assertEquals(ProxyArp.ANSWERED, proxyArp.answer(OVERLAY, buffer, OFFSET, 42));

        assertArrayEquals(bytes(REPLY_FROM_REMOTE), copy(buffer, OFFSET, 42));
    }

    @Test
    void shouldLeaveRequestsItCannotAnswerUntouched()
    {
        assertUnanswered(OVERLAY, REQUEST_FOR_UNKNOWN, 42);
        assertUnanswered(OTHER_OVERLAY, REQUEST_FOR_REMOTE, 42);
        assertUnanswered(OVERLAY, REQUEST_TO_ANOTHER_MAC, 42);
        assertUnanswered(OVERLAY, REPLY_FROM_REMOTE, 42);
        assertUnanswered(OVERLAY, REQUEST_FOR_REMOTE.replace("0806", "0800"), 42);
        assertUnanswered(OVERLAY, REQUEST_FOR_REMOTE.replaceFirst("00010800", "00060800"), 42);
        assertEquals(0, proxyArp.answered());
    }

    @Test
    void shouldNotAnswerForAMacOnlyLearned()
    {
        table.learn(OVERLAY, 0x0242_0A00_0007L, KERNEL_K, T0);

        assertUnanswered(OVERLAY, REQUEST_FOR_UNKNOWN, 42);
    }

    @Test
    void shouldStopAnsweringForARemovedEndpoint()
    {
        table.removeEndpoint(OVERLAY, 0x0242_0A00_0002L);

        assertUnanswered(OVERLAY, REQUEST_FOR_REMOTE, 42);
    }

    @Test
    void shouldSurviveTruncatedFrames()
    {
        for (int length = 0; length < 42; length++)
        {
            assertUnanswered(OVERLAY, REQUEST_FOR_REMOTE, length);
        }
    }

    private void assertUnanswered(final int domain, final String frame, final int length)
    {
        final UnsafeBuffer buffer = bufferAt(OFFSET, frame);

        assertEquals(ProxyArp.NOT_ANSWERED, proxyArp.answer(domain, buffer, OFFSET, length), frame + " length " + length);

        assertArrayEquals(bytes(frame), copy(buffer, OFFSET, bytes(frame).length), "untouched");
    }
}
