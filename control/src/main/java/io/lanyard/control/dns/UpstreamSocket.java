package io.lanyard.control.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import org.agrona.collections.Int2ObjectHashMap;

import java.net.InetSocketAddress;
import java.util.random.RandomGenerator;

/**
 * The one UDP socket every query of an {@link UpstreamForwarder} goes out from, and the table of
 * the IDs that queries wait on it with. Each query is sent with a fresh random ID, unique among
 * those waiting here, so the client's own ID never leaves the host. An answer is handed to the
 * query waiting on its ID, which checks the rest (source, response bit, question); an answer no
 * query takes (a stray, a forgery, a late answer to a timed-out attempt, a malformed message) is
 * dropped and counted, and so is one a TCP retry drops.
 * <p>
 * Loop only, but for {@link #ignoredAnswers()} and {@link #localAddress()}. The socket belongs to the
 * network namespace of the thread that constructs this.
 */
final class UpstreamSocket
{
    /** Largest UDP payload over IPv4: a larger read buffer than Netty's 2 KiB, so no answer is cut short. */
    static final int MAX_DATAGRAM_BYTES = 65_507;
    /** The ID of no attempt: what a query holds while nothing of it waits here. */
    static final int NO_ID = -1;

    private static final FixedRecvByteBufAllocator WHOLE_DATAGRAMS = new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES);
    private static final ChannelFactory<EpollDatagramChannel> UDP = () -> new EpollDatagramChannel(SocketProtocolFamily.INET);
    private static final int ID_SPACE = 1 << 16;

    private final EventLoop loop;
    private final RandomGenerator ids;
    /** Queries waiting for a UDP answer, by the ID they were sent with. */
    private final Int2ObjectHashMap<UpstreamQuery> awaiting = new Int2ObjectHashMap<>();
    /** Re-wrapped for each answer looked at. */
    private final DnsHeader header = new DnsHeader();
    private final ChannelFuture bound;
    private final Channel channel;
    /** Written by the loop only. */
    private volatile long ignoredAnswers;

    /**
     * Binds a kernel-chosen port on every address of the current network namespace. Off the loop
     * this waits for the bind and fails if it does; on the loop it cannot wait, and queries wait for
     * the bind instead (see {@link #bound()}).
     *
     * @param ids where query IDs come from.
     * @throws ChannelException when the socket cannot be bound.
     */
    UpstreamSocket(final EventLoop loop, final RandomGenerator ids)
    {
        this.loop = loop;
        this.ids = ids;
        this.bound = new Bootstrap()
            .group(loop)
            .channelFactory(UDP)
            .option(ChannelOption.RECVBUF_ALLOCATOR, WHOLE_DATAGRAMS)
            .handler(new Answers())
            .bind(new InetSocketAddress(0));
        this.channel = bound.channel();
        if (!loop.inEventLoop())
        {
            bound.awaitUninterruptibly();
            if (!bound.isSuccess())
            {
                throw new ChannelException("cannot bind the DNS forwarder's UDP socket", bound.cause());
            }
        }
    }

    EventLoop loop()
    {
        return loop;
    }

    /** The bind: a query asks nothing before it is done, and gives up when it failed. */
    ChannelFuture bound()
    {
        return bound;
    }

    ByteBufAllocator alloc()
    {
        return channel.alloc();
    }

    /** An ID no other query waiting here has, now {@code query}'s; with at most 1024 of 65536 taken, this rarely loops. */
    int await(final UpstreamQuery query)
    {
        int id = ids.nextInt(ID_SPACE);
        while (awaiting.containsKey(id))
        {
            id = ids.nextInt(ID_SPACE);
        }
        awaiting.put(id, query);
        return id;
    }

    /** Stops handing answers with {@code id} to the query that waited on it. */
    void forget(final int id)
    {
        awaiting.remove(id);
    }

    /** An ID for a message that does not go through this socket: a TCP retry's connection is the query's own. */
    int unsharedId()
    {
        return ids.nextInt(ID_SPACE);
    }

    ChannelFuture send(final ByteBuf message, final InetSocketAddress upstream)
    {
        return channel.writeAndFlush(new DatagramPacket(message, upstream));
    }

    /** Drops and counts an answer that no query took. */
    void ignore(final ByteBuf answer)
    {
        answer.release();
        ignoredAnswers++;
    }

    /** Answers from upstreams that were dropped: strays, forgeries, late or malformed ones. */
    long ignoredAnswers()
    {
        return ignoredAnswers;
    }

    /** The local address upstream queries leave from. */
    InetSocketAddress localAddress()
    {
        return (InetSocketAddress)channel.localAddress();
    }

    void close()
    {
        channel.close();
    }

    private void onAnswer(final DatagramPacket packet)
    {
        final ByteBuf answer = packet.content();
        final UpstreamQuery query = header.wrap(answer).isValid() ? awaiting.get(header.id()) : null;
        if (query == null || !query.takeUdpAnswer(packet.sender(), answer))
        {
            ignore(answer);
        }
    }

    /** Every upstream's UDP answers arrive here; only one matching a waiting query is kept. */
    private final class Answers extends SimpleChannelInboundHandler<DatagramPacket>
    {
        Answers()
        {
            super(false);
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket packet)
        {
            onAnswer(packet);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // an ICMP error or the like on the shared socket: the query it concerned times out
        }
    }
}
