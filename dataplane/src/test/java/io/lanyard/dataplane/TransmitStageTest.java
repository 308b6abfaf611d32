package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.DropReason;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static io.lanyard.dataplane.StageFixture.frame;
import static io.lanyard.dataplane.StageFixture.wake;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transmit stage driven by hand: verdicts in, writes to in-memory ports out. */
class TransmitStageTest
{
    private static final long MAC_A = 0x0242_0A00_000AL;
    private static final long MAC_B = 0x0242_0A00_000BL;
    private static final int EIO = 5;

    private final StageFixture fixture = new StageFixture(8);
    private final OneToOneConcurrentArrayQueue<Fence> fences = new OneToOneConcurrentArrayQueue<>(16);
    private final TransmitStage stage = new TransmitStage(fixture.ports, fences, fixture.counters);
    private final FrameSlot slot = StageFixture.newSlot();
    private long sequence;

    @BeforeEach
    void addPorts()
    {
        for (int port = 0; port < 5; port++)
        {
            fixture.addPort(port, 0);
        }
    }

    @Test
    void shouldWriteAUnicastFrameWithItsVirtioHeaderToTheChosenPortOnly()
    {
        frame(slot, 1, MAC_B, MAC_A).verdict.port(2);
        final byte[] expected = new byte[slot.dataLength()];
        slot.buffer().getBytes(FrameSlot.DATA_OFFSET, expected);

        stage.onEvent(slot, sequence++, true);

        assertEquals(1, fixture.sinks[2].frames.size());
        assertArrayEquals(expected, fixture.sinks[2].frames.peek());
        for (final int other : new int[] {0, 1, 3, 4})
        {
            assertTrue(fixture.sinks[other].frames.isEmpty(), "port " + other);
        }
        assertEquals(1, fixture.ports[2].counters().txPackets());
        assertEquals(StageFixture.FRAME_LENGTH, fixture.ports[2].counters.txBytes.get(), "bytes exclude the virtio header");
    }

    @Test
    void shouldFloodToEveryListedPortButTheIngress()
    {
        final FrameSlot flood = frame(slot, 1, MAC_B, MAC_A);
        flood.verdict.flood(new int[] {1, 2, 4});

        stage.onEvent(flood, sequence++, true);

        assertTrue(fixture.sinks[1].frames.isEmpty(), "not back out of the ingress port");
        assertEquals(1, fixture.sinks[2].frames.size());
        assertEquals(1, fixture.sinks[4].frames.size());
        assertTrue(fixture.sinks[0].frames.isEmpty() && fixture.sinks[3].frames.isEmpty(), "not listed");
    }

    @Test
    void shouldSendNothingForADropOrAWake()
    {
        frame(slot, 1, MAC_B, MAC_A).verdict.drop(DropReason.MALFORMED);
        stage.onEvent(slot, sequence++, false);
        wake(slot).verdict.port(2);
        stage.onEvent(slot, sequence++, true);

        for (final MemorySink sink : fixture.sinks)
        {
            if (sink != null)
            {
                assertTrue(sink.frames.isEmpty());
                assertEquals(0, sink.flushes);
            }
        }
    }

    @Test
    void shouldCountATxErrorWhenThePortRefusesTheWrite()
    {
        fixture.sinks[2].result = -EIO;
        final FrameSlot flood = frame(slot, 1, MAC_B, MAC_A);
        flood.verdict.flood(new int[] {1, 2, 3});

        stage.onEvent(flood, sequence++, true);

        assertEquals(1, fixture.ports[2].counters().drops(DropReason.TX_ERROR));
        assertEquals(0, fixture.ports[2].counters().txPackets());
        assertEquals(0, fixture.sinks[2].flushes, "a port that took nothing is not flushed");
        assertEquals(1, fixture.ports[3].counters().txPackets(), "the flood went on to the next port");
    }

    @Test
    void shouldFlushEachTouchedPortOnceAtTheEndOfTheBatch()
    {
        for (int i = 0; i < 3; i++)
        {
            frame(slot, 1, MAC_B, MAC_A).verdict.port(2);
            stage.onEvent(slot, sequence++, false);
        }
        frame(slot, 1, MAC_B, MAC_A).verdict.port(3);
        stage.onEvent(slot, sequence++, false);
        assertEquals(0, fixture.sinks[2].flushes, "no flush mid-batch");

        wake(slot);
        stage.onEvent(slot, sequence++, true);

        assertEquals(1, fixture.sinks[2].flushes);
        assertEquals(3, fixture.sinks[2].framesAtLastFlush);
        assertEquals(1, fixture.sinks[3].flushes);
        assertEquals(0, fixture.sinks[4].flushes);

        frame(slot, 1, MAC_B, MAC_A).verdict.port(3);
        stage.onEvent(slot, sequence++, true);
        assertEquals(1, fixture.sinks[2].flushes, "the touched set was reset");
        assertEquals(2, fixture.sinks[3].flushes);
    }

    @Test
    void shouldCountAFrameForAPortThatIsGoneAsNoEgressPort()
    {
        fixture.ports[3] = null;
        frame(slot, 1, MAC_B, MAC_A).verdict.port(3);

        stage.onEvent(slot, sequence++, true);

        assertEquals(1, fixture.counters.noEgressPort.get());
    }

    @Test
    void shouldPassAFenceOnlyOnceItsSequenceIsHandledAndAfterFlushing()
    {
        final CompletableFuture<Void> passed = new CompletableFuture<>();
        final int[] flushesWhenPassed = {-1};
        passed.thenRun(() -> flushesWhenPassed[0] = fixture.sinks[2].flushes);
        fences.offer(new Fence(10, passed));

        frame(slot, 1, MAC_B, MAC_A).verdict.port(2);
        stage.onEvent(slot, 9, false);
        assertFalse(passed.isDone());

        stage.onEvent(slot, 10, false);
        assertTrue(passed.isDone());
        assertEquals(1, flushesWhenPassed[0], "writes before the fence were flushed first");
        assertTrue(fences.isEmpty());
    }

    @Test
    void shouldPassEveryFenceAtOrBelowTheSequence()
    {
        final CompletableFuture<Void> first = new CompletableFuture<>();
        final CompletableFuture<Void> second = new CompletableFuture<>();
        final CompletableFuture<Void> later = new CompletableFuture<>();
        fences.offer(new Fence(3, first));
        fences.offer(new Fence(5, second));
        fences.offer(new Fence(8, later));

        stage.onEvent(wake(slot), 6, true);

        assertTrue(first.isDone());
        assertTrue(second.isDone());
        assertFalse(later.isDone());
        assertEquals(1, fences.size());
    }
}
