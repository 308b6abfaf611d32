package io.lanyard.control.ports;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

import java.util.concurrent.atomic.LongAdder;

/**
 * One direction of a {@link TcpPairs} pair: what this channel reads is written to {@code peer}.
 * Reading is on demand: the next read is asked for after a batch only while the peer can take more,
 * and the peer's relay asks for it when the peer drains, so a slow reader stops the proxy reading
 * from the fast writer instead of letting buffers grow. Read buffers are passed to the other side as
 * they are, never copied.
 * <p>
 * An end-of-stream on one side becomes a {@code shutdownOutput} on the other once everything before
 * it is written, so protocols that half-close (a client that sends a request and then EOF) work; a
 * pair is closed when both directions are done or either side fails.
 * <p>
 * The client side can be read before its target connection is up even with auto-read off: epoll
 * reads on a peer hang-up, so a client that sends a request and EOF straight away is read at once.
 * Those bytes wait in the unconnected peer's outbound queue (writing queues, only flushing needs
 * a connection), and the EOF waits for {@code peerConnected}.
 */
final class TcpRelay extends ChannelInboundHandlerAdapter
{
    private final Channel peer;
    private final ChannelFuture peerConnected;
    private final LongAdder bytes;

    TcpRelay(final Channel peer, final ChannelFuture peerConnected, final LongAdder bytes)
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

    /** Asks for the next read unless the channel has had its EOF: epoll fails a channel asked to read after that. */
    static void readUnlessInputShut(final Channel channel)
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
