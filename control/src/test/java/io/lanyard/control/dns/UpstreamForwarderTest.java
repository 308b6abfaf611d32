package io.lanyard.control.dns;

import io.lanyard.control.dns.DnsCounters.Kind;
import io.lanyard.control.dns.RecordedReply.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

import static io.lanyard.control.dns.WireMessages.A;
import static io.lanyard.control.dns.WireMessages.HTTPS;
import static io.lanyard.control.dns.WireMessages.NOERROR;
import static io.lanyard.control.dns.WireMessages.NXDOMAIN;
import static io.lanyard.control.dns.WireMessages.REFUSED;
import static io.lanyard.control.dns.WireMessages.SERVFAIL;
import static io.lanyard.control.dns.WireMessages.aRecord;
import static io.lanyard.control.dns.WireMessages.afterId;
import static io.lanyard.control.dns.WireMessages.answerTo;
import static io.lanyard.control.dns.WireMessages.id;
import static io.lanyard.control.dns.WireMessages.query;
import static io.lanyard.control.dns.WireMessages.soaRecord;
import static io.lanyard.control.dns.WireMessages.withId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forwarder against scripted resolvers on loopback. Every buffer handed to it is checked to
 * be released, every reply to come exactly once and on the forwarder's loop, and Netty's leak
 * detector runs at its paranoid level for the whole class.
 */
class UpstreamForwarderTest
{
    private static final Duration SHORT_TIMEOUT = Duration.ofMillis(200);
    private static final Duration LONG_TIMEOUT = Duration.ofSeconds(60);
    /** How long an upstream that must not be asked is watched after the reply. */
    private static final long NOT_ASKED_GRACE_MILLIS = 100;
    private static final int CLIENT_ID = 0x1234;

    private static MultiThreadIoEventLoopGroup group;
    private static EventLoop loop;
    private static LeakWatch leakWatch;

    private final DnsCounters counters = new DnsCounters();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<ByteBuf> queriesGiven = new ArrayList<>();
    private final List<RecordedReply> replies = new ArrayList<>();

