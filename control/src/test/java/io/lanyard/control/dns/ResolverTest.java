package io.lanyard.control.dns;

import io.lanyard.control.dns.DnsCounters.Kind;
import io.lanyard.tap.NamespaceThread;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.lanyard.control.dns.ParsedReply.FORMERR;
import static io.lanyard.control.dns.ParsedReply.NOERROR;
import static io.lanyard.control.dns.ParsedReply.NXDOMAIN;
import static io.lanyard.control.dns.ParsedReply.SERVFAIL;
import static io.lanyard.control.dns.StubQuery.A;
import static io.lanyard.control.dns.StubQuery.AAAA;
import static io.lanyard.control.dns.StubQuery.PTR;
import static io.lanyard.control.dns.StubQuery.TXT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a sandbox's resolver answers, asked over real sockets in a namespace of the test's own
 * as a container would ask {@code 127.0.0.11}: names of its networks (and its link aliases)
 * answered here, with Docker's TTL and AA; everything else forwarded to scripted upstreams on the
 * test's loopback (the forwarder's socket lives in the daemon's namespace, the test JVM's) or,
 * without a way out, SERVFAIL; the 512-byte limit of UDP; and the listener's life cycle.
 */
class ResolverTest
{
    private static final int PORT = 53;
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofMillis(500);
    private static final String FRONT = "n-front";
    private static final String BACK = "n-back";
    private static final int CROWD = 40;
    private static final int POOL = 5;

    private static LeakWatch leakWatch;
    private static Namespaces namespaces;
    private static NamespaceThread namespaceThread;
    private static int sandboxes;

    private final NameTable names = new NameTable();
    private final DnsCounters counters = new DnsCounters();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private EmbeddedDns dns;

    @BeforeAll
    static void watchForLeaks()
    {
        Privileges.requireNetAdmin("ip");
        leakWatch = LeakWatch.start();
        namespaces = new Namespaces("dnsrs");
        namespaceThread = new NamespaceThread();
    }

    @AfterAll
    static void shouldHaveLeakedNothing() throws InterruptedException
    {
        if (namespaceThread != null)
        {
            namespaceThread.close();
        }
        if (namespaces != null)
        {
            namespaces.close();
        }
        if (leakWatch != null)
        {
            assertEquals(List.of(), leakWatch.stop(), "buffers leaked");
        }
    }

    /**
     * Network "front": web (10.0.0.2, alias www, short ID), five containers sharing the alias
     * "pool" and forty sharing "crowd"; network "back": db (10.0.2.2).
     */
    @BeforeEach
    void startTheServer()
    {
        names.add(FRONT, "front", "ep-web", address(10, 0, 0, 2), List.of("web", "www", "0123456789ab"));
        for (int i = 0; i < POOL; i++)
        {
            names.add(FRONT, "front", "ep-pool" + i, address(10, 0, 0, 10 + i), List.of("pool" + i, "pool"));
        }
        for (int i = 0; i < CROWD; i++)
        {
            names.add(FRONT, "front", "ep-crowd" + i, address(10, 0, 1, 1 + i), List.of("crowd" + i, "crowd"));
        }
        names.add(BACK, "back", "ep-db", address(10, 0, 2, 2), List.of("db", "89abcdef0123"));
        dns = new EmbeddedDns(names, counters, UPSTREAM_TIMEOUT, PORT);
    }

