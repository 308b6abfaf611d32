package io.lanyard.control.api;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What keeps the API's connections from starving it: a connection that has nothing in hand (no
 * request being answered, no stream such as {@code /events} open) and neither reads nor writes
 * for {@code idleSeconds} is closed; and at most {@code maxConnections} are open at once — at the
 * cap, a new connection makes room by closing one with nothing in hand, and is refused only when
 * every open one is busy (logged once each time the cap is reached, not once a second). A
 * client that opens thousands of idle connections thus holds none of them for long, and the
 * next {@code lanyard} command still gets in.
 */
final class ConnectionLimits
{
    static final int DEFAULT_MAX_CONNECTIONS = 512;
    static final long DEFAULT_IDLE_SECONDS = 60;
    private static final AttributeKey<Boolean> BUSY = AttributeKey.valueOf("lanyard.api.busy");
    private static final System.Logger LOG = System.getLogger(ConnectionLimits.class.getName());

    private final int maxConnections;
    private final long idleSeconds;
    private final ChannelGroup open = new DefaultChannelGroup("lanyard-api", GlobalEventExecutor.INSTANCE);
    private final AtomicBoolean capLogged = new AtomicBoolean();

    ConnectionLimits(final int maxConnections, final long idleSeconds)
    {
        if (maxConnections < 1 || idleSeconds < 1)
        {
            throw new IllegalArgumentException("connection limit and idle timeout must be positive");
        }
        this.maxConnections = maxConnections;
        this.idleSeconds = idleSeconds;
    }

    /**
     * Admits a new connection: true, with the idle watch first in its pipeline; false when it was
     * closed because every open connection is busy.
     */
    boolean admit(final Channel child)
    {
        if (open.size() >= maxConnections && !closeOneIdle())
        {
            if (capLogged.compareAndSet(false, true))
            {
                LOG.log(System.Logger.Level.WARNING, "API connection limit of " + maxConnections +
                    " reached with every connection busy: refusing new ones until some close");
            }
            child.close();
            return false;
        }
        if (open.size() < maxConnections / 2)
        {
            capLogged.set(false);
        }
        open.add(child);
        child.pipeline().addLast(new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS), new IdleCloser());
        return true;
    }

    /** The channel is answering a request or streaming: not idle, whatever its traffic. */
    static void busy(final Channel channel, final boolean busy)
    {
        channel.attr(BUSY).set(busy);
    }

    int openConnections()
    {
        return open.size();
    }

    private static boolean isBusy(final Channel channel)
    {
        return Boolean.TRUE.equals(channel.attr(BUSY).get());
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
