package io.lanyard.dataplane;

import com.lmax.disruptor.EventHandler;
import io.lanyard.forwarding.l2.DropReason;
import io.lanyard.forwarding.l2.LearningSwitch;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

/**
 * Writes each frame to the port (or ports) the forwarding stage chose, straight from its slot.
 * Sinks that queue writes are flushed at the end of each batch. It also completes the fences
 * the forwarding stage sets when a port is detached.
 */
final class TransmitStage implements EventHandler<FrameSlot>
{
    private static final int DROP_TX_ERROR = DropReason.TX_ERROR.ordinal();

    private final Port[] ports;
    private final OneToOneConcurrentArrayQueue<Fence> fences;
    private final DataplaneCounters counters;
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
            final int verdict = slot.verdict;
            if (verdict >= 0)
            {
                send(verdict, slot);
            }
            else if (verdict == LearningSwitch.REPLY)
            {
                send(slot.ingressPort, slot);
            }
            else if (verdict == LearningSwitch.FLOOD)
            {
                final int ingress = slot.ingressPort;
                for (final int port : slot.floodPorts)
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

    private void send(final int portId, final FrameSlot slot)
    {
        final Port port = ports[portId];
        if (port == null)
        {
            counters.noEgressPort.incrementRelease();
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
