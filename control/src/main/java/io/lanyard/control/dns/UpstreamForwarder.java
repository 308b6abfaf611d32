package io.lanyard.control.dns;

import io.lanyard.control.dns.DnsCounters.Kind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.handler.codec.dns.DnsResponseCode;

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
 * <p>
 * <b>Inside.</b> This class takes queries in, bounds them and answers what it cannot forward; each
 * query it accepts becomes an {@link UpstreamQuery}, which walks the upstreams and their attempts, and
 * all of them share one {@link UpstreamSocket}, the UDP socket and the table of IDs waiting on it.
 */
public final class UpstreamForwarder implements AutoCloseable
{
    public static final int MAX_IN_FLIGHT = 1024;
    public static final int MAX_UPSTREAMS = 3;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(4);
    /** The embedded DNS's own address: never used as an upstream (it would loop). */
    public static final String EMBEDDED_ADDRESS = "127.0.0.11";

    private static final System.Logger LOG = System.getLogger(UpstreamForwarder.class.getName());

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
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Loop only: every query accepted and not yet answered, so {@link #close} can answer them. */
    private final Set<UpstreamQuery> active = new HashSet<>();
    /** Loop only: re-wrapped for each query taken in. */
    private final DnsHeader header = new DnsHeader();

    private final UpstreamSocket socket;
    private volatile boolean closed;

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
        this.socket = new UpstreamSocket(loop, Objects.requireNonNull(ids));
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
        return socket.ignoredAnswers();
    }

    /** The local address upstream queries leave from. */
    InetSocketAddress localAddress()
    {
        return socket.localAddress();
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
        final UpstreamQuery forwarding = new UpstreamQuery(
            socket, counters, timeoutNanos, query, header.id(), question, upstreams, reply, this::completed);
        active.add(forwarding);
        counters.increment(Kind.FORWARDED);
        forwarding.start();
    }

    /** The query has left the forwarder: answered, failed or aborted. */
    private void completed(final UpstreamQuery forwarding)
    {
        active.remove(forwarding);
        inFlight.decrementAndGet();
    }

    private void closeOnLoop()
    {
        for (final UpstreamQuery forwarding : List.copyOf(active))
        {
            forwarding.abort();
        }
        socket.close();
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
    static void fail(final Reply reply, final DnsResponseCode code)
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

    static void relay(final Reply reply, final ByteBuf answer)
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
}
