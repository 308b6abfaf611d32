package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.tap.FrameDevice;
import io.lanyard.tap.IoLoop;
import io.lanyard.tap.LinuxCalls;

/**
 * Reads a TAP port's frames straight into ring slots when the I/O loop says it is readable.
 *
 * <p>A burst is bounded so one busy port cannot starve the others on the same loop; readiness is
 * level-triggered, so frames left in the kernel bring the loop back. A frame that fills the
 * whole slot may have been cut short by the kernel and is dropped as truncated.
 *
 * <p>A packet socket (the uplink) reports its link going down (ENETDOWN) and an oversized
 * frame (EMSGSIZE) as read errors: those are counted and reading goes on. Any other read error
 * means the device is gone (deleted from inside the sandbox, say): it is counted, logged once,
 * the port is marked {@link Port#isDeviceGone gone} (for the control plane to show and repair),
 * and it stops being watched — a gone device stays "readable" (EPOLLERR) forever, and a
 * level-triggered loop would spin on it.
 */
final class TapPortReader implements IoLoop.ReadHandler
{
    static final int BURST = 32;
    private static final System.Logger LOG = System.getLogger(TapPortReader.class.getName());
    private static final int DROP_TRUNCATED = DropReason.TRUNCATED.ordinal();

    private final FrameDevice tap;
    private final Port port;
    private final int portId;
    private final PortCounters counters;
    private final RingWriter writer;
    private IoLoop.Watch watch;

    TapPortReader(final FrameDevice tap, final Port port, final RingWriter writer)
    {
        this.tap = tap;
        this.port = port;
        this.portId = port.id();
        this.counters = port.counters;
        this.writer = writer;
    }

    /** The watch that calls this reader, so it can stop itself when its device is gone. */
    void watchedBy(final IoLoop.Watch watch)
    {
        this.watch = watch;
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
                if (-n == LinuxCalls.ENETDOWN || -n == LinuxCalls.EMSGSIZE)
                {
                    // a packet socket's link went down (it comes back) or a frame was too big: not fatal
                    return;
                }
                stopReading(-n);
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

    private void stopReading(final int errno)
    {
        final IoLoop.Watch current = watch;
        if (current != null)
        {
            watch = null;
            current.cancel();
            port.markDeviceGone();
            LOG.log(System.Logger.Level.WARNING, "port " + port.label() + ": read failed (errno " + errno +
                "), its device is gone; no longer reading it");
        }
    }
}
