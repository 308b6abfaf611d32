package io.lanyard.control.ports;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.epoll.Epoll;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Loops for one transport whose buffers come from an instrumented unpooled allocator, so closing
 * them can check that every buffer the proxies read was released: a missed release fails the test
 * instead of waiting for a garbage collection to report it.
 */
final class ProxyTransports implements AutoCloseable
{
    static final InetAddress LOOPBACK = loopback();

    private final UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(true);
    private final ProxyLoops loops;

    ProxyTransports(final String transport)
    {
        loops = ProxyLoops.create(transport, 2, allocator);
    }

    /** Every transport this machine can run: the same tests run on each. */
    static Stream<String> available()
    {
        return Epoll.isAvailable() ? Stream.of(ProxyLoops.EPOLL, ProxyLoops.NIO) : Stream.of(ProxyLoops.NIO);
    }

    ProxyLoops loops()
    {
        return loops;
    }

    @Override
    public void close()
    {
        loops.close();
        awaitTrue("all buffers released", () -> allocator.metric().usedDirectMemory() == 0, Duration.ofSeconds(5));
        assertEquals(0, allocator.metric().usedHeapMemory(), "heap bytes still allocated");
    }

    static void awaitTrue(final String what, final BooleanSupplier condition, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            try
            {
                Thread.sleep(10);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
    }

    private static InetAddress loopback()
    {
        try
        {
            return InetAddress.getByAddress(new byte[]{ 127, 0, 0, 1 });
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
