package io.lanyard.dataplane;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventPoller;

/**
 * The forwarding and transmit stages run one after the other on one thread, either as a
 * Disruptor batch processor ({@code fused}) or polled by the I/O thread right after each read
 * burst ({@code inline}). Each stage keeps its single job; only the thread is shared, which on
 * a machine with few cores saves a wake-up and a cache transfer per frame.
 *
 * <p>Polled stages must not throw: an event that throws would be offered again forever, so an
 * unexpected exception is counted and the frame dropped, as {@link Pipeline}'s handler does for
 * the threaded layouts.
 */
final class SequentialStages implements EventHandler<FrameSlot>
{
    private final ForwardingStage forwarding;
    private final TransmitStage transmit;
    private final DataplaneCounters counters;

    SequentialStages(final ForwardingStage forwarding, final TransmitStage transmit, final DataplaneCounters counters)
    {
        this.forwarding = forwarding;
        this.transmit = transmit;
        this.counters = counters;
    }

    @Override
    public void onBatchStart(final long batchSize, final long queueDepth)
    {
        forwarding.onBatchStart(batchSize, queueDepth);
    }

    @Override
    public void onEvent(final FrameSlot slot, final long sequence, final boolean endOfBatch)
    {
        forwarding.onEvent(slot, sequence, endOfBatch);
        transmit.onEvent(slot, sequence, endOfBatch);
    }

    /** This pair as an {@link EventPoller} handler: never throws, always goes on to the next slot. */
    EventPoller.Handler<FrameSlot> polled()
    {
        return (slot, sequence, endOfBatch) ->
        {
            try
            {
                onEvent(slot, sequence, endOfBatch);
            }
            catch (final RuntimeException ex)
            {
                counters.stageErrors.increment();
            }
            return true;
        };
    }
}
