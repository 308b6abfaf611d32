package io.lanyard.control.api;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link RequestHandler} whose paths say how to answer, for tests of the server rather than of
 * the routes: {@code /sleep/MS} answers after MS milliseconds, {@code /block} once
 * {@link #release()} is called, {@code /stream/MS} opens a stream that sends {@code tick} after
 * MS milliseconds, {@code /overflow} fails with an error, {@code /size} tells the body's size;
 * anything else answers at once with its path. It keeps
 * the paths it began, in order, and how many it answered at once at most.
 */
final class ScriptedRoutes implements RequestHandler
{
    static final String TICK = "tick\n";

    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger answering = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private final List<String> begun = new CopyOnWriteArrayList<>();

    @Override
    public ApiResponse handle(final String method, final String uri, final byte[] body)
    {
        begun.add(uri);
        mostAtOnce.accumulateAndGet(answering.incrementAndGet(), Math::max);
        try
        {
            if (uri.startsWith("/sleep/"))
            {
                Thread.sleep(Long.parseLong(uri.substring("/sleep/".length())));
            }
            else if ("/block".equals(uri) && !released.await(20, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("never released");
            }
            else if (uri.startsWith("/stream/"))
            {
                final long delay = Long.parseLong(uri.substring("/stream/".length()));
                return ApiResponse.ok((StreamingBody)sink -> CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS)
                    .execute(() -> sink.send(TICK.getBytes(StandardCharsets.UTF_8))));
            }
            else if ("/size".equals(uri))
            {
                return ApiResponse.ok(Map.of("bytes", body.length));
            }
            else if ("/overflow".equals(uri))
            {
                throw new StackOverflowError();
            }
            return ApiResponse.ok(Map.of("path", uri));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        finally
        {
            answering.decrementAndGet();
        }
    }

    /** Lets every {@code /block} request answer. */
    void release()
    {
        released.countDown();
    }

    /** The paths begun so far, in order. */
    List<String> begun()
    {
        return List.copyOf(begun);
    }

    int mostAtOnce()
    {
        return mostAtOnce.get();
    }
}
