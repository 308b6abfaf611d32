package io.lanyard.dataplane;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * An in-memory port: keeps a copy of every frame the transmit stage writes out of the slot and
 * counts its flushes. A stage test reads {@link #frames} after driving the stage by hand; a
 * pipeline test waits for each frame with {@link #next()} while the stage thread writes.
 */
final class MemorySink implements FrameSink
{
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Every frame written and not yet taken by {@link #next()}: its virtio header, then the frame. */
    final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
    /** What each write returns when negative (-errno): the frame is kept all the same. */
    volatile int result;
    /** How long each write takes, to stand for a slow device. */
    volatile long delayNanos;
    volatile int writes;
    volatile int flushes;
    /** {@link #writes} at the last flush. */
    volatile int framesAtLastFlush;

    @Override
    public int write(final long address, final int length)
    {
        final byte[] copy = new byte[length];
        new UnsafeBuffer(address, length).getBytes(0, copy);
        if (delayNanos > 0)
        {
            LockSupport.parkNanos(delayNanos);
        }
        writes++;
        frames.add(copy);
        return result < 0 ? result : length;
    }

    @Override
    public void flush()
    {
        flushes++;
        framesAtLastFlush = writes;
    }

    /** Takes the next frame written, waiting for it up to 5 s. */
    byte[] next()
    {
        try
        {
            final byte[] frame = frames.poll(WAIT_NANOS, TimeUnit.NANOSECONDS);
            assertNotNull(frame, "timed out waiting for a frame");
            return frame;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }
}
