package io.lanyard.control.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link UpstreamForwarder.Reply} that keeps what it was told, how often, and whether on the forwarder's loop. */
final class RecordedReply implements UpstreamForwarder.Reply
{
    /**
     * @param relayed the relayed message's bytes, or {@code null} for a failure.
     * @param failure the failure's code, or {@code null} for a relay.
     */
    record Outcome(byte[] relayed, DnsResponseCode failure, boolean onLoop)
    {
    }

    private final EventExecutor loop;
    private final AtomicInteger calls = new AtomicInteger();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

    RecordedReply(final EventExecutor loop)
    {
        this.loop = loop;
    }

    @Override
    public void relay(final ByteBuf response)
    {
        calls.incrementAndGet();
        final byte[] bytes = ByteBufUtil.getBytes(response);
        response.release();
        outcome.complete(new Outcome(bytes, null, loop.inEventLoop()));
    }

    @Override
    public void fail(final DnsResponseCode code)
    {
        calls.incrementAndGet();
        outcome.complete(new Outcome(null, code, loop.inEventLoop()));
    }

    Outcome await() throws InterruptedException, ExecutionException, TimeoutException
    {
        return outcome.get(10, TimeUnit.SECONDS);
    }

    boolean isDone()
    {
        return outcome.isDone();
    }

    int calls()
    {
        return calls.get();
    }
}
