package io.lanyard.control.metrics;

import io.lanyard.dataplane.CountersFile;
import io.lanyard.dataplane.DataplaneCounters;
import io.lanyard.dataplane.PortCounters;
import io.lanyard.forwarding.verdict.DropReason;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataplaneMetricsTest
{
    @TempDir
    Path dir;

    private CountersFile file;
    private final Map<Integer, MetricsSource.PortOwner> owners = new TreeMap<>();
    private final Map<String, Long> dns = new HashMap<>();

    @AfterEach
    void close()
    {
        if (file != null)
        {
            file.close();
        }
    }

    @Test
    void shouldNameEachPortsTrafficAndDropsBySandboxInterfaceAndNetwork() throws IOException
    {
        open();
        owners.put(1, new MetricsSource.PortOwner("c1", "eth0", "bridge"));
        port(1, PortCounters.TYPE_RX_PACKETS, 5);
        port(1, PortCounters.TYPE_RX_BYTES, 420);
        port(1, PortCounters.TYPE_TX_PACKETS, 4);
        port(1, PortCounters.TYPE_TX_BYTES, 336);
        port(1, PortCounters.TYPE_DROP_BASE + DropReason.SPOOFED_IP.ordinal(), 3);
        // a port nobody owns (being attached or detached) is left out
        port(9, PortCounters.TYPE_RX_PACKETS, 100);

        final String text = scrape(new DataplaneMetrics(source(), "0.1.0"));

        final String labels = "{interface=\"eth0\",network=\"bridge\",port=\"1\",sandbox=\"c1\"}";
        assertTrue(text.contains("\nlanyard_port_receive_packets_total" + labels + " 5.0\n"), text);
        assertTrue(text.contains("\nlanyard_port_receive_bytes_total" + labels + " 420.0\n"), text);
        assertTrue(text.contains("\nlanyard_port_transmit_packets_total" + labels + " 4.0\n"), text);
        assertTrue(text.contains("\nlanyard_port_transmit_bytes_total" + labels + " 336.0\n"), text);
        assertTrue(text.contains("\nlanyard_port_drops_total{interface=\"eth0\",network=\"bridge\",port=\"1\",reason=\"spoofed_ip\",sandbox=\"c1\"} 3.0\n"),
            text);
        assertTrue(text.contains("\nlanyard_network_receive_packets_total{network=\"bridge\"} 5.0\n"), text);
        assertTrue(text.contains("\nlanyard_network_drops_total{network=\"bridge\"} 3.0\n"), text);
        assertFalse(text.contains("port=\"9\""), text);
        assertTrue(text.contains("# TYPE lanyard_port_receive_packets_total counter\n"), text);
        assertTrue(text.contains("# HELP lanyard_port_receive_packets_total frames the switch read from a port\n"), text);
    }

    @Test
    void shouldKeepANetworksCountersFromFallingWhenASandboxLeaves() throws IOException
    {
        open();
        owners.put(1, new MetricsSource.PortOwner("c1", "eth0", "n1"));
        owners.put(2, new MetricsSource.PortOwner("c2", "eth0", "n1"));
        final AtomicCounter first = port(1, PortCounters.TYPE_RX_PACKETS, 10);
        port(2, PortCounters.TYPE_RX_PACKETS, 7);
        final DataplaneMetrics metrics = new DataplaneMetrics(source(), "0.1.0");
        assertTrue(scrape(metrics).contains("\nlanyard_network_receive_packets_total{network=\"n1\"} 17.0\n"));

        // c1 leaves; its port number comes back for c3 with fresh counters
        first.set(0);
        owners.put(1, new MetricsSource.PortOwner("c3", "eth0", "n1"));
        final String after = scrape(metrics);

        assertTrue(after.contains("\nlanyard_network_receive_packets_total{network=\"n1\"} 17.0\n"), after);
        assertFalse(after.contains("sandbox=\"c1\""), after);
    }

    @Test
    void shouldGiveTheSwitchsTablesTheirOwnFamiliesWithTheReasonAsALabel() throws IOException
    {
        open();
        global(DataplaneCounters.TYPE_MAC_ENTRIES, 12);
        global(DataplaneCounters.TYPE_MAC_PORT_LIMIT_REFUSED, 2);
        global(DataplaneCounters.TYPE_MAC_PINNED_REFUSED, 1);
        global(DataplaneCounters.TYPE_NAT_CONNECTIONS, 3);
        global(DataplaneCounters.TYPE_VXLAN_DROP_UNKNOWN_VNI, 8);
        dns.put("queries", 40L);

        final String text = scrape(new DataplaneMetrics(source(), "0.1.0"));

        assertTrue(text.contains("# TYPE lanyard_mac_entries gauge\nlanyard_mac_entries 12.0\n"), text);
        assertTrue(text.contains("\nlanyard_mac_refused_total{reason=\"port_limit\"} 2.0\n"), text);
        assertTrue(text.contains("\nlanyard_mac_refused_total{reason=\"pinned\"} 1.0\n"), text);
        assertTrue(text.contains("\nlanyard_nat_connections 3.0\n"), text);
        assertTrue(text.contains("\nlanyard_vxlan_drops_total{reason=\"unknown_vni\"} 8.0\n"), text);
        assertTrue(text.contains("\nlanyard_dns_queries_total 40.0\n"), text);
        assertTrue(text.contains("\nlanyard_ring_slots 1024.0\n"), text);
        assertTrue(text.contains("\nlanyard_ring_occupied_slots 2.0\n"), text);
        assertTrue(text.contains("\nlanyard_sandboxes 2.0\n"), text);
        assertTrue(text.contains("\nlanyard_networks{driver=\"bridge\"} 3.0\n"), text);
        assertTrue(text.contains("\nlanyard_build_info{io=\"epoll\",version=\"0.1.0\"} 1.0\n"), text);
    }

    @Test
    void shouldHaveAMetricForEveryDataplaneCounter() throws IllegalAccessException
    {
        for (final Field field : DataplaneCounters.class.getFields())
        {
            if (field.getName().startsWith("TYPE_") && Modifier.isStatic(field.getModifiers()))
            {
                assertTrue(DataplaneMetrics.GLOBALS.containsKey(field.getInt(null)), field.getName() + " has no metric");
            }
        }
    }

    private void open()
    {
        file = CountersFile.create(dir.resolve("counters"), 256);
    }

    private AtomicCounter port(final int port, final int type, final long value)
    {
        return counter(port, type, value);
    }

    private void global(final int type, final long value)
    {
        counter(DataplaneCounters.NO_PORT, type, value);
    }

    private AtomicCounter counter(final int port, final int type, final long value)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[Integer.BYTES]);
        key.putInt(0, port);
        final UnsafeBuffer label = new UnsafeBuffer("test".getBytes(StandardCharsets.US_ASCII));
        final AtomicCounter counter = file.manager().newCounter(type, key, 0, key.capacity(), label, 0, label.capacity());
        counter.set(value);
        return counter;
    }

    private MetricsSource source()
    {
        return new MetricsSource()
        {
            @Override
            public CountersReader counters()
            {
                return file.reader();
            }

            @Override
            public Map<Integer, PortOwner> ports()
            {
                return new TreeMap<>(owners);
            }

            @Override
            public Map<String, Integer> networksByDriver()
            {
                return Map.of("bridge", 3, "overlay", 1);
            }

            @Override
            public int sandboxes()
            {
                return 2;
            }

            @Override
            public Map<String, Long> dns()
            {
                return dns;
            }

            @Override
            public long dnsInFlight()
            {
                return 0;
            }

            @Override
            public long ringSlots()
            {
                return 1024;
            }

            @Override
            public long ringOccupied()
            {
                return 2;
            }

            @Override
            public String ioBackend()
            {
                return "epoll";
            }
        };
    }

    private static String scrape(final DataplaneMetrics metrics) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.collect());
        return "\n" + out.toString(StandardCharsets.UTF_8);
    }
}
