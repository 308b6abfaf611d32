package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One pre-allocated entry of the ring: a fixed window of off-heap memory that a port reads a
 * frame straight into, plus what the forwarding stage decided about it (its {@link Verdict}).
 *
 * <pre>
 * | headroom (64) | virtio_net_hdr (10) | Ethernet frame (up to 65 550)          |
 * ^ slot start    ^ DATA_OFFSET         ^ FRAME_OFFSET
 * </pre>
 *
 * The headroom lets an encapsulation stage prepend outer headers by moving the start back
 * instead of copying the frame: VXLAN writes 36 bytes (outer IPv4, UDP, VXLAN; the kernel adds
 * the outer Ethernet header) ending at FRAME_OFFSET, over the virtio header's place, which it
 * saves and restores. The capacity holds the largest frame a
 * TAP with TCP segmentation offload hands over: a 64 KB IP packet plus its Ethernet header.
 */
public final class FrameSlot
{
    public static final int HEADROOM = 64;
    public static final int VNET_HEADER_LENGTH = 10;
    public static final int DATA_OFFSET = HEADROOM;
    public static final int FRAME_OFFSET = HEADROOM + VNET_HEADER_LENGTH;
    /** virtio header + 14-byte Ethernet header + 65 535-byte IP packet + a VLAN tag, rounded up. */
    public static final int DATA_CAPACITY = 65_600;
    /** Rounded up to whole cache lines, so every slot (and its headroom) starts on a line boundary. */
    public static final int SIZE = (HEADROOM + DATA_CAPACITY + 16 + 63) & ~63;

    /** A frame from a port. */
    public static final int KIND_FRAME = 0;
    /** No frame: published only to wake the stages so they apply pending commands. */
    public static final int KIND_WAKE = 1;

    private final UnsafeBuffer buffer;
    private final long dataAddress;
    private final VirtioNetHeader virtioHeader;
    /** Where the frame goes: written by the forwarding stage, read by the transmit stage. */
    final Verdict verdict = new Verdict();

    int kind;
    int ingressPort;
    /** Bytes at {@link #DATA_OFFSET}: the virtio header and the frame. */
    int dataLength;
    /** The VTEP (IPv4) a datagram from the overlay socket came from; 0 for a frame from a local port. */
    int sourceVtep;

    FrameSlot(final UnsafeBuffer buffer)
    {
        this.buffer = buffer;
        this.dataAddress = buffer.addressOffset() + DATA_OFFSET;
        this.virtioHeader = new VirtioNetHeader().wrap(buffer, DATA_OFFSET);
    }

    /** The whole slot, headroom included. */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** Where a port reads into and writes from: the virtio header, then the frame. */
    public long dataAddress()
    {
        return dataAddress;
    }

    public int kind()
    {
        return kind;
    }

    public int ingressPort()
    {
        return ingressPort;
    }

    public int dataLength()
    {
        return dataLength;
    }

    public int frameLength()
    {
        return dataLength - VNET_HEADER_LENGTH;
    }

    /** The slot's virtio header, at {@link #DATA_OFFSET}. */
    public VirtioNetHeader virtioHeader()
    {
        return virtioHeader;
    }

    /**
     * Applies to the slot what its verdict says the decision did to the frame: a reply, or a
     * frame that replaced the one read (then with its own length), was written by the dataplane
     * and is complete, so its virtio header asks nothing of the receiver.
     */
    void settleRewrite()
    {
        final int rewrittenLength = verdict.rewrittenLength();
        if (rewrittenLength != Verdict.NOT_REWRITTEN)
        {
            dataLength = VNET_HEADER_LENGTH + rewrittenLength;
            virtioHeader.clear();
        }
        else if (verdict.egress() == Verdict.REPLY)
        {
            virtioHeader.clear();
        }
    }

    public Verdict verdict()
    {
        return verdict;
    }

    /** Marks the slot as holding {@code dataLength} bytes read from {@code port}. */
    public void frame(final int port, final int dataLength)
    {
        this.kind = KIND_FRAME;
        this.ingressPort = port;
        this.dataLength = dataLength;
        this.sourceVtep = 0;
    }

    /** Marks the slot as holding a frame decapsulated from a datagram {@code sourceVtep} sent. */
    void overlayFrame(final int port, final int dataLength, final int sourceVtep)
    {
        frame(port, dataLength);
        this.sourceVtep = sourceVtep;
    }

    public int sourceVtep()
    {
        return sourceVtep;
    }

    void wake()
    {
        this.kind = KIND_WAKE;
        this.dataLength = 0;
    }
}
