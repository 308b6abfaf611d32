package io.lanyard.control.metrics;

import io.lanyard.control.Attachment;
import io.lanyard.control.ControlPlane;
import io.lanyard.control.model.Network;
import org.agrona.concurrent.status.CountersReader;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** The daemon's {@link MetricsSource}: its dataplane's counters, and its control plane's ports, networks and sandboxes. */
public final class ControlPlaneSource implements MetricsSource
{
    private final ControlPlane control;

    public ControlPlaneSource(final ControlPlane control)
    {
        this.control = control;
    }

    /**
     * Who each port belongs to: a sandbox's (or an attached namespace's) endpoint, or one of the
     * daemon's own ports (a network's gateway, a VM's TAP), as {@code lanyard stats} shows them.
     */
    public static Map<Integer, PortOwner> owners(final ControlPlane control)
    {
        final Map<Integer, PortOwner> owners = new TreeMap<>();
        for (final Map.Entry<Integer, Attachment> entry : control.ports().entrySet())
        {
            final Attachment attachment = entry.getValue();
            final Network network = control.networkById(attachment.endpoint().networkId());
            owners.put(entry.getKey(), new PortOwner(attachment.port().label().split("/")[0], attachment.endpoint().interfaceName(),
                network == null ? "" : network.name()));
        }
        control.daemonPorts().forEach((port, own) -> owners.putIfAbsent(port, new PortOwner("", own[0], own[1])));
        return owners;
    }

    @Override
    public CountersReader counters()
    {
        return control.dataplane().counters();
    }

    @Override
    public Map<Integer, PortOwner> ports()
    {
        return owners(control);
    }

    @Override
    public Map<String, Integer> networksByDriver()
    {
        final Map<String, Integer> drivers = new TreeMap<>();
        for (final Network network : control.networks())
        {
            drivers.merge(network.driver(), 1, Integer::sum);
        }
        return drivers;
    }

    @Override
    public int sandboxes()
    {
        return control.sandboxes().size();
    }

    @Override
    public Map<String, Long> dns()
    {
        return control.dns() == null ? new HashMap<>() : control.dns().counters().snapshot();
    }

    @Override
    public long dnsInFlight()
    {
        return control.dns() == null ? 0 : control.dns().inFlight();
    }

    @Override
    public long ringSlots()
    {
        return control.dataplane().ringSlots();
    }

    @Override
    public long ringOccupied()
    {
        return control.dataplane().ringOccupied();
    }

    @Override
    public String ioBackend()
    {
        return control.dataplane().ioBackend();
    }
}
