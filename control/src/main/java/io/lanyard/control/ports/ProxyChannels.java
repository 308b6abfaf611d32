package io.lanyard.control.ports;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * Every channel one {@link UserlandProxy} has opened besides its listener (accepted clients, their
 * target connections, UDP flows), so that closing the proxy closes them all, a channel opened while
 * it closes included.
 */
final class ProxyChannels
{
    private final ChannelGroup open = new DefaultChannelGroup("lanyard-proxy", GlobalEventExecutor.INSTANCE);
    private volatile boolean closed;

    /**
     * Adds a channel to those {@link #close()} closes. The flag is checked after adding, so a
     * channel opened while the proxy closes is closed by one side or the other.
     */
    void track(final Channel channel)
    {
        open.add(channel);
        if (closed)
        {
            channel.close();
        }
    }

    /** From now on every channel tracked is closed at once. */
    void refuseNew()
    {
        closed = true;
    }

    /** Closes every channel tracked so far and returns once they are closed. */
    void closeAll()
    {
        open.close().awaitUninterruptibly();
    }
}
