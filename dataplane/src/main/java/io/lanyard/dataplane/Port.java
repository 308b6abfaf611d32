package io.lanyard.dataplane;

import io.lanyard.tap.IoLoop;

/** A port of the switch as the control plane holds it: its number, where frames go out, its counters. */
public final class Port
{
    private final int id;
    private final int domain;
    private final String label;
    /** The VNI when this is a domain's overlay port (frames go out through the VXLAN socket), else -1. */
    final int vni;
    final FrameSink sink;
    final PortCounters counters;
    IoLoop.Watch watch;

    Port(final int id, final int domain, final String label, final FrameSink sink, final PortCounters counters)
    {
        this(id, domain, label, sink, counters, -1);
    }

    Port(final int id, final int domain, final String label, final FrameSink sink, final PortCounters counters, final int vni)
    {
        this.vni = vni;
        this.id = id;
        this.domain = domain;
        this.label = label;
        this.sink = sink;
        this.counters = counters;
    }

    public int id()
    {
        return id;
    }

    public int domain()
    {
        return domain;
    }

    public String label()
    {
        return label;
    }

    public boolean isOverlay()
    {
        return vni >= 0;
    }

    /** The overlay's VNI, or -1 when this is not an overlay port. */
    public int vni()
    {
        return vni;
    }

    public PortCounters counters()
    {
        return counters;
    }

    @Override
    public String toString()
    {
        return "Port{" + id + " " + label + "}";
    }
}
