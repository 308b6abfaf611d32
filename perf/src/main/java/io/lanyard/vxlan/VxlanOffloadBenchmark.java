package io.lanyard.vxlan;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The overlay's offload work in process, on one core: one operation is one TCP segment of
 * {@code payload} bytes (64 KB by default: what a TAP with TSO hands over), as MSS-sized frames
 * on the wire (1398 bytes of payload each, the overlay's MTU 1450 less 52 bytes of headers with
 * timestamps — here without options: 1410).
 *
 * <ul>
 *   <li>{@code segment}: {@link GsoSegmenter#segment} — every segment's headers into the arena
 *       and its TCP checksum computed over its payload, or left partial with
 *       {@code remoteChecksum} (what the transmit stage does before its one UDP GSO send).</li>
 *   <li>{@code segmentUdp}: the same for a UDP GSO train of the same payload ({@code GSO_UDP_L4},
 *       1410-byte datagrams: what a socket with {@code UDP_SEGMENT} hands a TAP with USO).</li>
 *   <li>{@code join}: {@link TcpCoalescer#run} and {@link TcpCoalescer#join} over the train of
 *       VXLAN datagrams the segment became, as one UDP GRO read gives it (checks every header
 *       and checksum, moves the payloads together), after restoring the train
 *       ({@code restoreOnly} alone: subtract it).</li>
 *   <li>{@code markIfPartial}: {@link InnerChecksum#markIfPartial} on one MSS-sized frame whose
 *       checksum a Linux VTEP left partial (the check and the sum that rules out a complete
 *       one): per frame, not per segment.</li>
 * </ul>
 *
 * Divide a segment's time by its frame count ({@code payload / 1410}, rounded up) for the cost
 * per frame. Run with {@code -prof gc}: every benchmark should show about 0 B/op.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class VxlanOffloadBenchmark
{
    private static final int MSS = 1410;
    private static final int FRAME = 74;
    private static final int VNI = 4096;

    @Param({"65000"})
    int payload;

    /**
     * false: complete checksums, as sent to a kernel VTEP; true: partial ones with remote
     * checksum offload, as Lanyard hosts send each other (the segment's payload is never read,
     * and the join checks no payload either).
     */
    @Param({"false", "true"})
    boolean remoteChecksum;

    private final GsoSegmenter segmenter = new GsoSegmenter();
    private final TcpCoalescer coalescer = new TcpCoalescer();
    private UnsafeBuffer slot;
    private VirtioNetHeader header;
    private UnsafeBuffer udpSlot;
    private VirtioNetHeader udpHeader;
    private int udpFrameLength;
    private UnsafeBuffer arena;
    private int frameLength;
    private UnsafeBuffer train;
    private VirtioNetHeader joinedHeader;
    private UnsafeBuffer trainTemplate;
    private int trainLength;
    private int datagram;
    private UnsafeBuffer partial;
    private VirtioNetHeader partialHeader;
    private int partialLength;

    @Setup(Level.Trial)
    public void setUp()
    {
        final byte[] data = new byte[payload];
        new Random(payload).nextBytes(data);
        final byte[] gso = FrameBuilder.tcp(0x0A00_0002, 40000, 0x0A00_0003, 5201, FrameBuilder.ACK).sequenceNumbers(1, 1)
            .payload(data).ethernet(0x0242_0A00_0002L, 0x0242_0A00_0003L).gso(FrameBuilder.VIRTIO_GSO_TCPV4, MSS).slot().bytes();
        slot = direct(FRAME + gso.length);
        slot.putBytes(FRAME - VirtioNetHeader.LENGTH, gso);
        header = new VirtioNetHeader().wrap(slot, FRAME - VirtioNetHeader.LENGTH);
        frameLength = gso.length - VirtioNetHeader.LENGTH;
        arena = direct(GsoSegmenter.MAX_SEGMENTS * GsoSegmenter.HEADER_SLOT);
        final byte[] udpGso = FrameBuilder.udp(0x0A00_0002, 40000, 0x0A00_0003, 443).payload(data)
            .ethernet(0x0242_0A00_0002L, 0x0242_0A00_0003L).gso(FrameBuilder.VIRTIO_GSO_UDP_L4, MSS).slot().bytes();
        udpSlot = direct(FRAME + udpGso.length);
        udpSlot.putBytes(FRAME - VirtioNetHeader.LENGTH, udpGso);
        udpHeader = new VirtioNetHeader().wrap(udpSlot, FRAME - VirtioNetHeader.LENGTH);
        udpFrameLength = udpGso.length - VirtioNetHeader.LENGTH;
        if (segmenter.segment(udpSlot, FRAME, udpFrameLength, udpHeader, VNI, remoteChecksum, arena) < 0)
        {
            throw new IllegalStateException("the UDP train does not cut");
        }

        final int segments = segmenter.segment(slot, FRAME, frameLength, header, VNI, remoteChecksum, arena);
        datagram = segmenter.datagramLength();
        trainTemplate = direct(FRAME + segments * datagram);
        int at = FRAME - VxlanHeader.LENGTH;
        for (int i = 0; i < segments; i++)
        {
            trainTemplate.putBytes(at, arena, i * GsoSegmenter.HEADER_SLOT, segmenter.arenaHeaderLength());
            trainTemplate.putBytes(at + segmenter.arenaHeaderLength(), slot, segmenter.payloadOffset(i), segmenter.payloadLength(i));
            at += segmenter.arenaHeaderLength() + segmenter.payloadLength(i);
        }
        trainLength = at - (FRAME - VxlanHeader.LENGTH);
        train = direct(trainTemplate.capacity());
        joinedHeader = new VirtioNetHeader().wrap(train, FRAME - VirtioNetHeader.LENGTH);
        train.putBytes(0, trainTemplate, 0, trainTemplate.capacity());
        if (coalescer.run(train, FRAME - VxlanHeader.LENGTH, trainLength, datagram) != segments)
        {
            throw new IllegalStateException("the train does not join whole");
        }

        final byte[] frame = FrameBuilder.tcp(0x0A00_0002, 40000, 0x0A00_0003, 5201, FrameBuilder.ACK).payload(MSS)
            .ethernet(0x0242_0A00_0002L, 0x0242_0A00_0003L).partialChecksum().slot().bytes();
        partial = direct(FRAME + frame.length);
        partial.putBytes(FRAME - VirtioNetHeader.LENGTH, frame);
        partialHeader = new VirtioNetHeader().wrap(partial, FRAME - VirtioNetHeader.LENGTH);
        partialLength = frame.length - VirtioNetHeader.LENGTH;
    }

    @Benchmark
    public int segment()
    {
        return segmenter.segment(slot, FRAME, frameLength, header, VNI, remoteChecksum, arena);
    }

    @Benchmark
    public int segmentUdp()
    {
        return segmenter.segment(udpSlot, FRAME, udpFrameLength, udpHeader, VNI, remoteChecksum, arena);
    }

    @Benchmark
    public int join()
    {
        train.putBytes(0, trainTemplate, 0, trainTemplate.capacity());
        final int first = FRAME - VxlanHeader.LENGTH;
        final int run = coalescer.run(train, first, trainLength, datagram);
        return coalescer.join(train, first, trainLength, datagram, run, joinedHeader);
    }

    @Benchmark
    public int restoreOnly()
    {
        train.putBytes(0, trainTemplate, 0, trainTemplate.capacity());
        return train.getInt(FRAME);
    }

    @Benchmark
    public boolean markIfPartial()
    {
        partialHeader.clear();
        return InnerChecksum.markIfPartial(partial, FRAME, partialLength, partialHeader);
    }

    private static UnsafeBuffer direct(final int capacity)
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned((capacity + 63) & ~63, 64));
    }
}
