package io.lanyard.dataplane;

import com.lmax.disruptor.EventHandler;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import io.lanyard.tap.RawIpSocket;
import io.lanyard.tap.UdpSocket;
import io.lanyard.vxlan.VtepTable;
import io.lanyard.vxlan.VxlanEncapTemplate;
import io.lanyard.vxlan.VxlanSourcePort;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes each frame to the port (or ports) the forwarding stage chose, straight from its slot.
 * Sinks that queue writes are flushed at the end of each batch. It also completes the fences
 * the forwarding stage sets when a port is detached.
 *
 * <p>An overlay port has no sink: its frames go out as whole outer IPv4 packets through the raw
 * socket beside the host's VXLAN socket, encapsulated in the slot's headroom instead of copied:
 *
 * <pre>
 * | headroom ...  | outer IPv4 (20) | UDP (8) | VXLAN (8) | inner Ethernet frame
 *                 ^ OUTER_OFFSET (38)   the last 10 bytes of these overlap the  ^ FRAME_OFFSET (74)
 *                                       virtio header's place (64..74)
 * </pre>
 *
 * The 10 virtio header bytes are saved, the outer headers are written from the host's
 * {@link VxlanEncapTemplate} with the frame's lengths, VNI and a UDP source port hashed from its
 * inner flow ({@link VxlanSourcePort}), the packet goes to the slot's VTEP or, patching only the
 * destination address, to each of its flood VTEPs, and the 10 bytes are put back, because the
 * same slot may still go out of local ports of a flood (the headroom before them is scratch).
 * A send the kernel refuses (EMSGSIZE for a packet too big for the path: DF is set and raw
 * sockets never fragment) is a {@link DropReason#TX_ERROR}. A frame that leaves segmentation or
 * checksumming to the receiver (a virtio header with a GSO type or NEEDS_CSUM) cannot travel as
 * one finished datagram: it is dropped and counted ({@link DropReason#VXLAN_OFFLOAD}). The
 * control plane opens the TAPs of overlay networks without offloads ({@code TapDevice.OFFLOAD_NONE})
 * so their frames never need that.
 */
final class TransmitStage implements EventHandler<FrameSlot>
{
    private static final int DROP_TX_ERROR = DropReason.TX_ERROR.ordinal();
    private static final int DROP_VXLAN_OFFLOAD = DropReason.VXLAN_OFFLOAD.ordinal();
    /** Where the outer IPv4 header starts: the outer headers end where the inner frame begins. */
    static final int OUTER_OFFSET = FrameSlot.FRAME_OFFSET - VxlanEncapTemplate.LENGTH;

    static
    {
        if (OUTER_OFFSET < 0)
        {
            throw new ExceptionInInitializerError("slot headroom too small for the VXLAN outer headers");
        }
    }

    private final Port[] ports;
    private final OneToOneConcurrentArrayQueue<Fence> fences;
    private final DataplaneCounters counters;
    /** The raw socket beside the host's VXLAN socket; written before {@link #overlayTemplate}, read after it. */
    private RawIpSocket overlaySender;
    /** The host's outer headers, set once by the control plane; null until then (overlay frames are then dropped). */
    private volatile VxlanEncapTemplate overlayTemplate;
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
     * The socket overlay ports send through (its raw sender; its address is the outer source
     * address) and the UDP port of the other VTEPs.
     */
    void overlaySocket(final UdpSocket socket, final int destinationPort)
    {
        final VxlanEncapTemplate template = new VxlanEncapTemplate(socket.address(), destinationPort);
        overlaySender = socket.rawSender();
        overlayTemplate = template;
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
        final PortCounters portCounters = port.counters;
        final UnsafeBuffer buffer = slot.buffer();
        final VxlanEncapTemplate template = overlayTemplate;
        if (template == null)
        {
            portCounters.drop(DROP_TX_ERROR);
            return;
        }
        final RawIpSocket sender = overlaySender;
        final VirtioNetHeader virtioHeader = slot.virtioHeader();
        if (virtioHeader.gsoType() != VirtioNetHeader.GSO_NONE || (virtioHeader.flags() & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0)
        {
            portCounters.drop(DROP_VXLAN_OFFLOAD);
            return;
        }
        final int frameLength = slot.dataLength - FrameSlot.VNET_HEADER_LENGTH;
        if (frameLength > VxlanEncapTemplate.MAX_FRAME_LENGTH)
        {
            portCounters.drop(DROP_TX_ERROR);
            return;
        }
        final int length = VxlanEncapTemplate.LENGTH + frameLength;
        final long packet = slot.dataAddress() + (OUTER_OFFSET - FrameSlot.DATA_OFFSET);
        final long savedVnetHead = buffer.getLong(FrameSlot.DATA_OFFSET);
        final short savedVnetTail = buffer.getShort(FrameSlot.DATA_OFFSET + Long.BYTES);
        template.write(buffer, OUTER_OFFSET, frameLength, port.vni, VxlanSourcePort.of(buffer, FrameSlot.FRAME_OFFSET, frameLength));
        final int vtep = slot.verdict.vtep();
        if (vtep != VtepTable.NO_VTEP)
        {
            sendPacket(sender, buffer, packet, length, vtep, portCounters, frameLength);
        }
        else
        {
            for (final int each : slot.verdict.vteps())
            {
                sendPacket(sender, buffer, packet, length, each, portCounters, frameLength);
            }
        }
        buffer.putLong(FrameSlot.DATA_OFFSET, savedVnetHead);
        buffer.putShort(FrameSlot.DATA_OFFSET + Long.BYTES, savedVnetTail);
    }

    private static void sendPacket(
        final RawIpSocket sender, final UnsafeBuffer buffer, final long packet, final int length, final int vtep,
        final PortCounters portCounters, final int frameLength)
    {
        VxlanEncapTemplate.destination(buffer, OUTER_OFFSET, vtep);
        if (sender.send(packet, length, vtep) < 0)
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
