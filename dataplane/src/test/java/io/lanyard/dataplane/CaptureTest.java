package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptureTest
{
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[200]);

    @Test
    void shouldHandTheReaderEachFrameWithItsPortDirectionReasonAndTime()
    {
        final Capture capture = new Capture(new int[] {3}, false, 100);
        capture.epochOffsetNanos = 1_000;
        frame.setMemory(0, 200, (byte)7);

        final int claim = capture.claim(3, Capture.INBOUND, frame, 0, 150, 5);
        capture.commit(claim, DropReason.ICC.ordinal(), Verdict.DROP);
        capture.written(3, frame, 0, 60, 6);

        final List<String> read = new ArrayList<>();
        capture.drain((port, direction, reason, egress, nanos, original, buffer, offset, length) -> read.add(port + " " + direction + " " +
            reason + " " + egress + " " + nanos + " " + original + " " + length + " " + buffer.getByte(offset)), 10);
        assertEquals(List.of("3 1 " + DropReason.ICC.ordinal() + " " + Verdict.DROP + " 1005 150 100 7",
            "3 2 " + Verdict.NO_DROP + " 3 1006 60 60 7"), read,
            "cut to the snap length, the original length kept");
    }

    @Test
    void shouldKeepOnlyDropsWhenAskedAndCountWhatTheRingHadNoRoomFor()
    {
        final Capture drops = new Capture(new int[] {1}, true, 65_535);
        drops.commit(drops.claim(1, Capture.INBOUND, frame, 0, 60, 0), Verdict.NO_DROP, 2);
        drops.written(1, frame, 0, 60, 0);
        assertEquals(0, drops.drain((p, d, r, e, n, o, b, off, l) -> { }, 10), "neither a frame that passed nor one written out");

        final Capture full = new Capture(new int[] {1}, false, 65_535);
        final UnsafeBuffer big = new UnsafeBuffer(new byte[65_535]);
        int kept = 0;
        for (int i = 0; i < 100; i++)
        {
            final int claim = full.claim(1, Capture.INBOUND, big, 0, big.capacity(), 0);
            if (claim >= 0)
            {
                full.commit(claim, Verdict.NO_DROP, 2);
                kept++;
            }
        }
        assertTrue(kept > 0 && kept < 100, "the ring holds some: " + kept);
        assertEquals(100 - kept, full.missed(), "the rest are counted, never waited for");
    }
}
