package io.lanyard.dataplane;

import io.lanyard.tap.FrameDevice;
import io.lanyard.tap.TapDevice;
import org.agrona.BufferUtil;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.function.IntFunction;

/**
 * The switch's ports as the control plane holds them: port ids (the lowest free one for a new
 * port), the ports attached to the pipeline — TAPs and the uplink, which the I/O loop reads, and
 * sinks that only {@link Dataplane#inject} feeds — and each port's counters, from its attach to
 * its detach.
 *
 * <p>The stages read the ports by id from this table's array without a lock: a port is put in
 * before the forwarding stage is told of it, and taken out only after the detach's fence has
 * passed, once no stage can still write to it. Overlay ports are ports of this table too (see
 * {@link OverlayPorts}, which shares this table's lock). Every change is made under this
 * object's lock and waits for the pipeline (see {@link ForwardingProxy}).
 */
public final class PortTable
{
    /** Read by the stages (see {@link Pipeline}); written here, under this object's lock. */
    private final Port[] ports;
    private final BitSet ids = new BitSet();
    private final CountersManager countersManager;
    private final ForwardingProxy forwarding;
    private final Pipeline pipeline;
    private OverlayPorts overlays;
    private volatile FrameDevice uplinkDevice;
    private Port uplink;

    PortTable(final Port[] ports, final CountersManager countersManager, final ForwardingProxy forwarding, final Pipeline pipeline)
    {
        this.ports = ports;
        this.countersManager = countersManager;
        this.forwarding = forwarding;
        this.pipeline = pipeline;
    }

    /** The overlay ports, which detach an overlay port of this table by removing its overlay. */
    void overlays(final OverlayPorts overlays)
    {
        this.overlays = overlays;
    }

    /** Makes the TAP a port of {@code domain} and starts reading from it. */
    public synchronized Port attachTap(final TapDevice tap, final int domain, final String label)
    {
        return attachTap(tap, domain, label, false);
    }

    /** @param hostSide the daemon's own interface on the network, exempt from the network's ICC policy. */
    public synchronized Port attachTap(final TapDevice tap, final int domain, final String label, final boolean hostSide)
    {
        return attachDevice(tap, domain, label, hostSide);
    }

    /**
     * Makes a sandbox's TAP a port of {@code domain} that sends only as {@code guard} says (port
     * security), in force before the first frame is read from it.
     */
    public synchronized Port attachTap(final TapDevice tap, final int domain, final String label, final PortGuard guard)
    {
        return attachDevice(tap, domain, label, guard);
    }

    /** {@link #attachDevice(FrameDevice, int, String, boolean)} for a guest's device held to {@code guard} (a VM's TAP). */
    public synchronized Port attachDevice(final FrameDevice device, final int domain, final String label, final PortGuard guard)
    {
        final Port port = attach(device::write, domain, label, false, guard);
        startReading(port, device);
        return port;
    }

    /**
     * Makes any frame device a port of {@code domain} and starts reading from it: a TAP, or a
     * packet socket on an interface whose other end someone else holds (a VM monitor's TAP).
     */
    public synchronized Port attachDevice(final FrameDevice device, final int domain, final String label, final boolean hostSide)
    {
        final Port port = attach(device::write, domain, label, hostSide);
        startReading(port, device);
        return port;
    }

    /** Makes {@code sink} a port of {@code domain}; frames reach the switch from it only by {@link Dataplane#inject}. */
    public synchronized Port attach(final FrameSink sink, final int domain, final String label)
    {
        return attach(sink, domain, label, false);
    }

    public synchronized Port attach(final FrameSink sink, final int domain, final String label, final boolean hostSide)
    {
        return attach(sink, domain, label, hostSide, null);
    }

    private Port attach(final FrameSink sink, final int domain, final String label, final boolean hostSide, final PortGuard guard)
    {
        forwarding.checkDomain(domain);
        final Port port = add(id -> new Port(id, domain, label, sink, new PortCounters(countersManager, id, label)));
        forwarding.attach(port, hostSide, guard);
        return port;
    }

    /**
     * Makes {@code device} the uplink: the dataplane's own interface towards the outside, with
     * its own address. It belongs to no network; the router answers ARP and ICMP echo for
     * {@code address}, routes and translates what crosses it.
     */
    public synchronized Port attachUplink(
        final FrameDevice device, final long mac, final int address, final int prefixLength, final int gateway)
    {
        forwarding.ensureOpen();
        final String label = "uplink:" + device.name();
        final Port port = add(id -> new Port(id, -1, label, device::write, new PortCounters(countersManager, id, label)));
        uplink = port;
        uplinkDevice = device;
        forwarding.attachUplink(port, mac, address, prefixLength, gateway);
        startReading(port, device);
        return port;
    }

