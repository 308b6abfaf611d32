package io.lanyard.dataplane;

import com.lmax.disruptor.EventHandler;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.tap.UdpSocket;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

/**
 * Writes each frame to the port (or ports) the forwarding stage chose, straight from its slot.
 * Sinks that queue writes are flushed at the end of each batch. It also completes the fences
 * the forwarding stage sets when a port is detached.
 *
 * <p>An overlay port has no sink: its frames go to the slot's VTEP, or each VTEP of a flood, as
 * VXLAN datagrams through the {@link OverlaySender} (segmented first when they are TCP
 * segmentation-offload frames), and until the control plane has attached the host's VXLAN
 * socket they are dropped as {@link DropReason#TX_ERROR}.
 */
final class TransmitStage implements EventHandler<FrameSlot>
{
    private static final int DROP_TX_ERROR = DropReason.TX_ERROR.ordinal();

    private final Port[] ports;
    private final OneToOneConcurrentArrayQueue<Fence> fences;
    private final DataplaneCounters counters;
    /** Set once by the control plane with the host's VXLAN socket; null until then (overlay frames are then dropped). */
    private volatile OverlaySender overlaySender;
    private final int[] touched;
    private final boolean[] isTouched;
    private int touchedCount;

    TransmitStage(final Port[] ports, final OneToOneConcurrentArrayQueue<Fence> fences, final DataplaneCounters counters)
    {
        this.ports = ports;
        this.fences = fences;
        this.counters = counters;
        this.touched = new int[ports.length];
        this.isTouched = new boolean[ports.length];
    }

    @Override
    public void onEvent(final FrameSlot slot, final long sequence, final boolean endOfBatch)
    {
        if (slot.kind == FrameSlot.KIND_FRAME)
        {
            final int egress = slot.verdict.egress();
            if (egress >= 0)
            {
                send(egress, slot);
            }
            else if (egress == Verdict.REPLY)
            {
                send(slot.ingressPort, slot);
            }
            else if (egress == Verdict.FLOOD)
            {
                final int ingress = slot.ingressPort;
                for (final int port : slot.verdict.floodPorts())
                {
                    if (port != ingress)
                    {
                        send(port, slot);
                    }
                }
            }
        }
        if (endOfBatch)
        {
            flush();
        }
        passFences(sequence);
    }

    /**
     * The socket overlay ports send through (its {@link UdpSocket#senders() senders}; their
     * address is the outer source address) and the UDP port of the other VTEPs.
     */
    void overlaySocket(final UdpSocket socket, final int destinationPort)
    {
        overlaySender = new OverlaySender(socket.senders(), destinationPort);
    }

    private void send(final int portId, final FrameSlot slot)
    {
        final Port port = ports[portId];
        if (port == null)
        {
            counters.noEgressPort.incrementRelease();
            return;
        }
        if (port.isOverlay())
        {
            encapsulate(port, slot);
            return;
        }
        final int length = slot.dataLength;
        final int written = port.sink.write(slot.dataAddress(), length);
        final PortCounters portCounters = port.counters;
        if (written < 0)
        {
            portCounters.drop(DROP_TX_ERROR);
            return;
        }
        portCounters.txPackets.incrementRelease();
        portCounters.txBytes.getAndAddRelease(length - FrameSlot.VNET_HEADER_LENGTH);
        if (!isTouched[portId])
        {
            isTouched[portId] = true;
            touched[touchedCount++] = portId;
        }
    }

    private void encapsulate(final Port port, final FrameSlot slot)
    {
        final OverlaySender sender = overlaySender;
        if (sender == null)
        {
            port.counters.drop(DROP_TX_ERROR);
            return;
        }
        sender.send(port, slot);
    }

    private void flush()
    {
        for (int i = 0; i < touchedCount; i++)
        {
            final int portId = touched[i];
            isTouched[portId] = false;
            final Port port = ports[portId];
            if (port != null)
            {
                port.sink.flush();
            }
        }
        touchedCount = 0;
    }

    private void passFences(final long sequence)
    {
        Fence fence = fences.peek();
        while (fence != null && sequence >= fence.sequence())
        {
            fences.poll();
            flush();
            fence.passed().complete(null);
            fence = fences.peek();
        }
    }
}
