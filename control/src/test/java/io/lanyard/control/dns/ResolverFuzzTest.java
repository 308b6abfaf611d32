package io.lanyard.control.dns;

import io.lanyard.control.dns.AnswerRules.Outcome;
import io.lanyard.control.dns.DnsCounters.Kind;
import io.lanyard.forwarding.testkit.Draw;
import io.lanyard.forwarding.testkit.FrameMutation;
import io.lanyard.forwarding.testkit.FuzzRun;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

import static io.lanyard.control.dns.StubQuery.A;
import static io.lanyard.control.dns.StubQuery.AAAA;
import static io.lanyard.control.dns.StubQuery.ANY;
import static io.lanyard.control.dns.StubQuery.NO_EDNS;
import static io.lanyard.control.dns.StubQuery.PTR;
import static io.lanyard.control.dns.StubQuery.TXT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the embedded DNS's handling of one message ({@link Resolver#handle}, what its UDP and
 * TCP listeners call for each datagram or frame), without sockets: queries a stub resolver
 * sends for the sandbox's names and others, mangled byte by byte, and the hostile messages of
 * {@link MalformedQueries}, over UDP (cut to what the server's receive buffer holds) or TCP, for
 * a sandbox without a way out or with one but no upstreams (so nothing is forwarded). Whatever
 * arrives, nothing throws, the message is counted once, and it gets exactly the answer
 * {@link AnswerRules} says (a deliberate silence for what is no query), one that fits UDP's
 * limit, with no buffer left held. {@code -Dlanyard.fuzz.tries=N} makes it a long run
 * ({@link FuzzRun}).
 */
class ResolverFuzzTest
{
    /** What the server reads of a datagram: its receive buffer holds one byte more than the largest query. */
    private static final int UDP_READ_BYTES = Resolver.MAX_QUERY + 1;
    private static final Set<Kind> RECEIVED = EnumSet.of(Kind.QUERIES, Kind.FORMERR, Kind.DROPPED_MALFORMED, Kind.NOTIMP);
    private static final List<DnsScope> SCOPES = List.of(
        new DnsScope(Set.of("n1"), Map.of(), List.of(), false),
        new DnsScope(Set.of("n1", "n2"), Map.of("Alias", "db"), List.of(), true));
    private static final String[] NAMES = {"web", "WWW.front", "0123456789ab", "db", "alias", "pool", "nothing.example.com",
        "2.0.0.10.in-addr.arpa", "2.2.0.10.in-addr.arpa.", "1.2.3.4.5.in-addr.arpa", "x.in-addr.arpa", "", "a.b.c.d.e.f.g"};
    private static final int[] TYPES = {A, AAAA, PTR, TXT, ANY, 0, 65535};
    private static final int[] PAYLOADS = {NO_EDNS, NO_EDNS, 0, 511, 512, 1232, 4096, 65535};
    private static final FrameMutation.Kind[] BYTE_MUTATIONS =
        {FrameMutation.Kind.FLIP_BIT, FrameMutation.Kind.SET_BYTE, FrameMutation.Kind.TRUNCATE, FrameMutation.Kind.EXTEND};

    private final DnsCounters counters = new DnsCounters();
    private final Resolver resolver;

    /** A message as a sandbox sends it, how it was made, and which of {@link #SCOPES} the sandbox has. */
    record Message(String how, byte[] bytes, boolean udp, int scope)
    {
        @Override
        public String toString()
        {
            final byte[] head = Arrays.copyOf(bytes, Math.min(bytes.length, 64));
            return how + (udp ? " over UDP" : " over TCP") + " for scope " + scope + " (" + bytes.length + " bytes: " +
                HexFormat.of().formatHex(head) + (head.length < bytes.length ? "…" : "") + ")";
        }
    }

    ResolverFuzzTest()
    {
        final NameTable names = new NameTable();
        names.add("n1", "front", "ep-web", 0x0A00_0002, List.of("web", "www", "0123456789ab"));
        names.add("n1", "front", "ep-pool1", 0x0A00_000A, List.of("pool1", "pool"));
        names.add("n1", "front", "ep-pool2", 0x0A00_000B, List.of("pool2", "pool"));
        names.add("n2", "back", "ep-db", 0x0A00_0202, List.of("db", "89abcdef0123"));
        // no upstream is ever asked: every scope is without a way out or without upstreams
        resolver = new Resolver(names, null, counters);
    }

    @Test
    void shouldAnswerEveryQueryOnceAndStaySilentOnlyForWhatIsNone()
    {
        FuzzRun.forAll(1000, ResolverFuzzTest::message, this::answerAsTheRulesSay);
    }

    /** Hands {@code message} to the resolver and checks what came of it against {@link AnswerRules}; returns 1, the message. */
    private int answerAsTheRulesSay(final Message message)
    {
        final byte[] read = message.udp() ? Arrays.copyOf(message.bytes(), Math.min(message.bytes().length, UDP_READ_BYTES)) :
            message.bytes();
        final long received = received();
        final long dropped = counters.get(Kind.DROPPED_MALFORMED);
        final List<ByteBuf> answers = new ArrayList<>(1);
        final ByteBuf in = Unpooled.wrappedBuffer(read);

        resolver.handle(ByteBufAllocator.DEFAULT, in, SCOPES.get(message.scope()), message.udp(), answers::add);

        assertEquals(1, in.refCnt(), "the message stays the caller's");
        in.release();
        assertEquals(1, received() - received, "counted once");
        final Outcome outcome = AnswerRules.expected(read, Integer.MAX_VALUE);
        if (outcome == Outcome.DROPPED)
        {
            assertEquals(List.of(), answers, "no answer to what is no query");
            assertEquals(1, counters.get(Kind.DROPPED_MALFORMED) - dropped, "a silence is counted as dropped_malformed");
        }
        else
        {
            assertEquals(1, answers.size(), "one answer, at once");
            final ByteBuf answer = answers.get(0);
            final byte[] bytes = ByteBufUtil.getBytes(answer);
            assertTrue(answer.release(), "the answer is handed over with the one reference the listener releases");
            final ParsedReply reply = AnswerRules.checkedAnswer(message, read, outcome, bytes);
            if (message.udp())
            {
                assertTrue(bytes.length <= (reply.additionals() == 0 ? DnsMessages.CLASSIC_UDP_LIMIT : DnsMessages.EDNS_UDP_LIMIT),
                    "an answer over UDP fits the client's limit: " + bytes.length);
            }
        }
        return 1;
    }

    /** A stub query mutated byte by byte mostly, often one of {@link MalformedQueries}, now and then random bytes. */
    private static Message message(final SplittableRandom random)
    {
        return switch (Draw.weighted(random, 5, 4, 1))
        {
            case 0 -> mutatedQuery(random);
            case 1 ->
            {
                final long seed = random.nextLong();
                final MalformedQueries.Case made = new MalformedQueries(new Random(seed)).next();
                yield new Message(made.kind() + " (MalformedQueries seed " + seed + ")", made.bytes(), udp(random), scope(random));
            }
            default -> new Message("random bytes", Draw.bytes(random, 600), udp(random), scope(random));
        };
    }

    private static Message mutatedQuery(final SplittableRandom random)
    {
        final String name = Draw.one(random, NAMES);
        final int type = Draw.one(random, TYPES);
        final int payload = Draw.one(random, PAYLOADS);
        final int flags = random.nextInt(0x10000);
        final List<FrameMutation> mutations = FrameMutation.upTo(random, 4, BYTE_MUTATIONS);
        final byte[] query = StubQuery.of(0x1234, name, type).flags(flags & 0x7BFF).edns(payload).bytes();
        return new Message("query for " + name + " type " + type + " EDNS " + payload + " flags " + Integer.toHexString(flags) + " " +
            mutations, FrameMutation.applyAll(mutations, query, new long[0], new int[0]), udp(random), scope(random));
    }

    /** Over UDP three times in four. */
    private static boolean udp(final SplittableRandom random)
    {
        return Draw.weighted(random, 3, 1) == 0;
    }

    private static int scope(final SplittableRandom random)
    {
        return random.nextInt(SCOPES.size());
    }

    private long received()
    {
        long sum = 0;
        for (final Kind kind : RECEIVED)
        {
            sum += counters.get(kind);
        }
        return sum;
    }
}
