package io.lanyard.control.dns;

import io.lanyard.control.dns.DnsCounters.Kind;
import io.lanyard.control.dns.AnswerRules.Outcome;
import io.lanyard.control.dns.MalformedQueries.Case;
import io.lanyard.tap.NamespaceThread;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.lanyard.control.dns.ParsedReply.FORMERR;
import static io.lanyard.control.dns.ParsedReply.NOERROR;
import static io.lanyard.control.dns.ParsedReply.NOTIMP;
import static io.lanyard.control.dns.ParsedReply.SERVFAIL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A real embedded DNS, serving a sandbox namespace of the test's own, fed thousands of malformed
 * messages over UDP and TCP from a seeded {@link Random} ({@value #SEED_PROPERTY} replays
 * another seed; a failure names the seed and the message). What must hold whatever arrives:
 * <ul>
 * <li>nothing escapes the handlers (they log at FINE what does, and that log is watched) and
 *     the server keeps answering well-formed queries afterwards;</li>
 * <li>every message is counted exactly once: queries + formerr + dropped_malformed + notimp
 *     equals messages sent, and each kind of answer seen matches its counter;</li>
 * <li>a message gets an answer exactly when it has a whole header and is not a response, and the
 *     answer is one netty's decoder reads, with QR set, the query's ID and opcode, counts that
 *     match its sections, NOTIMP for other opcodes and FORMERR for oversized messages;</li>
 * <li>no buffer leaks (netty's detector at its paranoid level, see {@link LeakWatch}).</li>
 * </ul>
 * The sandbox has no upstreams and no way out, so every answer is the server's own and nothing
 * leaves the namespace.
 */
class EmbeddedDnsFuzzTest
{
    private static final String SEED_PROPERTY = "lanyard.dns.fuzz.seed";
    private static final long DEFAULT_SEED = 0x5EED_D15EL;
    private static final int PORT = 53;
    private static final int UDP_CASES = 6000;
    private static final int TCP_CASES = 800;
    /** Datagrams sent before their answers are read: few enough that no socket buffer overflows. */
    private static final int BATCH = 16;
    /** What the server reads of a datagram: its receive buffer holds one byte more than the largest query. */
    private static final int UDP_READ_BYTES = Resolver.MAX_QUERY + 1;
    private static final long CATCH_UP_MILLIS = 10_000;
    private static final int WEB = (10 << 24) | 2;
    /** The counters that together count every message received, each once. */
    private static final Set<Kind> RECEIVED = Set.of(Kind.QUERIES, Kind.FORMERR, Kind.DROPPED_MALFORMED, Kind.NOTIMP);
    private static final DnsScope SCOPE = new DnsScope(Set.of("n1"), Map.of(), List.of(), false);

    private static final DnsCounters COUNTERS = new DnsCounters();
    private static final List<String> HANDLER_ERRORS = new ArrayList<>();
    /** Held so the logger, and the level set on it, stay while the class runs. */
    private static final Logger SERVER_LOG = Logger.getLogger(EmbeddedDns.class.getName());
    private static final Logger FORWARDER_LOG = Logger.getLogger(UpstreamForwarder.class.getName());
    private static final Handler ERROR_WATCH = new Handler()
    {
        @Override
        public void publish(final LogRecord record)
        {
            synchronized (HANDLER_ERRORS)
            {
                HANDLER_ERRORS.add(record.getLevel() + " " + record.getMessage());
            }
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    };

    private static LeakWatch leakWatch;
    private static Namespaces namespaces;
    private static NamespaceThread namespaceThread;
    private static EmbeddedDns dns;
    private static Level serverLogLevel;
    private static int sandboxes;

    private String sandbox;
    private SandboxSockets sockets;

    /** A message sent and awaiting its answer. */
    private record Sent(Case fuzzCase, byte[] bytes, Outcome outcome)
    {
    }

    @BeforeAll
    static void startTheServer()
    {
        Privileges.requireNetAdmin("ip");
        leakWatch = LeakWatch.start();
        serverLogLevel = SERVER_LOG.getLevel();
        SERVER_LOG.setLevel(Level.ALL);
        SERVER_LOG.addHandler(ERROR_WATCH);
        FORWARDER_LOG.addHandler(ERROR_WATCH);
        namespaces = new Namespaces("dnsfz");
        namespaceThread = new NamespaceThread();
        final NameTable names = new NameTable();
        names.add("n1", "front", "ep-web", WEB, List.of("web", "www", "0123456789ab"));
        dns = new EmbeddedDns(names, COUNTERS, Duration.ofMillis(200), PORT);
    }

    @AfterAll
    static void stopTheServerAndShouldHaveLeakedNothing() throws InterruptedException
    {
        if (dns != null)
        {
            dns.close();
        }
        if (namespaceThread != null)
        {
            namespaceThread.close();
        }
        if (namespaces != null)
        {
            namespaces.close();
        }
        SERVER_LOG.removeHandler(ERROR_WATCH);
        FORWARDER_LOG.removeHandler(ERROR_WATCH);
        SERVER_LOG.setLevel(serverLogLevel);
        if (leakWatch != null)
        {
            assertEquals(List.of(), leakWatch.stop(), "buffers leaked");
        }
    }

    /** Each test has a sandbox of its own, so connections one leaves behind count against no other's limit. */
    @BeforeEach
    void serveASandbox()
    {
        sandbox = "sb" + ++sandboxes;
        final Path netns = Path.of("/run/netns", namespaces.add(sandbox));
        dns.serve(sandbox, netns, SCOPE);
        sockets = new SandboxSockets(namespaceThread, netns, PORT);
        synchronized (HANDLER_ERRORS)
        {
            HANDLER_ERRORS.clear();
        }
    }

    @AfterEach
    void stopServingIt() throws Exception
    {
        if (sockets != null)
        {
            sockets.close();
        }
        if (dns != null && sandbox != null)
        {
            dns.stop(sandbox);
        }
    }

    @Test
    void shouldAnswerEveryDatagramWithAWholeHeaderAndCountEachOnce() throws Throwable
    {
        final long seed = baseSeed();
        withSeed(seed, () ->
        {
            final List<Case> cases = new MalformedQueries(new Random(seed)).corpus(UDP_CASES);
            final Map<Kind, Long> before = counted();
            final Map<Outcome, Long> sent = new EnumMap<>(Outcome.class);
            final Map<Integer, Long> answered = new HashMap<>();
            final DatagramSocket socket = sockets.udp();
            int id = 0;
            // netty's epoll transport reads an empty datagram as no datagram at all: the server
            // never sees one, so it is dropped uncounted (over TCP an empty frame is counted)
            long unseen = 0;
            for (int start = 0; start < cases.size(); start += BATCH)
            {
                final List<Case> batch = cases.subList(start, Math.min(cases.size(), start + BATCH));
                final Map<Integer, Sent> awaiting = new HashMap<>();
                for (final Case fuzzCase : batch)
                {
                    id = (id + 1) & 0xFFFF;
                    final byte[] bytes = withId(fuzzCase.bytes(), id);
                    final Outcome outcome = AnswerRules.expected(bytes, UDP_READ_BYTES);
                    if (bytes.length == 0)
                    {
                        unseen++;
                    }
                    else
                    {
                        sent.merge(outcome, 1L, Long::sum);
                    }
                    SandboxSockets.send(socket, bytes);
                    if (outcome != Outcome.DROPPED)
                    {
                        awaiting.put(id, new Sent(fuzzCase, bytes, outcome));
                    }
                }
                while (!awaiting.isEmpty())
                {
                    final byte[] answer;
                    try
                    {
                        answer = SandboxSockets.receive(socket);
                    }
                    catch (final SocketTimeoutException stalled)
                    {
                        throw new AssertionError("no answer to " + awaiting.values().stream().map(Sent::fuzzCase).toList());
                    }
                    final Sent query = awaiting.remove(answer.length < 2 ? -1 : AnswerRules.idOf(answer));
                    assertNotNull(query, "an answer to no query awaiting one: " + HexFormat.of().formatHex(answer));
                    answered.merge(AnswerRules.checkedAnswer(query.fuzzCase(), query.bytes(), query.outcome(), answer).rcode(), 1L, Long::sum);
                }
                awaitCounted(before, start + batch.size() - unseen, batch);
            }
            assertCountedOnce(before, cases.size() - unseen, sent, answered);
            assertStillAnswers(socket);
        });
    }

    @Test
    void shouldAnswerEveryFrameWithAWholeHeaderOverOneTcpConnectionAndCountEachOnce() throws Throwable
    {
        final long seed = baseSeed() + 1;
        withSeed(seed, () ->
        {
            final List<Case> cases = new MalformedQueries(new Random(seed)).corpus(TCP_CASES);
            final Map<Kind, Long> before = counted();
            final Map<Outcome, Long> sent = new EnumMap<>(Outcome.class);
            final Map<Integer, Long> answered = new HashMap<>();
            final Socket connection = sockets.tcp();
            int id = 0;
            for (final Case fuzzCase : cases)
            {
                id = (id + 1) & 0xFFFF;
                final byte[] bytes = withId(fuzzCase.bytes(), id);
                final Outcome outcome = AnswerRules.expected(bytes, Integer.MAX_VALUE);
                sent.merge(outcome, 1L, Long::sum);
                SandboxSockets.writeFrame(connection, bytes);
                if (outcome != Outcome.DROPPED)
                {
                    // answers come in order, and a dropped frame's is none: the next one is this frame's
                    final byte[] answer;
                    try
                    {
                        answer = SandboxSockets.readFrame(connection);
                    }
                    catch (final SocketTimeoutException | EOFException | SocketException gone)
                    {
                        throw new AssertionError("no answer to " + fuzzCase + ": " + gone);
                    }
                    answered.merge(AnswerRules.checkedAnswer(fuzzCase, bytes, outcome, answer).rcode(), 1L, Long::sum);
                }
            }
            assertCountedOnce(before, cases.size(), sent, answered);
            SandboxSockets.writeFrame(connection, StubQuery.of(0xABCD, "web", StubQuery.A).bytes());
            assertWebAnswer(0xABCD, SandboxSockets.readFrame(connection));
        });
    }

    @Test
    void shouldSurviveGarbageStreamsAndLengthsThatPromiseMoreThanIsSent() throws Throwable
    {
        final long seed = baseSeed() + 2;
        withSeed(seed, () ->
        {
            final Random random = new Random(seed);
            for (int i = 0; i < 20; i++)
            {
                try (Socket garbage = sockets.tcp())
                {
                    final byte[] bytes = new byte[1 + random.nextInt(3000)];
                    random.nextBytes(bytes);
                    garbage.getOutputStream().write(bytes);
                    drainUntilClosedOrQuiet(garbage);
                }
            }
            for (final int promised : new int[] {0xFFFF, 0xFFFE, 60_000, 4097, 100})
            {
                try (Socket shortChanged = sockets.tcp())
                {
                    final byte[] frame = new byte[2 + Math.min(50, promised - 1)];
                    frame[0] = (byte)(promised >>> 8);
                    frame[1] = (byte)promised;
                    shortChanged.getOutputStream().write(frame);
                }
            }
            final long droppedBefore = COUNTERS.get(Kind.DROPPED_MALFORMED);
            try (Socket empty = sockets.tcp())
            {
                SandboxSockets.writeFrame(empty, new byte[0]);
                SandboxSockets.writeFrame(empty, StubQuery.of(0x0101, "web", StubQuery.A).bytes());
                assertWebAnswer(0x0101, SandboxSockets.readFrame(empty));
            }
            assertEquals(droppedBefore + 1, COUNTERS.get(Kind.DROPPED_MALFORMED), "an empty frame is dropped and counted");
            assertStillAnswers(sockets.udp());
            assertWebAnswer(0x0202, sockets.askTcp(StubQuery.of(0x0202, "web", StubQuery.A).bytes()));
        });
    }

    @Test
    void shouldKeepAnsweringOthersWhileAConnectionIdlesInTheMiddleOfAFrame() throws Exception
    {
        final Socket idle = sockets.tcp();
        idle.getOutputStream().write(0);
        final DatagramSocket udp = sockets.udp();
        for (int i = 0; i < 20; i++)
        {
            assertStillAnswers(udp);
            assertWebAnswer(0x0300 + i, sockets.askTcp(StubQuery.of(0x0300 + i, "web", StubQuery.A).bytes()));
        }
        idle.setSoTimeout(300);
        assertThrows(SocketTimeoutException.class, () -> idle.getInputStream().read(),
            "a connection is left its idle time (" + EmbeddedDns.TCP_IDLE + ") to finish its frame");
        assertHandlersQuiet();
    }

    @Test
    void shouldCloseConnectionsBeyondTheLimitAndAcceptNewOnesOnceOthersGo() throws Exception
    {
        final List<Socket> held = new ArrayList<>();
        for (int i = 0; i < EmbeddedDns.MAX_TCP_CONNECTIONS; i++)
        {
            final Socket connection = sockets.tcp();
            held.add(connection);
            // an answer proves the server took the connection in before the next one comes
            SandboxSockets.writeFrame(connection, StubQuery.of(i, "web", StubQuery.A).bytes());
            assertWebAnswer(i, SandboxSockets.readFrame(connection));
        }
        for (int i = 0; i < 8; i++)
        {
            try (Socket extra = sockets.tcp())
            {
                assertClosedByTheServer(extra);
            }
        }
        SandboxSockets.writeFrame(held.get(0), StubQuery.of(0x0400, "web", StubQuery.A).bytes());
        assertWebAnswer(0x0400, SandboxSockets.readFrame(held.get(0)));
        assertStillAnswers(sockets.udp());

        for (final Socket connection : held)
        {
            connection.close();
        }
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true)
        {
            try
            {
                assertWebAnswer(0x0500, sockets.askTcp(StubQuery.of(0x0500, "web", StubQuery.A).bytes()));
                break;
            }
            catch (final EOFException | SocketException notYet)
            {
                // the server has not yet seen every close
                if (System.nanoTime() > deadline)
                {
                    throw new AssertionError("no TCP connection accepted after the others closed", notYet);
                }
                Thread.sleep(20);
            }
        }
        assertHandlersQuiet();
    }

    @Test
    void shouldOpenNoDescriptorThatAStartedProcessWouldInherit() throws Exception
    {
        final long before = inheritableSockets();
        final String another = sandbox + "-more";
        dns.serve(another, Path.of("/run/netns", namespaces.add(another)), SCOPE);
        try (Socket connection = sockets.tcp())
        {
            SandboxSockets.writeFrame(connection, StubQuery.of(7, "web", StubQuery.A).bytes());
            assertWebAnswer(7, SandboxSockets.readFrame(connection));
            // the one more is the test's own client socket: the JDK opens its sockets inheritable
            assertEquals(before + 1, inheritableSockets(),
                "a sandbox's UDP socket, TCP listener and accepted connection are close-on-exec");
        }
        finally
        {
            dns.stop(another);
        }
    }

    /** This JVM's sockets without FD_CLOEXEC (O_CLOEXEC, 02000000 in fdinfo's octal flags). */
    private static long inheritableSockets() throws IOException
    {
        long count = 0;
        try (java.util.stream.Stream<Path> fds = java.nio.file.Files.list(Path.of("/proc/self/fd")))
        {
            for (final Path fd : fds.toList())
            {
                try
                {
                    if (java.nio.file.Files.readSymbolicLink(fd).toString().startsWith("socket:"))
                    {
                        final String info = java.nio.file.Files.readString(Path.of("/proc/self/fdinfo", fd.getFileName().toString()));
                        final long flags = Long.parseLong(info.split("flags:")[1].trim().split("\\s+")[0], 8);
                        count += (flags & 02000000) == 0 ? 1 : 0;
                    }
                }
                catch (final IOException gone)
                {
                    // closed while listed (the listing's own descriptor)
                }
            }
        }
        return count;
    }

    /** The seed the tests derive theirs from: fixed, unless {@value #SEED_PROPERTY} names another. */
    private static long baseSeed()
    {
        return Long.getLong(SEED_PROPERTY, DEFAULT_SEED);
    }

    /** Runs a seeded test; a failure carries the seed and how to replay it. */
    private static void withSeed(final long seed, final Executable test) throws Throwable
    {
        System.out.println("DNS fuzz with seed " + seed);
        try
        {
            test.execute();
        }
        catch (final AssertionError | Exception failure)
        {
            final String replay = "seed " + seed + " (replay with -D" + SEED_PROPERTY + "=" + baseSeed() + ")";
            System.err.println("DNS fuzz failed with " + replay);
            throw new AssertionError(replay + ": " + failure.getMessage(), failure);
        }
    }

    /** Waits until the server has counted {@code messages} since {@code before}; fails naming the batch otherwise. */
    private static void awaitCounted(final Map<Kind, Long> before, final long messages, final List<Case> batch)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofMillis(CATCH_UP_MILLIS).toNanos();
        while (since(before, RECEIVED) < messages && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertEquals(messages, since(before, RECEIVED), "every message counted once, the last batch sent being " + batch);
    }

    /**
     * Every message sent is counted once, under the kind its bytes call for, and every answer
     * seen under its own kind, once the server has caught up with what it was sent.
     */
    private static void assertCountedOnce(final Map<Kind, Long> before, final long messages, final Map<Outcome, Long> sent,
        final Map<Integer, Long> answered) throws InterruptedException
    {
        // an internal answer is counted once sent, so the last may be seen before its count
        final long internal = answered.getOrDefault(NOERROR, 0L);
        final long deadline = System.nanoTime() + Duration.ofMillis(CATCH_UP_MILLIS).toNanos();
        while ((since(before, RECEIVED) < messages || since(before, Set.of(Kind.ANSWERED_INTERNAL)) < internal) &&
            System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertEquals(messages, since(before, RECEIVED), "queries + formerr + dropped_malformed + notimp = messages sent");
        assertEquals(sent.getOrDefault(Outcome.DROPPED, 0L), since(before, Set.of(Kind.DROPPED_MALFORMED)), "dropped_malformed");
        assertEquals(sent.getOrDefault(Outcome.NOT_IMPLEMENTED, 0L), since(before, Set.of(Kind.NOTIMP)), "notimp");
        assertEquals(answered.getOrDefault(NOTIMP, 0L), since(before, Set.of(Kind.NOTIMP)), "NOTIMP answers");
        assertEquals(answered.getOrDefault(FORMERR, 0L), since(before, Set.of(Kind.FORMERR)), "FORMERR answers");
        assertEquals(answered.getOrDefault(SERVFAIL, 0L), since(before, Set.of(Kind.SERVFAIL)), "SERVFAIL answers");
        assertEquals(answered.getOrDefault(NOERROR, 0L), since(before, Set.of(Kind.ANSWERED_INTERNAL)), "internal answers");
        assertEquals(answered.getOrDefault(NOERROR, 0L) + answered.getOrDefault(SERVFAIL, 0L), since(before, Set.of(Kind.QUERIES)),
            "queries are those answered NOERROR or SERVFAIL");
        assertEquals(0, since(before, Set.of(Kind.FORWARDED)), "nothing forwarded without upstreams");
        assertHandlersQuiet();
        System.out.println("DNS fuzz: " + messages + " messages " + sent + ", answers by RCODE " + answered);
    }

    private static Map<Kind, Long> counted()
    {
        final Map<Kind, Long> counted = new EnumMap<>(Kind.class);
        for (final Kind kind : Kind.values())
        {
            counted.put(kind, COUNTERS.get(kind));
        }
        return counted;
    }

    private static long since(final Map<Kind, Long> before, final Set<Kind> kinds)
    {
        long sum = 0;
        for (final Kind kind : kinds)
        {
            sum += COUNTERS.get(kind) - before.get(kind);
        }
        return sum;
    }

    private static void assertHandlersQuiet()
    {
        synchronized (HANDLER_ERRORS)
        {
            assertEquals(List.of(), HANDLER_ERRORS, "nothing escaped the server's handlers");
        }
    }

    /** A well-formed query, on the socket the fuzzing used: answered at once and rightly. */
    private static void assertStillAnswers(final DatagramSocket socket) throws IOException
    {
        SandboxSockets.send(socket, StubQuery.of(0xFEED, "web", StubQuery.A).bytes());
        assertWebAnswer(0xFEED, SandboxSockets.receive(socket));
    }

    private static void assertWebAnswer(final int id, final byte[] answer)
    {
        final ParsedReply reply = ParsedReply.parse(answer);
        assertEquals(id, reply.id());
        assertEquals(NOERROR, reply.rcode());
        assertEquals(List.of("10.0.0.2"), reply.addresses());
    }

    /** Reads what the server sends until it closes, or until it has been quiet a while (it may wait for more). */
    private static void drainUntilClosedOrQuiet(final Socket socket) throws IOException
    {
        socket.setSoTimeout(100);
        final InputStream in = socket.getInputStream();
        final byte[] buffer = new byte[4096];
        try
        {
            while (in.read(buffer) >= 0)
            {
                // answers to whatever frames the garbage happened to hold
            }
        }
        catch (final SocketTimeoutException | SocketException quietOrReset)
        {
            // either is fine: the server waits for the rest of a frame, or has closed
        }
    }

    private static void assertClosedByTheServer(final Socket socket) throws IOException
    {
        try
        {
            assertEquals(-1, socket.getInputStream().read(), "a connection over the limit is closed");
        }
        catch (final SocketException reset)
        {
            // closed with unread data or before the handshake settled: a reset is a close too
        }
    }

    private static byte[] withId(final byte[] message, final int id)
    {
        final byte[] copy = message.clone();
        if (copy.length >= 2)
        {
            copy[0] = (byte)(id >>> 8);
            copy[1] = (byte)id;
        }
        return copy;
    }
}