    @BeforeAll
    static void startLoopAndWatchForLeaks()
    {
        Epoll.ensureAvailability();
        leakWatch = LeakWatch.start();
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("dns-forwarder-test", true), EpollIoHandler.newFactory());
        loop = group.next();
    }

    @AfterEach
    void shouldHaveReleasedEveryQueryAndRepliedToEachOnce() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
        for (final ByteBuf query : queriesGiven)
        {
            assertEquals(0, query.refCnt(), "the forwarder releases every query it is given");
        }
        for (final RecordedReply reply : replies)
        {
            assertTrue(reply.calls() <= 1, "a reply is called at most once");
        }
    }

    @AfterAll
    static void shouldHaveLeakedNoBuffer() throws InterruptedException
    {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        assertEquals(List.of(), leakWatch.stop(), "buffers leaked");
    }

    @Test
    void shouldRelayAnUpstreamAnswerByteForByteWithTheClientsIdPutBack() throws Exception
    {
        final byte[] query = query(CLIENT_ID, "www.example.com", A);
        final List<byte[]> sent = new CopyOnWriteArrayList<>();
        final FakeUpstream upstream = upstream(FakeUpstream.udp((asked, asker) ->
        {
            final byte[] answer = answerTo(asked).answer(aRecord(300, 93, 184, 216, 34)).answer(aRecord(300, 93, 184, 216, 35)).bytes();
            sent.add(answer);
            return List.of(answer);
        }));
        final UpstreamForwarder forwarder = closeLater(new UpstreamForwarder(group, counters));

        final Outcome outcome = forward(forwarder, query, upstream).await();

        assertTrue(outcome.onLoop());
        assertArrayEquals(withId(sent.get(0), CLIENT_ID), outcome.relayed(), "the upstream's bytes, with the client's ID");
        final byte[] asked = upstream.udpQueries().get(0);
        assertArrayEquals(afterId(query), afterId(asked), "the query goes upstream as the client sent it, EDNS included");
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.RELAYED, 1L));
        assertEquals(0, forwarder.inFlight());
    }

    @Test
    void shouldRelayNxdomainWithItsAuthorityAsFinalWithoutAskingTheNextUpstream() throws Exception
    {
        final byte[] query = query(CLIENT_ID, "nothing.example.com", A);
        final byte[] nxdomain = answerTo(withId(query, 0)).code(NXDOMAIN).authority(soaRecord("example.com")).bytes();
        final FakeUpstream first = upstream(FakeUpstream.udp((asked, asker) -> List.of(withId(nxdomain, id(asked)))));
        final FakeUpstream second = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(SHORT_TIMEOUT);

        final Outcome outcome = forward(forwarder, query, first, second).await();

        assertArrayEquals(withId(nxdomain, CLIENT_ID), outcome.relayed());
        assertNeverAsked(second);
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.RELAYED, 1L));
    }

    @ParameterizedTest
    @ValueSource(ints = {SERVFAIL, REFUSED})
    void shouldAskTheNextUpstreamWhenOneAnswersServfailOrRefused(final int failure) throws Exception
    {
        final FakeUpstream failing = upstream(FakeUpstream.udp(answering(failure)));
        final FakeUpstream working = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);

        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), failing, working).await();

        assertEquals(NOERROR, responseCode(outcome.relayed()));
        assertEquals(CLIENT_ID, id(outcome.relayed()));
        assertEquals(1, failing.udpQueries().size());
        assertEquals(1, working.udpQueries().size());
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.RELAYED, 1L, Kind.UPSTREAM_FAILURES, 1L));
    }

    @Test
    void shouldAskTheNextUpstreamWhenOneStaysSilentForItsTimeout() throws Exception
    {
        final FakeUpstream silent = upstream(FakeUpstream.silent());
        final FakeUpstream working = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(SHORT_TIMEOUT);

        final long start = System.nanoTime();
        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), silent, working).await();
        final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals(NOERROR, responseCode(outcome.relayed()));
        assertTrue(elapsedMillis >= SHORT_TIMEOUT.toMillis(), "the silent upstream had its whole budget: " + elapsedMillis + " ms");
        assertEquals(1, silent.udpQueries().size());
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.RELAYED, 1L, Kind.UPSTREAM_TIMEOUTS, 1L));
    }

    @Test
    void shouldFailServfailWhenEveryUpstreamFailsAndLeaveCountingItToTheServer() throws Exception
    {
        final FakeUpstream servfail = upstream(FakeUpstream.udp(answering(SERVFAIL)));
        final FakeUpstream refused = upstream(FakeUpstream.udp(answering(REFUSED)));
        final FakeUpstream silent = upstream(FakeUpstream.silent());
        final UpstreamForwarder forwarder = forwarder(SHORT_TIMEOUT);

        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), servfail, refused, silent).await();

        assertEquals(DnsResponseCode.SERVFAIL, outcome.failure());
        assertTrue(outcome.onLoop());
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.UPSTREAM_FAILURES, 2L, Kind.UPSTREAM_TIMEOUTS, 1L));
    }

    @Test
    void shouldNeverAskAFourthUpstream() throws Exception
    {
        final FakeUpstream one = upstream(FakeUpstream.udp(answering(SERVFAIL)));
        final FakeUpstream two = upstream(FakeUpstream.udp(answering(SERVFAIL)));
        final FakeUpstream three = upstream(FakeUpstream.udp(answering(SERVFAIL)));
        final FakeUpstream four = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);

        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), one, two, three, four).await();

        assertEquals(DnsResponseCode.SERVFAIL, outcome.failure());
        assertNeverAsked(four);
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.UPSTREAM_FAILURES, 3L));
    }

    @Test
    void shouldSkipTheEmbeddedAddressOnAnyPortAndNamesAndCountThreeWithoutThem() throws Exception
    {
        final FakeUpstream embedded = upstream(FakeUpstream.udpAt(UpstreamForwarder.EMBEDDED_ADDRESS, answering(NOERROR)));
        final FakeUpstream one = upstream(FakeUpstream.udp(answering(SERVFAIL)));
        final FakeUpstream two = upstream(FakeUpstream.udp(answering(SERVFAIL)));
        final FakeUpstream three = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);
        final List<InetSocketAddress> upstreams = List.of(
            new InetSocketAddress(UpstreamForwarder.EMBEDDED_ADDRESS, 53),
            embedded.address(),
            InetSocketAddress.createUnresolved("resolver.example", 53),
            one.address(),
            two.address(),
            three.address());

        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), upstreams).await();

        assertEquals(NOERROR, responseCode(outcome.relayed()));
        assertEquals(1, three.udpQueries().size(), "the third usable upstream was asked");
        assertNeverAsked(embedded);
    }

    @Test
    void shouldFailServfailAtOnceWhenNoUpstreamIsLeft() throws Exception
    {
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);
        final List<InetSocketAddress> upstreams = List.of(
            new InetSocketAddress(UpstreamForwarder.EMBEDDED_ADDRESS, 53),
            new InetSocketAddress(UpstreamForwarder.EMBEDDED_ADDRESS, 5353));

        final long start = System.nanoTime();
        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), upstreams).await();

        assertEquals(DnsResponseCode.SERVFAIL, outcome.failure());
        assertTrue(outcome.onLoop());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
        assertCounted(Map.of());
    }

    @Test
    void shouldFailServfailForAQueryWithoutExactlyOneQuestion() throws Exception
    {
        final FakeUpstream upstream = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);
        final byte[] noQuestion = query(CLIENT_ID, "example.org", A);
        noQuestion[5] = 0;

        final Outcome outcome = forward(forwarder, noQuestion, upstream).await();

        assertEquals(DnsResponseCode.SERVFAIL, outcome.failure());
        assertNeverAsked(upstream);
        assertEquals(0, forwarder.inFlight());
    }

    @Test
    void shouldAskTheSameUpstreamOverTcpWhenItsUdpAnswerIsTruncatedAndRelayTheWholeAnswer() throws Exception
    {
        final List<byte[]> whole = new CopyOnWriteArrayList<>();
        final FakeUpstream upstream = upstream(FakeUpstream.udpAndTcp(
            (asked, asker) -> List.of(answerTo(asked).truncated().bytes()),
            (asked, asker) ->
            {
                final WireMessages.Answer answer = answerTo(asked);
                for (int i = 0; i < 60; i++)
                {
                    answer.answer(aRecord(60, 10, 0, 0, i));
                }
                whole.add(answer.bytes());
                return List.of(whole.get(0));
            }));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);
        final byte[] query = query(CLIENT_ID, "many.example.com", A);

        final Outcome outcome = forward(forwarder, query, upstream).await();

        assertTrue(whole.get(0).length > 512, "an answer UDP without EDNS could not carry");
        assertArrayEquals(withId(whole.get(0), CLIENT_ID), outcome.relayed());
        assertArrayEquals(afterId(query), afterId(upstream.tcpQueries().get(0)));
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.RELAYED, 1L, Kind.TCP_FALLBACKS, 1L));
        waitFor(() -> upstream.connectionsEnded() == 1, "the forwarder closes its TCP connection once answered");
    }

    @Test
    void shouldAskTheNextUpstreamWhenTheTcpRetryIsRefused() throws Exception
    {
        final FakeUpstream truncating = upstream(FakeUpstream.udp((asked, asker) -> List.of(answerTo(asked).truncated().bytes())));
        final FakeUpstream working = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);

        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), truncating, working).await();

        assertEquals(NOERROR, responseCode(outcome.relayed()));
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.RELAYED, 1L, Kind.TCP_FALLBACKS, 1L, Kind.UPSTREAM_FAILURES, 1L));
    }

    @Test
    void shouldGiveTheTcpRetryOnlyWhatIsLeftOfTheUpstreamsBudget() throws Exception
    {
        // a fresh budget for TCP would end at 1800 ms at the earliest; the shared one ends at
        // 1000 ms, which leaves 700 ms for a loaded machine's scheduling
        final Duration budget = Duration.ofMillis(1000);
        final long udpDelayMillis = 800;
        final FakeUpstream slowTruncatingThenSilent = upstream(FakeUpstream.udpAndTcp(
            (asked, asker) ->
            {
                sleep(udpDelayMillis);
                return List.of(answerTo(asked).truncated().bytes());
            },
            FakeUpstream.SILENT));
        final FakeUpstream working = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(budget);

        final long start = System.nanoTime();
        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), slowTruncatingThenSilent, working).await();
        final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals(NOERROR, responseCode(outcome.relayed()));
        assertEquals(1, slowTruncatingThenSilent.tcpQueries().size());
        assertTrue(elapsedMillis >= budget.toMillis() && elapsedMillis < budget.toMillis() + udpDelayMillis - 100,
            "one budget for UDP and TCP together, not a fresh one for TCP: " + elapsedMillis + " ms");
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.RELAYED, 1L, Kind.TCP_FALLBACKS, 1L, Kind.UPSTREAM_TIMEOUTS, 1L));
        waitFor(() -> slowTruncatingThenSilent.connectionsEnded() == 1, "the timed-out TCP connection is closed");
    }

    @Test
    void shouldIgnoreForgedAnswersAndRelayTheRealOne() throws Exception
    {
        final FakeUpstream elsewhere = upstream(FakeUpstream.silent());
        final List<byte[]> real = new CopyOnWriteArrayList<>();
        final FakeUpstream upstream = upstream(FakeUpstream.udp((asked, asker) ->
        {
            final byte[] forged = answerTo(asked).answer(aRecord(86400, 6, 6, 6, 6)).bytes();
            elsewhere.send(forged, asker);
            real.add(answerTo(asked).answer(aRecord(300, 1, 2, 3, 4)).bytes());
            return List.of(
                answerTo(asked).id(id(asked) ^ 1).answer(aRecord(86400, 6, 6, 6, 6)).bytes(),
                answerTo(asked).question("evil.example.net", A).answer(aRecord(86400, 6, 6, 6, 6)).bytes(),
                answerTo(asked).question("www.example.com", HTTPS).answer(aRecord(86400, 6, 6, 6, 6)).bytes(),
                answerTo(asked).notAResponse().bytes(),
                new byte[] {asked[0], asked[1], (byte)0x81},
                real.get(0));
        }));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);

        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "www.example.com", A), upstream).await();

        assertArrayEquals(withId(real.get(0), CLIENT_ID), outcome.relayed());
        assertEquals(6, forwarder.ignoredAnswers(), "wrong port, wrong ID, two wrong questions, a query, a stub");
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.RELAYED, 1L));
    }

    @Test
    void shouldAcceptAnAnswerRepeatingTheNameInAnotherCaseButNotAnotherType() throws Exception
    {
        final FakeUpstream upstream = upstream(FakeUpstream.udp((asked, asker) -> List.of(
            // QTYPE 97 is HTTPS (65) with its low byte "lower-cased": types must not be folded
            answerTo(asked).question("WwW.ExAmPlE.CoM", 97).bytes(),
            answerTo(asked).question("WwW.ExAmPlE.CoM", HTTPS).bytes())));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);

        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "www.example.com", HTTPS), upstream).await();

        assertEquals(NOERROR, responseCode(outcome.relayed()));
        assertEquals(1, forwarder.ignoredAnswers());
    }

    @Test
    void shouldIgnoreMalformedAnswersAndLetTheTimeoutMoveOn() throws Exception
    {
        final FakeUpstream garbling = upstream(FakeUpstream.udp((asked, asker) ->
        {
            final byte[] noQuestion = answerTo(asked).bytes();
            noQuestion[5] = 0;
            final byte[] cutShort = Arrays.copyOf(answerTo(asked).bytes(), 20);
            final byte[] pointerInQuestion = answerTo(asked).bytes();
            pointerInQuestion[12] = (byte)0xC0;
            return List.of(new byte[] {1, 2, 3, 4, 5}, noQuestion, cutShort, pointerInQuestion);
        }));
        final FakeUpstream working = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(SHORT_TIMEOUT);

        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), garbling, working).await();

        assertEquals(NOERROR, responseCode(outcome.relayed()));
        assertEquals(4, forwarder.ignoredAnswers());
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.RELAYED, 1L, Kind.UPSTREAM_TIMEOUTS, 1L));
    }

    @Test
    void shouldIgnoreALateAnswerFromAnUpstreamThatTimedOut() throws Exception
    {
        final FakeUpstream slow = upstream(FakeUpstream.udp((asked, asker) ->
        {
            sleep(SHORT_TIMEOUT.toMillis() + 50);
            return List.of(answerTo(asked).answer(aRecord(300, 6, 6, 6, 6)).bytes());
        }));
        final FakeUpstream silent = upstream(FakeUpstream.silent());
        final UpstreamForwarder forwarder = forwarder(SHORT_TIMEOUT);

        final Outcome outcome = forward(forwarder, query(CLIENT_ID, "example.org", A), slow, silent).await();

        assertEquals(DnsResponseCode.SERVFAIL, outcome.failure(), "the slow answer came after its upstream's turn");
        assertEquals(1, forwarder.ignoredAnswers());
        assertCounted(Map.of(Kind.FORWARDED, 1L, Kind.UPSTREAM_TIMEOUTS, 2L));
    }

    @Test
    void shouldSendEachWaitingQueryWithAnIdNoOtherWaitingQueryHas() throws Exception
    {
        final FakeUpstream silent = upstream(FakeUpstream.silent());
        final int[] scripted = {7, 7, 7, 9};
        final AtomicInteger drawn = new AtomicInteger();
        final RandomGenerator ids = new RandomGenerator()
        {
            @Override
            public long nextLong()
            {
                throw new UnsupportedOperationException();
            }

            @Override
            public int nextInt(final int bound)
            {
                return scripted[drawn.getAndIncrement()];
            }
        };
        final UpstreamForwarder forwarder = closeLater(new UpstreamForwarder(group, counters, LONG_TIMEOUT, ids));

        forward(forwarder, query(CLIENT_ID, "a.example.org", A), silent);
        waitFor(() -> silent.udpQueries().size() == 1, "the first query is sent");
        forward(forwarder, query(CLIENT_ID, "b.example.org", A), silent);
        waitFor(() -> silent.udpQueries().size() == 2, "the second query is sent");

        assertEquals(7, id(silent.udpQueries().get(0)));
        assertEquals(9, id(silent.udpQueries().get(1)), "7 was taken, so another was drawn until one was free");
        assertEquals(4, drawn.get());
    }

    @Test
    void shouldRefuseQueriesBeyondTheInFlightLimitAndFailThemAllWhenClosed() throws Exception
    {
        final FakeUpstream silent = upstream(FakeUpstream.silent());
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);
        final List<RecordedReply> held = new ArrayList<>();
        for (int i = 0; i < UpstreamForwarder.MAX_IN_FLIGHT; i++)
        {
            held.add(forward(forwarder, query(i, "n" + i + ".example.org", A), silent));
        }
        assertEquals(UpstreamForwarder.MAX_IN_FLIGHT, forwarder.inFlight());

        final Outcome refused = forward(forwarder, query(CLIENT_ID, "one.too.many", A), silent).await();

        assertEquals(DnsResponseCode.REFUSED, refused.failure());
        assertTrue(refused.onLoop());
        assertEquals(UpstreamForwarder.MAX_IN_FLIGHT, forwarder.inFlight());
        assertEquals(1, counters.get(Kind.REFUSED_OVERLOAD));
        assertTrue(held.stream().noneMatch(RecordedReply::isDone));

        forwarder.close();

        for (final RecordedReply reply : held)
        {
            final Outcome outcome = reply.await();
            assertEquals(DnsResponseCode.SERVFAIL, outcome.failure());
            assertTrue(outcome.onLoop());
            assertEquals(1, reply.calls());
        }
        assertEquals(0, forwarder.inFlight());
        assertCounted(Map.of(Kind.FORWARDED, (long)UpstreamForwarder.MAX_IN_FLIGHT, Kind.REFUSED_OVERLOAD, 1L));
    }

    @Test
    void shouldFailQueriesWaitingOnUdpOrTcpWhenClosedAndAnyForwardedAfterwards() throws Exception
    {
        final FakeUpstream silent = upstream(FakeUpstream.silent());
        final FakeUpstream truncatingThenSilent = upstream(FakeUpstream.udpAndTcp(
            (asked, asker) -> List.of(answerTo(asked).truncated().bytes()),
            FakeUpstream.SILENT));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);
        final RecordedReply onUdp = forward(forwarder, query(1, "udp.example.org", A), silent);
        final RecordedReply onTcp = forward(forwarder, query(2, "tcp.example.org", A), truncatingThenSilent);
        waitFor(() -> silent.udpQueries().size() == 1 && truncatingThenSilent.tcpQueries().size() == 1, "both are waiting");

        forwarder.close();

        assertEquals(DnsResponseCode.SERVFAIL, onUdp.await().failure());
        assertEquals(DnsResponseCode.SERVFAIL, onTcp.await().failure());
        waitFor(() -> truncatingThenSilent.connectionsEnded() == 1, "the TCP connection is closed");
        final Outcome afterwards = forward(forwarder, query(3, "late.example.org", A), silent).await();
        assertEquals(DnsResponseCode.SERVFAIL, afterwards.failure());
        assertTrue(afterwards.onLoop());
        assertEquals(0, forwarder.inFlight());
        forwarder.close();
    }

    @Test
    void shouldTakeQueriesFromAnyThread() throws Exception
    {
        final FakeUpstream upstream = upstream(FakeUpstream.udp(answering(NOERROR)));
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);
        final ExecutorService clients = Executors.newFixedThreadPool(4);
        final List<RecordedReply> all = new ArrayList<>();
        try
        {
            final List<Future<RecordedReply>> submitted = new ArrayList<>();
            for (int i = 0; i < 100; i++)
            {
                final int clientId = 1000 + i;
                final ByteBuf query = Unpooled.wrappedBuffer(query(clientId, "c" + i + ".example.org", A));
                final RecordedReply reply = new RecordedReply(loop);
                queriesGiven.add(query);
                replies.add(reply);
                submitted.add(clients.submit(() ->
                {
                    forwarder.forward(query, List.of(upstream.address()), reply);
                    return reply;
                }));
            }
            for (final Future<RecordedReply> each : submitted)
            {
                all.add(each.get());
            }
        }
        finally
        {
            clients.shutdown();
        }

        final Set<Integer> ids = new HashSet<>();
        for (final RecordedReply reply : all)
        {
            final Outcome outcome = reply.await();
            assertTrue(outcome.onLoop());
            ids.add(id(outcome.relayed()));
        }
        assertEquals(100, ids.size(), "each client got its own answer back");
        assertCounted(Map.of(Kind.FORWARDED, 100L, Kind.RELAYED, 100L));
    }

    @Test
    void shouldRefuseAGroupThatIsNotEpollAndATimeoutThatIsNotPositive()
    {
        final MultiThreadIoEventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try
        {
            assertThrows(IllegalArgumentException.class, () -> new UpstreamForwarder(nio, counters));
        }
        finally
        {
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        assertThrows(IllegalArgumentException.class, () -> new UpstreamForwarder(group, counters, Duration.ZERO));
    }

    @Test
    void shouldBindItsUdpSocketOnAnEphemeralPort()
    {
        final UpstreamForwarder forwarder = forwarder(LONG_TIMEOUT);

        assertTrue(forwarder.localAddress().getPort() > 0);
        assertTrue(forwarder.localAddress().getAddress().isAnyLocalAddress());
    }

    private UpstreamForwarder forwarder(final Duration timeout)
    {
        return closeLater(new UpstreamForwarder(group, counters, timeout));
    }

    private FakeUpstream upstream(final FakeUpstream upstream)
    {
        return closeLater(upstream);
    }

    private <T extends AutoCloseable> T closeLater(final T closeable)
    {
        toClose.add(closeable);
        return closeable;
    }

    private RecordedReply forward(final UpstreamForwarder forwarder, final byte[] query, final FakeUpstream... upstreams)
    {
        final List<InetSocketAddress> addresses = new ArrayList<>();
        for (final FakeUpstream upstream : upstreams)
        {
            addresses.add(upstream.address());
        }
        return forward(forwarder, query, addresses);
    }

    private RecordedReply forward(final UpstreamForwarder forwarder, final byte[] query, final List<InetSocketAddress> upstreams)
    {
        final ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(query.length).writeBytes(query);
        final RecordedReply reply = new RecordedReply(loop);
        queriesGiven.add(buffer);
        replies.add(reply);
        forwarder.forward(buffer, upstreams, reply);
        return reply;
    }

    private void assertCounted(final Map<Kind, Long> expected)
    {
        final Map<Kind, Long> all = new EnumMap<>(Kind.class);
        for (final Kind kind : Kind.values())
        {
            all.put(kind, expected.getOrDefault(kind, 0L));
        }
        final Map<Kind, Long> actual = new EnumMap<>(Kind.class);
        for (final Kind kind : Kind.values())
        {
            actual.put(kind, counters.get(kind));
        }
        assertEquals(all, actual);
    }

    private static FakeUpstream.Script answering(final int code)
    {
        return (asked, asker) -> List.of(answerTo(asked).code(code).answer(aRecord(300, 192, 0, 2, 1)).bytes());
    }

    private static int responseCode(final byte[] message)
    {
        return message[3] & 0x0F;
    }

    private static void assertNeverAsked(final FakeUpstream upstream) throws InterruptedException
    {
        Thread.sleep(NOT_ASKED_GRACE_MILLIS);
        assertEquals(0, upstream.udpQueries().size(), "asked " + upstream.address());
    }

    private static void waitFor(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(5);
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
