package io.lanyard.control.ports;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The event loops every {@link UserlandProxy} of a daemon shares, and the transport whose channels
 * they run: epoll when the native library loads, NIO otherwise. Channel classes must match the loops'
 * {@code IoHandler}, so both are chosen here, once, instead of by each proxy.
 * <p>
 * One group serves all published ports: a proxy only moves bytes between two sockets, so a couple
 * of threads carry many ports, and a port's connections are spread over them. Close it after the
 * proxies that use it.
 */
public final class ProxyLoops implements AutoCloseable
{
    public static final String EPOLL = "epoll";
    public static final String NIO = "nio";

    private static final long SOCKET_RELEASE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long SOCKET_RELEASE_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    /** The JDK socket under an NIO listener, kept to see when its selector has let go of it. */
    private static final AttributeKey<SelectableChannel> NIO_SOCKET = AttributeKey.valueOf("lanyard.proxy.nioSocket");

    private final String transport;
    private final MultiThreadIoEventLoopGroup group;
    private final ByteBufAllocator allocator;

    private ProxyLoops(final String transport, final int threads, final ByteBufAllocator allocator)
    {
        final IoHandlerFactory handlers = EPOLL.equals(transport) ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.transport = transport;
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("lanyard-proxy", true), handlers);
        this.allocator = allocator;
    }

    /** Epoll when available, else NIO, with Netty's default (pooled) allocator. */
    public static ProxyLoops create(final int threads)
    {
        return create(Epoll.isAvailable() ? EPOLL : NIO, threads, ByteBufAllocator.DEFAULT);
    }

    /**
     * @param transport {@link #EPOLL} or {@link #NIO}; naming one lets a test run the same contract on both.
     * @param allocator for every buffer the proxies read into.
     * @throws IllegalArgumentException for another transport name.
     * @throws UnsatisfiedLinkError     when epoll is asked for and its native library does not load.
     */
    public static ProxyLoops create(final String transport, final int threads, final ByteBufAllocator allocator)
    {
        if (EPOLL.equals(transport))
        {
            Epoll.ensureAvailability();
        }
        else if (!NIO.equals(transport))
        {
            throw new IllegalArgumentException("unknown proxy transport: " + transport + " (epoll or nio)");
        }
        return new ProxyLoops(transport, threads, allocator);
    }

    public String transport()
    {
        return transport;
    }

    public EventLoopGroup group()
    {
        return group;
    }

    public ByteBufAllocator allocator()
    {
        return allocator;
    }

    /** Stops the loops; every proxy on them must be closed first. */
    @Override
    public void close()
    {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    ServerChannel newServerChannel(final SocketProtocolFamily family)
    {
        if (EPOLL.equals(transport))
        {
            return new EpollServerSocketChannel(family);
        }
        try
        {
            final ServerSocketChannel socket = ServerSocketChannel.open(jdkFamily(family));
            final NioServerSocketChannel channel = new NioServerSocketChannel(socket);
            channel.attr(NIO_SOCKET).set(socket);
            return channel;
        }
        catch (final IOException ex)
        {
            throw new ChannelException(ex);
        }
    }

    SocketChannel newSocketChannel(final SocketProtocolFamily family)
    {
        return EPOLL.equals(transport) ?
            new EpollSocketChannel(family) : new NioSocketChannel(SelectorProvider.provider(), family);
    }

    DatagramChannel newDatagramChannel(final SocketProtocolFamily family)
    {
        if (EPOLL.equals(transport))
        {
            return new EpollDatagramChannel(family);
        }
        try
        {
            final java.nio.channels.DatagramChannel socket = java.nio.channels.DatagramChannel.open(jdkFamily(family));
            final NioDatagramChannel channel = new NioDatagramChannel(socket);
            channel.attr(NIO_SOCKET).set(socket);
            return channel;
        }
        catch (final IOException ex)
        {
            throw new ChannelException(ex);
        }
    }

    /**
     * Returns once the socket of a closed channel is really closed, so its port can be bound again.
     * Epoll closes the descriptor in {@code close()}. NIO keeps it open while the channel is still
     * registered with a selector and closes it when the selector next selects, which the loop does
     * on its own soon after the close; this waits for that, and for one task after it, since the
     * selector closes the socket on the loop's thread just after deregistering it.
     *
     * @param loop the loop the channel was registered with.
     */
    static void awaitSocketReleased(final Channel channel, final EventLoop loop)
    {
        final SelectableChannel socket = channel.attr(NIO_SOCKET).get();
        if (socket == null)
        {
            return;
        }
        final long deadline = System.nanoTime() + SOCKET_RELEASE_TIMEOUT_NANOS;
        while (socket.isRegistered() && System.nanoTime() - deadline < 0)
        {
            LockSupport.parkNanos(SOCKET_RELEASE_POLL_NANOS);
        }
        if (!loop.isShuttingDown())
        {
            loop.submit(() -> { }).awaitUninterruptibly(SOCKET_RELEASE_TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    /** The family of socket that binds or reaches {@code address}. */
    static SocketProtocolFamily familyOf(final InetAddress address)
    {
        return address instanceof Inet6Address ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
    }

    private static StandardProtocolFamily jdkFamily(final SocketProtocolFamily family)
    {
        return family == SocketProtocolFamily.INET6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }
}
