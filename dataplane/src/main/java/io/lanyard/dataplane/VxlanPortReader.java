package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import io.lanyard.tap.IoLoop;
import io.lanyard.tap.LinuxCalls;
import io.lanyard.tap.UdpSocket;
import io.lanyard.vxlan.InnerChecksum;
import io.lanyard.vxlan.InnerFrame;
import io.lanyard.vxlan.TcpCoalescer;
import io.lanyard.vxlan.VxlanHeader;
import org.agrona.BufferUtil;
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
 * zeroed, as a frame off the wire asks no offload of anyone, unless it carries a partial
 * TCP/UDP checksum: the one a Linux VTEP leaves for its underlay device to finish
 * ({@link InnerChecksum} recognises it), or one the VXLAN header says it left partial (remote
 * checksum offload, what Lanyard hosts send each other). Then the virtio header says
 * {@code NEEDS_CSUM} as the sender's kernel did, and the TAP or the sink it leaves through
 * finishes it. An inner IP packet that claims more than the datagram carries, or a remote
 * checksum offload that points outside the frame, is dropped on its overlay port as
 * {@code malformed} ({@link InnerFrame}). The sender's address
 * goes into the slot for the forwarding stage, which owns the VTEP table and decides whether the
 * sender may speak for the network. What has no overlay port to be charged to (no I flag, an
 * unknown VNI, too short or too long) is counted in {@link DataplaneCounters}.
 *
 * <p>The socket reads with UDP GRO: a peer's UDP GSO send (or a NIC's GRO) arrives as a train of
 * datagrams in one read, and runs of one TCP flow's segments in it are joined into one frame
 * with a segmentation-offload virtio header ({@link TcpCoalescer}, counted as
 * {@code vxlan_rx_joined}); the rest of a train goes on datagram by datagram.
 *
 * <p>The VNI → port map belongs to the I/O thread: the dataplane changes it only through
 * {@code ioLoop.execute}. A burst is bounded like a TAP's.
 */
final class VxlanPortReader implements IoLoop.ReadHandler
{
    static final int BURST = TapPortReader.BURST;
    private static final int DROP_MALFORMED = DropReason.MALFORMED.ordinal();
    /** Where the datagram starts, relative to the slot's data address. */
    static final int DATAGRAM_OFFSET = FrameSlot.FRAME_OFFSET - VxlanHeader.LENGTH - FrameSlot.DATA_OFFSET;
    /** A VXLAN header and at least an Ethernet header. */
    static final int MIN_DATAGRAM = VxlanHeader.LENGTH + 14;
    private static final int CAPACITY = FrameSlot.DATA_CAPACITY - DATAGRAM_OFFSET;
    /** Where the datagram starts in the slot's buffer (headroom included). */
    private static final int TRAIN_START = FrameSlot.FRAME_OFFSET - VxlanHeader.LENGTH;

