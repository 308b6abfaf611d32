package io.lanyard.control.metrics;

import io.lanyard.dataplane.DataplaneCounters;
import io.lanyard.dataplane.PortCounters;
import io.lanyard.forwarding.verdict.DropReason;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.agrona.concurrent.status.CountersReader;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lanyard's own metrics, made at each scrape from {@link MetricsSource}: per port and per
 * network packets, bytes and drops by reason; the switch's tables (MAC, NAT, VTEP) with their
 * refusals; VXLAN receive drops; the ring's occupancy and the dataplane threads' CPU time (a
 * stage's busy time; idle is the rest); the embedded DNS; sandboxes and networks. Nothing here
 * runs on the packet path: the counters are read from the counters file, as {@code lanyard
 * stats} reads them.
 *
 * <p>A network's counters are the sums of its ports' and stay monotonic when a sandbox leaves:
 * the last values seen of a port that went away are kept in its network's sum (traffic between
 * the last scrape and the removal is not).
 */
public final class DataplaneMetrics implements MultiCollector
{
    private static final String[] PORT_LABELS = {"port", "sandbox", "interface", "network"};
    private static final String[] DATAPLANE_THREADS = {"lanyard-io", "lanyard-stages", "lanyard-forward", "lanyard-transmit"};

    /** What a dataplane-wide counter becomes: a family, a gauge or a counter, and its label if the family has one. */
    record Global(String family, boolean gauge, String help, String label, String value)
    {
    }

    /** Every dataplane-wide counter of {@link DataplaneCounters}, by type; a test checks none is missing. */
    static final Map<Integer, Global> GLOBALS = Map.ofEntries(
        Map.entry(DataplaneCounters.TYPE_MAC_ENTRIES, new Global("lanyard_mac_entries", true, "MAC addresses in the switch's table", null, null)),
        Map.entry(DataplaneCounters.TYPE_MAC_LEARN_REFUSED, refused("lanyard_mac_refused", "MACs not learned or moved, by why", "table_full")),
        Map.entry(DataplaneCounters.TYPE_MAC_PORT_LIMIT_REFUSED, refused("lanyard_mac_refused", null, "port_limit")),
        Map.entry(DataplaneCounters.TYPE_MAC_NETWORK_LIMIT_REFUSED, refused("lanyard_mac_refused", null, "network_limit")),
        Map.entry(DataplaneCounters.TYPE_MAC_PINNED_REFUSED, refused("lanyard_mac_refused", null, "pinned")),
        Map.entry(DataplaneCounters.TYPE_MAC_MOVES, new Global("lanyard_mac_moves", false, "learned MACs seen on another port", null, null)),
        Map.entry(DataplaneCounters.TYPE_DROP_NO_INGRESS_PORT, refused("lanyard_dataplane_drops", "frames dropped before or after they had a port to charge", "no_ingress_port")),
        Map.entry(DataplaneCounters.TYPE_DROP_NO_EGRESS_PORT, refused("lanyard_dataplane_drops", null, "no_egress_port")),
        Map.entry(DataplaneCounters.TYPE_STAGE_ERRORS, new Global("lanyard_stage_errors", false, "unexpected errors in a pipeline stage", null, null)),
        Map.entry(DataplaneCounters.TYPE_NAT_CONNECTIONS, new Global("lanyard_nat_connections", true, "tracked connections", null, null)),
        Map.entry(DataplaneCounters.TYPE_NAT_CREATED, new Global("lanyard_nat_connections_created", false, "tracked connections created", null, null)),
        Map.entry(DataplaneCounters.TYPE_NAT_REFUSED_FULL, new Global("lanyard_nat_refused", false, "new flows dropped, the connection table full", null, null)),
        Map.entry(DataplaneCounters.TYPE_NAT_EXPIRED, new Global("lanyard_nat_expired", false, "tracked connections expired", null, null)),
        Map.entry(DataplaneCounters.TYPE_VXLAN_DROP_BAD_HEADER, refused("lanyard_vxlan_drops", "VXLAN datagrams dropped before decapsulation, by why", "bad_header")),
        Map.entry(DataplaneCounters.TYPE_VXLAN_DROP_UNKNOWN_VNI, refused("lanyard_vxlan_drops", null, "unknown_vni")),
        Map.entry(DataplaneCounters.TYPE_VXLAN_DROP_TRUNCATED, refused("lanyard_vxlan_drops", null, "truncated")),
        Map.entry(DataplaneCounters.TYPE_VXLAN_RX_ERRORS, new Global("lanyard_vxlan_receive_errors", false, "errors reading the VXLAN socket", null, null)),
        Map.entry(DataplaneCounters.TYPE_VXLAN_RX_PARTIAL_CHECKSUM, new Global("lanyard_vxlan_partial_checksum", false,
            "inner frames received with a partial checksum, passed on as such", null, null)),
        Map.entry(DataplaneCounters.TYPE_VXLAN_RX_JOINED, new Global("lanyard_vxlan_joined", false,
            "VXLAN datagrams whose TCP segments were joined into larger frames", null, null)),
        Map.entry(DataplaneCounters.TYPE_VTEP_ENDPOINTS, new Global("lanyard_vtep_endpoints", true,
            "remote overlay endpoints (MAC and address behind a VTEP) known from the cluster", null, null)),
        Map.entry(DataplaneCounters.TYPE_VTEP_LEARNED, new Global("lanyard_vtep_learned", true, "MACs learned behind static VTEPs", null, null)),
        Map.entry(DataplaneCounters.TYPE_VTEP_LEARN_REFUSED, new Global("lanyard_vtep_learn_refused", false,
            "MACs behind static VTEPs not learned, the table full", null, null)));

