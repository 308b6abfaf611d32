package io.lanyard.control.ports;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.timeout.IdleStateEvent;

import java.net.InetSocketAddress;

/**
 * One client's flow of {@link UdpFlows}, on a socket connected to the target: replies from the target
 * go back to that client through the bound socket, and the flow closes itself when idle.
 */
final class UdpFlow extends ChannelInboundHandlerAdapter
{
    private final ProxyCounters counters;
    private final Channel listener;
    private final InetSocketAddress client;

    UdpFlow(final ProxyCounters counters, final Channel listener, final InetSocketAddress client)
    {
        this.counters = counters;
        this.listener = listener;
        this.client = client;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf payload = msg instanceof DatagramPacket ? ((DatagramPacket)msg).content() : (ByteBuf)msg;
        if (!listener.isWritable())
        {
            counters.udpDrops.increment();
            payload.release();
            return;
        }
        counters.bytesFromTarget.add(payload.readableBytes());
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
            counters.udpFlowsExpired.increment();
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
