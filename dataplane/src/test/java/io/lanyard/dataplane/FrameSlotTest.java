package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameSlotTest
{
    @Test
    void shouldPlaceTheVirtioHeaderAfterTheHeadroomAndTheFrameAfterIt()
    {
        final FrameSlot slot = StageFixture.newSlot();

        assertEquals(slot.buffer().addressOffset() + FrameSlot.HEADROOM, slot.dataAddress());
        assertEquals(FrameSlot.DATA_OFFSET + 10, FrameSlot.FRAME_OFFSET);
        assertEquals(FrameSlot.SIZE, slot.buffer().capacity());
        assertTrue(FrameSlot.HEADROOM >= 50, "room for a VXLAN outer header");
        assertTrue(FrameSlot.DATA_CAPACITY >= FrameSlot.VNET_HEADER_LENGTH + 14 + 4 + 65_535, "a whole GSO frame fits");
    }

    @Test
    void shouldRecordAFramesPortAndLength()
    {
        final FrameSlot slot = StageFixture.newSlot();

        slot.frame(7, 70);

        assertEquals(FrameSlot.KIND_FRAME, slot.kind());
        assertEquals(7, slot.ingressPort());
        assertEquals(70, slot.dataLength());
        assertEquals(60, slot.frameLength());
    }

    @Test
    void shouldBecomeAnEmptyWakeSlot()
    {
        final FrameSlot slot = StageFixture.newSlot();
        slot.frame(7, 70);

        slot.wake();

        assertEquals(FrameSlot.KIND_WAKE, slot.kind());
        assertEquals(0, slot.dataLength());
        slot.frame(3, 24);
        assertEquals(FrameSlot.KIND_FRAME, slot.kind());
    }

    @Test
    void shouldClearTheVirtioHeaderOfAReplyTheDecisionWrote()
    {
        final FrameSlot slot = withPendingChecksum(StageFixture.newSlot());
        slot.verdict().reply();

        slot.settleRewrite();

        assertEquals(0, slot.virtioHeader().flags());
        assertEquals(0, slot.virtioHeader().gsoType());
        assertEquals(70, slot.dataLength(), "a reply keeps the request's length");
    }

    @Test
    void shouldFitTheSlotToAFrameThatReplacedTheOneRead()
    {
        final FrameSlot slot = withPendingChecksum(StageFixture.newSlot());
        slot.verdict().port(3).replace(42, DropReason.ARP_PENDING);

        slot.settleRewrite();

        assertEquals(42, slot.frameLength());
        assertEquals(0, slot.virtioHeader().flags());
    }

    @Test
    void shouldLeaveTheVirtioHeaderOfAFrameForwardedAsItCame()
    {
        final FrameSlot slot = withPendingChecksum(StageFixture.newSlot());
        slot.verdict().port(3);

        slot.settleRewrite();

        assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, slot.virtioHeader().flags(), "the checksum is still the receiver's to do");
        assertEquals(VirtioNetHeader.GSO_TCPV4, slot.virtioHeader().gsoType());
        assertEquals(70, slot.dataLength());
    }

    @Test
    void shouldAcceptOnlyPowerOfTwoRingSizesThatFitInMemory()
    {
        final java.nio.file.Path path = java.nio.file.Path.of("unused");
        final DataplaneConfig defaults = DataplaneConfig.defaults(path);

        assertEquals(DataplaneConfig.DEFAULT_RING_SIZE, defaults.ringSize());
        assertEquals(64, defaults.withRingSize(64).ringSize());
        assertEquals(8, defaults.withRingSize(8).ringSize());
        assertThrows(IllegalArgumentException.class, () -> defaults.withRingSize(4));
        assertThrows(IllegalArgumentException.class, () -> defaults.withRingSize(100));
        assertThrows(IllegalArgumentException.class, () -> defaults.withRingSize(0));
        assertThrows(IllegalArgumentException.class, () -> defaults.withRingSize(1 << 20));
        assertEquals("io_uring", defaults.withIoBackend("io_uring").ioBackend());
        assertEquals("busy", defaults.withWaitStrategy("busy").waitStrategy());
        assertEquals(32, defaults.withMacTable(32, 5).macTableCapacity());
    }

    @Test
    void shouldKnowEveryDocumentedWaitStrategy()
    {
        for (final String name : new String[] {"backoff", "blocking", "sleeping", "yielding", "busy"})
        {
            Pipeline.waitStrategy(name);
        }
        assertThrows(IllegalArgumentException.class, () -> Pipeline.waitStrategy("spinning"));
    }

    private static FrameSlot withPendingChecksum(final FrameSlot slot)
    {
        slot.frame(7, 70);
        slot.virtioHeader().flags(VirtioNetHeader.FLAG_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV4);
        return slot;
    }
}
