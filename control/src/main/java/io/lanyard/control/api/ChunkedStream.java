package io.lanyard.control.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StreamSink} over one connection whose head has been written with chunked transfer
 * encoding. The stream ends once: when its body ends it, when the client goes away (the channel
 * closes) or reads too slowly, or when the server closes ({@link #close}); the end actions (a
 * body's unsubscribe) then run once, so nothing is left holding a dead connection.
 */
final class ChunkedStream implements StreamSink
{
    private static final long CLOSE_WAIT_SECONDS = 2;

    private final Channel channel;
    private final boolean keepAlive;
    private final List<Runnable> endActions = new ArrayList<>();
    private boolean ended;

    ChunkedStream(final Channel channel, final boolean keepAlive)
    {
        this.channel = channel;
        this.keepAlive = keepAlive;
        channel.closeFuture().addListener(closed -> finish());
    }

    @Override
    public void send(final byte[] piece)
    {
        if (isEnded())
        {
            return;
        }
        if (!channel.isWritable())
        {
            channel.close();
            return;
        }
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(piece)));
    }

    @Override
    public void end()
    {
        if (finish())
        {
            final var written = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive)
            {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    @Override
    public void endAfter(final Duration delay)
    {
        final var timer = channel.eventLoop().schedule(this::end, delay.toNanos(), TimeUnit.NANOSECONDS);
        onEnd(() -> timer.cancel(false));
    }

    @Override
    public void onEnd(final Runnable action)
    {
        synchronized (this)
        {
            if (!ended)
            {
                endActions.add(action);
                return;
            }
        }
        action.run();
    }

    /** The server is closing: ends the stream properly, then closes its connection. */
    void close()
    {
        if (finish())
        {
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE)
                .awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        channel.close().awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
    }

    synchronized boolean isEnded()
    {
        return ended;
    }

    /** Marks the stream ended and runs the end actions; false if it had already ended. */
    private boolean finish()
    {
        final List<Runnable> actions;
        synchronized (this)
        {
            if (ended)
            {
                return false;
            }
            ended = true;
            actions = List.copyOf(endActions);
            endActions.clear();
        }
        actions.forEach(Runnable::run);
        return true;
    }
}
