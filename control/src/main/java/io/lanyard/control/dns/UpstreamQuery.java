package io.lanyard.control.dns;

import io.lanyard.control.dns.DnsCounters.Kind;
import io.lanyard.control.dns.UpstreamForwarder.Reply;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One query on its way through its upstreams, as {@link UpstreamForwarder} describes: each upstream
 * in turn, first over the shared {@link UpstreamSocket}, again over a TCP connection of the query's
 * own when the answer is truncated, until an answer is relayed or no upstream is left.
 * <p>
 * Every step is an <em>attempt</em>: one upstream over one transport, with its ID, its timer and, for
 * TCP, its connection. An attempt ends when its answer, its timeout or its failure arrives, and
 * ending it bumps {@link #attempt}, so that whatever of it is still to come (a late answer, a timer
 * that was already firing, a connect that completes) finds itself stale and is dropped. Loop only.
 */
final class UpstreamQuery
{
    private static final ChannelFactory<EpollSocketChannel> TCP = () -> new EpollSocketChannel(SocketProtocolFamily.INET);
    private static final int TCP_LENGTH_BYTES = 2;
    private static final int MAX_TCP_MESSAGE_BYTES = 0xFFFF;

    private final UpstreamSocket socket;
    private final DnsCounters counters;
    private final long timeoutNanos;
    private final ByteBuf query;
    private final int clientId;
    private final WireQuestion question;
    private final List<InetSocketAddress> upstreams;
    private final Reply reply;
    private final Consumer<UpstreamQuery> onComplete;
    /** Re-wrapped for each message looked at. */
    private final DnsHeader header = new DnsHeader();

    /** Index of the upstream to ask next. */
    private int next;
    private InetSocketAddress upstream;
    /** When the current upstream's budget runs out, in {@link System#nanoTime()}. */
    private long deadline;
    /** Bumped whenever an attempt ends, so that callbacks of earlier attempts find themselves stale. */
    private int attempt;
    private int udpId = UpstreamSocket.NO_ID;
    private int tcpId = UpstreamSocket.NO_ID;
    private Channel tcp;
    private ScheduledFuture<?> timer;
    private boolean done;

    /**
     * @param query        the client's message, released when the query completes.
     * @param clientId     the ID the client sent, put back into the answer relayed.
     * @param timeoutNanos each upstream's budget, TCP retry included.
     * @param onComplete   told once, when the query leaves: answered, failed or aborted.
     */
    UpstreamQuery(
        final UpstreamSocket socket,
        final DnsCounters counters,
        final long timeoutNanos,
        final ByteBuf query,
        final int clientId,
        final WireQuestion question,
        final List<InetSocketAddress> upstreams,
        final Reply reply,
        final Consumer<UpstreamQuery> onComplete)
    {
        this.socket = socket;
        this.counters = counters;
        this.timeoutNanos = timeoutNanos;
        this.query = query;
        this.clientId = clientId;
        this.question = question;
        this.upstreams = upstreams;
        this.reply = reply;
        this.onComplete = onComplete;
    }

    /** Asks the first upstream, once the shared socket is bound. */
    void start()
    {
        final ChannelFuture bound = socket.bound();
        if (bound.isDone())
        {
            askNext();
        }
        else
        {
            bound.addListener(ignored ->
            {
                if (!done)
                {
                    askNext();
                }
            });
        }
    }

    /** Answers SERVFAIL now, whatever is under way: the forwarder is closing. */
    void abort()
    {
        complete();
        UpstreamForwarder.fail(reply, DnsResponseCode.SERVFAIL);
    }

    /**
     * An answer on the shared socket with the ID this query's UDP attempt was sent with.
     *
     * @return false, and nothing changed, when it is not from the upstream asked or not an answer to
     *         the question; the caller then drops it.
     */
    boolean takeUdpAnswer(final InetSocketAddress sender, final ByteBuf answer)
    {
        header.wrap(answer);
        if (!upstream.equals(sender) || !isAnswer(answer))
        {
            return false;
        }
        endAttempt();
        answered(answer, false);
        return true;
    }

    /** Moves on to the next upstream, or gives up when none is left. */
    private void askNext()
    {
        if (next == upstreams.size() || !socket.bound().isSuccess())
        {
            complete();
            UpstreamForwarder.fail(reply, DnsResponseCode.SERVFAIL);
            return;
        }
        upstream = upstreams.get(next++);
        deadline = System.nanoTime() + timeoutNanos;
        askOverUdp();
    }

    private void askOverUdp()
    {
        final int attempt = this.attempt;
        final int id = socket.await(this);
        udpId = id;
        timer = socket.loop().schedule(() -> timedOut(attempt), timeoutNanos, TimeUnit.NANOSECONDS);
        final ByteBuf message = copyWithId(socket.alloc(), query, id, 0);
        socket.send(message, upstream).addListener(sent ->
        {
            if (!sent.isSuccess() && isAt(attempt))
            {
                unreachable();
            }
        });
    }

