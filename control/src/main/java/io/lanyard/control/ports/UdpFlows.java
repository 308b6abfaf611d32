package io.lanyard.control.ports;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The UDP side of a {@link UserlandProxy}: the bound socket that receives from every client, and its
 * table of flows, one per client address.
 * <p>
 * The first datagram from a client address opens a {@link UdpFlow}: a datagram socket connected to
 * the target, whose replies go back to that client from the bound socket, so the client sees answers
 * from the address it sent to. A flow with no traffic either way for the idle timeout (90 s, as
 * docker-proxy) is closed and forgotten. Flows are bounded
 * ({@value UserlandProxy#DEFAULT_MAX_UDP_FLOWS} by default); datagrams from new clients beyond that,
 * and datagrams that meet a full send queue, are dropped and counted. The flow table and all flows
 * live on the bound socket's event loop, so the table needs no lock.
 */
final class UdpFlows extends ChannelInboundHandlerAdapter
{
    /**
     * Netty's datagram default reads into 2 KiB and cuts off the rest. Each read buffer is sized for
     * the largest datagram instead; the buffer is handed on as read, so that memory is held per
     * datagram in flight, a cost docker-proxy pays too.
     */
    private static final FixedRecvByteBufAllocator WHOLE_DATAGRAMS =
        new FixedRecvByteBufAllocator(UserlandProxy.MAX_DATAGRAM_BYTES);

    private final InetSocketAddress target;
    private final long idleNanos;
    private final int maxFlows;
    private final ProxyCounters counters;
    private final ProxyChannels channels;
    private final Bootstrap targetFlows;
    private final Map<InetSocketAddress, ChannelFuture> flows = new HashMap<>();

    private UdpFlows(
        final ProxyLoops loops,
        final InetSocketAddress target,
        final Duration idleTimeout,
        final int maxFlows,
        final ProxyCounters counters,
        final ProxyChannels channels)
    {
        this.target = target;
        this.idleNanos = idleTimeout.toNanos();
        this.maxFlows = maxFlows;
        this.counters = counters;
        this.channels = channels;
        final SocketProtocolFamily family = ProxyLoops.familyOf(target.getAddress());
        final ChannelFactory<DatagramChannel> datagrams = () -> loops.newDatagramChannel(family);
        this.targetFlows = new Bootstrap()
            .channelFactory(datagrams)
            .option(ChannelOption.ALLOCATOR, loops.allocator())
            .option(ChannelOption.RECVBUF_ALLOCATOR, WHOLE_DATAGRAMS);
    }

    /**
     * Binds the socket clients send to on {@code local}, forwarding each client's datagrams to
     * {@code target} through a flow of its own.
     *
     * @param idleTimeout how long a flow may be silent before it is closed.
     * @param maxFlows    most flows open at once.
     * @return the bind, still under way.
     */
    static ChannelFuture listen(
        final ProxyLoops loops,
        final InetSocketAddress local,
        final InetSocketAddress target,
        final Duration idleTimeout,
        final int maxFlows,
        final ProxyCounters counters,
        final ProxyChannels channels)
    {
        final SocketProtocolFamily family = ProxyLoops.familyOf(local.getAddress());
        final ChannelFactory<DatagramChannel> sockets = () -> loops.newDatagramChannel(family);
        return new Bootstrap()
            .group(loops.group())
            .channelFactory(sockets)
            .option(ChannelOption.ALLOCATOR, loops.allocator())
            .option(ChannelOption.RECVBUF_ALLOCATOR, WHOLE_DATAGRAMS)
            .handler(new UdpFlows(loops, target, idleTimeout, maxFlows, counters, channels))
            .bind(local);
    }

    /** Finds or opens the sender's flow and passes the payload to it. */
    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final DatagramPacket packet = (DatagramPacket)msg;
        final InetSocketAddress client = packet.sender();
        ChannelFuture flow = flows.get(client);
        if (flow == null)
        {
            if (flows.size() >= maxFlows)
            {
                counters.udpDrops.increment();
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
        counters.udpDrops.increment();
    }

    private ChannelFuture openFlow(final Channel listener, final InetSocketAddress client)
    {
        final ChannelFuture connect = targetFlows.clone(listener.eventLoop())
            .handler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel flow)
                {
                    flow.pipeline().addLast(
                        new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS),
                        new UdpFlow(counters, listener, client));
                }
            })
            .connect(target);

        final Channel flow = connect.channel();
        flows.put(client, connect);
        counters.udpFlowsOpened.increment();
        counters.udpFlowsActive.incrementAndGet();
        channels.track(flow);
        flow.closeFuture().addListener(closed ->
        {
            flows.remove(client, connect);
            counters.udpFlowsActive.decrementAndGet();
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
        counters.bytesToTarget.add(payload.readableBytes());
        flow.writeAndFlush(payload, flow.voidPromise());
    }

    private void drop(final ByteBuf payload)
    {
        counters.udpDrops.increment();
        payload.release();
    }
}
