package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.verdict.Verdict;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The forwarding stage alone, on one core: how many frames per second it can decide for, with
 * no ring, I/O or transmit around it. The score is frames per second (one operation = one frame).
 *
 * <p>The benchmark thread plays the Disruptor: it walks a ring's worth of pre-filled slots
 * ({@code ringSize}, by default the daemon's default ring) in batches of {@link #BATCH} (a TAP read
 * burst), calling {@code onBatchStart} (one clock read) and {@code onEvent} per slot, with the
 * end-of-batch work (command poll, housekeeping check) on the last. The MAC table is warm: every
 * station has sent before measurement starts, so each unicast lookup hits, and setup checks
 * that every verdict is the expected egress port. Verdicts go to a {@link Blackhole}.
 *
 * <ul>
 *   <li>{@code unicast}: 60-byte IPv4/UDP frames (64 on the wire), station {@code i} to station
 *       {@code i + 1}, {@code macs} stations spread over up to 4 ports of one domain.</li>
 *   <li>{@code unicastDecide}: the same frames, one {@code decide} per operation (no batch
 *       boundaries at all).</li>
 *   <li>{@code broadcast}: ARP requests (who-has another station, not the gateway) from 64
 *       stations on 4 ports: a flood verdict and the domain's port set.</li>
 *   <li>{@code unicastLinked}: the {@code unicast} frames between 2 stations on 2 ports of a
 *       domain with ICC off whose ports are an allowed pair (Docker's legacy {@code --link}):
 *       every frame takes the pair lookup that an ICC-on domain never reaches.</li>
 *   <li>{@code unicastSecured}: the {@code unicast} frames between 2 stations on 2 ports under
 *       port security, as the daemon attaches sandboxes: every frame first takes the source
 *       check ({@code PortSecurity}), and each station's MAC is pinned.</li>
 * </ul>
 *
 * Run with {@code -prof gc}: every benchmark should show about 0 B/op ({@code gc.alloc.rate.norm}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class ForwardingStageBenchmark
{
    /** The daemon's default {@code --ring-size}. */
    static final int RING_SIZE = DataplaneConfig.DEFAULT_RING_SIZE;
    private static final int RING_MASK = RING_SIZE - 1;
    /** One TAP read burst ({@code TapPortReader.BURST}). */
    static final int BATCH = 32;
    private static final int MAX_PORTS_USED = 4;

    /** A warm switch whose ring holds unicast frames between {@code macs} known stations. */
    @State(Scope.Thread)
    public static class Unicast
    {
        @Param({"2", "64", "1024"})
        int macs;

        /** Slots the benchmark cycles through (as {@code --ring-size}): fewer slots, fewer cache and TLB misses. */
        @Param({"1024"})
        int ringSize;

        SwitchUnderTest sut;
        int ringMask;
        int cursor;
        long sequence;

        @Setup(Level.Trial)
        public void setUp()
        {
            if (Integer.bitCount(ringSize) != 1 || ringSize < BATCH || ringSize % macs != 0 || macs < 2)
            {
                throw new IllegalArgumentException("ringSize must be a power of two >= " + BATCH + " and macs >= 2 must divide it");
            }
            ringMask = ringSize - 1;
            final int ports = Math.min(MAX_PORTS_USED, macs);
            sut = new SwitchUnderTest(ringSize, ports);
            for (int i = 0; i < ringSize; i++)
            {
                final int source = i % macs;
                SwitchUnderTest.udp(sut.slots[i], source % ports, source, (source + 1) % macs);
            }
            sut.learnAll();
            sut.learnAll();
            for (int i = 0; i < ringSize; i++)
            {
                final int expected = ((i % macs + 1) % macs) % ports;
                if (sut.slots[i].verdict.egress() != expected)
                {
                    throw new IllegalStateException("slot " + i + ": verdict " + sut.slots[i].verdict + ", expected port " + expected);
                }
            }
        }

        @TearDown(Level.Trial)
        public void checkNothingWasDropped()
        {
            if (sut.drops() != 0)
            {
                throw new IllegalStateException(sut.drops() + " frames were dropped during the benchmark");
            }
        }
    }

    /** A warm switch whose ring holds ARP requests (broadcasts) from 64 known stations on 4 ports. */
    @State(Scope.Thread)
    public static class Broadcast
    {
        static final int STATIONS = 64;

        SwitchUnderTest sut;
        int cursor;
        long sequence;

        @Setup(Level.Trial)
        public void setUp()
        {
            sut = new SwitchUnderTest(RING_SIZE, MAX_PORTS_USED);
            for (int i = 0; i < RING_SIZE; i++)
            {
                final int source = i % STATIONS;
                SwitchUnderTest.arpRequest(sut.slots[i], source % MAX_PORTS_USED, source, (source + 1) % STATIONS);
            }
            sut.learnAll();
            for (final FrameSlot slot : sut.slots)
            {
                if (slot.verdict.egress() != Verdict.FLOOD || slot.verdict.floodPorts().length != MAX_PORTS_USED)
                {
                    throw new IllegalStateException("broadcast not flooded to " + MAX_PORTS_USED + " ports: verdict " + slot.verdict.egress());
                }
            }
        }
    }

    /** Two stations, one per port, each sending to the other: what the pair states share. */
    public abstract static class TwoStations
    {
        static final int STATIONS = 2;

        SwitchUnderTest sut;
        int cursor;
        long sequence;

        /** Fills the ring with the two stations' frames to each other and checks each goes to the other's port. */
        void fillAndCheck()
        {
            for (int i = 0; i < RING_SIZE; i++)
            {
                final int source = i % STATIONS;
                SwitchUnderTest.udp(sut.slots[i], source, source, (source + 1) % STATIONS);
            }
            sut.learnAll();
            sut.learnAll();
            for (int i = 0; i < RING_SIZE; i++)
            {
                final int expected = (i + 1) % STATIONS;
                if (sut.slots[i].verdict.egress() != expected)
                {
                    throw new IllegalStateException("slot " + i + ": verdict " + sut.slots[i].verdict + ", expected port " + expected);
                }
            }
        }

        @TearDown(Level.Trial)
        public void checkNothingWasDropped()
        {
            if (sut.drops() != 0)
            {
                throw new IllegalStateException(sut.drops() + " frames were dropped during the benchmark");
            }
        }
    }

    /** Two linked containers of an ICC-off domain, one per port, each sending to the other. */
    @State(Scope.Thread)
    public static class Linked extends TwoStations
    {
        @Setup(Level.Trial)
        public void setUp()
        {
            sut = new SwitchUnderTest(RING_SIZE, STATIONS);
            sut.gatewaySwitch.configureDomain(SwitchUnderTest.DOMAIN, SwitchUnderTest.GATEWAY_ADDRESS,
                MacAddress.fromIpv4(SwitchUnderTest.GATEWAY_ADDRESS), false);
            if (!sut.learningSwitch.allowPair(0, 1))
            {
                throw new IllegalStateException("the pair was refused");
            }
            fillAndCheck();
        }
    }

    /**
     * Two containers under port security (as the daemon attaches a sandbox's port: its MAC pinned,
     * its MAC and address the only ones it may send as), one per port, each sending to the other.
     */
    @State(Scope.Thread)
    public static class Secured extends TwoStations
    {
        @Setup(Level.Trial)
        public void setUp()
        {
            sut = new SwitchUnderTest(RING_SIZE, STATIONS);
            for (int port = 0; port < STATIONS; port++)
            {
                sut.learningSwitch.detach(port);
                sut.stage.onAttach(port, SwitchUnderTest.DOMAIN, false,
                    PortGuard.secured(SwitchUnderTest.mac(port), SwitchUnderTest.address(port)));
            }
            fillAndCheck();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void unicast(final Unicast state, final Blackhole blackhole)
    {
        final ForwardingStage stage = state.sut.stage;
        final FrameSlot[] slots = state.sut.slots;
        final int base = state.cursor;
        long sequence = state.sequence;
        stage.onBatchStart(BATCH, 0);
        for (int i = 0; i < BATCH; i++)
        {
            final FrameSlot slot = slots[base + i];
            stage.onEvent(slot, sequence++, i == BATCH - 1);
            blackhole.consume(slot.verdict.egress());
        }
        state.sequence = sequence;
        state.cursor = (base + BATCH) & state.ringMask;
    }

    @Benchmark
    public void unicastDecide(final Unicast state, final Blackhole blackhole)
    {
        final int index = state.cursor;
        final FrameSlot slot = state.sut.slots[index];
        state.sut.stage.decide(slot);
        blackhole.consume(slot.verdict.egress());
        state.cursor = (index + 1) & state.ringMask;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void broadcast(final Broadcast state, final Blackhole blackhole)
    {
        final ForwardingStage stage = state.sut.stage;
        final FrameSlot[] slots = state.sut.slots;
        final int base = state.cursor;
        long sequence = state.sequence;
        stage.onBatchStart(BATCH, 0);
        for (int i = 0; i < BATCH; i++)
        {
            final FrameSlot slot = slots[base + i];
            stage.onEvent(slot, sequence++, i == BATCH - 1);
            blackhole.consume(slot.verdict.egress());
            blackhole.consume(slot.verdict.floodPorts());
        }
        state.sequence = sequence;
        state.cursor = (base + BATCH) & RING_MASK;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void unicastLinked(final Linked state, final Blackhole blackhole)
    {
        batch(state, blackhole);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void unicastSecured(final Secured state, final Blackhole blackhole)
    {
        batch(state, blackhole);
    }

    /** One batch of the pair's frames through the stage, as the Disruptor drives it. */
    private static void batch(final TwoStations state, final Blackhole blackhole)
    {
        final ForwardingStage stage = state.sut.stage;
        final FrameSlot[] slots = state.sut.slots;
        final int base = state.cursor;
        long sequence = state.sequence;
        stage.onBatchStart(BATCH, 0);
        for (int i = 0; i < BATCH; i++)
        {
            final FrameSlot slot = slots[base + i];
            stage.onEvent(slot, sequence++, i == BATCH - 1);
            blackhole.consume(slot.verdict.egress());
        }
        state.sequence = sequence;
        state.cursor = (base + BATCH) & RING_MASK;
    }
}
