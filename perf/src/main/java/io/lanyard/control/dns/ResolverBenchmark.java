package io.lanyard.control.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The embedded DNS's answer for a container name, on its own: {@link Resolver#handle} from a
 * query as the UDP listener hands it in (the datagram's content and the sandbox's scope) to the
 * answer given to the sink, on the benchmark thread instead of the event loop; no socket, so
 * the score is what one resolver thread can answer, not a rate a sandbox sees (that is
 * {@code lanyard-perf --scenario dns}). One operation is one query.
 *
 * <p>The name table holds {@code containers} containers on one network, each known by its name,
 * its short ID and both with {@code .NETWORK} (as the control plane binds them), eight of them
 * also by the alias {@value #ALIAS}; the asking sandbox's scope is that network, with no way out,
 * so a name the table did not know would get SERVFAIL and nothing is ever forwarded (the
 * resolver is given no forwarder at all). The queries are what glibc's stub resolver sends: RD
 * set, one question, no EDNS, in direct buffers as the epoll channel reads them. The sink
 * releases each answer, as the channel does once the datagram is written, so the pooled
 * allocator reuses the buffers; the rest of what the path allocates (the decoded question, name
 * strings, records, lists) shows in {@code -prof gc}. Setup checks every answer once.
 *
 * <p>The warm-up is longer than the pipeline benchmarks': the path runs through netty's codec
 * and the JDK's collections, much more code for C2 than a stage's loop, and after three
 * one-second iterations on a busy two-CPU machine it was still C1's (the PTR path then
 * allocated 30 kB per query instead of 5 kB, its iterators not yet scalar-replaced).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class ResolverBenchmark
{
    static final String ALIAS = "web";
    private static final String NETWORK_ID = "4e7d0c3f9a2b" + "0".repeat(52);
    private static final String NETWORK = "benchnet";
    private static final int SUBNET = 0x0A35_0000; // 10.53.0.0/16
    private static final int ALIAS_MEMBERS = 8;
    private static final int TYPE_A = 1;
    private static final int TYPE_PTR = 12;
    private static final int HEADER_LENGTH = 12;

    @Param({"1000"})
    int containers;

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private Resolver resolver;
    private DnsScope scope;
    private ByteBuf[] nameQueries;
    private ByteBuf aliasQuery;
    private ByteBuf[] reverseQueries;
    private int cursor;
    private int answerBytes;
    private final Resolver.Sink sink = answer ->
    {
        answerBytes += answer.readableBytes();
        answer.release();
    };

    @Setup(Level.Trial)
    public void setUp()
    {
        final NameTable names = new NameTable();
        final List<NameTable.Binding> bindings = new ArrayList<>();
        nameQueries = new ByteBuf[containers];
        reverseQueries = new ByteBuf[containers];
        for (int i = 0; i < containers; i++)
        {
            final String name = String.format("c%04d", i);
            final String shortId = String.format("%012x", 0x5eed_0000_0000L + i * 0x9e37_79b9L);
            final int address = SUBNET + 2 + i;
            final List<String> containerNames = i < ALIAS_MEMBERS ? List.of(name, shortId, ALIAS) : List.of(name, shortId);
            bindings.add(new NameTable.Binding(NETWORK_ID, NETWORK, String.format("%064x", i), address, containerNames));
            nameQueries[i] = query(name, TYPE_A);
            reverseQueries[i] = query((address & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." +
                (address >>> 24) + ".in-addr.arpa", TYPE_PTR);
        }
        names.replaceAll(bindings);
        aliasQuery = query(ALIAS, TYPE_A);
        scope = new DnsScope(Set.of(NETWORK_ID), Map.of(), List.of(), false);
        resolver = new Resolver(names, null, new DnsCounters());
        check();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        for (int i = 0; i < containers; i++)
        {
            nameQueries[i].release();
            reverseQueries[i].release();
        }
        aliasQuery.release();
    }

    /** A container's name: one A record. */
    @Benchmark
    public int name()
    {
        resolver.handle(alloc, nameQueries[next()], scope, true, sink);
        return answerBytes;
    }

    /** The alias eight containers share: eight A records, shuffled. */
    @Benchmark
    public int alias()
    {
        resolver.handle(alloc, aliasQuery, scope, true, sink);
        return answerBytes;
    }

    /** A PTR query for a container's address: {@code NAME.NETWORK.} */
    @Benchmark
    public int reverse()
    {
        resolver.handle(alloc, reverseQueries[next()], scope, true, sink);
        return answerBytes;
    }

    private int next()
    {
        final int index = cursor;
        cursor = index + 1 == containers ? 0 : index + 1;
        return index;
    }

    /** Every query once, each answer checked: NOERROR, authoritative, the records expected, the right address. */
    private void check()
    {
        final List<ByteBuf> answers = new ArrayList<>();
        final Resolver.Sink keep = answers::add;
        for (int i = 0; i < containers; i++)
        {
            resolver.handle(alloc, nameQueries[i], scope, true, keep);
            resolver.handle(alloc, reverseQueries[i], scope, true, keep);
        }
        resolver.handle(alloc, aliasQuery, scope, true, keep);
        if (answers.size() != 2 * containers + 1)
        {
            throw new IllegalStateException("expected " + (2 * containers + 1) + " answers, got " + answers.size());
        }
        for (int i = 0; i < answers.size(); i++)
        {
            final ByteBuf answer = answers.get(i);
            final boolean alias = i == answers.size() - 1;
            final int flags = answer.getUnsignedShort(2);
            final int records = answer.getUnsignedShort(6);
            if ((flags & 0x8000) == 0 || (flags & 0x0400) == 0 || (flags & 0xF) != 0 || records != (alias ? ALIAS_MEMBERS : 1))
            {
                throw new IllegalStateException("answer " + i + ": flags " + Integer.toHexString(flags) + ", " + records + " records");
            }
            if (!alias && i % 2 == 0 && answer.getInt(answer.writerIndex() - 4) != SUBNET + 2 + i / 2)
            {
                throw new IllegalStateException("answer " + i + " has the wrong address");
            }
            answer.release();
        }
    }

    /** A query as glibc's stub resolver sends it: ID, RD, one question of class IN, no EDNS. */
    private static ByteBuf query(final String name, final int type)
    {
        final ByteBuf query = Unpooled.directBuffer(HEADER_LENGTH + name.length() + 2 + 4);
        query.writeShort(0x1234).writeShort(0x0100).writeShort(1).writeShort(0).writeShort(0).writeShort(0);
        for (final String label : name.split("\\."))
        {
            final byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            query.writeByte(bytes.length).writeBytes(bytes);
        }
        return query.writeByte(0).writeShort(type).writeShort(1);
    }
}
