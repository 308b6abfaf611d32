package io.lanyard.control.metrics;

import org.agrona.concurrent.status.CountersReader;

import java.util.Map;

/**
 * What a scrape reads: the dataplane's counters file and what the control plane knows about
 * the ports, networks and sandboxes they belong to. {@link ControlPlaneSource} is the daemon's.
 */
public interface MetricsSource
{
    /** Who a port belongs to: its sandbox (empty for the daemon's own ports), interface and network. */
    record PortOwner(String sandbox, String interfaceName, String network)
    {
        /** A port as the trace and its follower name it: {@code 3 (c2 eth0, bridge)}, or its number alone without an owner. */
        public static String describe(final Map<Integer, PortOwner> owners, final int port)
        {
            final PortOwner owner = owners.get(port);
            return owner == null ? Integer.toString(port) :
                port + " (" + (owner.sandbox().isEmpty() ? "" : owner.sandbox() + " ") + owner.interfaceName() + ", " + owner.network() + ")";
        }
    }

    CountersReader counters();

    /** Every port with an owner, by port number; ports missing here are not reported. */
    Map<Integer, PortOwner> ports();

    /** How many networks there are of each driver. */
    Map<String, Integer> networksByDriver();

    int sandboxes();

    /** The embedded DNS's counters by name ({@code DnsCounters#snapshot}); empty without one. */
    Map<String, Long> dns();

    /** DNS queries forwarded upstream and not yet answered. */
    long dnsInFlight();

    /** The ring's slots, and how many hold a frame not yet transmitted. */
    long ringSlots();

    long ringOccupied();

    String ioBackend();
}
