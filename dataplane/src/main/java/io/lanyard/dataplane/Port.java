package io.lanyard.dataplane;

import io.lanyard.tap.IoLoop;

/**
 * A port of the switch as the control plane holds it: its number, where frames go out, its counters.
 *
 * <p>A port is one of two kinds. Most write their frames to a {@link FrameSink} (a TAP, the
 * uplink's packet socket, memory in tests). A domain's overlay port has no sink: it stands for
 * the network's other hosts, so the transmit stage wraps each of its frames in VXLAN and sends it
 * to the slot's VTEPs through the host's VXLAN socket ({@link #isOverlay()}).
 */
public final class Port
{
    private static final int NO_VNI = -1;

    private final int id;
    private final int domain;
    private final String label;
    /** The VNI when this is a domain's overlay port, else {@link #NO_VNI}. */
    final int vni;
    /** Where the transmit stage writes this port's frames; null for an overlay port. */
    final FrameSink sink;
    final PortCounters counters;
    IoLoop.Watch watch;
    /** Set once by the I/O thread when reading its device failed for good; read by the control plane. */
    private volatile boolean deviceGone;

    Port(final int id, final int domain, final String label, final FrameSink sink, final PortCounters counters)
    {
        this(id, domain, label, sink, counters, NO_VNI);
    }

    private Port(final int id, final int domain, final String label, final FrameSink sink, final PortCounters counters, final int vni)
    {
        this.vni = vni;
        this.id = id;
        this.domain = domain;
        this.label = label;
        this.sink = sink;
        this.counters = counters;
    }

    /** The overlay port of {@code domain}, carried over VXLAN as {@code vni}. */
    static Port overlay(final int id, final int domain, final String label, final PortCounters counters, final int vni)
    {
        return new Port(id, domain, label, null, counters, vni);
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
        return vni != NO_VNI;
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

    /** Whether its device went away under it (a TAP deleted from inside its sandbox): nothing is read from it any more. */
    public boolean isDeviceGone()
    {
        return deviceGone;
    }

    void markDeviceGone()
    {
        deviceGone = true;
    }

    @Override
    public String toString()
    {
        return "Port{" + id + " " + label + "}";
    }
}
