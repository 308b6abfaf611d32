package io.lanyard.vxlan;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VxlanAllocationTest
{
    private static final int WARM_UP = 50_000;
    private static final int MEASURED = 100_000;
    private static final long ALLOWED_BYTES = 1024;
    private static final long T0 = 5_000_000_000_000L;

    private static final int OVERLAY = 7;
    private static final int HOST_B = 0xC000_0202;
    private static final int HOST_C = 0xC000_0203;
    private static final int KERNEL_K = 0xC000_0209;
    private static final int STRANGER = 0xC000_02FE;
    private static final long MAC_2 = 0x0242_0A00_0002L;
    private static final long MAC_5 = 0x0242_0A00_0005L;
    /** Where the inner frame starts in its buffer, as in a ring slot. */
    private static final int HEADROOM = 64;
    private static final long MAC_K = 0x5E00_5300_0042L;
    private static final byte[] ARP_REQUEST = HexFormat.of().parseHex(
        "ffffffffffff" + "02420a000005" + "0806" + "0001" + "0800" + "06" + "04" + "0001" +
        "02420a000005" + "0a000005" + "000000000000" + "0a000002");

    private final VtepTable table = new VtepTable(16, T0);
    private final ProxyArp proxyArp = new ProxyArp(table);
    private final VxlanHeader header = new VxlanHeader();
    private final UnsafeBuffer inner = new UnsafeBuffer(new byte[2048]);
    private final UnsafeBuffer arpSlot = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer outer = new UnsafeBuffer(new byte[64]);
    private final GsoSegmenter segmenter = new GsoSegmenter();
    private final UnsafeBuffer arena = new UnsafeBuffer(new byte[GsoSegmenter.MAX_SEGMENTS * GsoSegmenter.HEADER_SLOT]);
    private final UnsafeBuffer gsoSlot = new UnsafeBuffer(new byte[16 * 1024]);
    private final VirtioNetHeader gsoHeader = new VirtioNetHeader().wrap(gsoSlot, HEADROOM - VirtioNetHeader.LENGTH);
    private final UnsafeBuffer partialSlot = new UnsafeBuffer(new byte[2048]);
    private final VirtioNetHeader partialHeader = new VirtioNetHeader().wrap(partialSlot, HEADROOM - VirtioNetHeader.LENGTH);
    private int innerLength;
    private int gsoLength;
    private int partialLength;
    private long now = T0;
    private long sink;

    @Test
    void shouldHandlePacketsWithoutAllocating()
    {
        table.setPeers(OVERLAY, new int[] {HOST_B, HOST_C});
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});
        table.addEndpoint(OVERLAY, MAC_2, 0x0A00_0002, HOST_B);
        innerLength = FrameBuilder.tcp(0x0A00_0005, 40000, 0x0A00_0002, 80, 0).ethernet(MAC_5, MAC_2).writeTo(inner, HEADROOM);
        final byte[] gso = FrameBuilder.tcp(0x0A00_0005, 40000, 0x0A00_0002, 80, FrameBuilder.ACK).ethernet(MAC_5, MAC_2)
            .payload(14_000).gso(FrameBuilder.VIRTIO_GSO_TCPV4, 1398).slot().bytes();
        gsoSlot.putBytes(HEADROOM - VirtioNetHeader.LENGTH, gso);
        gsoLength = gso.length - VirtioNetHeader.LENGTH;
        final byte[] partial = FrameBuilder.udp(0x0A00_0005, 40000, 0x0A00_0002, 53).ethernet(MAC_5, MAC_2)
            .payload(100).partialChecksum().slot().bytes();
        partialSlot.putBytes(HEADROOM - VirtioNetHeader.LENGTH, partial);
        partialLength = partial.length - VirtioNetHeader.LENGTH;

        run(WARM_UP);
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(thread);
        run(MEASURED);
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertTrue(allocated < ALLOWED_BYTES, "allocated " + allocated + " bytes over " + MEASURED + " packets");
        assertEquals(WARM_UP + MEASURED, proxyArp.answered());
        assertTrue(sink != 0);
    }

    /** What the decapsulating and encapsulating stages ask of this module for each packet. */
    private void run(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            now += 10_000L;

            header.wrap(outer, 14, 16).write(4096 + (i & 0xFF));
            if (!header.isValid() || header.hasReservedBits())
            {
                throw new AssertionError("header");
            }
            sink += header.vni();
            if (!table.isAccepted(OVERLAY, (i & 1) == 0 ? HOST_B : KERNEL_K) || table.isAccepted(OVERLAY, STRANGER) ||
                !table.isMember(OVERLAY, HOST_C))
            {
                throw new AssertionError("membership");
            }
            table.learn(OVERLAY, MAC_K, KERNEL_K, now);
            sink += table.vtepOf(OVERLAY, MAC_2, now) + table.vtepOf(OVERLAY, MAC_K, now) + table.vtepOf(OVERLAY, MAC_5, now);
            sink += table.macOf(OVERLAY, 0x0A00_0002) + table.floodVteps(OVERLAY).length;

            inner.putShort(HEADROOM + 14 + 20, (short)i);
            final int sourcePort = VxlanSourcePort.of(inner, HEADROOM, innerLength);
            sink += sourcePort;
            sink += segmenter.segment(gsoSlot, HEADROOM, gsoLength, gsoHeader, 4096 + (i & 0xFF), (i & 1) == 0, arena);
            partialHeader.clear();
            sink += InnerChecksum.markIfPartial(partialSlot, HEADROOM, partialLength, partialHeader) ? 1 : 0;

            arpSlot.putBytes(10, ARP_REQUEST);
            sink += proxyArp.answer(OVERLAY, arpSlot, 10, ARP_REQUEST.length);
        }
    }
}
