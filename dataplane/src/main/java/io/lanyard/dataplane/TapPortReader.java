package io.lanyard.dataplane;

import io.lanyard.forwarding.l2.DropReason;
import io.lanyard.tap.IoLoop;
import io.lanyard.tap.TapDevice;

/**
 * Reads a TAP port's frames straight into ring slots when the I/O loop says it is readable.
 *
 * <p>A burst is bounded so one busy port cannot starve the others on the same loop; readiness is
 * level-triggered, so frames left in the kernel bring the loop back. A frame that fills the
 * whole slot may have been cut short by the kernel and is dropped as truncated. A read error
 * other than "nothing waiting" is counted and ends the burst; the control plane detaches ports
 * whose device went away.
 */
final class TapPortReader implements IoLoop.ReadHandler
{
    static final int BURST = 32;
    private static final int DROP_TRUNCATED = DropReason.TRUNCATED.ordinal();

    private final TapDevice tap;
    private final int portId;
    private final PortCounters counters;
    private final RingWriter writer;

    TapPortReader(final TapDevice tap, final int portId, final PortCounters counters, final RingWriter writer)
    {
        this.tap = tap;
        this.portId = portId;
        this.counters = counters;
        this.writer = writer;
    }

    @Override
    public void onReadable()
    {
        readBurst();
        writer.endOfBurst();
    }

    private void readBurst()
    {
        for (int i = 0; i < BURST; i++)
        {
            final FrameSlot slot = writer.slot();
            final int n = tap.read(slot.dataAddress(), FrameSlot.DATA_CAPACITY);
            if (n == 0)
            {
                return;
            }
            if (n < 0)
            {
                counters.rxErrors.incrementRelease();
                return;
            }
            counters.rxPackets.incrementRelease();
            counters.rxBytes.getAndAddRelease(n - FrameSlot.VNET_HEADER_LENGTH);
            if (n >= FrameSlot.DATA_CAPACITY)
            {
                counters.drop(DROP_TRUNCATED);
                continue;
            }
            slot.frame(portId, n);
            writer.publish();
        }
    }
}
