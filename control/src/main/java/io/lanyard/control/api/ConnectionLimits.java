package io.lanyard.control.api;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.util.concurrent.TimeUnit;

/**
 * What keeps the API's connections from starving it: a connection that has nothing in hand (no
 * request being answered, no stream such as {@code /events} open) and neither reads nor writes
 * for {@code idleSeconds} is closed; one that has begun a request must have all of it within
 * {@code requestSeconds} ({@link RequestCycle}); and at most {@code maxConnections} are open at
 * once — at the cap, a new connection makes room by closing one with nothing in hand, and is
 * refused only when every open one is busy (logged once each time the cap is reached, not once
 * a second). A client that opens thousands of idle connections, or feeds them a byte at a time,
 * thus holds none of them for long, and the next {@code lanyard} command still gets in.
 */
final class ConnectionLimits
{
    static final int DEFAULT_MAX_CONNECTIONS = 512;
    static final long DEFAULT_IDLE_SECONDS = 60;
    static final long DEFAULT_REQUEST_SECONDS = 10;

    private final int maxConnections;
    private final long idleSeconds;
    private final long requestSeconds;
    private final ChannelGroup open = new DefaultChannelGroup("lanyard-api", GlobalEventExecutor.INSTANCE);
    private final LimitWarning capReached;

    ConnectionLimits(final int maxConnections, final long idleSeconds, final long requestSeconds)
    {
        if (maxConnections < 1 || idleSeconds < 1 || requestSeconds < 1)
        {
            throw new IllegalArgumentException("connection limit, idle timeout and request timeout must be positive");
        }
        this.maxConnections = maxConnections;
        this.idleSeconds = idleSeconds;
        this.requestSeconds = requestSeconds;
        this.capReached = new LimitWarning(System.getLogger(ConnectionLimits.class.getName()), "API connection limit of " +
            maxConnections + " reached with every connection busy: refusing new ones until some close");
    }

    /** Lanyard's limits: 512 connections, 60 s idle, 10 s to send a request. */
    static ConnectionLimits defaults()
    {
        return new ConnectionLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_IDLE_SECONDS, DEFAULT_REQUEST_SECONDS);
    }

    /**
     * Admits a new connection: true, with its request cycle and idle watch first in its pipeline;
     * false when it was closed because every open connection is busy.
     */
    boolean admit(final Channel child)
    {
        if (open.size() >= maxConnections && !closeOneIdle())
        {
            capReached.reached();
            child.close();
            return false;
        }
        if (open.size() < maxConnections / 2)
        {
            capReached.eased();
        }
        open.add(child);
        child.pipeline().addLast(new RequestCycle(requestSeconds), new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS),
            new IdleCloser());
        return true;
    }

    int openConnections()
    {
        return open.size();
    }

    private static boolean isBusy(final Channel channel)
    {
        final RequestCycle cycle = RequestCycle.of(channel);
        return cycle != null && cycle.isAnswering();
    }

    private boolean closeOneIdle()
    {
        for (final Channel channel : open)
        {
            if (!isBusy(channel) && open.remove(channel))
            {
                channel.close();
                return true;
            }
        }
        return false;
    }

    private static final class IdleCloser extends ChannelInboundHandlerAdapter
    {
        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) throws Exception
        {
            if (event instanceof IdleStateEvent && !isBusy(ctx.channel()))
            {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, event);
        }
    }
}