    @AfterEach
    void stopTheServer() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
        if (dns != null)
        {
            dns.close();
        }
    }

    @Test
    void shouldAnswerANameAnAliasTheShortIdAndNameDotNetworkAuthoritativelyForTenMinutes() throws IOException, InterruptedException
    {
        final SandboxSockets sandbox = sandbox(frontOnly());
        for (final String name : List.of("web", "www", "0123456789ab", "web.front", "www.front", "WEB.Front."))
        {
            final ParsedReply reply = ParsedReply.parse(sandbox.askUdp(StubQuery.of(0x1001, name, A).bytes()));
            assertEquals(0x1001, reply.id(), name);
            assertEquals(NOERROR, reply.rcode(), name);
            assertTrue(reply.authoritative(), name);
            assertEquals(List.of("10.0.0.2"), reply.addresses(), name);
            assertEquals(Resolver.TTL_SECONDS, reply.answers().get(0).ttl(), name);
            assertEquals(600, Resolver.TTL_SECONDS);
        }
        final ParsedReply overTcp = ParsedReply.parse(sandbox.askTcp(StubQuery.of(0x1002, "web", A).bytes()));
        assertEquals(List.of("10.0.0.2"), overTcp.addresses());
        assertTrue(overTcp.authoritative());
        assertCounted(Map.of(Kind.QUERIES, 7L, Kind.ANSWERED_INTERNAL, 7L));
    }

    @Test
    void shouldNotAnswerNamesOfNetworksTheSandboxIsNotOnAndWithoutAWayOutFailThem() throws IOException, InterruptedException
    {
        final SandboxSockets sandbox = sandbox(frontOnly());
        for (final String name : List.of("db", "db.back", "89abcdef0123", "2.2.0.10.in-addr.arpa"))
        {
            final ParsedReply reply = ParsedReply.parse(sandbox.askUdp(StubQuery.of(0x2001, name, name.endsWith("arpa") ? PTR : A).bytes()));
            assertEquals(SERVFAIL, reply.rcode(), name);
            assertFalse(reply.authoritative(), name);
            assertEquals(List.of(), reply.answers(), name);
        }
        assertCounted(Map.of(Kind.QUERIES, 4L, Kind.SERVFAIL, 4L));
    }

    @Test
    void shouldGiveEveryAddressOfASharedAliasInChangingOrder() throws IOException, InterruptedException
    {
        final SandboxSockets sandbox = sandbox(frontOnly());
        final DatagramSocket socket = sandbox.udp();
        final Set<List<String>> orders = new HashSet<>();
        for (int i = 0; i < 30; i++)
        {
            SandboxSockets.send(socket, StubQuery.of(i, "pool", A).bytes());
            final List<String> addresses = ParsedReply.parse(SandboxSockets.receive(socket)).addresses();
            assertEquals(Set.of("10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.14"), Set.copyOf(addresses));
            assertEquals(POOL, addresses.size());
            orders.add(addresses);
        }
        // 30 answers in one order out of 120 would happen once in 10^60 runs
        assertTrue(orders.size() > 1, "the order changes: " + orders);
    }

    @Test
    void shouldAnswerPtrForAContainersAddressWithNameDotNetwork() throws IOException, InterruptedException
    {
        final SandboxSockets sandbox = sandbox(frontOnly());
        for (final String name : List.of("2.0.0.10.in-addr.arpa", "2.0.0.10.IN-ADDR.ARPA."))
        {
            final ParsedReply reply = ParsedReply.parse(sandbox.askUdp(StubQuery.of(0x3001, name, PTR).bytes()));
            assertEquals(NOERROR, reply.rcode(), name);
            assertTrue(reply.authoritative(), name);
            assertEquals(1, reply.answers().size(), name);
            assertEquals(PTR, reply.answers().get(0).type());
            assertEquals("web.front.", reply.answers().get(0).value());
            assertEquals(Resolver.TTL_SECONDS, reply.answers().get(0).ttl());
        }
    }

    @Test
    void shouldAnswerAaaaAndOtherTypesOfAContainerNameWithNoRecords() throws IOException, InterruptedException
    {
        final SandboxSockets sandbox = sandbox(frontOnly());
        for (final int type : new int[] {AAAA, TXT, 15})
        {
            final ParsedReply reply = ParsedReply.parse(sandbox.askUdp(StubQuery.of(0x4001, "web", type).bytes()));
            assertEquals(NOERROR, reply.rcode(), "type " + type);
            assertTrue(reply.authoritative(), "type " + type);
            assertEquals(List.of(), reply.answers(), "type " + type);
            assertEquals(1, reply.questions().size());
        }
        assertCounted(Map.of(Kind.QUERIES, 3L, Kind.ANSWERED_INTERNAL, 3L));
    }

    @Test
    void shouldResolveALinkAliasToItsTargetForTheLinkingSandboxOnly() throws IOException, InterruptedException
    {
        final SandboxSockets linking = sandbox(new DnsScope(Set.of(FRONT), Map.of("Legacy", "web", "dblink", "db"), List.of(), false));
        final SandboxSockets other = sandbox(frontOnly());
        for (final String alias : List.of("legacy", "LEGACY.", "legacy"))
        {
            final ParsedReply reply = ParsedReply.parse(linking.askUdp(StubQuery.of(0x5001, alias, A).bytes()));
            assertEquals(NOERROR, reply.rcode(), alias);
            assertEquals(List.of("10.0.0.2"), reply.addresses(), alias);
            assertEquals(alias.endsWith(".") ? alias : alias + ".", reply.answers().get(0).name(), "the answer is for the name asked");
        }
        assertEquals(SERVFAIL, ParsedReply.parse(linking.askUdp(StubQuery.of(0x5002, "dblink", A).bytes())).rcode(),
            "a link to a container on none of the sandbox's networks does not resolve");
        assertEquals(SERVFAIL, ParsedReply.parse(other.askUdp(StubQuery.of(0x5003, "legacy", A).bytes())).rcode(),
            "another sandbox does not see the link");
    }

    @Test
    void shouldTruncateAUdpAnswerTooBigForTheClientAndAnswerItWholeOverTcp() throws IOException, InterruptedException
    {
        final SandboxSockets sandbox = sandbox(frontOnly());
        for (final StubQuery small : List.of(StubQuery.of(0x6001, "crowd", A), StubQuery.of(0x6002, "crowd", A).edns(512)))
        {
            final byte[] bytes = sandbox.askUdp(small.bytes());
            final ParsedReply truncated = ParsedReply.parse(bytes);
            assertTrue(bytes.length <= 512, "fits 512 bytes: " + bytes.length);
            assertTrue(truncated.truncated(), "TC set");
            assertEquals(NOERROR, truncated.rcode());
            assertEquals(List.of(), truncated.answers());
            assertEquals(List.of("crowd."), truncated.questions());
        }
        final ParsedReply large = ParsedReply.parse(sandbox.askUdp(StubQuery.of(0x6003, "crowd", A).edns(4096).bytes()));
        assertFalse(large.truncated(), "fits what EDNS offers");
        assertEquals(CROWD, large.addresses().size());
        final ParsedReply overTcp = ParsedReply.parse(sandbox.askTcp(StubQuery.of(0x6004, "crowd", A).bytes()));
        assertFalse(overTcp.truncated());
        assertEquals(CROWD, Set.copyOf(overTcp.addresses()).size());
    }

    @Test
    void shouldRelayAnUpstreamsNxdomainAsItIs() throws IOException, InterruptedException
    {
        final FakeUpstream upstream = closeLater(FakeUpstream.udp((query, asker) -> List.of(
            WireMessages.answerTo(query).code(WireMessages.NXDOMAIN).authority(WireMessages.soaRecord("example.com")).bytes())));
        final SandboxSockets sandbox = sandbox(withUpstreams(upstream.address()));

        final ParsedReply reply = ParsedReply.parse(sandbox.askUdp(StubQuery.of(0x7001, "nothing.example.com", A).bytes()));

        assertEquals(0x7001, reply.id(), "the client's ID is put back");
        assertEquals(NXDOMAIN, reply.rcode());
        assertEquals(1, reply.authorities(), "the SOA comes along");
        assertFalse(reply.authoritative());
        assertEquals(1, upstream.udpQueries().size());
        assertCounted(Map.of(Kind.QUERIES, 1L, Kind.FORWARDED, 1L, Kind.RELAYED, 1L));
    }

    @Test
    void shouldAnswerServfailAndCountItWhenEveryUpstreamFails() throws IOException, InterruptedException
    {
        final FakeUpstream first = closeLater(FakeUpstream.udp(answering(WireMessages.SERVFAIL)));
        final FakeUpstream second = closeLater(FakeUpstream.udp(answering(WireMessages.REFUSED)));
        final SandboxSockets sandbox = sandbox(withUpstreams(first.address(), second.address()));

        final ParsedReply reply = ParsedReply.parse(sandbox.askUdp(StubQuery.of(0x7101, "www.example.com", A).bytes()));

        assertEquals(0x7101, reply.id());
        assertEquals(SERVFAIL, reply.rcode());
        assertEquals(List.of("www.example.com."), reply.questions());
        assertCounted(Map.of(Kind.QUERIES, 1L, Kind.FORWARDED, 1L, Kind.UPSTREAM_FAILURES, 2L, Kind.SERVFAIL, 1L));
    }

    @Test
    void shouldAnswerContainerNamesItselfAndForwardNothingWithoutAWayOut() throws IOException, InterruptedException
    {
        final FakeUpstream upstream = closeLater(FakeUpstream.udp(answering(WireMessages.NOERROR)));
        final SandboxSockets withWayOut = sandbox(withUpstreams(upstream.address()));
        final SandboxSockets internalOnly = sandbox(new DnsScope(Set.of(FRONT), Map.of(), List.of(upstream.address()), false));

        assertEquals(List.of("10.0.0.2"), ParsedReply.parse(withWayOut.askUdp(StubQuery.of(0x7201, "web", A).bytes())).addresses());
        assertEquals(NOERROR, ParsedReply.parse(withWayOut.askUdp(StubQuery.of(0x7202, "web", AAAA).bytes())).rcode());
        assertEquals(SERVFAIL, ParsedReply.parse(internalOnly.askUdp(StubQuery.of(0x7203, "www.example.com", A).bytes())).rcode());

        assertEquals(List.of(), upstream.udpQueries(), "neither a container's name nor a query without a way out goes upstream");
        assertCounted(Map.of(Kind.QUERIES, 3L, Kind.ANSWERED_INTERNAL, 2L, Kind.SERVFAIL, 1L));
    }

    /** The forwarder relays what the upstream gave over TCP, whatever its size; the client's UDP limit still holds. */
    @Test
    void shouldFitARelayedAnswerToTheClientsUdpLimit() throws IOException, InterruptedException
    {
        final FakeUpstream upstream = closeLater(FakeUpstream.udpAndTcp(
            (query, asker) -> List.of(WireMessages.answerTo(query).truncated().bytes()),
            (query, asker) -> List.of(crowdedAnswer(query))));
        final SandboxSockets sandbox = sandbox(withUpstreams(upstream.address()));

        final byte[] overUdp = sandbox.askUdp(StubQuery.of(0x7301, "big.example.com", A).bytes());
        final ParsedReply truncated = ParsedReply.parse(overUdp);
        assertTrue(overUdp.length <= 512, "an answer to a client without EDNS fits 512 bytes: " + overUdp.length);
        assertTrue(truncated.truncated(), "TC set, for the client to ask again over TCP");
        assertEquals(0x7301, truncated.id());

        final ParsedReply whole = ParsedReply.parse(sandbox.askTcp(StubQuery.of(0x7302, "big.example.com", A).bytes()));
        assertEquals(0x7302, whole.id());
        assertFalse(whole.truncated());
        assertEquals(CROWD, whole.addresses().size());
    }

    @Test
    void shouldTakeANewScopeWhenServedAgainWithoutReopening() throws IOException, InterruptedException
    {
        final String id = "sb" + ++sandboxes;
        final Path netns = Path.of("/run/netns", namespaces.add(id));
        dns.serve(id, netns, frontOnly());
        final SandboxSockets sandbox = closeLater(new SandboxSockets(namespaceThread, netns, PORT));
        final DatagramSocket socket = sandbox.udp();
        final Socket connection = sandbox.tcp();
        SandboxSockets.send(socket, StubQuery.of(0x8001, "db", A).bytes());
        assertEquals(SERVFAIL, ParsedReply.parse(SandboxSockets.receive(socket)).rcode());

        dns.serve(id, netns, new DnsScope(Set.of(FRONT, BACK), Map.of(), List.of(), false));

        assertTrue(dns.serves(id));
        SandboxSockets.send(socket, StubQuery.of(0x8002, "db", A).bytes());
        assertEquals(List.of("10.0.2.2"), ParsedReply.parse(SandboxSockets.receive(socket)).addresses());
        SandboxSockets.writeFrame(connection, StubQuery.of(0x8003, "db.back", A).bytes());
        assertEquals(List.of("10.0.2.2"), ParsedReply.parse(SandboxSockets.readFrame(connection)).addresses(),
            "a connection opened before the change answers in the new scope too");
    }

    @Test
    void shouldStopResolvingAContainerAsSoonAsItLeavesTheNetwork() throws IOException, InterruptedException
    {
        final SandboxSockets sandbox = sandbox(frontOnly());
        final DatagramSocket socket = sandbox.udp();
        SandboxSockets.send(socket, StubQuery.of(0x8101, "web", A).bytes());
        assertEquals(NOERROR, ParsedReply.parse(SandboxSockets.receive(socket)).rcode());

        names.remove(FRONT, "ep-web");

        SandboxSockets.send(socket, StubQuery.of(0x8102, "web", A).bytes());
        assertEquals(SERVFAIL, ParsedReply.parse(SandboxSockets.receive(socket)).rcode());
    }

    @Test
    void shouldFreeThePortWhenStoppedAndServeTheSameSandboxAgain() throws Exception
    {
        final String id = "sb" + ++sandboxes;
        final Path netns = Path.of("/run/netns", namespaces.add(id));
        final SandboxSockets sandbox = closeLater(new SandboxSockets(namespaceThread, netns, PORT));
        assertFalse(dns.serves(id));
        dns.serve(id, netns, frontOnly());
        assertTrue(dns.serves(id));
        assertEquals(NOERROR, ParsedReply.parse(sandbox.askTcp(StubQuery.of(0x9001, "web", A).bytes())).rcode());

        dns.stop(id);

        assertFalse(dns.serves(id));
        final InetSocketAddress resolver = new InetSocketAddress(EmbeddedDns.ADDRESS, PORT);
        final IOException refused = namespaceThread.call(netns, () ->
        {
            try (Socket connection = new Socket())
            {
                connection.connect(resolver, SandboxSockets.TIMEOUT_MILLIS);
                return null;
            }
            catch (final ConnectException expected)
            {
                return expected;
            }
        });
        assertNotNull(refused, "nothing listens on TCP any more");
        namespaceThread.call(netns, () ->
        {
            // the port is free: the test can take it itself, on both transports
            new DatagramSocket(resolver).close();
            new ServerSocket(PORT, 1, resolver.getAddress()).close();
            return null;
        });
        dns.serve(id, netns, frontOnly());
        assertTrue(dns.serves(id));
        assertEquals(List.of("10.0.0.2"), ParsedReply.parse(sandbox.askUdp(StubQuery.of(0x9002, "web", A).bytes())).addresses());
        assertEquals(List.of("10.0.0.2"), ParsedReply.parse(sandbox.askTcp(StubQuery.of(0x9003, "web", A).bytes())).addresses());
    }

    /**
     * Netty reads names its encoder will not write (a NUL byte in a label, a dot that leaves an
     * empty label, more than 255 bytes): such a question cannot be repeated in an answer, so it is
     * FORMERR, over TCP without losing the connection.
     */
    @Test
    void shouldAnswerFormerrToANameTheAnswerCouldNotRepeat() throws IOException, InterruptedException
    {
        final SandboxSockets sandbox = sandbox(frontOnly());
        final List<byte[]> unwritable = List.of(
            queryNamed(new byte[] {3, 'w', 0, 'b', 0}),
            queryNamed(new byte[] {2, 'w', '.', 1, 'b', 0}),
            queryNamed(longName(300)));
        final Socket connection = sandbox.tcp();
        for (final byte[] query : unwritable)
        {
            final ParsedReply overUdp = ParsedReply.parse(sandbox.askUdp(query));
            assertEquals(FORMERR, overUdp.rcode());
            assertEquals(0x0A0A, overUdp.id());
            SandboxSockets.writeFrame(connection, query);
            assertEquals(FORMERR, ParsedReply.parse(SandboxSockets.readFrame(connection)).rcode());
        }
        SandboxSockets.writeFrame(connection, StubQuery.of(0x0B0B, "web", A).bytes());
        assertEquals(List.of("10.0.0.2"), ParsedReply.parse(SandboxSockets.readFrame(connection)).addresses());
        assertCounted(Map.of(Kind.FORMERR, 6L, Kind.QUERIES, 1L, Kind.ANSWERED_INTERNAL, 1L));
    }

    /**
     * RFC 1035 4.1.4: a compression pointer is an offset from the start of the message. A record
     * whose owner points back at the question (as a TSIG record, class ANY, may) is well formed.
     */
    @Test
    void shouldFollowCompressionPointersFromTheStartOfTheMessage() throws IOException, InterruptedException
    {
        final SandboxSockets sandbox = sandbox(frontOnly());
        final byte[] question = StubQuery.of(0x0C0C, "web", A).bytes();
        final ByteBuffer query = ByteBuffer.allocate(question.length + 12).put(question);
        query.putShort((short)0xC00C).putShort((short)250).putShort((short)255).putInt(0).putShort((short)0);
        final byte[] bytes = query.array();
        bytes[11] = 1;

        final ParsedReply reply = ParsedReply.parse(sandbox.askUdp(bytes));

        assertEquals(NOERROR, reply.rcode());
        assertEquals(List.of("10.0.0.2"), reply.addresses());
    }

    private SandboxSockets sandbox(final DnsScope scope)
    {
        final String id = "sb" + ++sandboxes;
        final Path netns = Path.of("/run/netns", namespaces.add(id));
        dns.serve(id, netns, scope);
        return closeLater(new SandboxSockets(namespaceThread, netns, PORT));
    }

    private static DnsScope frontOnly()
    {
        return new DnsScope(Set.of(FRONT), Map.of(), List.of(), false);
    }

    private static DnsScope withUpstreams(final InetSocketAddress... upstreams)
    {
        return new DnsScope(Set.of(FRONT), Map.of(), List.of(upstreams), true);
    }

    private static FakeUpstream.Script answering(final int code)
    {
        return (query, asker) -> List.of(WireMessages.answerTo(query).code(code).bytes());
    }

    /** Forty A records: more than 512 bytes. */
    private static byte[] crowdedAnswer(final byte[] query)
    {
        final WireMessages.Answer answer = WireMessages.answerTo(query);
        for (int i = 0; i < CROWD; i++)
        {
            answer.answer(WireMessages.aRecord(300, 198, 51, 100, 1 + i));
        }
        return answer.bytes();
    }

    /** A query with ID 0x0A0A for A of a name given in wire form. */
    private static byte[] queryNamed(final byte[] name)
    {
        return ByteBuffer.allocate(StubQuery.HEADER_LENGTH + name.length + 4)
            .putShort((short)0x0A0A).putShort((short)StubQuery.FLAG_RD).putShort((short)1).putShort((short)0).putShort((short)0)
            .putShort((short)0).put(name).putShort((short)A).putShort((short)StubQuery.IN).array();
    }

    /** A name of 63-byte labels, {@code length} bytes long on the wire. */
    private static byte[] longName(final int length)
    {
        final ByteBuffer name = ByteBuffer.allocate(length);
        while (name.remaining() > 1)
        {
            final int label = Math.min(63, name.remaining() - 2);
            name.put((byte)label);
            for (int i = 0; i < label; i++)
            {
                name.put((byte)'x');
            }
        }
        name.put((byte)0);
        return name.array();
    }

    /** The counters that are not zero are {@code expected}, once the server is done (an internal answer is counted once sent). */
    private void assertCounted(final Map<Kind, Long> expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!expected.equals(nonZeroCounters()) && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertEquals(new EnumMap<>(expected), nonZeroCounters());
    }

    private Map<Kind, Long> nonZeroCounters()
    {
        final Map<Kind, Long> counted = new EnumMap<>(Kind.class);
        for (final Kind kind : Kind.values())
        {
            if (counters.get(kind) != 0)
            {
                counted.put(kind, counters.get(kind));
            }
        }
        return counted;
    }

    private <T extends AutoCloseable> T closeLater(final T closeable)
    {
        toClose.add(closeable);
        return closeable;
    }

    private static int address(final int a, final int b, final int c, final int d)
    {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }
}
