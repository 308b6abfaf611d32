package io.lanyard.control.dns;

import io.lanyard.control.dns.DnsCounters.Kind;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.concurrent.ScheduledFuture;
import org.agrona.collections.Int2ObjectHashMap;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * Docker's embedded DNS for names that are no container's: the query is asked of the sandbox's
 * upstream resolvers in turn, and the first useful answer goes back to the client as the
 * upstream sent it.
 * <p>
 * <b>Order and failover.</b> At most {@value #MAX_UPSTREAMS} upstreams are tried, in the order
 * given, after dropping {@value #EMBEDDED_ADDRESS} (any port: it is this server, and asking it
 * would loop) and anything that is not a resolved IPv4 address. Each upstream has its own budget
 * ({@link #DEFAULT_TIMEOUT} unless configured). Silence for the whole budget, an answer of SERVFAIL
 * or REFUSED, or an upstream that cannot be reached (a send that fails, a TCP connection refused
 * or closed before an answer) moves on to the next. Any other answer, NXDOMAIN included, is final
 * and relayed. When none is left, the client gets SERVFAIL.
 * <p>
 * <b>Truncation.</b> A UDP answer with TC set is asked again of the same upstream over TCP
 * (RFC 1035 4.2.2 framing), and the TCP answer is then judged like a UDP one. The TCP retry gets
 * what is left of that upstream's budget, not a fresh one, so an upstream costs a client at most
 * its budget whichever transport answers, and three upstreams at most three budgets. The relayed
 * answer may be larger than the client's UDP limit; fitting it to the client is the server's job.
 * <p>
 * <b>Spoofing.</b> Queries go out from one UDP socket on an ephemeral port, each with a fresh ID from
 * {@link SecureRandom}, unique among the queries waiting on that socket; the client's own ID never
 * leaves the host. An answer is taken only when it comes from the address and port asked, carries
 * the ID sent there, is a response, and repeats the question (name compared without regard to
 * case). Anything else (a stray, a forgery, a late answer to a timed-out attempt, a malformed
 * message) is dropped and counted in {@link #ignoredAnswers()}; the attempt's timeout still runs.
 * One shared socket gives up the per-query source port Docker gets from dialing a socket per
 * query; no answer is cached here, so a forgery that matches ID and question could mislead one
 * query only. The TCP retry's connection is the query's own.
 * <p>
 * <b>Bounds.</b> At most {@value #MAX_IN_FLIGHT} queries are in flight at once (from acceptance to
 * reply, whichever upstream or transport they are on); the next one is answered REFUSED at once.
 * Upstream answers are read whole, up to the largest UDP payload, and TCP answers up to 64 KiB.
 * <p>
 * <b>Threads and namespaces.</b> Every query's state lives on one event loop of the group given,
 * and all I/O is asynchronous there; {@link #forward} may be called from any thread and only hands
 * the query over. The group must run epoll ({@link EpollIoHandler}), like the daemon's others.
 * Sockets belong to the network namespace of the thread that creates them: the UDP socket is
 * created by the constructing thread, TCP retries' sockets by the event loop, so both must be in
 * the daemon's namespace, never a sandbox's.
 * <p>
 * <b>Counters.</b> This class counts, in {@link DnsCounters}: {@code FORWARDED} once per query
 * that goes upstream (however many upstreams it tries; not for one refused, failed at once for
 * want of upstreams, malformed, or arriving after {@link #close}), {@code RELAYED} per answer relayed,
 * {@code UPSTREAM_TIMEOUTS} per upstream that stayed silent, {@code UPSTREAM_FAILURES} per upstream
 * that answered SERVFAIL/REFUSED or could not be reached, {@code TCP_FALLBACKS} per TCP retry, and
 * {@code REFUSED_OVERLOAD} per query refused for the in-flight limit. It never counts
 * {@code SERVFAIL}: the server counts that when it sends one, whatever the reason.
 */
public final class UpstreamForwarder implements AutoCloseable
{
    public static final int MAX_IN_FLIGHT = 1024;
    public static final int MAX_UPSTREAMS = 3;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(4);
    /** The embedded DNS's own address: never used as an upstream (it would loop). */
    public static final String EMBEDDED_ADDRESS = "127.0.0.11";

    /** Largest UDP payload over IPv4: a larger read buffer than Netty's 2 KiB, so no answer is cut short. */
    static final int MAX_DATAGRAM_BYTES = 65_507;

    private static final System.Logger LOG = System.getLogger(UpstreamForwarder.class.getName());

    private static final FixedRecvByteBufAllocator WHOLE_DATAGRAMS = new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES);
    private static final ChannelFactory<EpollDatagramChannel> UDP = () -> new EpollDatagramChannel(SocketProtocolFamily.INET);
    private static final ChannelFactory<EpollSocketChannel> TCP = () -> new EpollSocketChannel(SocketProtocolFamily.INET);
    private static final int TCP_LENGTH_BYTES = 2;
    private static final int MAX_TCP_MESSAGE_BYTES = 0xFFFF;
    private static final int ID_SPACE = 1 << 16;
    private static final int NO_ID = -1;

    /** The outcome of one forwarded query, called exactly once, on the forwarder's event loop. */
    public interface Reply
    {
        /** An upstream's response: the raw message, with the client's query ID put back; the callee releases it. */
        void relay(ByteBuf response);

        /** No upstream answered usefully; the server answers the client with this code (SERVFAIL or REFUSED). */
        void fail(DnsResponseCode code);
    }

    private final EventLoop loop;
    private final DnsCounters counters;
    private final long timeoutNanos;
    private final RandomGenerator ids;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Loop only: queries waiting for a UDP answer, by the ID they were sent with. */
    private final Int2ObjectHashMap<Forwarding> awaitingUdp = new Int2ObjectHashMap<>();
    /** Loop only: every query accepted and not yet answered, so {@link #close} can answer them. */
    private final Set<Forwarding> active = new HashSet<>();
    /** Loop only: re-wrapped for each message looked at. */
    private final DnsHeader header = new DnsHeader();

    private final ChannelFuture udpBound;
    private final Channel udp;
    private volatile boolean closed;
    /** Written by the loop only. */
    private volatile long ignoredAnswers;

    /** Gives each upstream {@link #DEFAULT_TIMEOUT}. */
    public UpstreamForwarder(final EventLoopGroup group, final DnsCounters counters)
    {
        this(group, counters, DEFAULT_TIMEOUT);
    }

    /**
     * Binds the UDP socket upstream queries go out from: a kernel-chosen port on every address of
     * the current network namespace. Off the loop this waits for the bind and fails if it does;
     * on the loop it cannot wait, and queries wait for the bind instead.
     *
     * @param perUpstreamTimeout how long one upstream has to answer, TCP retry included.
     * @throws IllegalArgumentException when the group is not epoll or the timeout is not positive.
     * @throws ChannelException         when the socket cannot be bound.
     */
    public UpstreamForwarder(final EventLoopGroup group, final DnsCounters counters, final Duration perUpstreamTimeout)
    {
        this(group, counters, perUpstreamTimeout, new SecureRandom());
    }

    /** @param ids where query IDs come from; tests script it to force collisions. */
    UpstreamForwarder(final EventLoopGroup group, final DnsCounters counters, final Duration perUpstreamTimeout,
        final RandomGenerator ids)
    {
        if (!(group instanceof IoEventLoopGroup io) || !io.isIoType(EpollIoHandler.class))
        {
            throw new IllegalArgumentException("the DNS forwarder needs an epoll event loop group: " + group);
        }
        if (perUpstreamTimeout.isNegative() || perUpstreamTimeout.isZero())
        {
            throw new IllegalArgumentException("upstream timeout must be positive: " + perUpstreamTimeout);
        }
        this.loop = group.next();
        this.counters = Objects.requireNonNull(counters);
        this.timeoutNanos = perUpstreamTimeout.toNanos();
        this.ids = Objects.requireNonNull(ids);
        this.udpBound = new Bootstrap()
            .group(loop)
            .channelFactory(UDP)
            .option(ChannelOption.RECVBUF_ALLOCATOR, WHOLE_DATAGRAMS)
            .handler(new UdpAnswers())
            .bind(new InetSocketAddress(0));
        this.udp = udpBound.channel();
        if (!loop.inEventLoop())
        {
            udpBound.awaitUninterruptibly();
            if (!udpBound.isSuccess())
            {
                throw new ChannelException("cannot bind the DNS forwarder's UDP socket", udpBound.cause());
            }
        }
    }

    /**
     * Asks {@code upstreams} for the answer to {@code query}. Returns at once; {@code reply} is
     * called later, on the forwarder's event loop, never before this returns (but on the calling
     * thread, with SERVFAIL, when the group has already been shut down).
     *
     * @param query     the client's raw DNS message (the forwarder takes ownership / releases it);
     *                  it must hold exactly one question, else the reply is SERVFAIL.
     * @param upstreams IPv4 resolver addresses (port 53 normally; tests use other ports), in order.
     */
    public void forward(final ByteBuf query, final List<InetSocketAddress> upstreams, final Reply reply)
    {
        Objects.requireNonNull(reply);
        final List<InetSocketAddress> usable = usable(upstreams);
        if (usable.isEmpty())
        {
            query.release();
            failLater(reply, DnsResponseCode.SERVFAIL);
            return;
        }
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT)
        {
            inFlight.decrementAndGet();
            counters.increment(Kind.REFUSED_OVERLOAD);
            query.release();
            failLater(reply, DnsResponseCode.REFUSED);
            return;
        }
        try
        {
            loop.execute(() -> start(query, usable, reply));
        }
        catch (final RejectedExecutionException loopGone)
        {
            inFlight.decrementAndGet();
            query.release();
            fail(reply, DnsResponseCode.SERVFAIL);
        }
    }

    /** Queries accepted and not yet answered. */
    public int inFlight()
    {
        return inFlight.get();
    }

    /**
     * Answers SERVFAIL to every query in flight, releasing what they hold, and closes the sockets.
     * Queries forwarded afterwards are answered SERVFAIL. Off the loop this returns once done. Call
     * it before the group is shut down: a query still in flight then would never be answered.
     */
    @Override
    public void close()
    {
        closed = true;
        if (loop.inEventLoop())
        {
            closeOnLoop();
            return;
        }
        try
        {
            loop.submit(this::closeOnLoop).awaitUninterruptibly();
        }
        catch (final RejectedExecutionException loopGone)
        {
            // the group was shut down first: its channels are closed and nothing runs on the loop any more
        }
    }

    /** Answers from upstreams that were dropped: strays, forgeries, late or malformed ones. */
    long ignoredAnswers()
    {
        return ignoredAnswers;
    }

    /** The local address upstream queries leave from. */
    InetSocketAddress localAddress()
    {
        return (InetSocketAddress)udp.localAddress();
    }

    /** The upstreams worth asking: not this server, resolved IPv4, the first {@value #MAX_UPSTREAMS}. */
    static List<InetSocketAddress> usable(final List<InetSocketAddress> upstreams)
    {
        final List<InetSocketAddress> usable = new ArrayList<>(MAX_UPSTREAMS);
        for (final InetSocketAddress upstream : upstreams)
        {
            if (usable.size() == MAX_UPSTREAMS)
            {
                break;
            }
            if (upstream.getAddress() instanceof Inet4Address address && !EMBEDDED_ADDRESS.equals(address.getHostAddress()))
            {
                usable.add(upstream);
            }
        }
        return usable;
    }

    private void start(final ByteBuf query, final List<InetSocketAddress> upstreams, final Reply reply)
    {
        final WireQuestion question = header.wrap(query).isValid() && !header.isResponse() ? WireQuestion.of(query) : null;
        if (closed || question == null)
        {
            inFlight.decrementAndGet();
            query.release();
            fail(reply, DnsResponseCode.SERVFAIL);
            return;
        }
        final Forwarding forwarding = new Forwarding(query, header.id(), question, upstreams, reply);
        active.add(forwarding);
        counters.increment(Kind.FORWARDED);
        if (udpBound.isDone())
        {
            askNext(forwarding);
        }
        else
        {
            udpBound.addListener(bound ->
            {
                if (!forwarding.done)
                {
                    askNext(forwarding);
                }
            });
        }
    }

    /** Moves on to the next upstream, or gives up when none is left. */
    private void askNext(final Forwarding forwarding)
    {
        if (forwarding.next == forwarding.upstreams.size() || !udpBound.isSuccess())
        {
            complete(forwarding);
            fail(forwarding.reply, DnsResponseCode.SERVFAIL);
            return;
        }
        forwarding.upstream = forwarding.upstreams.get(forwarding.next++);
        forwarding.deadline = System.nanoTime() + timeoutNanos;
        askOverUdp(forwarding);
    }

    private void askOverUdp(final Forwarding forwarding)
    {
        final int attempt = forwarding.attempt;
        final int id = freshId();
        forwarding.udpId = id;
        awaitingUdp.put(id, forwarding);
        forwarding.timer = loop.schedule(() -> timedOut(forwarding, attempt), timeoutNanos, TimeUnit.NANOSECONDS);
        final ByteBuf message = copyWithId(udp.alloc(), forwarding.query, id, 0);
        udp.writeAndFlush(new DatagramPacket(message, forwarding.upstream)).addListener(sent ->
        {
            if (!sent.isSuccess() && forwarding.isAt(attempt))
            {
                unreachable(forwarding);
            }
        });
    }

    /**
     * The same upstream again, over a TCP connection of this query's own, within what is left of
     * the upstream's budget.
     */
    private void askOverTcp(final Forwarding forwarding)
    {
        final int attempt = forwarding.attempt;
        final int id = ids.nextInt(ID_SPACE);
        forwarding.tcpId = id;
        forwarding.timer = loop.schedule(() -> timedOut(forwarding, attempt),
            Math.max(0, forwarding.deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        final ChannelFuture connected = new Bootstrap()
            .group(loop)
            .channelFactory(TCP)
            .handler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    channel.pipeline().addLast(
                        new LengthFieldBasedFrameDecoder(TCP_LENGTH_BYTES + MAX_TCP_MESSAGE_BYTES, 0, TCP_LENGTH_BYTES, 0, TCP_LENGTH_BYTES),
                        new TcpAnswer(forwarding, attempt));
                }
            })
            .connect(forwarding.upstream);
        forwarding.tcp = connected.channel();
        connected.addListener(connect ->
        {
            if (!forwarding.isAt(attempt))
            {
                return;
            }
            if (!connect.isSuccess())
            {
                unreachable(forwarding);
                return;
            }
            final Channel tcp = connected.channel();
            final ByteBuf message = copyWithId(tcp.alloc(), forwarding.query, id, TCP_LENGTH_BYTES);
            message.setShort(0, forwarding.query.readableBytes());
            tcp.writeAndFlush(message);
        });
    }

    private void onUdpAnswer(final DatagramPacket packet)
    {
        final ByteBuf answer = packet.content();
        final Forwarding forwarding = header.wrap(answer).isValid() ? awaitingUdp.get(header.id()) : null;
        if (forwarding == null || !forwarding.upstream.equals(packet.sender()) || !isAnswerTo(forwarding, answer))
        {
            ignore(answer);
            return;
        }
        endAttempt(forwarding);
        answered(forwarding, answer, false);
    }

    private void onTcpAnswer(final Forwarding forwarding, final int attempt, final ByteBuf answer)
    {
        if (!forwarding.isAt(attempt) || !header.wrap(answer).isValid() || header.id() != forwarding.tcpId ||
            !isAnswerTo(forwarding, answer))
        {
            ignore(answer);
            return;
        }
        endAttempt(forwarding);
        answered(forwarding, answer, true);
    }

    /** A matched answer from the upstream being asked: relayed, retried over TCP, or a reason to move on. */
    private void answered(final Forwarding forwarding, final ByteBuf answer, final boolean overTcp)
    {
        header.wrap(answer);
        final int code = header.responseCode();
        if (code == DnsResponseCode.SERVFAIL.intValue() || code == DnsResponseCode.REFUSED.intValue())
        {
            answer.release();
            counters.increment(Kind.UPSTREAM_FAILURES);
            askNext(forwarding);
        }
        else if (header.isTruncated() && !overTcp)
        {
            answer.release();
            counters.increment(Kind.TCP_FALLBACKS);
            askOverTcp(forwarding);
        }
        else
        {
            header.id(forwarding.clientId);
            counters.increment(Kind.RELAYED);
            complete(forwarding);
            relay(forwarding.reply, answer);
        }
    }

    private boolean isAnswerTo(final Forwarding forwarding, final ByteBuf answer)
    {
        return header.isResponse() && forwarding.question.isAskedIn(answer);
    }

    private void timedOut(final Forwarding forwarding, final int attempt)
    {
        if (forwarding.isAt(attempt))
        {
            counters.increment(Kind.UPSTREAM_TIMEOUTS);
            endAttempt(forwarding);
            askNext(forwarding);
        }
    }

    private void unreachable(final Forwarding forwarding)
    {
        counters.increment(Kind.UPSTREAM_FAILURES);
        endAttempt(forwarding);
        askNext(forwarding);
    }

    /**
     * Forgets the attempt under way: its ID stops matching, its timer and TCP connection go, and any
     * callback of it still to come finds it stale.
     */
    private void endAttempt(final Forwarding forwarding)
    {
        forwarding.attempt++;
        if (forwarding.udpId != NO_ID)
        {
            awaitingUdp.remove(forwarding.udpId);
            forwarding.udpId = NO_ID;
        }
        if (forwarding.timer != null)
        {
            forwarding.timer.cancel(false);
            forwarding.timer = null;
        }
        if (forwarding.tcp != null)
        {
            final Channel tcp = forwarding.tcp;
            forwarding.tcp = null;
            tcp.close();
        }
    }

    /** The query leaves the forwarder; its reply is for the caller to send. */
    private void complete(final Forwarding forwarding)
    {
        forwarding.done = true;
        endAttempt(forwarding);
        active.remove(forwarding);
        forwarding.query.release();
        inFlight.decrementAndGet();
    }

    private void closeOnLoop()
    {
        for (final Forwarding forwarding : List.copyOf(active))
        {
            complete(forwarding);
            fail(forwarding.reply, DnsResponseCode.SERVFAIL);
        }
        udp.close();
    }

    /** An ID no other query waiting on the UDP socket has; with at most 1024 of 65536 taken, this rarely loops. */
    private int freshId()
    {
        int id = ids.nextInt(ID_SPACE);
        while (awaitingUdp.containsKey(id))
        {
            id = ids.nextInt(ID_SPACE);
        }
        return id;
    }

    private void ignore(final ByteBuf answer)
    {
        answer.release();
        ignoredAnswers++;
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

    private void failLater(final Reply reply, final DnsResponseCode code)
    {
        try
        {
            loop.execute(() -> fail(reply, code));
        }
        catch (final RejectedExecutionException loopGone)
        {
            fail(reply, code);
        }
    }

    /** A reply that throws is the server's bug; it must not leave the forwarder's state half changed. */
    private static void fail(final Reply reply, final DnsResponseCode code)
    {
        try
        {
            reply.fail(code);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "DNS reply callback failed", ex);
        }
    }

    private static void relay(final Reply reply, final ByteBuf answer)
    {
        try
        {
            reply.relay(answer);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "DNS reply callback failed", ex);
        }
    }

    /** One query on its way through the upstreams. Loop only. */
    private static final class Forwarding
    {
        final ByteBuf query;
        final int clientId;
        final WireQuestion question;
        final List<InetSocketAddress> upstreams;
        final Reply reply;

        /** Index of the upstream to ask next. */
        int next;
        InetSocketAddress upstream;
        /** When the current upstream's budget runs out, in {@link System#nanoTime()}. */
        long deadline;
        /** Bumped whenever an attempt ends, so that callbacks of earlier attempts find themselves stale. */
        int attempt;
        int udpId = NO_ID;
        int tcpId = NO_ID;
        Channel tcp;
        ScheduledFuture<?> timer;
        boolean done;

        Forwarding(final ByteBuf query, final int clientId, final WireQuestion question, final List<InetSocketAddress> upstreams,
            final Reply reply)
        {
            this.query = query;
            this.clientId = clientId;
            this.question = question;
            this.upstreams = upstreams;
            this.reply = reply;
        }

        boolean isAt(final int attempt)
        {
            return !done && this.attempt == attempt;
        }
    }

    /** Every upstream's UDP answers arrive here; only one matching a waiting query is kept. */
    private final class UdpAnswers extends SimpleChannelInboundHandler<DatagramPacket>
    {
        UdpAnswers()
        {
            super(false);
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket packet)
        {
            onUdpAnswer(packet);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // an ICMP error or the like on the shared socket: the query it concerned times out
        }
    }

    /** The TCP retry's connection: one framed answer expected; closed before one, the upstream is unreachable. */
    private final class TcpAnswer extends ChannelInboundHandlerAdapter
    {
        private final Forwarding forwarding;
        private final int attempt;

        TcpAnswer(final Forwarding forwarding, final int attempt)
        {
            this.forwarding = forwarding;
            this.attempt = attempt;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object message)
        {
            onTcpAnswer(forwarding, attempt, (ByteBuf)message);
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            if (forwarding.isAt(attempt))
            {
                unreachable(forwarding);
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }
    }
}
