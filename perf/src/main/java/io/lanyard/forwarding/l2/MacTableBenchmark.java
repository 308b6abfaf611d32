package io.lanyard.forwarding.l2;

import io.lanyard.forwarding.addr.MacAddress;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The MAC table on its own, as the forwarding stage uses it per frame: learn the source (an
 * address already known on the same port, the steady state) and look up the destination (a hit).
 * One operation is one learn plus one lookup, over {@code macs} addresses in a table of the
 * daemon's default capacity. The clock is read once per iteration, as the stage reads it once
 * per batch, so learn takes its no-write refresh path as it does for most frames.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class MacTableBenchmark
{
    private static final int DOMAIN = 0;
    private static final int PORTS = 4;

    @Param({"64", "4096"})
    int macs;

    private MacTable table;
    private long[] addresses;
    private int[] ports;
    private int mask;
    private int cursor;
    private long now;

    @Setup(Level.Trial)
    public void setUp()
    {
        if (Integer.bitCount(macs) != 1)
        {
            throw new IllegalArgumentException("macs must be a power of two: " + macs);
        }
        mask = macs - 1;
        now = System.nanoTime();
        table = new MacTable(MacTable.DEFAULT_CAPACITY, MacTable.DEFAULT_AGING_NANOS, now);
        addresses = new long[macs];
        ports = new int[macs];
        for (int i = 0; i < macs; i++)
        {
            addresses[i] = MacAddress.fromIpv4(0xAC11_0002 + i);
            ports[i] = i % PORTS;
            table.learn(DOMAIN, addresses[i], ports[i], now);
        }
    }

    @Setup(Level.Iteration)
    public void readClock()
    {
        now = System.nanoTime();
        for (int i = 0; i < macs; i++)
        {
            if (table.lookup(DOMAIN, addresses[i], now) != ports[i])
            {
                throw new IllegalStateException("address " + i + " is not in the table");
            }
        }
    }

    @Benchmark
    public void learnAndLookup(final Blackhole blackhole)
    {
        final int source = cursor;
        final int destination = (source + 1) & mask;
        blackhole.consume(table.learn(DOMAIN, addresses[source], ports[source], now));
        blackhole.consume(table.lookup(DOMAIN, addresses[destination], now));
        cursor = destination;
    }
}
