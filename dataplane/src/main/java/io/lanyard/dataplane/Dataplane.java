package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.DropReason;
import org.agrona.concurrent.status.CountersReader;

/**
 * The dataplane of one host: the {@link Pipeline packet pipeline}, started once, and the three
 * ways the control plane programs it.
 *
 * <ul>
 *   <li>{@link #ports()}: attach and detach TAPs, sinks and the uplink; link two ports (ICC).</li>
 *   <li>{@link #overlays()}: the VXLAN socket, each overlay network's port, its peers and remote
 *       endpoints.</li>
 *   <li>{@link #forwarding()}: a domain's gateway and ICC policy, its routing, published ports,
 *       forgotten endpoints and uplink neighbours.</li>
 * </ul>
 *
 * The control plane never touches the tables: each change is a command the forwarding stage
 * applies between batches ({@link ForwardingProxy}), and each call returns once it has.
 */
public final class Dataplane implements AutoCloseable
{
    private final CountersFile countersFile;
    private final DataplaneCounters counters;
    private final Pipeline pipeline;
    private final ForwardingProxy forwarding;
    private final PortTable ports;
    private final OverlayPorts overlays;

    private Dataplane(final DataplaneConfig config)
    {
        countersFile = CountersFile.create(config.countersFile(), 16 + config.maxPorts() * (PortCounters.TYPE_DROP_BASE + DropReason.count()));
        counters = new DataplaneCounters(countersFile.manager());
        final Port[] portsById = new Port[config.maxPorts()];
        pipeline = new Pipeline(config, portsById, counters);
        forwarding = new ForwardingProxy(pipeline, config.maxDomains());
        ports = new PortTable(portsById, countersFile.manager(), forwarding, pipeline);
        overlays = new OverlayPorts(ports, forwarding, pipeline, counters, config.maxDomains());
    }

    public static Dataplane start(final DataplaneConfig config)
    {
        return new Dataplane(config);
    }

    /** The switch's ports: TAPs, sinks, the uplink, and the ICC links between two of them. */
    public PortTable ports()
    {
        return ports;
    }

    /** The overlay networks: the VXLAN socket, each overlay domain's port, its peers and remote endpoints. */
    public OverlayPorts overlays()
    {
        return overlays;
    }

    /** The domains' gateways and ICC policy, routing, published ports and neighbours. */
    public ForwardingProxy forwarding()
    {
        return forwarding;
    }

    /** Publishes {@code data} (virtio header + frame) as if it had been read from {@code portId}. */
    public void inject(final int portId, final byte[] data)
    {
        pipeline.inject(portId, data);
    }

    public CountersReader counters()
    {
        return countersFile.reader();
    }

    /** The dataplane-wide counters (VXLAN drops before a port, MAC table): read-only use. */
    public DataplaneCounters dataplaneCounters()
    {
        return counters;
    }

    public String ioBackend()
    {
        return pipeline.ioBackend();
    }

    /** The ring's slots. */
    public int ringSlots()
    {
        return pipeline.ringSlots();
    }

    /** Slots holding a frame that the stages have not finished with, now (for metrics; any thread). */
    public long ringOccupied()
    {
        return pipeline.ringOccupied();
    }

    /** Refuses every change from now on, stops reading every port and the stages, and unmaps the counters. */
    @Override
    public synchronized void close()
    {
        if (ports.close())
        {
            pipeline.close();
            countersFile.close();
        }
    }
}
