package io.lanyard.control.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * One API connection's requests, one at a time: it reads a request, has it answered, and only
 * then reads the next. A client that pipelines requests thus has one in hand at a time (the rest
 * wait in its socket, not in the daemon's queue) and is never taken for idle while it has one.
 *
 * <p>A request must arrive whole, head and body, within {@code requestSeconds} of its first
 * byte. The idle timer ({@link ConnectionLimits}) starts again at every byte read, so a client
 * that sends a byte now and then (slowloris) would hold its connection forever without this
 * deadline. A request being answered and a stream such as {@code /events} have no deadline.
 * Bytes of the next request that came in the same read as the last one start no deadline; if no
 * more come, the idle timer closes the connection, and if more do, the first of them starts it.
 *
 * <p>It stands first in the pipeline, where it sees the bytes as read, and turns the channel's
 * automatic reading off; a {@link FlowControlHandler} after the aggregator holds a request that
 * came in the same read as the one before it until {@link #answered()} asks for the next.
 */
final class RequestCycle extends ChannelInboundHandlerAdapter
{
    private static final AttributeKey<RequestCycle> KEY = AttributeKey.valueOf("lanyard.api.request-cycle");

    private enum Phase
    {
        /** Between requests: nothing read of the next one. */
        WAITING,
        /** Part of a request read: the deadline runs. */
        READING,
        /** A whole request is being answered, or its stream is open. */
        ANSWERING
    }

    private final long requestNanos;
    private Channel channel;
    private volatile Phase phase = Phase.WAITING;
    private ScheduledFuture<?> deadline;

    RequestCycle(final long requestSeconds)
    {
        this.requestNanos = TimeUnit.SECONDS.toNanos(requestSeconds);
    }

    /** The cycle of an admitted connection. */
    static RequestCycle of(final Channel channel)
    {
        return channel.attr(KEY).get();
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        channel = ctx.channel();
        channel.attr(KEY).set(this);
        channel.config().setAutoRead(false);
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        ctx.fireChannelActive();
        channel.read();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (phase == Phase.WAITING && msg instanceof ByteBuf bytes && bytes.isReadable())
        {
            phase = Phase.READING;
            deadline = ctx.executor().schedule(this::expire, requestNanos, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Reading goes on until the request is whole, and stops while it is answered. The read is
     * asked for from the tail: the flow control counts a read that brought no whole request as
     * spent, and holds the request the next one brings unless it is asked again.
     */
    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        ctx.fireChannelReadComplete();
        if (phase != Phase.ANSWERING)
        {
            channel.read();
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        cancelDeadline();
        ctx.fireChannelInactive();
    }

    /** A whole request is in hand and about to be answered; called on the event loop. */
    void answering()
    {
        phase = Phase.ANSWERING;
        cancelDeadline();
    }

    /** Its answer is written, or its stream ended: the next request may be read. Any thread. */
    void answered()
    {
        channel.eventLoop().execute(() ->
        {
            phase = Phase.WAITING;
            // from the tail, so the flow control hands over a request it holds before asking the socket
            channel.read();
        });
    }

    /** Answering a request or streaming: not idle, whatever its traffic. */
    boolean isAnswering()
    {
        return phase == Phase.ANSWERING;
    }

    private void expire()
    {
        if (phase == Phase.READING)
        {
            channel.close();
        }
    }

    private void cancelDeadline()
    {
        if (deadline != null)
        {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
