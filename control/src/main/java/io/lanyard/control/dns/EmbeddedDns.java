package io.lanyard.control.dns;

import io.lanyard.tap.CloseOnExec;
import io.lanyard.tap.NamespaceThread;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The embedded DNS server: in each sandbox that is on a network with embedded DNS, a UDP socket
 * and a TCP listener on {@code 127.0.0.11:53} — the address Docker's containers use — opened in
 * the sandbox's own namespace, so the sandbox's {@code resolv.conf} can name it with no address
 * translation, and each query is known to come from that sandbox and is answered in its
 * {@link DnsScope}.
 *
 * <p>One event loop thread serves every sandbox and the {@link UpstreamForwarder}: answers for
 * container names are computed in microseconds, and forwarded queries wait without blocking.
 */
public final class EmbeddedDns implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(EmbeddedDns.class.getName());
    /** Where sandboxes find the embedded DNS (Docker's address). */
    public static final String ADDRESS = "127.0.0.11";
    public static final int PORT = 53;
    /** TCP connections one sandbox may hold open at once; more are closed as they come. */
    static final int MAX_TCP_CONNECTIONS = 64;
    /** A TCP connection with no query for this long is closed (RFC 7766 suggests seconds). */
    static final Duration TCP_IDLE = Duration.ofSeconds(10);

    private final NameTable names;
    private final DnsCounters counters;
    private final int port;
    private final MultiThreadIoEventLoopGroup group;
    private final UpstreamForwarder forwarder;
    private final Resolver resolver;
    private final NamespaceThread namespaceThread = new NamespaceThread();
    private final Map<String, Listener> listeners = new ConcurrentHashMap<>();

    public EmbeddedDns(final NameTable names, final DnsCounters counters)
    {
        this(names, counters, UpstreamForwarder.DEFAULT_TIMEOUT, PORT);
    }

    /** @param port where to listen in each sandbox: 53 but in tests. */
    public EmbeddedDns(final NameTable names, final DnsCounters counters, final Duration upstreamTimeout, final int port)
    {
        this.names = names;
        this.counters = counters;
        this.port = port;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("lanyard-dns", true), EpollIoHandler.newFactory());
        this.forwarder = new UpstreamForwarder(group, counters, upstreamTimeout);
        this.resolver = new Resolver(names, forwarder, counters);
    }

    public NameTable names()
    {
        return names;
    }

    public DnsCounters counters()
    {
        return counters;
    }

    /**
     * Answers in the sandbox's namespace from now on, within {@code scope}; when it already
     * does, only the scope changes, at once for the next query.
     *
     * @param netnsPath the namespace, e.g. {@code /run/netns/NAME}.
     */
    public synchronized void serve(final String sandboxId, final Path netnsPath, final DnsScope scope)
    {
        final Listener existing = listeners.get(sandboxId);
        if (existing != null)
        {
            existing.scope = scope;
            return;
        }
        final Listener listener = new Listener(scope);
        final InetSocketAddress address = new InetSocketAddress(ADDRESS, port);
        try
        {
            listener.udp = new Bootstrap()
                .group(group)
                .channelFactory(() -> closeOnExec(namespaceThread.call(netnsPath, EpollDatagramChannel::new)))
                // a DNS server of the container's own that binds 0.0.0.0:53 with SO_REUSEADDR (as
                // dnsmasq does) can then coexist; queries to 127.0.0.11 still come here, the
                // more specific binding
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Resolver.MAX_QUERY + 1))
                .handler(new UdpQueries(listener))
                .bind(address).syncUninterruptibly().channel();
            listener.tcp = new ServerBootstrap()
                .group(group)
                .channelFactory(() -> closeOnExec(namespaceThread.call(netnsPath, EpollServerSocketChannel::new)))
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel channel)
                    {
                        if (listener.connections.size() >= MAX_TCP_CONNECTIONS)
                        {
                            channel.close();
                            return;
                        }
                        if (channel instanceof UnixChannel unix)
                        {
                            closeOnExec(unix);
                        }
                        listener.connections.add(channel);
                        channel.pipeline().addLast(
                            new IdleStateHandler(0, 0, TCP_IDLE.toMillis(), TimeUnit.MILLISECONDS),
                            new LengthFieldBasedFrameDecoder(0xFFFF, 0, 2, 0, 2),
                            new TcpQueries(listener));
                    }
                })
                .bind(address).syncUninterruptibly().channel();
        }
        catch (final Exception ex) // Netty's sync rethrows a failed bind's IOException undeclared
        {
            listener.close();
            throw new IllegalStateException("cannot answer DNS on " + ADDRESS + ":" + port + " in " + netnsPath + ": " + ex.getMessage(), ex);
        }
        listeners.put(sandboxId, listener);
    }

    /**
     * Netty opens its sockets inheritable; two per sandbox would make every process the daemon
     * starts cost more as sandboxes are added (see {@link CloseOnExec}).
     */
    private static <C extends UnixChannel> C closeOnExec(final C channel)
    {
        CloseOnExec.set(channel.fd().intValue());
        return channel;
    }

    /** Stops answering in the sandbox (it left its last network with embedded DNS, or is removed). */
    public synchronized void stop(final String sandboxId)
    {
        final Listener listener = listeners.remove(sandboxId);
        if (listener != null)
        {
            listener.close();
        }
    }

    public boolean serves(final String sandboxId)
    {
        return listeners.containsKey(sandboxId);
    }

    /** Queries sent upstream and not yet answered. */
    public int inFlight()
    {
        return forwarder.inFlight();
    }

    @Override
    public synchronized void close()
    {
        listeners.values().forEach(Listener::close);
        listeners.clear();
        forwarder.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        namespaceThread.close();
    }

    /** One sandbox's sockets and scope. */
    private final class Listener
    {
        private volatile DnsScope scope;
        private final ChannelGroup connections = new DefaultChannelGroup(group.next());
        private Channel udp;
        private Channel tcp;

        Listener(final DnsScope scope)
        {
            this.scope = scope;
        }

        void close()
        {
            if (udp != null)
            {
                udp.close().awaitUninterruptibly();
            }
            if (tcp != null)
            {
                tcp.close().awaitUninterruptibly();
            }
            connections.close().awaitUninterruptibly();
        }
    }

    private final class UdpQueries extends SimpleChannelInboundHandler<DatagramPacket>
    {
        private final Listener listener;

        UdpQueries(final Listener listener)
        {
            this.listener = listener;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket packet)
        {
            final Channel channel = ctx.channel();
            final InetSocketAddress sender = packet.sender();
            resolver.handle(ctx.alloc(), packet.content(), listener.scope, true,
                answer -> channel.writeAndFlush(new DatagramPacket(answer, sender)));
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // one bad exchange must not close the sandbox's resolver
            LOG.log(System.Logger.Level.DEBUG, "DNS over UDP: " + cause);
        }
    }

    private final class TcpQueries extends SimpleChannelInboundHandler<ByteBuf>
    {
        private final Listener listener;

        TcpQueries(final Listener listener)
        {
            this.listener = listener;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final ByteBuf frame)
        {
            final Channel channel = ctx.channel();
            resolver.handle(ctx.alloc(), frame, listener.scope, false, answer ->
            {
                final ByteBuf length = channel.alloc().buffer(2).writeShort(answer.readableBytes());
                channel.writeAndFlush(Unpooled.wrappedBuffer(length, answer));
            });
        }

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object event)
        {
            if (event instanceof IdleStateEvent)
            {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            LOG.log(System.Logger.Level.DEBUG, "DNS over TCP: " + cause);
            ctx.close();
        }
    }
}
