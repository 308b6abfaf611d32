package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.verdict.DropReason;
import org.agrona.BufferUtil;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A forwarding stage sized and clocked as {@link Dataplane} builds it (production table sizes,
 * the system nano clock), over a ring's worth of slots carved from one direct arena, but with no
 * ring, threads or devices: the benchmark thread plays the Disruptor and calls the stage itself.
 * Ports are attached to one domain configured like the default bridge (gateway 172.17.0.1 answered
 * in place, ICC on), as the attach and configure commands do it.
 */
final class SwitchUnderTest
{
    static final int DOMAIN = 0;
    private static final int MAX_COUNTERS = 1024;

    /** Kept reachable: every slot is a view into it. */
    private final ByteBuffer arena;
    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_COUNTERS * CountersReader.METADATA_LENGTH, 64)),
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_COUNTERS * CountersReader.COUNTER_LENGTH, 64)),
        StandardCharsets.US_ASCII);
    final DataplaneCounters counters = new DataplaneCounters(countersManager);
    final Port[] ports = new Port[DataplaneConfig.DEFAULT_MAX_PORTS];
    final LearningSwitch learningSwitch;
    final ForwardingStage stage;
    final FrameSlot[] slots;

    /** @param ringSize slots (a power of two), as {@code --ring-size}. */
    SwitchUnderTest(final int ringSize, final int portCount)
    {
        final SystemNanoClock clock = SystemNanoClock.INSTANCE;
        learningSwitch = new LearningSwitch(DataplaneConfig.DEFAULT_MAX_PORTS, DataplaneConfig.DEFAULT_MAX_DOMAINS,
            new MacTable(MacTable.DEFAULT_CAPACITY, MacTable.DEFAULT_AGING_NANOS, clock.nanoTime()));
        stage = new ForwardingStage(learningSwitch, ports, new ManyToOneConcurrentArrayQueue<>(1024),
            new OneToOneConcurrentArrayQueue<>(1024), clock, counters);

        for (int id = 0; id < portCount; id++)
        {
            ports[id] = new Port(id, DOMAIN, "port" + id, (address, length) -> length,
                new PortCounters(countersManager, id, "port" + id));
            learningSwitch.attach(id, DOMAIN);
        }
        learningSwitch.configureDomain(DOMAIN, SyntheticFrames.GATEWAY_ADDRESS, MacAddress.fromIpv4(SyntheticFrames.GATEWAY_ADDRESS), true);

        arena = BufferUtil.allocateDirectAligned(ringSize * FrameSlot.SIZE, 4096);
        slots = new FrameSlot[ringSize];
        for (int i = 0; i < ringSize; i++)
        {
            slots[i] = new FrameSlot(new UnsafeBuffer(arena, i * FrameSlot.SIZE, FrameSlot.SIZE));
        }
    }

    /** Runs every slot through the stage once, as one batch per slot, so the sources are learned. */
    void learnAll()
    {
        for (final FrameSlot slot : slots)
        {
            stage.onBatchStart(1, 0);
            stage.decide(slot);
        }
    }

    /** Drops counted anywhere so far: a benchmark whose frames are dropped measures the wrong path. */
    long drops()
    {
        final long[] total = {0};
        final CountersReader reader = countersManager;
        reader.forEach((counterId, typeId, key, label) ->
        {
            final boolean portDrop = typeId >= PortCounters.TYPE_DROP_BASE && typeId < PortCounters.TYPE_DROP_BASE + DropReason.count();
            if (portDrop || typeId == DataplaneCounters.TYPE_DROP_NO_INGRESS_PORT)
            {
                total[0] += reader.getCounterValue(counterId);
            }
        });
        return total[0];
    }
}
