package io.lanyard.control.ports;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * docker-proxy's job: whatever arrives on a host address and port is forwarded to a container's
 * address and port, for clients the dataplane's NAT does not reach (the host itself, loopback).
 * <p>
 * <b>TCP.</b> Each accepted connection gets its own connection to the target, opened on the same
 * event loop so the pair is only ever touched by one thread. Both sides start with auto-read off and
 * are read only once the target has answered, and afterwards only while the other side is writable:
 * a slow reader stops the proxy reading from the fast writer instead of letting buffers grow. Read
 * buffers are passed to the other side as they are, never copied. An end-of-stream on one side
 * becomes a {@code shutdownOutput} on the other once everything before it is written, so protocols
 * that half-close (a client that sends a request and then EOF) work; a pair is closed when both
 * directions are done or either side fails. A target that refuses closes the client's connection.
 * <p>
 * <b>UDP.</b> One bound socket receives from every client. The first datagram from a client
 * address opens a <em>flow</em>: a datagram socket connected to the target, whose replies go back to
 * that client from the bound socket, so the client sees answers from the address it sent to. A flow
 * with no traffic either way for the idle timeout (90 s, as docker-proxy) is closed and forgotten.
 * Flows are bounded ({@value #DEFAULT_MAX_UDP_FLOWS} by default); datagrams from new clients beyond
 * that, and datagrams that meet a full send queue, are dropped and counted. The flow table and all
 * flows live on the bound socket's event loop, so the table needs no lock.
 * <p>
 * Counters, not logs: nothing here logs per connection or per datagram.
 */
public final class UserlandProxy implements AutoCloseable
{
    public static final Duration DEFAULT_UDP_IDLE_TIMEOUT = Duration.ofSeconds(90);
    public static final int DEFAULT_MAX_UDP_FLOWS = 4096;

    /** Largest UDP payload over IPv4; docker-proxy reads with the same size, so nothing is truncated. */
    public static final int MAX_DATAGRAM_BYTES = 65_507;

    /**
     * Netty's datagram default reads into 2 KiB and cuts off the rest. Each read buffer is sized for
     * the largest datagram instead; the buffer is handed on as read, so that memory is held per
     * datagram in flight, a cost docker-proxy pays too.
     */
    private static final FixedRecvByteBufAllocator WHOLE_DATAGRAMS = new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES);

    private final String protocol;
    private final Shared shared;
    private final Channel listener;
    private final EventLoop listenerLoop;
    private final InetSocketAddress localAddress;

    private UserlandProxy(final String protocol, final Shared shared, final Channel listener)
    {
        this.protocol = protocol;
        this.shared = shared;
        this.listener = listener;
        this.listenerLoop = listener.eventLoop();
        this.localAddress = (InetSocketAddress)listener.localAddress();
    }

    /**
     * Publishes {@code binding} for a container at {@code containerAddress}, with the default UDP
     * idle timeout and flow limit. A binding with host port 0 gets a port chosen by the kernel; see
     * {@link #port()}.
     *
     * @throws PortInUseException when another socket holds the host port.
     * @throws IOException        when the bind fails otherwise.
     */
    public static UserlandProxy start(
        final ProxyLoops loops, final PortBinding binding, final InetAddress containerAddress) throws IOException
    {
        return start(
            loops,
            binding.protocol(),
            InetAddress.getByName(binding.hostAddress()),
            binding.hostPort(),
            new InetSocketAddress(containerAddress, binding.containerPort()),
            DEFAULT_UDP_IDLE_TIMEOUT,
            DEFAULT_MAX_UDP_FLOWS);
    }

    /**
     * Binds {@code bindAddress:port} and starts forwarding to {@code target}. Returns once bound;
     * must not be called on one of the loops' threads, since it waits for the bind.
     * <p>
     * TCP listens with SO_REUSEADDR, as Go and so docker-proxy do, so connections left in TIME_WAIT by
     * a previous proxy do not stop a restart from binding; SO_REUSEPORT is not set, so a port held by
     * a live socket is still refused.
     *
     * @param protocol       {@code tcp} or {@code udp}.
     * @param port           0 to let the kernel choose.
     * @param target         the container's address and port; must be resolved.
     * @param udpIdleTimeout how long a UDP flow may be silent before it is closed; unused for TCP.
     * @param maxUdpFlows    most UDP flows open at once; unused for TCP.
     * @throws PortInUseException       when another socket holds the port.
     * @throws IOException              when the bind fails otherwise, e.g. an address not on this host.
     * @throws IllegalArgumentException for an unknown protocol or an out-of-range argument.
     */
    public static UserlandProxy start(
        final ProxyLoops loops,
        final String protocol,
        final InetAddress bindAddress,
        final int port,
        final InetSocketAddress target,
        final Duration udpIdleTimeout,
        final int maxUdpFlows) throws IOException
    {
        final String checkedProtocol = PortBinding.normaliseProtocol(protocol);
        if (port < 0 || port > PortBinding.MAX_PORT)
        {
            throw new IllegalArgumentException("invalid hostPort: " + port);
        }
        if (target.isUnresolved())
        {
            throw new IllegalArgumentException("proxy target must be an address, not a name: " + target);
        }
        if (udpIdleTimeout.isNegative() || udpIdleTimeout.isZero())
        {
            throw new IllegalArgumentException("UDP idle timeout must be positive: " + udpIdleTimeout);
        }
        if (maxUdpFlows < 1)
        {
            throw new IllegalArgumentException("UDP flow limit must be at least 1: " + maxUdpFlows);
        }

        final Shared shared = new Shared(loops, target, udpIdleTimeout, maxUdpFlows);
        final InetSocketAddress local = new InetSocketAddress(bindAddress, port);
        final ChannelFuture bind = PortBinding.TCP.equals(checkedProtocol) ?
            bindTcp(shared, local) : bindUdp(shared, local);
        bind.awaitUninterruptibly();
        if (!bind.isSuccess())
        {
            final Throwable cause = bind.cause();
            final String where = where(checkedProtocol, bindAddress, port);
            if (isAddressInUse(cause))
            {
                throw new PortInUseException(where, cause);
            }
            throw new IOException("Bind for " + where + " failed: " + reason(cause), cause);
        }
        return new UserlandProxy(checkedProtocol, shared, bind.channel());
    }

    public String protocol()
    {
        return protocol;
    }

    /** The bound port: the one asked for, or the kernel's choice when 0 was asked for. */
    public int port()
    {
        return localAddress.getPort();
    }

    public InetSocketAddress localAddress()
    {
        return localAddress;
    }

    public InetSocketAddress target()
    {
        return shared.target;
    }

    public long connectionsAccepted()
    {
        return shared.connectionsAccepted.sum();
    }

    /** TCP connections closed because the target refused or could not be reached. */
    public long targetConnectFailures()
    {
        return shared.targetConnectFailures.sum();
    }

    /** Payload bytes read from clients and handed to the target side, TCP and UDP. */
    public long bytesToTarget()
    {
        return shared.bytesToTarget.sum();
    }

    /** Payload bytes read from the target and handed to the client side, TCP and UDP. */
    public long bytesFromTarget()
    {
        return shared.bytesFromTarget.sum();
    }

    public long udpFlowsOpened()
    {
        return shared.udpFlowsOpened.sum();
    }

    public long udpFlowsActive()
    {
        return shared.udpFlowsActive.get();
    }

    /** UDP flows closed for being idle; flows closed by {@link #close()} or an error are not counted. */
    public long udpFlowsExpired()
    {
        return shared.udpFlowsExpired.sum();
    }

    /** Datagrams dropped: new clients beyond the flow limit, and sends that met a full queue. */
    public long udpDrops()
    {
        return shared.udpDrops.sum();
    }

    /**
     * Unbinds, then closes every connection and flow. Returns once the port is free. Must not be
     * called on one of the loops' threads.
     */
    @Override
    public void close()
    {
        shared.closed = true;
        listener.close().syncUninterruptibly();
        shared.channels.close().awaitUninterruptibly();
        ProxyLoops.awaitSocketReleased(listener, listenerLoop);
    }

    @Override
    public String toString()
    {
        return "UserlandProxy{" + localAddress + "/" + protocol + " -> " + shared.target + "}";
    }

    private static ChannelFuture bindTcp(final Shared shared, final InetSocketAddress local)
    {
        final ProxyLoops loops = shared.loops;
        final SocketProtocolFamily family = familyOf(local.getAddress());
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
            .childHandler(new TcpAccept(shared))
            .bind(local);
    }

    private static ChannelFuture bindUdp(final Shared shared, final InetSocketAddress local)
    {
        final ProxyLoops loops = shared.loops;
        final SocketProtocolFamily family = familyOf(local.getAddress());
        final ChannelFactory<DatagramChannel> sockets = () -> loops.newDatagramChannel(family);
        return new Bootstrap()
            .group(loops.group())
            .channelFactory(sockets)
            .option(ChannelOption.ALLOCATOR, loops.allocator())
            .option(ChannelOption.RECVBUF_ALLOCATOR, WHOLE_DATAGRAMS)
            .handler(new UdpListener(shared))
            .bind(local);
    }

    private static SocketProtocolFamily familyOf(final InetAddress address)
    {
        return address instanceof Inet6Address ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
    }

    /** The bind address as given, the port, and {@code /udp} for UDP, as Docker's bind errors show them. */
    private static String where(final String protocol, final InetAddress bindAddress, final int port)
    {
        final String host = bindAddress.getHostAddress();
        return (bindAddress instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port +
            (PortBinding.UDP.equals(protocol) ? "/udp" : "");
    }

    /**
     * NIO reports EADDRINUSE as a {@link BindException}, epoll as a {@code NativeIoException} for the
     * bind syscall; both carry the C library's text for the errno, which is what is matched.
     */
    private static boolean isAddressInUse(final Throwable cause)
    {
        for (Throwable t = cause; t != null; t = t.getCause())
        {
            final String message = t.getMessage();
            if (message != null && message.toLowerCase(Locale.ROOT).contains("address already in use"))
            {
                return true;
            }
        }
        return false;
    }

    /** {@code bind(..) failed: Cannot assign requested address} becomes {@code cannot assign requested address}. */
    private static String reason(final Throwable cause)
    {
        final String message = cause.getMessage();
        if (message == null || message.isEmpty())
        {
            return cause.getClass().getSimpleName();
        }
        final int colon = message.lastIndexOf(": ");
        final String tail = colon < 0 ? message : message.substring(colon + 2);
        return tail.isEmpty() ? message : Character.toLowerCase(tail.charAt(0)) + tail.substring(1);
    }

    /** What the handlers of one proxy share: where to forward, the loops, the counters, every open channel. */
    private static final class Shared
    {
        final ProxyLoops loops;
        final InetSocketAddress target;
        final long udpIdleNanos;
        final int maxUdpFlows;
        final Bootstrap targetConnections;
        final Bootstrap targetFlows;
        final ChannelGroup channels = new DefaultChannelGroup("lanyard-proxy", GlobalEventExecutor.INSTANCE);
        volatile boolean closed;

        final LongAdder connectionsAccepted = new LongAdder();
        final LongAdder targetConnectFailures = new LongAdder();
        final LongAdder bytesToTarget = new LongAdder();
        final LongAdder bytesFromTarget = new LongAdder();
        final LongAdder udpFlowsOpened = new LongAdder();
        final LongAdder udpFlowsExpired = new LongAdder();
        final LongAdder udpDrops = new LongAdder();
        final AtomicInteger udpFlowsActive = new AtomicInteger();

        Shared(final ProxyLoops loops, final InetSocketAddress target, final Duration udpIdleTimeout, final int maxUdpFlows)
        {
            this.loops = loops;
            this.target = target;
            this.udpIdleNanos = udpIdleTimeout.toNanos();
            this.maxUdpFlows = maxUdpFlows;
            final SocketProtocolFamily family = familyOf(target.getAddress());
            final ChannelFactory<SocketChannel> streams = () -> loops.newSocketChannel(family);
            final ChannelFactory<DatagramChannel> datagrams = () -> loops.newDatagramChannel(family);
            this.targetConnections = new Bootstrap()
                .channelFactory(streams)
                .option(ChannelOption.ALLOCATOR, loops.allocator())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true);
            this.targetFlows = new Bootstrap()
                .channelFactory(datagrams)
                .option(ChannelOption.ALLOCATOR, loops.allocator())
                .option(ChannelOption.RECVBUF_ALLOCATOR, WHOLE_DATAGRAMS);
        }

        /**
         * Adds a channel to those {@link #close()} closes. The flag is checked after adding, so a
         * channel opened while the proxy closes is closed by one side or the other.
         */
        void track(final Channel channel)
        {
            channels.add(channel);
            if (closed)
            {
                channel.close();
            }
        }
    }

    /** Runs for each accepted client: opens its target connection and joins the two with relays. */
    private static final class TcpAccept extends ChannelInitializer<Channel>
    {
        private final Shared shared;

        TcpAccept(final Shared shared)
        {
            this.shared = shared;
        }

        @Override
        protected void initChannel(final Channel client)
        {
            shared.connectionsAccepted.increment();
            shared.track(client);
            final ChannelFuture connect = shared.targetConnections.clone(client.eventLoop())
                .handler(new Relay(client, client.newSucceededFuture(), shared.bytesFromTarget))
                .connect(shared.target);
            final Channel targetSide = connect.channel();
            shared.track(targetSide);
            client.pipeline().addLast(new Relay(targetSide, connect, shared.bytesToTarget));
            connect.addListener((ChannelFutureListener)connected ->
            {
                if (connected.isSuccess())
                {
                    targetSide.flush();
                    // a client that already sent EOF must not be asked to read: epoll then fails the channel
                    Relay.readUnlessInputShut(client);
                    targetSide.read();
                }
                else
                {
                    if (client.isActive())
                    {
                        shared.targetConnectFailures.increment(); // not when the client gave up first
                    }
                    client.close();
                }
            });
        }
    }

    /**
     * One direction of a TCP pair: what this channel reads is written to {@code peer}. Reading is on
     * demand: the next read is asked for after a batch only while the peer can take more, and the
     * peer's relay asks for it when the peer drains.
     * <p>
     * The client side can be read before its target connection is up even with auto-read off: epoll
     * reads on a peer hang-up, so a client that sends a request and EOF straight away is read at once.
     * Those bytes wait in the unconnected peer's outbound queue (writing queues, only flushing needs
     * a connection), and the EOF waits for {@code peerConnected}.
     */
    private static final class Relay extends ChannelInboundHandlerAdapter
    {
        private final Channel peer;
        private final ChannelFuture peerConnected;
        private final LongAdder bytes;

        Relay(final Channel peer, final ChannelFuture peerConnected, final LongAdder bytes)
        {
            this.peer = peer;
            this.peerConnected = peerConnected;
            this.bytes = bytes;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            if (msg instanceof ByteBuf)
            {
                bytes.add(((ByteBuf)msg).readableBytes());
            }
            // a failed write releases msg and fires exceptionCaught on the peer, whose relay closes it
            peer.write(msg, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx)
        {
            if (!peerConnected.isSuccess())
            {
                return; // the connect listener flushes and asks for the next read
            }
            peer.flush();
            if (peer.isWritable())
            {
                readUnlessInputShut(ctx.channel());
            }
        }

        @Override
        public void channelWritabilityChanged(final ChannelHandlerContext ctx)
        {
            if (ctx.channel().isWritable())
            {
                readUnlessInputShut(peer);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
        {
            if (evt instanceof ChannelInputShutdownEvent)
            {
                if (peerConnected.isDone())
                {
                    shutdownPeerOutputOnceDrained();
                }
                else
                {
                    peerConnected.addListener((ChannelFutureListener)connected -> shutdownPeerOutputOnceDrained());
                }
                closeIfBothDirectionsDone(ctx.channel());
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // resets and broken pipes are the peer's business; closing here closes the peer through channelInactive
            ctx.close();
        }

        /**
         * {@code shutdownOutput} discards what is still queued, so it waits for an empty write, which
         * completes only after everything written before it.
         */
        private void shutdownPeerOutputOnceDrained()
        {
            if (!peerConnected.isSuccess())
            {
                return;
            }
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener)drained ->
            {
                if (drained.isSuccess())
                {
                    ((DuplexChannel)peer).shutdownOutput().addListener(
                        (ChannelFutureListener)shut -> closeIfBothDirectionsDone(peer));
                }
            });
        }

        private static void readUnlessInputShut(final Channel channel)
        {
            if (!((DuplexChannel)channel).isInputShutdown())
            {
                channel.read();
            }
        }

        private static void closeIfBothDirectionsDone(final Channel channel)
        {
            final DuplexChannel duplex = (DuplexChannel)channel;
            if (duplex.isInputShutdown() && duplex.isOutputShutdown())
            {
                channel.close();
            }
        }
    }

    /** The bound UDP socket: finds or opens the sender's flow and passes the payload to it. */
    private static final class UdpListener extends ChannelInboundHandlerAdapter
    {
        private final Shared shared;
        private final Map<InetSocketAddress, ChannelFuture> flows = new HashMap<>();

        UdpListener(final Shared shared)
        {
            this.shared = shared;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final DatagramPacket packet = (DatagramPacket)msg;
            final InetSocketAddress client = packet.sender();
            ChannelFuture flow = flows.get(client);
            if (flow == null)
            {
                if (flows.size() >= shared.maxUdpFlows)
                {
                    shared.udpDrops.increment();
                    packet.release();
                    return;
                }
                flow = openFlow(ctx.channel(), client);
            }

            final ByteBuf payload = packet.content();
            if (flow.isSuccess())
            {
                send(flow.channel(), payload);
            }
            else if (!flow.isDone())
            {
                flow.addListener((ChannelFutureListener)connected ->
                {
                    if (connected.isSuccess())
                    {
                        send(connected.channel(), payload);
                    }
                    else
                    {
                        drop(payload);
                    }
                });
            }
            else
            {
                drop(payload);
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // a reply that could not be sent; the socket itself stays up for every other client
            shared.udpDrops.increment();
        }

        private ChannelFuture openFlow(final Channel listener, final InetSocketAddress client)
        {
            final ChannelFuture connect = shared.targetFlows.clone(listener.eventLoop())
                .handler(new ChannelInitializer<Channel>()
                {
                    @Override
                    protected void initChannel(final Channel flow)
                    {
                        flow.pipeline().addLast(
                            new IdleStateHandler(0, 0, shared.udpIdleNanos, TimeUnit.NANOSECONDS),
                            new UdpFlow(shared, listener, client));
                    }
                })
                .connect(shared.target);

            final Channel flow = connect.channel();
            flows.put(client, connect);
            shared.udpFlowsOpened.increment();
            shared.udpFlowsActive.incrementAndGet();
            shared.track(flow);
            flow.closeFuture().addListener(closed ->
            {
                flows.remove(client, connect);
                shared.udpFlowsActive.decrementAndGet();
            });
            return connect;
        }

        private void send(final Channel flow, final ByteBuf payload)
        {
            if (!flow.isWritable())
            {
                drop(payload);
                return;
            }
            shared.bytesToTarget.add(payload.readableBytes());
            flow.writeAndFlush(payload, flow.voidPromise());
        }

        private void drop(final ByteBuf payload)
        {
            shared.udpDrops.increment();
            payload.release();
        }
    }

    /** One client's flow: replies from the target go back to that client through the bound socket. */
    private static final class UdpFlow extends ChannelInboundHandlerAdapter
    {
        private final Shared shared;
        private final Channel listener;
        private final InetSocketAddress client;

        UdpFlow(final Shared shared, final Channel listener, final InetSocketAddress client)
        {
            this.shared = shared;
            this.listener = listener;
            this.client = client;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf payload = msg instanceof DatagramPacket ? ((DatagramPacket)msg).content() : (ByteBuf)msg;
            if (!listener.isWritable())
            {
                shared.udpDrops.increment();
                payload.release();
                return;
            }
            shared.bytesFromTarget.add(payload.readableBytes());
            listener.write(new DatagramPacket(payload, client), listener.voidPromise());
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx)
        {
            listener.flush();
        }

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
        {
            if (evt instanceof IdleStateEvent)
            {
                shared.udpFlowsExpired.increment();
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // typically ECONNREFUSED from an ICMP port unreachable: nothing listens; the next datagram reopens
            ctx.close();
        }
    }
}
