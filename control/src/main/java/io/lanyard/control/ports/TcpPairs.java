package io.lanyard.control.ports;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;

import java.net.InetSocketAddress;

/**
 * The TCP side of a {@link UserlandProxy}: a listener that pairs each accepted client with a
 * connection of its own to the target.
 * <p>
 * The target connection is opened on the client's event loop, so the pair is only ever touched by
 * one thread. Both sides start with auto-read off and are read only once the target has answered,
 * and afterwards only while the other side is writable (see {@link TcpRelay}). A target that refuses
 * closes the client's connection.
 */
final class TcpPairs extends ChannelInitializer<Channel>
{
    private final InetSocketAddress target;
    private final ProxyCounters counters;
    private final ProxyChannels channels;
    private final Bootstrap targetConnections;

    private TcpPairs(
        final ProxyLoops loops, final InetSocketAddress target, final ProxyCounters counters, final ProxyChannels channels)
    {
        this.target = target;
        this.counters = counters;
        this.channels = channels;
        final SocketProtocolFamily family = ProxyLoops.familyOf(target.getAddress());
        final ChannelFactory<SocketChannel> streams = () -> loops.newSocketChannel(family);
        this.targetConnections = new Bootstrap()
            .channelFactory(streams)
            .option(ChannelOption.ALLOCATOR, loops.allocator())
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .option(ChannelOption.TCP_NODELAY, true);
    }

    /**
     * Binds a listener on {@code local}, with SO_REUSEADDR for the reason {@code UserlandProxy.start}
     * gives, whose accepted clients are forwarded to {@code target}.
     *
     * @return the bind, still under way.
     */
    static ChannelFuture listen(
        final ProxyLoops loops,
        final InetSocketAddress local,
        final InetSocketAddress target,
        final ProxyCounters counters,
        final ProxyChannels channels)
    {
        final SocketProtocolFamily family = ProxyLoops.familyOf(local.getAddress());
        final ChannelFactory<ServerChannel> listeners = () -> loops.newServerChannel(family);
        return new ServerBootstrap()
            .group(loops.group())
            .channelFactory(listeners)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.ALLOCATOR, loops.allocator())
            .childOption(ChannelOption.ALLOCATOR, loops.allocator())
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new TcpPairs(loops, target, counters, channels))
            .bind(local);
    }

    /** Runs for each accepted client: opens its target connection and joins the two with relays. */
    @Override
    protected void initChannel(final Channel client)
    {
        counters.connectionsAccepted.increment();
        channels.track(client);
        final ChannelFuture connect = targetConnections.clone(client.eventLoop())
            .handler(new TcpRelay(client, client.newSucceededFuture(), counters.bytesFromTarget))
            .connect(target);
        final Channel targetSide = connect.channel();
        channels.track(targetSide);
        client.pipeline().addLast(new TcpRelay(targetSide, connect, counters.bytesToTarget));
        connect.addListener((ChannelFutureListener)connected ->
        {
            if (connected.isSuccess())
            {
                targetSide.flush();
                // a client that already sent EOF must not be asked to read: epoll then fails the channel
                TcpRelay.readUnlessInputShut(client);
                targetSide.read();
            }
            else
            {
                if (client.isActive())
                {
                    counters.targetConnectFailures.increment(); // not when the client gave up first
                }
                client.close();
            }
        });
    }
}
