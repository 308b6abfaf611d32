package io.lanyard.dataplane;

import io.lanyard.forwarding.wire.VirtioNetHeader;
import io.lanyard.tap.IoLoop;
import io.lanyard.tap.LinuxCalls;
import io.lanyard.tap.UdpSocket;
import io.lanyard.vxlan.InnerChecksum;
import io.lanyard.vxlan.VxlanHeader;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads the host's VXLAN socket straight into ring slots and publishes each inner frame as if
 * its domain's overlay port had read it.
 *
 * <pre>
 * | headroom (64)            | virtio_net_hdr (10) | inner Ethernet frame
 *                 ^ the datagram lands here: its 8-byte VXLAN header is the last 8 bytes
 *                   before FRAME_OFFSET, so the inner frame is where a TAP's would be
 * </pre>
 *
 * The VXLAN header overlaps the virtio header's place: once the VNI is read the 10 bytes are
 * zeroed, as a frame off the wire asks no offload of anyone, unless it carries the partial
 * TCP/UDP checksum a Linux VTEP leaves for its underlay device to finish: then the virtio header
 * says {@code NEEDS_CSUM} as the sender's kernel did ({@link InnerChecksum}), and the TAP or the
 * sink it leaves through finishes it. The sender's address
 * goes into the slot for the forwarding stage, which owns the VTEP table and decides whether the
 * sender may speak for the network. What has no overlay port to be charged to (no I flag, an
 * unknown VNI, too short or too long) is counted in {@link DataplaneCounters}.
 *
 * <p>The VNI → port map belongs to the I/O thread: the dataplane changes it only through
 * {@code ioLoop.execute}. A burst is bounded like a TAP's.
 */
final class VxlanPortReader implements IoLoop.ReadHandler
{
    static final int BURST = TapPortReader.BURST;
    /** Where the datagram starts, relative to the slot's data address. */
    static final int DATAGRAM_OFFSET = FrameSlot.FRAME_OFFSET - VxlanHeader.LENGTH - FrameSlot.DATA_OFFSET;
    /** A VXLAN header and at least an Ethernet header. */
    static final int MIN_DATAGRAM = VxlanHeader.LENGTH + 14;
    private static final int CAPACITY = FrameSlot.DATA_CAPACITY - DATAGRAM_OFFSET;

    private final UdpSocket socket;
    private final Int2ObjectHashMap<Port> portsByVni;
    private final RingWriter writer;
    private final DataplaneCounters counters;
    private final VxlanHeader header = new VxlanHeader();

    VxlanPortReader(
        final UdpSocket socket, final Int2ObjectHashMap<Port> portsByVni, final RingWriter writer, final DataplaneCounters counters)
    {
        this.socket = socket;
        this.portsByVni = portsByVni;
        this.writer = writer;
        this.counters = counters;
    }

    @Override
    public void onReadable()
    {
        readBurst();
        writer.endOfBurst();
    }

    private void readBurst()
    {
        for (int i = 0; i < BURST; i++)
        {
            final FrameSlot slot = writer.slot();
            final int n = socket.receive(slot.dataAddress() + DATAGRAM_OFFSET, CAPACITY);
            if (n == -LinuxCalls.EAGAIN)
            {
                return;
            }
            if (n < 0)
            {
                if (-n == LinuxCalls.EMSGSIZE)
                {
                    counters.vxlanTruncated.incrementRelease();
                    continue;
                }
                counters.vxlanRxErrors.incrementRelease();
                return;
            }
            if (n < MIN_DATAGRAM)
            {
                counters.vxlanTruncated.incrementRelease();
                continue;
            }
            final UnsafeBuffer buffer = slot.buffer();
            header.wrap(buffer, FrameSlot.FRAME_OFFSET - VxlanHeader.LENGTH, n);
            if (!header.isValid())
            {
                counters.vxlanBadHeader.incrementRelease();
                continue;
            }
            final Port port = portsByVni.get(header.vni());
            if (port == null)
            {
                counters.vxlanUnknownVni.incrementRelease();
                continue;
            }
            final int frameLength = n - VxlanHeader.LENGTH;
            final PortCounters portCounters = port.counters;
            portCounters.rxPackets.incrementRelease();
            portCounters.rxBytes.getAndAddRelease(frameLength);
            final VirtioNetHeader virtioHeader = slot.virtioHeader().clear();
            if (InnerChecksum.markIfPartial(buffer, FrameSlot.FRAME_OFFSET, frameLength, virtioHeader))
            {
                counters.vxlanPartialChecksum.incrementRelease();
            }
            slot.overlayFrame(port.id(), FrameSlot.VNET_HEADER_LENGTH + frameLength, socket.lastSourceAddress());
            writer.publish();
        }
    }
}
