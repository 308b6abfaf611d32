package io.lanyard.dataplane;

import com.lmax.disruptor.EventHandler;
import io.lanyard.forwarding.l2.DropReason;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.tap.UdpSocket;
import io.lanyard.vxlan.VxlanHeader;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes each frame to the port (or ports) the forwarding stage chose, straight from its slot.
 * Sinks that queue writes are flushed at the end of each batch. It also completes the fences
 * the forwarding stage sets when a port is detached.
 *
 * <p>An overlay port is written through the host's VXLAN socket, encapsulating in the slot's
 * headroom instead of copying: the 8 bytes before the inner frame (the tail of the virtio
 * header's place and 2 bytes of headroom) are saved, the VXLAN header is written there, the
 * datagram is sent to the slot's VTEP or to each of its flood VTEPs, and the 8 bytes are put
 * back, because the same slot may still go out of local ports of a flood. A frame that leaves
 * segmentation or checksumming to the receiver (a virtio header with a GSO type or NEEDS_CSUM)
 * cannot travel as one finished datagram: it is dropped and counted
 * ({@link DropReason#VXLAN_OFFLOAD}). The control plane opens the TAPs of overlay networks
 * without offloads ({@code TapDevice.OFFLOAD_NONE}) so their frames never need that.
 */
final class TransmitStage implements EventHandler<FrameSlot>
{
    private static final int DROP_TX_ERROR = DropReason.TX_ERROR.ordinal();
    private static final int DROP_VXLAN_OFFLOAD = DropReason.VXLAN_OFFLOAD.ordinal();
    private static final int VIRTIO_NEEDS_CSUM = 1;
    private static final int VXLAN_OFFSET = FrameSlot.FRAME_OFFSET - VxlanHeader.LENGTH;

    private final Port[] ports;
    private final OneToOneConcurrentArrayQueue<Fence> fences;
    private final DataplaneCounters counters;
    private final VxlanHeader vxlan = new VxlanHeader();
    /** The host's VXLAN socket, set once by the control plane; null until then (overlay frames are then dropped). */
    private volatile UdpSocket overlaySocket;
    private int vxlanPort = VxlanHeader.DEFAULT_PORT;
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

    /** The socket overlay ports send through, and the UDP port of the other VTEPs. */
    void overlaySocket(final UdpSocket socket, final int destinationPort)
    {
        vxlanPort = destinationPort;
        overlaySocket = socket;
    }

    private void send(final int portId, final FrameSlot slot)
    {
        final Port port = ports[portId];
        if (port == null)
        {
            counters.noEgressPort.incrementRelease();
            return;
        }
        if (port.vni >= 0)
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
        final PortCounters portCounters = port.counters;
        final UnsafeBuffer buffer = slot.buffer();
        final UdpSocket socket = overlaySocket;
        if (socket == null)
        {
            portCounters.drop(DROP_TX_ERROR);
            return;
        }
        if (buffer.getByte(FrameSlot.DATA_OFFSET + 1) != 0 || (buffer.getByte(FrameSlot.DATA_OFFSET) & VIRTIO_NEEDS_CSUM) != 0)
        {
            portCounters.drop(DROP_VXLAN_OFFLOAD);
            return;
        }
        final int frameLength = slot.dataLength - FrameSlot.VNET_HEADER_LENGTH;
        final int length = VxlanHeader.LENGTH + frameLength;
        final long datagram = slot.dataAddress() + (VXLAN_OFFSET - FrameSlot.DATA_OFFSET);
        final long saved = buffer.getLong(VXLAN_OFFSET);
        vxlan.wrap(buffer, VXLAN_OFFSET, length).write(port.vni);
        final int vtep = slot.vtep;
        if (vtep != 0)
        {
            sendDatagram(socket, datagram, length, vtep, portCounters, frameLength);
        }
        else
        {
            for (final int each : slot.vteps)
            {
                sendDatagram(socket, datagram, length, each, portCounters, frameLength);
            }
        }
        buffer.putLong(VXLAN_OFFSET, saved);
    }

    private void sendDatagram(
        final UdpSocket socket, final long datagram, final int length, final int vtep, final PortCounters portCounters, final int frameLength)
    {
        if (socket.send(datagram, length, vtep, vxlanPort) < 0)
        {
            portCounters.drop(DROP_TX_ERROR);
            return;
        }
        portCounters.txPackets.incrementRelease();
        portCounters.txBytes.getAndAddRelease(frameLength);
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
