package io.lanyard.control.dns;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Netty's leak detector at its paranoid level (every buffer tracked) for one test class, and
 * the LEAK reports it logs meanwhile. Set here rather than with
 * {@code -Dio.netty.leakDetection.level}, so the other classes of the module run at the normal
 * level and speed; the level is put back when the watch ends.
 */
final class LeakWatch extends Handler
{
    private final Logger logger = Logger.getLogger(ResourceLeakDetector.class.getName());
    private final ResourceLeakDetector.Level previous;
    private final List<String> leaks = new ArrayList<>();

    private LeakWatch()
    {
        previous = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        logger.addHandler(this);
    }

    static LeakWatch start()
    {
        return new LeakWatch();
    }

    /**
     * Stops watching and returns what was reported. A leaked buffer is reported only once it has
     * been collected and a later buffer is tracked, so this collects and allocates a few times first.
     */
    List<String> stop() throws InterruptedException
    {
        for (int i = 0; i < 10; i++)
        {
            System.gc();
            Thread.sleep(20);
            PooledByteBufAllocator.DEFAULT.directBuffer(64).release();
            PooledByteBufAllocator.DEFAULT.heapBuffer(64).release();
        }
        logger.removeHandler(this);
        ResourceLeakDetector.setLevel(previous);
        synchronized (leaks)
        {
            return List.copyOf(leaks);
        }
    }

    @Override
    public void publish(final LogRecord record)
    {
        if (record.getMessage() != null && record.getMessage().contains("LEAK"))
        {
            synchronized (leaks)
            {
                leaks.add(record.getMessage());
            }
        }
    }

    @Override
    public void flush()
    {
    }

    @Override
    public void close()
    {
    }
}
