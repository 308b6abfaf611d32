package io.lanyard.dataplane;

import com.lmax.disruptor.RingBuffer;

/**
 * The ring's only producer, used from the I/O thread alone.
 *
 * <p>It always holds one claimed, unpublished slot: a port reads straight into that slot's
 * memory, and only a read that returned a frame publishes it (and claims the next). A read that
 * finds nothing leaves the claim in place for the next one, so no sequence is ever wasted on an
 * empty read and nothing is copied. Holding a claim is safe because there is a single producer:
 * no one else's slot waits behind it. When the ring is full, claiming the next slot waits for
 * the stages — the backpressure that leaves frames queued in the kernel.
 */
final class RingWriter
{
    private final RingBuffer<FrameSlot> ring;
    private final Runnable afterBurst;
    private long claimed = -1;
    private FrameSlot slot;

    /** @param afterBurst run at the end of every burst (the inline layout drains the ring there). */
    RingWriter(final RingBuffer<FrameSlot> ring, final Runnable afterBurst)
    {
        this.ring = ring;
        this.afterBurst = afterBurst;
    }

    /** The claimed slot, claiming one first if none is held. */
    FrameSlot slot()
    {
        if (slot == null)
        {
            if (!ring.hasAvailableCapacity(1))
            {
                // inline, this thread is also the consumer: free slots before waiting for one
                afterBurst.run();
            }
            claimed = ring.next();
            slot = ring.get(claimed);
        }
        return slot;
    }

    void publish()
    {
        final long sequence = claimed;
        slot = null;
        ring.publish(sequence);
    }

    /** Publishes an empty slot so idle stages wake up and apply their commands. */
    void publishWake()
    {
        slot().wake();
        publish();
        endOfBurst();
    }

    /** A port's burst (or an injected frame) is over. */
    void endOfBurst()
    {
        afterBurst.run();
    }
}