    private final UdpSocket socket;
    private final Int2ObjectHashMap<Port> portsByVni;
    private final RingWriter writer;
    private final DataplaneCounters counters;
    private final VxlanHeader header = new VxlanHeader();
    private final TcpCoalescer coalescer = new TcpCoalescer();
    /** What follows a run in a train, kept here while the run's slot is published. */
    private final UnsafeBuffer aside = new UnsafeBuffer(BufferUtil.allocateDirectAligned(FrameSlot.DATA_CAPACITY, 64));

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
            onDatagrams(n, socket.lastSegmentSize(), socket.lastSourceAddress());
        }
    }

    /**
     * Decapsulates what a read put at the claimed slot's datagram offset: {@code n} bytes that
     * {@code sourceVtep} sent, one datagram, or a train of {@code segmentSize}-byte datagrams
     * (the last perhaps shorter) when {@code segmentSize} is positive and less than {@code n}.
     * Each inner frame is published in a slot of its own; what is dropped is counted.
     */
    void onDatagrams(final int n, final int segmentSize, final int sourceVtep)
    {
        if (segmentSize > 0 && n > segmentSize)
        {
            readTrain(n, segmentSize, sourceVtep);
        }
        else
        {
            deliver(writer.slot(), n, sourceVtep);
        }
    }

    /**
     * A train of datagrams read at once (UDP GRO), back to back from the claimed slot's datagram
     * offset: runs of TCP segments of one flow are joined into one frame ({@link TcpCoalescer}),
     * anything else goes on alone. What follows a run is kept aside and copied into the next
     * slot, where the same is done again.
     */
    private void readTrain(final int length, final int segmentSize, final int sourceVtep)
    {
        int remaining = length;
        while (true)
        {
            final FrameSlot slot = writer.slot();
            final UnsafeBuffer buffer = slot.buffer();
            if (remaining <= segmentSize)
            {
                deliver(slot, remaining, sourceVtep);
                return;
            }
            final int run = header.wrap(buffer, TRAIN_START, segmentSize).isValid() ?
                coalescer.run(buffer, TRAIN_START, remaining, segmentSize) : 1;
            final int taken = Math.min(remaining, run * segmentSize);
            final int rest = remaining - taken;
            if (rest > 0)
            {
                aside.putBytes(0, buffer, TRAIN_START + taken, rest);
            }
            if (run == 1)
            {
                deliver(slot, taken, sourceVtep);
            }
            else
            {
                deliverJoined(slot, taken, segmentSize, run, sourceVtep);
            }
            if (rest == 0)
            {
                return;
            }
            writer.slot().buffer().putBytes(TRAIN_START, aside, 0, rest);
            remaining = rest;
        }
    }

    /** One datagram at the slot's datagram offset: checked, charged to its overlay port, published. */
    private void deliver(final FrameSlot slot, final int n, final int sourceVtep)
    {
        final Port port = portOf(slot, n, 1);
        if (port == null)
        {
            return;
        }
        final int frameLength = n - VxlanHeader.LENGTH;
        final PortCounters portCounters = port.counters;
        portCounters.rxPackets.incrementRelease();
        portCounters.rxBytes.getAndAddRelease(frameLength);
        // read before the virtio header is written over the VXLAN header
        final int remoteChecksum = header.remoteChecksum();
        final int checksumStart = VxlanHeader.checksumStart(remoteChecksum);
        final int checksumOffset = VxlanHeader.checksumOffset(remoteChecksum);
        if (!InnerFrame.isWhole(slot.buffer(), FrameSlot.FRAME_OFFSET, frameLength) ||
            (remoteChecksum != VxlanHeader.NO_REMOTE_CHECKSUM &&
                (checksumStart < EthernetFrame.HEADER_LENGTH || checksumStart + checksumOffset + Short.BYTES > frameLength)))
        {
            portCounters.drop(DROP_MALFORMED);
            return;
        }
        final VirtioNetHeader virtioHeader = slot.virtioHeader().clear();
        if (remoteChecksum != VxlanHeader.NO_REMOTE_CHECKSUM)
        {
            virtioHeader.flags(VirtioNetHeader.FLAG_NEEDS_CSUM).csumStart(checksumStart).csumOffset(checksumOffset);
            counters.vxlanPartialChecksum.incrementRelease();
        }
        else if (InnerChecksum.markIfPartial(slot.buffer(), FrameSlot.FRAME_OFFSET, frameLength, virtioHeader))
        {
            counters.vxlanPartialChecksum.incrementRelease();
        }
        slot.overlayFrame(port.id(), FrameSlot.VNET_HEADER_LENGTH + frameLength, sourceVtep);
        writer.publish();
    }

    /** A run of {@code count} datagrams of one TCP flow, joined into one segmentation-offload frame and published. */
    private void deliverJoined(final FrameSlot slot, final int length, final int segmentSize, final int count, final int sourceVtep)
    {
        final Port port = portOf(slot, segmentSize, count);
        if (port == null)
        {
            return;
        }
        final PortCounters portCounters = port.counters;
        portCounters.rxPackets.getAndAddRelease(count);
        portCounters.rxBytes.getAndAddRelease(length - (long)count * VxlanHeader.LENGTH);
        final int frameLength = coalescer.join(slot.buffer(), TRAIN_START, length, segmentSize, count, slot.virtioHeader());
        counters.vxlanJoined.getAndAddRelease(count);
        slot.overlayFrame(port.id(), FrameSlot.VNET_HEADER_LENGTH + frameLength, sourceVtep);
        writer.publish();
    }

    /**
     * The overlay port of the datagram at the slot's datagram offset (the first of
     * {@code datagrams} with the same VXLAN header), or null with the reason counted for each.
     */
    private Port portOf(final FrameSlot slot, final int n, final int datagrams)
    {
        if (n < MIN_DATAGRAM)
        {
            counters.vxlanTruncated.getAndAddRelease(datagrams);
            return null;
        }
        header.wrap(slot.buffer(), TRAIN_START, n);
        if (!header.isValid())
        {
            counters.vxlanBadHeader.getAndAddRelease(datagrams);
            return null;
        }
        final Port port = portsByVni.get(header.vni());
        if (port == null)
        {
            counters.vxlanUnknownVni.getAndAddRelease(datagrams);
        }
        return port;
    }
}
