package io.lanyard.control.ports;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one {@link UserlandProxy} counts: its TCP pairs and UDP flows add from the loops' threads, and
 * the proxy's accessors read from any thread.
 */
final class ProxyCounters
{
    final LongAdder connectionsAccepted = new LongAdder();
    final LongAdder targetConnectFailures = new LongAdder();
    final LongAdder bytesToTarget = new LongAdder();
    final LongAdder bytesFromTarget = new LongAdder();
    final LongAdder udpFlowsOpened = new LongAdder();
    final LongAdder udpFlowsExpired = new LongAdder();
    final LongAdder udpDrops = new LongAdder();
    final AtomicInteger udpFlowsActive = new AtomicInteger();
}
