package io.lanyard.control.api;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The API's worker threads ({@code lanyard-api}) and the bounded queue of requests waiting for
 * one. A connection has at most one request here ({@link RequestCycle}), so the queue holds
 * different clients' requests; once it is full a request is refused at once (the server answers
 * 503) rather than waiting, body and all, behind every other for the façade's lock. Reaching the
 * bound is logged once, and again only after the queue has drained to half.
 */
final class RequestWorkers implements AutoCloseable
{
    static final int DEFAULT_THREADS = 4;
    static final int DEFAULT_QUEUE = 64;
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final ThreadPoolExecutor pool;
    private final int queueCapacity;
    private final LimitWarning full;

    RequestWorkers(final int threads, final int queueCapacity)
    {
        if (threads < 1 || queueCapacity < 1)
        {
            throw new IllegalArgumentException("API workers and their queue must be positive");
        }
        this.queueCapacity = queueCapacity;
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueCapacity), runnable ->
        {
            final Thread thread = new Thread(runnable, "lanyard-api");
            thread.setDaemon(true);
            return thread;
        });
        this.full = new LimitWarning(System.getLogger(RequestWorkers.class.getName()), "API request queue of " + queueCapacity +
            " is full: answering 503 to new requests until it drains");
    }

    /** @return false, having run nothing, when the queue is full or the workers are closing. */
    boolean offer(final Runnable task)
    {
        try
        {
            pool.execute(task);
        }
        catch (final RejectedExecutionException ex)
        {
            if (!pool.isShutdown())
            {
                full.reached();
            }
            return false;
        }
        if (pool.getQueue().size() <= queueCapacity / 2)
        {
            full.eased();
        }
        return true;
    }

    /** Why {@link #offer} refused: the daemon's shutdown or a full queue, in a client's words. */
    String refusal()
    {
        return pool.isShutdown() ? "the daemon is shutting down" :
            "too many API requests waiting for an answer (at most " + queueCapacity + "): try again later";
    }

    /** Requests waiting for a worker now (for tests). */
    int waiting()
    {
        return pool.getQueue().size();
    }

    /** Takes no more requests and waits (up to 30 s) until the ones taken are answered. */
    @Override
    public void close()
    {
        pool.shutdown();
        try
        {
            pool.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