    /**
     * Writes one frame (no virtio header) straight out of the uplink from the calling thread:
     * for the control plane's ARP probes. A packet socket send is atomic per frame, so this
     * does not disturb the transmit stage writing to the same socket.
     *
     * @return false when there is no uplink or the kernel refused the frame.
     */
    public boolean sendOnUplink(final byte[] frame)
    {
        final FrameDevice device = uplinkDevice;
        if (device == null)
        {
            return false;
        }
        final ByteBuffer data = ByteBuffer.allocateDirect(FrameSlot.VNET_HEADER_LENGTH + frame.length);
        data.position(FrameSlot.VNET_HEADER_LENGTH);
        data.put(frame);
        return device.write(BufferUtil.address(data), data.capacity()) == data.capacity();
    }

    /**
     * Stops reading from the port, removes it from the tables, and returns once no stage can
     * still write to it: the caller may then close its device. A domain's overlay port goes with
     * its overlay ({@link OverlayPorts#remove}). A port already detached is ignored.
     */
    public synchronized void detach(final Port port)
    {
        forwarding.ensureOpen();
        if (ports[port.id()] != port)
        {
            return;
        }
        if (port.isOverlay())
        {
            overlays.remove(port.domain());
            return;
        }
        remove(port);
    }

    /**
     * Lets two container ports of one network exchange IP, both ways, although the network's ICC
     * is off: Docker's legacy link ({@code docker run --link} on a bridge with {@code --icc=false}).
     * Every other pair of its containers stays apart, and what the switch would flood still reaches
     * the host side alone. The pair ends with {@link #forbidIcc} or when either port is detached, so
     * a port that later gets the same id inherits nothing.
     *
     * @throws IllegalArgumentException for a port paired with itself, ports of two networks, or an
     *         overlay port (it stands for every container on the other hosts, not one).
     * @throws IllegalStateException for a port that is not attached, or when the switch already holds
     *         {@link io.lanyard.forwarding.l2.LearningSwitch#MAX_ALLOWED_PAIRS} pairs.
     */
    public synchronized void allowIcc(final Port a, final Port b)
    {
        forwarding.ensureOpen();
        if (!isAttached(a) || !isAttached(b))
        {
            throw new IllegalStateException("cannot link " + a.label() + " and " + b.label() + ": not both attached");
        }
        if (a == b || a.domain() != b.domain() || a.isOverlay() || b.isOverlay())
        {
            throw new IllegalArgumentException("cannot link " + a.label() + " and " + b.label() +
                ": links join two local ports of one network");
        }
        forwarding.allowPair(a, b);
    }

    /**
     * Ends what {@link #allowIcc} allowed. A port no longer attached is ignored: its pairs went with
     * it, and its id may already be another port's.
     */
    public synchronized void forbidIcc(final Port a, final Port b)
    {
        forwarding.ensureOpen();
        if (!isAttached(a) || !isAttached(b))
        {
            return;
        }
        forwarding.forbidPair(a, b);
    }

    /** Adds {@code domain}'s overlay port, which the transmit stage encapsulates for (see {@link OverlayPorts#add}). */
    Port attachOverlay(final int domain, final String label, final int vni)
    {
        forwarding.checkDomain(domain);
        final Port port = add(id -> Port.overlay(id, domain, label, new PortCounters(countersManager, id, label), vni));
        forwarding.attach(port, false, null);
        return port;
    }

    /**
     * Takes the port out: stops reading it, detaches it behind a fence and frees its id and
     * counters once the fence has passed.
     */
    void remove(final Port port)
    {
        if (port.watch != null)
        {
            port.watch.cancel();
            forwarding.onIoThread("stop reading " + port.label(), () -> { });
        }
        final boolean isUplink = port == uplink;
        forwarding.detach(port, isUplink);
        ports[port.id()] = null;
        if (isUplink)
        {
            uplink = null;
            uplinkDevice = null;
        }
        port.counters.close();
        ids.clear(port.id());
    }

    /**
     * Refuses every change from now on and stops reading the VXLAN socket and every port: the
     * dataplane is closing.
     *
     * @return false when it was closed already.
     */
    synchronized boolean close()
    {
        if (!forwarding.close())
        {
            return false;
        }
        overlays.stopReading();
        for (final Port port : ports)
        {
            if (port != null && port.watch != null)
            {
                port.watch.cancel();
            }
        }
        return true;
    }

    /** Whether {@code port} is this dataplane's current holder of its id (not detached, not another dataplane's). */
    private boolean isAttached(final Port port)
    {
        return port.id() >= 0 && port.id() < ports.length && ports[port.id()] == port;
    }

    /** Gives the lowest free id to the port {@code create} makes and puts it in the table. */
    private Port add(final IntFunction<Port> create)
    {
        final int id = ids.nextClearBit(0);
        if (id >= ports.length)
        {
            throw new IllegalStateException("all " + ports.length + " ports are in use");
        }
        final Port port = create.apply(id);
        ids.set(id);
        ports[id] = port;
        return port;
    }

    private void startReading(final Port port, final FrameDevice device)
    {
        final TapPortReader reader = new TapPortReader(device, port, pipeline.writer());
        port.watch = pipeline.ioLoop().watchReadable(device.fd(), reader);
        pipeline.ioLoop().execute(() -> reader.watchedBy(port.watch));
    }
}