    private static Global refused(final String family, final String help, final String reason)
    {
        return new Global(family, false, help, "reason", reason);
    }

    private final MetricsSource source;
    private final String version;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    /** The last values seen of each port, to keep its network's sums monotonic after it leaves. */
    private final Map<Integer, PortSample> lastSeen = new HashMap<>();
    private final Map<String, long[]> departed = new HashMap<>();

    /** One port's traffic at a scrape. */
    private record PortSample(MetricsSource.PortOwner owner, long[] traffic)
    {
    }

    /** The traffic counters summed per network, in this order. */
    private static final int RX_PACKETS = 0;
    private static final int RX_BYTES = 1;
    private static final int TX_PACKETS = 2;
    private static final int TX_BYTES = 3;
    private static final int DROPS = 4;

    public DataplaneMetrics(final MetricsSource source, final String version)
    {
        this.source = source;
        this.version = version;
    }

    @Override
    public synchronized MetricSnapshots collect()
    {
        final Families families = new Families();
        final Map<Integer, MetricsSource.PortOwner> owners = source.ports();
        final Map<Integer, PortSample> samples = new TreeMap<>();
        final CountersReader reader = source.counters();
        reader.forEach((counterId, typeId, key, label) ->
        {
            final long value = reader.getCounterValue(counterId);
            final int port = key.getInt(0);
            if (port == DataplaneCounters.NO_PORT)
            {
                global(families, typeId, value);
                return;
            }
            final MetricsSource.PortOwner owner = owners.get(port);
            if (owner != null)
            {
                portCounter(families, samples, port, owner, typeId, value);
            }
        });
        networks(families, samples);
        families.gauge("lanyard_ring_slots", "frame slots in the packet ring", Labels.EMPTY, source.ringSlots());
        families.gauge("lanyard_ring_occupied_slots", "slots holding a frame not yet transmitted", Labels.EMPTY, source.ringOccupied());
        threadCpu(families);
        dns(families);
        families.gauge("lanyard_sandboxes", "sandboxes", Labels.EMPTY, source.sandboxes());
        source.networksByDriver().forEach((driver, count) ->
            families.gauge("lanyard_networks", "networks, by driver", Labels.of("driver", driver), count));
        families.gauge("lanyard_build_info", "always 1: the daemon's version and I/O backend",
            Labels.of("version", version, "io", source.ioBackend()), 1);
        return families.snapshots();
    }

    private static void global(final Families families, final int typeId, final long value)
    {
        final Global global = GLOBALS.get(typeId);
        if (global == null)
        {
            return;
        }
        final Labels labels = global.label() == null ? Labels.EMPTY : Labels.of(global.label(), global.value());
        final String help = global.help() != null ? global.help() : helpOf(global.family());
        if (global.gauge())
        {
            families.gauge(global.family(), help, labels, value);
        }
        else
        {
            families.counter(global.family(), help, labels, value);
        }
    }

    /** The help of a family whose first member carries it. */
    private static String helpOf(final String family)
    {
        for (final Global global : GLOBALS.values())
        {
            if (global.family().equals(family) && global.help() != null)
            {
                return global.help();
            }
        }
        return family;
    }

