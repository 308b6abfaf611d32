package io.lanyard.dataplane;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * How an idle stage thread waits: it spins a little, yields a little, then polls with short sleeps while traffic
 * is flowing (no wake-up to pay for when the next frame comes soon, like Disruptor's sleeping
 * strategy), and once nothing has arrived for {@code idleNanos} it parks until the producer
 * signals (no CPU spent on an idle daemon, like the lite blocking strategy).
 *
 * <p>Why not one of Disruptor's: on a two-core machine a thread that sleep-polls forever costs a
 * tenth of a core even when no container sends anything, and one that always blocks pays a
 * futex wake-up per burst, which halves TCP throughput here. The producer's side
 * ({@link #signalAllWhenBlocking}) is one volatile read per publish unless a consumer is parked;
 * only then does it take the monitor to wake it.
 */
final class BackoffWaitStrategy implements WaitStrategy
{
    static final long DEFAULT_IDLE_NANOS = 20_000_000L;
    private static final int SPINS = 100;
    private static final int YIELDS = 100;
    private static final long SLEEP_NANOS = 100;
    private static final long PARK_TIMEOUT_MILLIS = 100;

    private final long idleNanos;
    private final Object mutex = new Object();
    private final AtomicBoolean signalNeeded = new AtomicBoolean();

    BackoffWaitStrategy(final long idleNanos)
    {
        this.idleNanos = idleNanos;
    }

    @Override
    public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence, final SequenceBarrier barrier)
        throws AlertException, InterruptedException
    {
        long available;
        int spins = SPINS;
        int yields = YIELDS;
        long idleSince = 0;
        while ((available = dependentSequence.get()) < sequence)
        {
            barrier.checkAlert();
            if (spins > 0)
            {
                spins--;
                Thread.onSpinWait();
                continue;
            }
            if (yields > 0)
            {
                // the thread this one waits for may share the CPU: let it run
                yields--;
                Thread.yield();
                continue;
            }
            final long now = System.nanoTime();
            if (idleSince == 0)
            {
                idleSince = now;
            }
            if (now - idleSince < idleNanos)
            {
                LockSupport.parkNanos(SLEEP_NANOS);
                continue;
            }
            if (cursor.get() < sequence)
            {
                synchronized (mutex)
                {
                    while (cursor.get() < sequence)
                    {
                        signalNeeded.set(true);
                        if (cursor.get() >= sequence)
                        {
                            break;
                        }
                        barrier.checkAlert();
                        mutex.wait(PARK_TIMEOUT_MILLIS);
                    }
                }
            }
            spins = SPINS;
            yields = YIELDS;
            idleSince = 0;
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking()
    {
        if (signalNeeded.get() && signalNeeded.getAndSet(false))
        {
            synchronized (mutex)
            {
                mutex.notifyAll();
            }
        }
    }
}