    /**
     * The same upstream again, over a TCP connection of this query's own (RFC 1035 4.2.2 framing),
     * within what is left of the upstream's budget.
     */
    private void askOverTcp()
    {
        final int attempt = this.attempt;
        final int id = socket.unsharedId();
        tcpId = id;
        timer = socket.loop().schedule(() -> timedOut(attempt),
            Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        final ChannelFuture connected = new Bootstrap()
            .group(socket.loop())
            .channelFactory(TCP)
            .handler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    channel.pipeline().addLast(
                        new LengthFieldBasedFrameDecoder(TCP_LENGTH_BYTES + MAX_TCP_MESSAGE_BYTES, 0, TCP_LENGTH_BYTES, 0, TCP_LENGTH_BYTES),
                        new TcpAnswer(attempt));
                }
            })
            .connect(upstream);
        tcp = connected.channel();
        connected.addListener(connect ->
        {
            if (!isAt(attempt))
            {
                return;
            }
            if (!connect.isSuccess())
            {
                unreachable();
                return;
            }
            final Channel channel = connected.channel();
            final ByteBuf message = copyWithId(channel.alloc(), query, id, TCP_LENGTH_BYTES);
            message.setShort(0, query.readableBytes());
            channel.writeAndFlush(message);
        });
    }

    private void onTcpAnswer(final int attempt, final ByteBuf answer)
    {
        if (!isAt(attempt) || !header.wrap(answer).isValid() || header.id() != tcpId || !isAnswer(answer))
        {
            socket.ignore(answer);
            return;
        }
        endAttempt();
        answered(answer, true);
    }

    /** A matched answer from the upstream being asked: relayed, retried over TCP, or a reason to move on. */
    private void answered(final ByteBuf answer, final boolean overTcp)
    {
        header.wrap(answer);
        final int code = header.responseCode();
        if (code == DnsResponseCode.SERVFAIL.intValue() || code == DnsResponseCode.REFUSED.intValue())
        {
            answer.release();
            counters.increment(Kind.UPSTREAM_FAILURES);
            askNext();
        }
        else if (header.isTruncated() && !overTcp)
        {
            answer.release();
            counters.increment(Kind.TCP_FALLBACKS);
            askOverTcp();
        }
        else
        {
            header.id(clientId);
            counters.increment(Kind.RELAYED);
            complete();
            UpstreamForwarder.relay(reply, answer);
        }
    }

    /** A response that repeats the question; the header must be wrapped on {@code answer}. */
    private boolean isAnswer(final ByteBuf answer)
    {
        return header.isResponse() && question.isAskedIn(answer);
    }

    private void timedOut(final int attempt)
    {
        if (isAt(attempt))
        {
            counters.increment(Kind.UPSTREAM_TIMEOUTS);
            endAttempt();
            askNext();
        }
    }

    private void unreachable()
    {
        counters.increment(Kind.UPSTREAM_FAILURES);
        endAttempt();
        askNext();
    }

    private boolean isAt(final int attempt)
    {
        return !done && this.attempt == attempt;
    }

    /**
     * Forgets the attempt under way: its ID stops matching, its timer and TCP connection go, and any
     * callback of it still to come finds it stale.
     */
    private void endAttempt()
    {
        attempt++;
        if (udpId != UpstreamSocket.NO_ID)
        {
            socket.forget(udpId);
            udpId = UpstreamSocket.NO_ID;
        }
        if (timer != null)
        {
            timer.cancel(false);
            timer = null;
        }
        if (tcp != null)
        {
            final Channel connection = tcp;
            tcp = null;
            connection.close();
        }
    }

    /** The query leaves the forwarder; its reply is for the caller to send. */
    private void complete()
    {
        done = true;
        endAttempt();
        query.release();
        onComplete.accept(this);
    }

    /** The query as the client sent it, behind {@code headroom} bytes, with the ID to send it with. */
    private static ByteBuf copyWithId(final ByteBufAllocator allocator, final ByteBuf query, final int id, final int headroom)
    {
        final int length = query.readableBytes();
        final ByteBuf copy = allocator.buffer(headroom + length);
        copy.writerIndex(headroom);
        copy.writeBytes(query, query.readerIndex(), length);
        copy.setShort(headroom + DnsHeader.ID_OFFSET, id);
        return copy;
    }

    /** The TCP retry's connection: one framed answer expected; closed before one, the upstream is unreachable. */
    private final class TcpAnswer extends ChannelInboundHandlerAdapter
    {
        private final int attempt;

        TcpAnswer(final int attempt)
        {
            this.attempt = attempt;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object message)
        {
            onTcpAnswer(attempt, (ByteBuf)message);
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            if (isAt(attempt))
            {
                unreachable();
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }
    }
}