    private static void portCounter(final Families families, final Map<Integer, PortSample> samples, final int port,
        final MetricsSource.PortOwner owner, final int typeId, final long value)
    {
        final Labels labels = Labels.of(PORT_LABELS, new String[] {Integer.toString(port), owner.sandbox(), owner.interfaceName(),
            owner.network()});
        final long[] traffic = samples.computeIfAbsent(port, p -> new PortSample(owner, new long[5])).traffic();
        switch (typeId)
        {
            case PortCounters.TYPE_RX_PACKETS ->
            {
                traffic[RX_PACKETS] = value;
                families.counter("lanyard_port_receive_packets", "frames the switch read from a port", labels, value);
            }
            case PortCounters.TYPE_RX_BYTES ->
            {
                traffic[RX_BYTES] = value;
                families.counter("lanyard_port_receive_bytes", "bytes the switch read from a port", labels, value);
            }
            case PortCounters.TYPE_TX_PACKETS ->
            {
                traffic[TX_PACKETS] = value;
                families.counter("lanyard_port_transmit_packets", "frames the switch wrote to a port", labels, value);
            }
            case PortCounters.TYPE_TX_BYTES ->
            {
                traffic[TX_BYTES] = value;
                families.counter("lanyard_port_transmit_bytes", "bytes the switch wrote to a port", labels, value);
            }
            case PortCounters.TYPE_RX_ERRORS ->
                families.counter("lanyard_port_receive_errors", "errors reading a port", labels, value);
            default ->
            {
                final int reason = typeId - PortCounters.TYPE_DROP_BASE;
                if (reason >= 0 && reason < DropReason.count())
                {
                    traffic[DROPS] += value;
                    families.counter("lanyard_port_drops", "frames from a port dropped, by why",
                        Labels.of(new String[] {"port", "sandbox", "interface", "network", "reason"}, new String[] {Integer.toString(port),
                            owner.sandbox(), owner.interfaceName(), owner.network(), DropReason.of(reason).label()}), value);
                }
            }
        }
    }

    private void networks(final Families families, final Map<Integer, PortSample> samples)
    {
        for (final Map.Entry<Integer, PortSample> last : lastSeen.entrySet())
        {
            final PortSample now = samples.get(last.getKey());
            if (now == null || !now.owner().equals(last.getValue().owner()))
            {
                add(departed.computeIfAbsent(last.getValue().owner().network(), n -> new long[5]), last.getValue().traffic());
            }
        }
        lastSeen.clear();
        lastSeen.putAll(samples);
        final Map<String, long[]> sums = new TreeMap<>();
        departed.forEach((network, traffic) -> add(sums.computeIfAbsent(network, n -> new long[5]), traffic));
        samples.values().forEach(sample -> add(sums.computeIfAbsent(sample.owner().network(), n -> new long[5]), sample.traffic()));
        sums.forEach((network, traffic) ->
        {
            final Labels labels = Labels.of("network", network);
            families.counter("lanyard_network_receive_packets", "frames the switch read from a network's ports", labels, traffic[RX_PACKETS]);
            families.counter("lanyard_network_receive_bytes", "bytes the switch read from a network's ports", labels, traffic[RX_BYTES]);
            families.counter("lanyard_network_transmit_packets", "frames the switch wrote to a network's ports", labels, traffic[TX_PACKETS]);
            families.counter("lanyard_network_transmit_bytes", "bytes the switch wrote to a network's ports", labels, traffic[TX_BYTES]);
            families.counter("lanyard_network_drops", "frames from a network's ports dropped, for any reason", labels, traffic[DROPS]);
        });
    }

    private static void add(final long[] into, final long[] traffic)
    {
        for (int i = 0; i < into.length; i++)
        {
            into[i] += traffic[i];
        }
    }

    private void threadCpu(final Families families)
    {
        if (!threads.isThreadCpuTimeSupported())
        {
            return;
        }
        for (final ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds()))
        {
            if (info == null || !isDataplaneThread(info.getThreadName()))
            {
                continue;
            }
            final long nanos = threads.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0)
            {
                families.counter("lanyard_dataplane_thread_cpu_seconds", "CPU time of a dataplane thread: a stage's busy time",
                    Labels.of("thread", info.getThreadName()), nanos / 1e9);
            }
        }
    }

    private static boolean isDataplaneThread(final String name)
    {
        for (final String prefix : DATAPLANE_THREADS)
        {
            if (name.startsWith(prefix))
            {
                return true;
            }
        }
        return false;
    }

    private void dns(final Families families)
    {
        final Map<String, Long> dns = source.dns();
        if (dns.isEmpty())
        {
            return;
        }
        dns.forEach((name, value) -> families.counter("lanyard_dns_" + name, "embedded DNS: " + name.replace('_', ' '), Labels.EMPTY, value));
        families.gauge("lanyard_dns_in_flight", "embedded DNS: queries forwarded upstream and not yet answered", Labels.EMPTY,
            source.dnsInFlight());
    }
}
