package io.lanyard.dataplane;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.l3.Router;
import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.tap.IoLoop;
import org.agrona.BufferUtil;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The packet pipeline, wired in one place: the ring and the arena its slots are carved from, the
 * I/O loop that produces into it, the forwarding and transmit stages and the threads that run
 * them, and the ticker that wakes an idle pipeline.
 *
 * <pre>
 *  I/O loop (epoll | io_uring)          forwarding stage            transmit stage
 *  port readable → read into the  ──▶   learn, look up, decide  ──▶ write to the egress
 *  claimed slot → publish               (single writer of tables)   port(s), flush at end
 *                                       apply commands between      of batch, pass fences
 *                                       batches
 * </pre>
 *
 * One thread each in the {@code staged} layout; {@code fused} runs both stages on one thread and
 * {@code inline} on the I/O thread itself (see {@link DataplaneConfig#pipeline()}). The I/O loop
 * is the ring's only producer (see {@link RingWriter}). Nothing here changes a table: the
 * control plane's commands reach the forwarding stage through its {@link #commands() queue}
 * (see {@link ForwardingProxy}), and the ports through {@link PortTable} and {@link OverlayPorts}.
 */
final class Pipeline
{
    private static final int MAX_BATCH = 64;
    private static final int COMMAND_QUEUE_CAPACITY = 1024;
    private static final long TICK_MILLIS = 1000;
    private static final System.Logger LOG = System.getLogger(Pipeline.class.getName());

    /** Kept reachable for the life of the ring: the kernel writes into it by address. */
    private final ByteBuffer arena;
    private final RingBuffer<FrameSlot> ring;
    private final RingWriter writer;
    private final IoLoop ioLoop;
    private final DataplaneCounters counters;
    private final ManyToOneConcurrentArrayQueue<ForwardingCommand> commands;
    private final List<BatchEventProcessor<FrameSlot>> processors;
    private final List<Thread> threads;
    private final EventPoller<FrameSlot> poller;
    private final Runnable wake;
    private final ScheduledExecutorService ticker;
    private final TransmitStage transmit;

    /** @param ports the port table's array, read by the stages (see {@link PortTable}). */
    Pipeline(final DataplaneConfig config, final Port[] ports, final DataplaneCounters counters)
    {
        this.counters = counters;
        commands = new ManyToOneConcurrentArrayQueue<>(COMMAND_QUEUE_CAPACITY);
        final OneToOneConcurrentArrayQueue<Fence> fences = new OneToOneConcurrentArrayQueue<>(COMMAND_QUEUE_CAPACITY);

        arena = BufferUtil.allocateDirectAligned(config.ringSize() * FrameSlot.SIZE, 4096);
        final int[] nextSlot = {0};
        ring = RingBuffer.createSingleProducer(
            () -> new FrameSlot(new UnsafeBuffer(arena, nextSlot[0]++ * FrameSlot.SIZE, FrameSlot.SIZE)),
            config.ringSize(),
            waitStrategy(config.waitStrategy()));

        final SystemNanoClock clock = SystemNanoClock.INSTANCE;
        final Router router = new Router(config.maxDomains(), new ConnectionTable(config.natCapacity(), config.conntrackTimeouts()));
        final LearningSwitch learningSwitch = new LearningSwitch(config.maxPorts(), config.maxDomains(),
            new MacTable(config.macTableCapacity(), config.macAgingNanos(), clock.nanoTime()));
        final ForwardingStage forwarding =
            new ForwardingStage(new GatewaySwitch(learningSwitch, router), ports, commands, fences, clock, counters);
        transmit = new TransmitStage(ports, fences, counters);

        final ExceptionHandler<FrameSlot> onError = new StageErrors(counters);
        final BatchEventProcessorBuilder builder = new BatchEventProcessorBuilder().setMaxBatchSize(MAX_BATCH);
        final List<BatchEventProcessor<FrameSlot>> processors = new ArrayList<>();
        final EventPoller.Handler<FrameSlot> inline;
        switch (config.pipeline())
        {
            case DataplaneConfig.PIPELINE_STAGED:
            {
                final BatchEventProcessor<FrameSlot> forwarder = builder.build(ring, ring.newBarrier(), forwarding);
                final BatchEventProcessor<FrameSlot> transmitter = builder.build(ring, ring.newBarrier(forwarder.getSequence()), transmit);
                processors.add(forwarder);
                processors.add(transmitter);
                ring.addGatingSequences(transmitter.getSequence());
                poller = null;
                inline = null;
                break;
            }
            case DataplaneConfig.PIPELINE_FUSED:
            {
                final BatchEventProcessor<FrameSlot> stages = builder.build(ring, ring.newBarrier(),
                    new SequentialStages(forwarding, transmit, counters));
                processors.add(stages);
                ring.addGatingSequences(stages.getSequence());
                poller = null;
                inline = null;
                break;
            }
            default:
            {
                poller = ring.newPoller();
                ring.addGatingSequences(poller.getSequence());
                inline = new SequentialStages(forwarding, transmit, counters).polled();
                break;
            }
        }
        this.processors = List.copyOf(processors);
        final Runnable afterBurst = poller == null ? () -> { } : () -> drainInline(forwarding, inline);
        writer = new RingWriter(ring, afterBurst);

        ioLoop = IoLoop.create(config.ioBackend(), "lanyard-io", config.busyPollNanos());
        wake = writer::publishWake;
        final List<Thread> threads = new ArrayList<>();
        for (final BatchEventProcessor<FrameSlot> processor : processors)
        {
            processor.setExceptionHandler(onError);
            final Thread thread = new Thread(processor, processors.size() == 1 ? "lanyard-stages" :
                threads.isEmpty() ? "lanyard-forward" : "lanyard-transmit");
            thread.setDaemon(true);
            threads.add(thread);
        }
        this.threads = List.copyOf(threads);
        threads.forEach(Thread::start);
        // an idle pipeline still ages its tables and refreshes its counters
        ticker = Executors.newSingleThreadScheduledExecutor(task ->
        {
            final Thread thread = new Thread(task, "lanyard-tick");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(this::wake, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The {@code inline} layout: the I/O thread itself runs the stages over everything published
     * since the last burst, so a frame is read, switched and written without changing threads.
     */
    private void drainInline(final ForwardingStage forwarding, final EventPoller.Handler<FrameSlot> stages)
    {
        forwarding.onBatchStart(0, 0);
        try
        {
            while (poller.poll(stages) == EventPoller.PollState.PROCESSING)
            {
                Thread.onSpinWait();
            }
        }
        catch (final Exception ex)
        {
            counters.stageErrors.increment();
        }
    }

    /** The forwarding stage's command queue: it drains it between batches. */
    ManyToOneConcurrentArrayQueue<ForwardingCommand> commands()
    {
        return commands;
    }

    /** Publishes a wake slot from the I/O thread, so idle stages apply their commands at once. */
    void wake()
    {
        ioLoop.execute(wake);
    }

    IoLoop ioLoop()
    {
        return ioLoop;
    }

    String ioBackend()
    {
        return ioLoop.backend();
    }

    int ringSlots()
    {
        return ring.getBufferSize();
    }

    /** Slots published and not yet passed by the last stage, read from any thread (a moment's view). */
    long ringOccupied()
    {
        return ring.getBufferSize() - ring.remainingCapacity();
    }

    /** The ring's producer, for the port readers (used on the I/O thread alone). */
    RingWriter writer()
    {
        return writer;
    }

    TransmitStage transmit()
    {
        return transmit;
    }

    /** Publishes {@code data} (virtio header + frame) as if it had been read from {@code portId}. */
    void inject(final int portId, final byte[] data)
    {
        if (data.length > FrameSlot.DATA_CAPACITY)
        {
            throw new IllegalArgumentException("frame too large: " + data.length);
        }
        ioLoop.execute(() ->
        {
            final FrameSlot slot = writer.slot();
            slot.buffer().putBytes(FrameSlot.DATA_OFFSET, data);
            slot.frame(portId, data.length);
            writer.publish();
            writer.endOfBurst();
        });
    }

    /** Stops the ticker, the I/O loop and the stage threads (the ports have stopped reading). */
    void close()
    {
        ticker.shutdownNow();
        ioLoop.close();
        processors.forEach(BatchEventProcessor::halt);
        try
        {
            for (final Thread thread : threads)
            {
                thread.join(5_000);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    static WaitStrategy waitStrategy(final String name)
    {
        switch (name)
        {
            case "backoff":
                return new BackoffWaitStrategy(BackoffWaitStrategy.DEFAULT_IDLE_NANOS);
            case "blocking":
                return new LiteBlockingWaitStrategy();
            case "sleeping":
                return new SleepingWaitStrategy();
            case "yielding":
                return new YieldingWaitStrategy();
            case "busy":
                return new BusySpinWaitStrategy();
            default:
                throw new IllegalArgumentException("unknown wait strategy '" + name + "' (backoff, blocking, sleeping, yielding, busy)");
        }
    }

    /** A stage that throws loses one frame, not the pipeline: count it, log the first few. */
    private static final class StageErrors implements ExceptionHandler<FrameSlot>
    {
        private static final int LOGGED = 10;
        private final DataplaneCounters counters;
        private int logged;

        StageErrors(final DataplaneCounters counters)
        {
            this.counters = counters;
        }

        @Override
        public void handleEventException(final Throwable ex, final long sequence, final FrameSlot slot)
        {
            counters.stageErrors.increment();
            if (logged < LOGGED)
            {
                logged++;
                LOG.log(System.Logger.Level.ERROR, "stage error at sequence " + sequence + " (frame dropped)", ex);
            }
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            LOG.log(System.Logger.Level.ERROR, "stage failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            LOG.log(System.Logger.Level.ERROR, "stage failed to stop", ex);
        }
    }
}
