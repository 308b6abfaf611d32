package io.lanyard.dataplane;

import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.nat.ConntrackTimeouts;
import io.lanyard.tap.IoLoop;

import java.nio.file.Path;

/**
 * How the dataplane is sized and run.
 *
 * @param ringSize         slots in the ring (a power of two); each slot holds one 64 KB frame.
 * @param ioBackend        {@code epoll} or {@code io_uring}.
 * @param pipeline         which threads run the stages: {@code inline} (the default: the I/O
 *                         thread reads, switches and writes each burst, no hand-off), {@code fused}
 *                         (one stage thread after the I/O thread) or {@code staged} (a forwarding
 *                         and a transmit thread).
 * @param waitStrategy     how idle stage threads wait: {@code backoff} (sleep-poll while traffic
 *                         flows, park after 20 ms of silence), {@code blocking} (park until
 *                         signalled), {@code sleeping}, {@code yielding} or {@code busy}; unused inline.
 * @param countersFile     where the counters are mapped.
 * @param macTableCapacity most MAC addresses learned at once, over all networks.
 * @param macAgingNanos    how long a learned address lives without traffic.
 * @param maxPorts         most ports at once.
 * @param maxDomains       most bridge domains (networks) at once.
 * @param natCapacity      most tracked connections (NAT and routed flows) at once; new flows
 *                         beyond it are dropped and counted.
 * @param conntrackTimeouts how long tracked connections live in each state.
 * @param busyPollNanos    how long the I/O thread keeps polling after the last readable port
 *                         before it sleeps (epoll only); 0, the default, sleeps at once.
 */
public record DataplaneConfig(
    int ringSize,
    String ioBackend,
    String pipeline,
    String waitStrategy,
    Path countersFile,
    int macTableCapacity,
    long macAgingNanos,
    int maxPorts,
    int maxDomains,
    int natCapacity,
    ConntrackTimeouts conntrackTimeouts,
    long busyPollNanos)
{
    public static final int DEFAULT_RING_SIZE = 1024;
    public static final int DEFAULT_MAX_PORTS = 4096;
    public static final int DEFAULT_MAX_DOMAINS = 4096;
    /** Linux's nf_conntrack_max on a machine of this size is 65 536 to 262 144. */
    public static final int DEFAULT_NAT_CAPACITY = 65_536;
    public static final String PIPELINE_INLINE = "inline";
    public static final String PIPELINE_FUSED = "fused";
    public static final String PIPELINE_STAGED = "staged";
    /** A second: longer is a core spent for good. */
    public static final long MAX_BUSY_POLL_NANOS = 1_000_000_000L;

    public DataplaneConfig
    {
        if (Integer.bitCount(ringSize) != 1 || ringSize < 8)
        {
            throw new IllegalArgumentException("ring size must be a power of two >= 8: " + ringSize);
        }
        if (!PIPELINE_INLINE.equals(pipeline) && !PIPELINE_FUSED.equals(pipeline) && !PIPELINE_STAGED.equals(pipeline))
        {
            throw new IllegalArgumentException("unknown pipeline '" + pipeline + "' (inline, fused, staged)");
        }
        if (natCapacity < 1 || natCapacity > (1 << 22))
        {
            throw new IllegalArgumentException("connection table size must be in 1.." + (1 << 22) + ": " + natCapacity);
        }
        if ((long)ringSize * FrameSlot.SIZE > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("ring size too large: " + ringSize);
        }
        if (busyPollNanos < 0 || busyPollNanos > MAX_BUSY_POLL_NANOS)
        {
            throw new IllegalArgumentException("busy poll time must be in 0.." + MAX_BUSY_POLL_NANOS / 1000 + " µs: " +
                busyPollNanos / 1000 + " µs");
        }
        IoLoop.checkBusyPoll(ioBackend, busyPollNanos);
    }

    /** Without busy polling. */
    public DataplaneConfig(
        final int ringSize, final String ioBackend, final String pipeline, final String waitStrategy, final Path countersFile,
        final int macTableCapacity, final long macAgingNanos, final int maxPorts, final int maxDomains, final int natCapacity,
        final ConntrackTimeouts conntrackTimeouts)
    {
        this(ringSize, ioBackend, pipeline, waitStrategy, countersFile, macTableCapacity, macAgingNanos, maxPorts, maxDomains, natCapacity,
            conntrackTimeouts, 0);
    }

    public static DataplaneConfig defaults(final Path countersFile)
    {
        return new DataplaneConfig(DEFAULT_RING_SIZE, "epoll", PIPELINE_INLINE, "backoff", countersFile,
            MacTable.DEFAULT_CAPACITY, MacTable.DEFAULT_AGING_NANOS, DEFAULT_MAX_PORTS, DEFAULT_MAX_DOMAINS,
            DEFAULT_NAT_CAPACITY, ConntrackTimeouts.defaults());
    }

    public DataplaneConfig withIoBackend(final String backend)
    {
        return new DataplaneConfig(ringSize, backend, pipeline, waitStrategy, countersFile, macTableCapacity, macAgingNanos, maxPorts, maxDomains, natCapacity, conntrackTimeouts, busyPollNanos);
    }

    public DataplaneConfig withWaitStrategy(final String strategy)
    {
        return new DataplaneConfig(ringSize, ioBackend, pipeline, strategy, countersFile, macTableCapacity, macAgingNanos, maxPorts, maxDomains, natCapacity, conntrackTimeouts, busyPollNanos);
    }

    public DataplaneConfig withPipeline(final String layout)
    {
        return new DataplaneConfig(ringSize, ioBackend, layout, waitStrategy, countersFile, macTableCapacity, macAgingNanos, maxPorts, maxDomains, natCapacity, conntrackTimeouts, busyPollNanos);
    }

    public DataplaneConfig withRingSize(final int size)
    {
        return new DataplaneConfig(size, ioBackend, pipeline, waitStrategy, countersFile, macTableCapacity, macAgingNanos, maxPorts, maxDomains, natCapacity, conntrackTimeouts, busyPollNanos);
    }

    public DataplaneConfig withNat(final int capacity, final ConntrackTimeouts timeouts)
    {
        return new DataplaneConfig(ringSize, ioBackend, pipeline, waitStrategy, countersFile, macTableCapacity, macAgingNanos, maxPorts, maxDomains,
            capacity, timeouts, busyPollNanos);
    }

    public DataplaneConfig withMacTable(final int capacity, final long agingNanos)
    {
        return new DataplaneConfig(ringSize, ioBackend, pipeline, waitStrategy, countersFile, capacity, agingNanos, maxPorts, maxDomains, natCapacity, conntrackTimeouts, busyPollNanos);
    }
}
