package io.lanyard.forwarding.l3;

import io.lanyard.dataplane.DataplaneConfig;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.nat.ConntrackTimeouts;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.Ipv4Header;
import io.lanyard.forwarding.wire.TcpHeader;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The NAT path of the router alone, on one core: one operation is one frame (or one lookup).
 *
 * <p>The router, its connection table and the learning switch it asks where containers are
 * (through the {@link GatewaySwitch} that composes the two) are built as {@code Dataplane}
 * builds them (production MAC table, port and domain limits; a connection table of the daemon's
 * default size, or {@code flows} if larger, as {@code --nat-table-size} would make it), with
 * the default bridge configured as the daemon configures it (172.17.0.0/16, gateway 172.17.0.1,
 * masquerade) and an uplink 198.51.100.2/24 whose gateway 198.51.100.1 is resolved.
 * {@code flows} TCP connections from 64 containers on 4 ports to servers in 203.0.113.0/24 are
 * opened in setup through the router itself (SYN, SYN+ACK, ACK), so every one is ESTABLISHED and
 * masqueraded, some to another port than their own when two containers use the same source port
 * towards the same server.
 *
 * <ul>
 *   <li>{@code masquerade}: a data segment of an established flow from its container — lookup,
 *       state update, source rewritten to the uplink address with incremental checksums, TTL and
 *       header checksum, next hop's MAC from the neighbour cache: verdict the uplink port.</li>
 *   <li>{@code reply}: the server's segment back to the uplink address — lookup by the reply
 *       tuple, destination rewritten to the container, its port from the MAC table: verdict the
 *       container's port.</li>
 *   <li>{@code restoreOnly}: the cost included in both of putting a frame's headers back
 *       ({@value #HEADERS_LENGTH} bytes, one {@code copyMemory} from a template), so that each
 *       invocation routes a frame as it arrived and the connection stays valid; subtract it.</li>
 *   <li>{@code lookup}: {@link ConnectionTable#lookup} alone, with {@code flows} live connections,
 *       alternating original and reply tuples in a shuffled order (every lookup hits).</li>
 *   <li>{@code expireSweep}: one {@link ConnectionTable#expire} over the same table with nothing
 *       expired, in microseconds per sweep: the once-a-second housekeeping pause of the
 *       forwarding thread.</li>
 * </ul>
 *
 * <p>Frames sit in 128-byte slots of one direct buffer, the 10-byte virtio header before each
 * frame (the router reads it at {@code offset - 10}), built by the test kit's
 * {@link FrameBuilder}: Ethernet, IPv4 (20 bytes, DF, TTL 64), TCP (20 bytes) and
 * {@value #PAYLOAD_LENGTH} bytes of payload. {@code checksum} chooses between partial checksums
 * ({@code NEEDS_CSUM}, what TAPs with offloads and veths hand over) and full ones.
 * The clock is read once per iteration, as the forwarding stage reads it once per batch. Every
 * verdict is compared with the expected port, and an iteration with a wrong one fails.
 * Run with {@code -prof gc}: every benchmark should show about 0 B/op.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class RouterBenchmark
{
    static final int DOMAIN = 0;
    static final int CONTAINER_PORTS = 4;
    static final int UPLINK_PORT = CONTAINER_PORTS;
    static final int CONTAINERS = 64;
    static final int SERVERS = 250;
    static final int SERVER_PORT = 443;
    static final int FIRST_SOURCE_PORT = 10_000;

    static final int SUBNET = Ipv4Address.parse("172.17.0.0");
    static final int GATEWAY = Ipv4Address.parse("172.17.0.1");
    static final long GATEWAY_MAC = MacAddress.fromIpv4(GATEWAY);
    static final int FIRST_CONTAINER = Ipv4Address.parse("172.17.0.2");
    static final int UPLINK = Ipv4Address.parse("198.51.100.2");
    static final long UPLINK_MAC = MacAddress.parse("52:54:00:12:34:56");
    static final int UPLINK_GATEWAY = Ipv4Address.parse("198.51.100.1");
    static final long UPLINK_GATEWAY_MAC = MacAddress.parse("52:54:00:00:00:01");
    static final int FIRST_SERVER = Ipv4Address.parse("203.0.113.1");

    static final int SLOT_SIZE = 128;
    static final int FRAME_OFFSET = VirtioNetHeader.LENGTH;
    static final int PAYLOAD_LENGTH = 32;
    static final int FRAME_LENGTH = EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + TcpHeader.MIN_LENGTH + PAYLOAD_LENGTH;
    /** Everything routing may rewrite: virtio header, Ethernet, IPv4 and TCP headers (not the payload). */
    static final int HEADERS_LENGTH = FRAME_OFFSET + EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + TcpHeader.MIN_LENGTH;
    static final int TCP_OFFSET = FRAME_OFFSET + EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH;
    /** The acknowledgement number of segments with ACK; the sequence number is the builder's. */
    private static final long ACKNOWLEDGEMENT = 0x5566_7788L;

    /** {@code flows} established, masqueraded connections, with one outbound and one reply frame each. */
    @State(Scope.Thread)
    public static class Flows
    {
        @Param({"1", "10000", "100000"})
        int flows;

        /** {@code partial}: NEEDS_CSUM frames (TAP/veth offloads); {@code full}: complete checksums. */
        @Param({"partial", "full"})
        String checksum;

        MacTable macTable;
        ConnectionTable connections;
        Router router;
        LearningSwitch learningSwitch;
        GatewaySwitch gatewaySwitch;
        final Verdict verdict = new Verdict();

        UnsafeBuffer outbound;
        UnsafeBuffer outboundTemplate;
        UnsafeBuffer replies;
        UnsafeBuffer replyTemplate;
        int[] containerPort;
        int cursor;
        long now;
        long wrongVerdicts;

        @Setup(Level.Trial)
        public void setUp()
        {
            final boolean partial = checksumIsPartial(checksum);
            now = System.nanoTime();
            macTable = new MacTable(MacTable.DEFAULT_CAPACITY, MacTable.DEFAULT_AGING_NANOS, now);
            connections = new ConnectionTable(Math.max(DataplaneConfig.DEFAULT_NAT_CAPACITY, flows), ConntrackTimeouts.defaults());
            router = new Router(DataplaneConfig.DEFAULT_MAX_DOMAINS, connections);
            learningSwitch = new LearningSwitch(DataplaneConfig.DEFAULT_MAX_PORTS, DataplaneConfig.DEFAULT_MAX_DOMAINS, macTable);
            gatewaySwitch = new GatewaySwitch(learningSwitch, router);
            gatewaySwitch.configureDomain(DOMAIN, GATEWAY, GATEWAY_MAC, true);
            router.configureDomain(DOMAIN, SUBNET, 16, GATEWAY, GATEWAY_MAC, true, true);
            for (int port = 0; port < CONTAINER_PORTS; port++)
            {
                learningSwitch.attach(port, DOMAIN);
            }
            router.configureUplink(UPLINK_PORT, UPLINK_MAC, UPLINK, 24, UPLINK_GATEWAY);
            router.neighbour(UPLINK_GATEWAY, UPLINK_GATEWAY_MAC);
            learnContainers();

            outbound = arena(flows);
            outboundTemplate = arena(flows);
            replies = arena(flows);
            replyTemplate = arena(flows);
            containerPort = new int[flows];
            final UnsafeBuffer scratch = arena(1);
            for (int flow = 0; flow < flows; flow++)
            {
                final int container = flow % CONTAINERS;
                final int address = FIRST_CONTAINER + container;
                final long mac = MacAddress.fromIpv4(address);
                final int port = container % CONTAINER_PORTS;
                final int sourcePort = FIRST_SOURCE_PORT + flow / CONTAINERS;
                final int server = FIRST_SERVER + flow % SERVERS;
                containerPort[flow] = port;

                tcp(scratch, 0, mac, GATEWAY_MAC, address, sourcePort, server, SERVER_PORT, TcpHeader.FLAG_SYN, partial);
                expect(UPLINK_PORT, fromContainer(port, scratch, 0), "SYN", flow);
                final int natPort = sourcePort(scratch, 0);
                tcp(scratch, 0, UPLINK_GATEWAY_MAC, UPLINK_MAC, server, SERVER_PORT, UPLINK, natPort,
                    TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK, partial);
                expect(port, fromUplink(scratch, 0), "SYN+ACK", flow);
                tcp(scratch, 0, mac, GATEWAY_MAC, address, sourcePort, server, SERVER_PORT, TcpHeader.FLAG_ACK, partial);
                expect(UPLINK_PORT, fromContainer(port, scratch, 0), "ACK", flow);

                final int slot = flow * SLOT_SIZE;
                tcp(outboundTemplate, slot, mac, GATEWAY_MAC, address, sourcePort, server, SERVER_PORT,
                    TcpHeader.FLAG_ACK | TcpHeader.FLAG_PSH, partial);
                tcp(replyTemplate, slot, UPLINK_GATEWAY_MAC, UPLINK_MAC, server, SERVER_PORT, UPLINK, natPort,
                    TcpHeader.FLAG_ACK, partial);
                outbound.putBytes(slot, outboundTemplate, slot, SLOT_SIZE);
                replies.putBytes(slot, replyTemplate, slot, SLOT_SIZE);
            }
            if (connections.size() != flows)
            {
                throw new IllegalStateException(connections.size() + " connections tracked, expected " + flows);
            }
            checkEveryFlow();
        }

        /** One pass over every flow in both directions, checking what routing wrote, not just the verdict. */
        private void checkEveryFlow()
        {
            final long nowMillis = now / 1_000_000L;
            for (int flow = 0; flow < flows; flow++)
            {
                final int slot = flow * SLOT_SIZE;
                final int container = ipSource(outboundTemplate, slot);
                final int id = connections.lookup(Ipv4Header.PROTOCOL_TCP, container, sourcePort(outboundTemplate, slot),
                    ipDestination(outboundTemplate, slot), SERVER_PORT, nowMillis);
                if (id < 0 || connections.state(id) != ConnectionTable.ESTABLISHED)
                {
                    throw new IllegalStateException("flow " + flow + " is not an established connection");
                }
                expect(UPLINK_PORT, masquerade(flow), "masquerade", flow);
                if (ipSource(outbound, slot) != UPLINK || !checksumIsConsistent(outbound, slot))
                {
                    throw new IllegalStateException("flow " + flow + ": not masqueraded to the uplink address with a consistent checksum");
                }
                expect(containerPort[flow], reply(flow), "reply", flow);
                if (ipDestination(replies, slot) != container || !checksumIsConsistent(replies, slot))
                {
                    throw new IllegalStateException("flow " + flow + ": reply not translated back to the container with a consistent checksum");
                }
            }
        }

        @Setup(Level.Iteration)
        public void readClock()
        {
            now = System.nanoTime();
            learnContainers();
            wrongVerdicts = 0;
        }

        @TearDown(Level.Iteration)
        public void checkVerdicts()
        {
            if (wrongVerdicts != 0)
            {
                throw new IllegalStateException(wrongVerdicts + " frames got another verdict than their flow's port");
            }
        }

        /** Restores flow {@code flow}'s outbound frame as it arrived and routes it from its container. */
        int masquerade(final int flow)
        {
            final int slot = flow * SLOT_SIZE;
            outbound.putBytes(slot, outboundTemplate, slot, HEADERS_LENGTH);
            router.fromDomain(DOMAIN, containerPort[flow], outbound, slot + FRAME_OFFSET, FRAME_LENGTH,
                now, gatewaySwitch, verdict);
            return verdict.egress();
        }

        /** Restores flow {@code flow}'s reply frame as it arrived and routes it from the uplink. */
        int reply(final int flow)
        {
            final int slot = flow * SLOT_SIZE;
            replies.putBytes(slot, replyTemplate, slot, HEADERS_LENGTH);
            router.fromUplink(replies, slot + FRAME_OFFSET, FRAME_LENGTH, now, gatewaySwitch, verdict);
            return verdict.egress();
        }

        int next()
        {
            final int flow = cursor;
            cursor = flow + 1 == flows ? 0 : flow + 1;
            return flow;
        }

        private int fromContainer(final int port, final UnsafeBuffer buffer, final int slot)
        {
            router.fromDomain(DOMAIN, port, buffer, slot + FRAME_OFFSET, FRAME_LENGTH, now, gatewaySwitch, verdict);
            return verdict.egress();
        }

        private int fromUplink(final UnsafeBuffer buffer, final int slot)
        {
            router.fromUplink(buffer, slot + FRAME_OFFSET, FRAME_LENGTH, now, gatewaySwitch, verdict);
            return verdict.egress();
        }

        private void learnContainers()
        {
            for (int container = 0; container < CONTAINERS; container++)
            {
                macTable.learn(DOMAIN, MacAddress.fromIpv4(FIRST_CONTAINER + container), container % CONTAINER_PORTS, now);
            }
        }

        private void expect(final int expected, final int verdict, final String what, final int flow)
        {
            if (verdict != expected)
            {
                throw new IllegalStateException(what + " of flow " + flow + ": verdict " + verdict + ", expected " + expected +
                    " (drop reason " + this.verdict.dropReason() + ")");
            }
        }
    }

    /** Two arenas as large as {@link Flows}' for {@code flows}, to time the header restore alone. */
    @State(Scope.Thread)
    public static class RestoreBaseline
    {
        @Param({"1", "10000", "100000"})
        int flows;

        UnsafeBuffer slots;
        UnsafeBuffer templates;
        int cursor;

        @Setup(Level.Trial)
        public void setUp()
        {
            slots = arena(flows);
            templates = arena(flows);
            for (int flow = 0; flow < flows; flow++)
            {
                final int address = FIRST_CONTAINER + flow % CONTAINERS;
                tcp(templates, flow * SLOT_SIZE, MacAddress.fromIpv4(address), GATEWAY_MAC, address,
                    FIRST_SOURCE_PORT + flow / CONTAINERS, FIRST_SERVER + flow % SERVERS, SERVER_PORT, TcpHeader.FLAG_ACK, true);
            }
        }
    }

    /** A connection table holding {@code flows} masqueraded connections, and their tuples in a shuffled order. */
    @State(Scope.Thread)
    public static class Table
    {
        @Param({"10000", "100000"})
        int flows;

        /** {@code --nat-table-size}; 0: the daemon's default, or {@code flows} if larger. */
        @Param({"0"})
        int tableSize;

        ConnectionTable connections;
        /** Five ints per lookup: protocol, source, source port, destination, destination port. */
        int[] tuples;
        int lookups;
        int cursor;
        long nowMillis;
        long misses;

        @Setup(Level.Trial)
        public void setUp()
        {
            nowMillis = System.currentTimeMillis();
            final int capacity = tableSize == 0 ? Math.max(DataplaneConfig.DEFAULT_NAT_CAPACITY, flows) : tableSize;
            if (capacity < flows)
            {
                throw new IllegalArgumentException("tableSize " + tableSize + " cannot hold " + flows + " flows");
            }
            connections = new ConnectionTable(capacity, ConntrackTimeouts.defaults());
            lookups = flows * 2;
            final int[] ordered = new int[lookups * 5];
            for (int flow = 0; flow < flows; flow++)
            {
                final int container = FIRST_CONTAINER + flow % CONTAINERS;
                final int sourcePort = FIRST_SOURCE_PORT + flow / CONTAINERS;
                final int server = FIRST_SERVER + flow % SERVERS;
                final int natPort = connections.allocatePort(Ipv4Header.PROTOCOL_TCP, server, SERVER_PORT, UPLINK, sourcePort, 1024, 65535);
                final int id = connections.create(Ipv4Header.PROTOCOL_TCP, container, sourcePort, server, SERVER_PORT,
                    server, SERVER_PORT, UPLINK, natPort, nowMillis);
                if (id < 0)
                {
                    throw new IllegalStateException("flow " + flow + " not created: " + id);
                }
                connections.update(id, false, TcpHeader.FLAG_ACK, nowMillis);
                connections.update(id, true, TcpHeader.FLAG_ACK, nowMillis);
                put(ordered, flow * 2, container, sourcePort, server, SERVER_PORT);
                put(ordered, flow * 2 + 1, server, SERVER_PORT, UPLINK, natPort);
            }
            tuples = new int[ordered.length];
            final int[] order = shuffled(lookups);
            for (int i = 0; i < lookups; i++)
            {
                System.arraycopy(ordered, order[i] * 5, tuples, i * 5, 5);
            }
        }

        @Setup(Level.Iteration)
        public void resetMisses()
        {
            misses = 0;
        }

        @TearDown(Level.Iteration)
        public void checkEveryLookupHit()
        {
            if (misses != 0)
            {
                throw new IllegalStateException(misses + " lookups missed");
            }
        }

        private static void put(final int[] tuples, final int index, final int source, final int sourcePort, final int destination, final int destinationPort)
        {
            final int base = index * 5;
            tuples[base] = Ipv4Header.PROTOCOL_TCP;
            tuples[base + 1] = source;
            tuples[base + 2] = sourcePort;
            tuples[base + 3] = destination;
            tuples[base + 4] = destinationPort;
        }

        private static int[] shuffled(final int n)
        {
            final int[] order = new int[n];
            for (int i = 0; i < n; i++)
            {
                order[i] = i;
            }
            final Random random = new Random(42);
            for (int i = n - 1; i > 0; i--)
            {
                final int j = random.nextInt(i + 1);
                final int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            return order;
        }
    }

    @Benchmark
    public void masquerade(final Flows state, final Blackhole blackhole)
    {
        final int flow = state.next();
        final int verdict = state.masquerade(flow);
        if (verdict != UPLINK_PORT)
        {
            state.wrongVerdicts++;
        }
        blackhole.consume(verdict);
    }

    @Benchmark
    public void reply(final Flows state, final Blackhole blackhole)
    {
        final int flow = state.next();
        final int verdict = state.reply(flow);
        if (verdict != state.containerPort[flow])
        {
            state.wrongVerdicts++;
        }
        blackhole.consume(verdict);
    }

    @Benchmark
    public void restoreOnly(final RestoreBaseline state, final Blackhole blackhole)
    {
        final int flow = state.cursor;
        state.cursor = flow + 1 == state.flows ? 0 : flow + 1;
        final int slot = flow * SLOT_SIZE;
        state.slots.putBytes(slot, state.templates, slot, HEADERS_LENGTH);
        blackhole.consume(state.slots.getByte(slot + TCP_OFFSET));
    }

    /**
     * One {@link ConnectionTable#expire} sweep with nothing to expire, as the forwarding stage's
     * housekeeping runs it once a second between batches: the time the forwarding thread stops
     * for it. It visits every id of the table's capacity, however few connections are live.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void expireSweep(final Table state, final Blackhole blackhole)
    {
        blackhole.consume(state.connections.expire(state.nowMillis));
    }

    @Benchmark
    public void lookup(final Table state, final Blackhole blackhole)
    {
        final int[] tuples = state.tuples;
        final int lookup = state.cursor;
        state.cursor = lookup + 1 == state.lookups ? 0 : lookup + 1;
        final int base = lookup * 5;
        final int id = state.connections.lookup(tuples[base], tuples[base + 1], tuples[base + 2], tuples[base + 3], tuples[base + 4],
            state.nowMillis);
        if (id < 0)
        {
            state.misses++;
        }
        blackhole.consume(id);
    }

    static boolean checksumIsPartial(final String checksum)
    {
        switch (checksum)
        {
            case "partial":
                return true;
            case "full":
                return false;
            default:
                throw new IllegalArgumentException("checksum must be partial or full: " + checksum);
        }
    }

    /**
     * Writes a TCP segment into the slot starting at {@code slot} the way a TAP or packet-socket
     * read leaves it: the virtio header at the slot's start (NEEDS_CSUM with the pseudo-header sum
     * in the checksum field when {@code partialChecksum}), the frame at {@code slot + FRAME_OFFSET},
     * zeros to the end of the slot. Setup work: the builder allocates.
     */
    static void tcp(
        final MutableDirectBuffer buffer, final int slot, final long sourceMac, final long destinationMac,
        final int source, final int sourcePort, final int destination, final int destinationPort,
        final int flags, final boolean partialChecksum)
    {
        final FrameBuilder segment = FrameBuilder.tcp(source, sourcePort, destination, destinationPort, flags)
            .sequenceNumbers(FrameBuilder.DEFAULT_SEQUENCE, (flags & TcpHeader.FLAG_ACK) != 0 ? ACKNOWLEDGEMENT : 0)
            .payload(PAYLOAD_LENGTH)
            .ethernet(sourceMac, destinationMac);
        if (partialChecksum)
        {
            segment.partialChecksum();
        }
        buffer.setMemory(slot, SLOT_SIZE, (byte)0);
        buffer.putBytes(slot, segment.slot().bytes());
    }

    /** The slot's frame read back (a copy), for the checks of setup. */
    static Slot readBack(final MutableDirectBuffer buffer, final int slot)
    {
        return Slot.copyOf(buffer, slot, FRAME_OFFSET + FRAME_LENGTH);
    }

    static int sourcePort(final MutableDirectBuffer buffer, final int slot)
    {
        return readBack(buffer, slot).sourcePort();
    }

    static int ipSource(final MutableDirectBuffer buffer, final int slot)
    {
        return readBack(buffer, slot).ipSource();
    }

    static int ipDestination(final MutableDirectBuffer buffer, final int slot)
    {
        return readBack(buffer, slot).ipDestination();
    }

    /** The TCP checksum verifies (full) or holds the pseudo-header sum of the current addresses (partial). */
    static boolean checksumIsConsistent(final MutableDirectBuffer buffer, final int slot)
    {
        final Slot frame = readBack(buffer, slot);
        final boolean partial = (frame.virtioHeader()[VirtioNetHeader.FLAGS_OFFSET] & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0;
        return partial ? frame.tcpChecksum() == frame.expectedPartialChecksum() : frame.transportChecksumIsValid();
    }

    static UnsafeBuffer arena(final int slots)
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(slots * SLOT_SIZE, 64));
    }
}
