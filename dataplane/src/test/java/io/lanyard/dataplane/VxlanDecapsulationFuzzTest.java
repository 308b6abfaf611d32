package io.lanyard.dataplane;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.testkit.Draw;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.FrameMutation;
import io.lanyard.forwarding.testkit.FuzzRun;
import io.lanyard.forwarding.testkit.IndependentChecksum;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import io.lanyard.vxlan.InnerFrame;
import io.lanyard.vxlan.VxlanHeader;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static io.lanyard.dataplane.FuzzedSwitch.HOST_B;
import static io.lanyard.dataplane.FuzzedSwitch.HOST_C;
import static io.lanyard.dataplane.FuzzedSwitch.MAC_OVERLAY_LOCAL;
import static io.lanyard.dataplane.FuzzedSwitch.MAC_OVERLAY_REMOTE;
import static io.lanyard.dataplane.FuzzedSwitch.OVERLAY_LOCAL;
import static io.lanyard.dataplane.FuzzedSwitch.OVERLAY_PORT;
import static io.lanyard.dataplane.FuzzedSwitch.OVERLAY_REMOTE;
import static io.lanyard.dataplane.FuzzedSwitch.STATIC_PEER;
import static io.lanyard.dataplane.FuzzedSwitch.STRANGER;
import static io.lanyard.dataplane.FuzzedSwitch.VNI;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes VXLAN decapsulation as the host's VXLAN socket's reader does it
 * ({@link VxlanPortReader#onDatagrams}, without a socket), and the forwarding decision on what
 * it publishes: single datagrams (VXLAN header with or without the I flag, a known or unknown
 * VNI, remote checksum offload's octet right, wrong or random, around a golden inner frame
 * mangled by {@link FrameMutation}s), GRO trains of one TCP flow's segments with some of them
 * mangled and the segment size told right or wrong, and random bytes. Whatever arrives, nothing
 * throws, every datagram is counted once (published, joined, or dropped for a reason), what is
 * published is a whole frame whose offload header points inside it, and the forwarding stage
 * then gives it one verdict ({@link FuzzedSwitch#decideAndCheck}).
 */
class VxlanDecapsulationFuzzTest
{
    private static final int TRAIN_START = FrameSlot.FRAME_OFFSET - VxlanHeader.LENGTH;
    private static final int CAPACITY = FrameSlot.DATA_CAPACITY - (TRAIN_START - FrameSlot.DATA_OFFSET);
    private static final int[] VTEPS = {HOST_B, HOST_B, HOST_C, STATIC_PEER, STRANGER, 0};
    /** The remote checksum offload octet of a TCP and a UDP checksum starting after an option-less IPv4 header. */
    private static final int RCO_TCP = VxlanHeader.remoteChecksumOf(34, 16);
    private static final int RCO_UDP = VxlanHeader.remoteChecksumOf(34, 6);
    private static final int MAX_SEGMENTS = 10;
    private static final byte[] PATTERN = new byte[4096];
    private static final List<byte[]> INNER_FRAMES = innerFrames();

    private final FuzzedSwitch fuzzed = new FuzzedSwitch();
    private final RingBuffer<FrameSlot> ring = RingBuffer.createSingleProducer(FuzzedSwitch::newSlot, 16, new BusySpinWaitStrategy());
    private final Sequence consumed = new Sequence();
    private final RingWriter writer = new RingWriter(ring, this::decidePublished);
    private final VxlanPortReader reader;
    private final VirtioNetHeader header = new VirtioNetHeader();
    private final Port overlay;
    private int sourceVtep;
    private int singles;
    private int joinedFrames;
    private int malformedOnDecision;
    private long publishedSingles;
    private long publishedJoined;

    /** What one read of the VXLAN socket gave: {@code bytes} from {@code sourceVtep}, a train of {@code segmentSize}-byte datagrams. */
    record Read(String how, byte[] bytes, int segmentSize, int sourceVtep)
    {
        @Override
        public String toString()
        {
            final byte[] head = Arrays.copyOf(bytes, Math.min(bytes.length, 120));
            return how + ": " + bytes.length + " bytes in segments of " + segmentSize + " from " + Integer.toHexString(sourceVtep) + ": " +
                HexFormat.of().formatHex(head) + (head.length < bytes.length ? "…" : "");
        }
    }

    /** A mutation of one datagram of a train. */
    record DatagramMutation(int datagram, FrameMutation mutation)
    {
    }

    static
    {
        Arrays.fill(PATTERN, (byte)0x5A);
    }

    VxlanDecapsulationFuzzTest()
    {
        ring.addGatingSequences(consumed);
        overlay = fuzzed.ports[OVERLAY_PORT];
        final Int2ObjectHashMap<Port> portsByVni = new Int2ObjectHashMap<>();
        portsByVni.put(VNI, overlay);
        reader = new VxlanPortReader(null, portsByVni, writer, fuzzed.counters);
    }

    @Test
    void shouldCountEveryDatagramOnceAndPublishOnlyWholeFrames()
    {
        FuzzRun.forAll(300, VxlanDecapsulationFuzzTest::read, this::countEveryDatagramOnce);
    }

    /** Reads {@code read}'s datagrams and checks they were each counted once; returns how many there were. */
    private int countEveryDatagramOnce(final Read read)
    {
        fuzzed.reset();
        final int datagrams = read.segmentSize() > 0 && read.bytes().length > read.segmentSize() ?
            (read.bytes().length + read.segmentSize() - 1) / read.segmentSize() : 1;
        final long rx = overlay.counters().rxPackets();
        final long dropped = fuzzed.counters.vxlanTruncated.get() + fuzzed.counters.vxlanBadHeader.get() +
            fuzzed.counters.vxlanUnknownVni.get();
        final long malformed = overlay.counters().drops(DropReason.MALFORMED);
        final long joined = fuzzed.counters.vxlanJoined.get();
        singles = 0;
        joinedFrames = 0;
        malformedOnDecision = 0;
        sourceVtep = read.sourceVtep();

        final UnsafeBuffer buffer = writer.slot().buffer();
        buffer.putBytes(TRAIN_START, read.bytes());
        buffer.putBytes(TRAIN_START + read.bytes().length, PATTERN, 0, Math.min(PATTERN.length, FrameSlot.SIZE - TRAIN_START -
            read.bytes().length));
        reader.onDatagrams(read.bytes().length, read.segmentSize(), read.sourceVtep());
        writer.endOfBurst();

        final long received = overlay.counters().rxPackets() - rx;
        assertEquals(datagrams, received + fuzzed.counters.vxlanTruncated.get() + fuzzed.counters.vxlanBadHeader.get() +
            fuzzed.counters.vxlanUnknownVni.get() - dropped, "every datagram received on the overlay port or dropped, once");
        final long joinedDatagrams = fuzzed.counters.vxlanJoined.get() - joined;
        final long malformedOnReading = overlay.counters().drops(DropReason.MALFORMED) - malformed - malformedOnDecision;
        assertEquals(received, singles + joinedDatagrams + malformedOnReading, "every datagram received published (alone or joined) " +
            "or dropped as malformed");
        assertTrue(joinedDatagrams >= 2L * joinedFrames, "a joined frame is two datagrams or more");
        publishedSingles += singles;
        publishedJoined += joinedFrames;
        return datagrams;
    }

    @AfterEach
    void showWhatTheDatagramsReached()
    {
        System.out.println("decapsulated: " + publishedSingles + " frames alone, " + publishedJoined + " joined; then verdicts: " +
            fuzzed.verdictsGiven());
    }

    /** The ring's consumer, run at the end of the read (and whenever the ring is full): checks and decides what was published. */
    private void decidePublished()
    {
        final long cursor = ring.getCursor();
        for (long sequence = consumed.get() + 1; sequence <= cursor; sequence++)
        {
            final FrameSlot slot = ring.get(sequence);
            checkPublished(slot);
            fuzzed.decideAndCheck(slot, 0, sequence == cursor);
            if (slot.verdict().dropReason() == DropReason.MALFORMED.ordinal())
            {
                malformedOnDecision++;
            }
        }
        consumed.set(cursor);
    }

    private void checkPublished(final FrameSlot slot)
    {
        final int frameLength = slot.frameLength();
        assertEquals(FrameSlot.KIND_FRAME, slot.kind());
        assertEquals(OVERLAY_PORT, slot.ingressPort(), "published as the overlay port's");
        assertEquals(sourceVtep, slot.sourceVtep(), "with the sender's address");
        assertTrue(frameLength >= 14 && slot.dataLength() <= FrameSlot.DATA_CAPACITY, "a frame that fits: " + frameLength);
        final VirtioNetHeader virtio = header.wrap(slot.buffer(), FrameSlot.DATA_OFFSET);
        if ((virtio.flags() & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0)
        {
            assertTrue(virtio.csumStart() >= 14 && virtio.csumStart() + virtio.csumOffset() + 2 <= frameLength,
                "a partial checksum inside the frame: " + virtio.csumStart() + "+" + virtio.csumOffset() + " of " + frameLength);
        }
        if (virtio.gsoType() == VirtioNetHeader.GSO_NONE)
        {
            assertTrue(InnerFrame.isWhole(slot.buffer(), FrameSlot.FRAME_OFFSET, frameLength), "a whole frame");
            singles++;
            return;
        }
        joinedFrames++;
        final byte[] frame = new byte[frameLength];
        slot.buffer().getBytes(FrameSlot.FRAME_OFFSET, frame);
        assertEquals(VirtioNetHeader.GSO_TCPV4, virtio.gsoType());
        assertEquals(frameLength - 14, slot.buffer().getShort(FrameSlot.FRAME_OFFSET + 16, BIG_ENDIAN) & 0xFFFF, "the joined IPv4 length");
        assertTrue(IndependentChecksum.verifies(frame, 14, (frame[14] & 0xF) * 4, 0), "the joined IPv4 header's checksum");
        assertTrue(virtio.gsoSize() > 0 && virtio.headerLength() < frameLength, "segments of the joined frame");
    }

    /** One datagram mostly, GRO trains almost as often, now and then random bytes. */
    private static Read read(final SplittableRandom random)
    {
        return switch (Draw.weighted(random, 5, 4, 1))
        {
            case 0 -> single(random);
            case 1 -> train(random);
            default -> randomBytes(random);
        };
    }

    /** One datagram, around a mutated inner frame, its length mostly told as no segment size, else as the whole or as anything. */
    private static Read single(final SplittableRandom random)
    {
        final byte[] inner = Draw.one(random, INNER_FRAMES);
        final byte[] vxlan = vxlanHeader(random);
        final List<FrameMutation> mutations = FrameMutation.upTo(random, 5);
        final int told = switch (Draw.weighted(random, 6, 1, 1))
        {
            case 0 -> 0;
            case 1 -> -1;
            default -> random.nextInt(1, 2_001);
        };
        final int vtep = Draw.one(random, VTEPS);

        final byte[] frame = FrameMutation.applyAll(mutations, inner, FuzzedSwitch.MACS, FuzzedSwitch.ADDRESSES);
        final byte[] datagram = concat(vxlan, frame);
        return new Read("one datagram " + mutations, datagram, told == -1 ? datagram.length : told, vtep);
    }

    /** A GRO train: segments of one TCP flow from the remote endpoint, a few of them mangled, the segment size told right or not. */
    private static Read train(final SplittableRandom random)
    {
        final int count = random.nextInt(2, MAX_SEGMENTS + 1);
        final int mss = random.nextInt(1, 1_401);
        final boolean partial = random.nextBoolean();
        final byte[] vxlan = vxlanHeader(random);
        final List<DatagramMutation> changes = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--)
        {
            changes.add(new DatagramMutation(random.nextInt(MAX_SEGMENTS), FrameMutation.any(random)));
        }
        final int segmentSize = Draw.weighted(random, 8, 1) == 0 ? 0 : random.nextInt(1, 3_001);
        final int shortBy = Draw.weighted(random, 8, 1) == 0 ? 0 : random.nextInt(1, 3_001);
        final int vtep = Draw.one(random, VTEPS);

        final List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final FrameBuilder segment = FrameBuilder.tcp(OVERLAY_REMOTE, 80, OVERLAY_LOCAL, 4000, FrameBuilder.ACK)
                .sequenceNumbers(0x1000L + (long)i * mss, 1).identification(i).payload(i == count - 1 ? 1 + mss / 2 : mss)
                .ethernet(MAC_OVERLAY_REMOTE, MAC_OVERLAY_LOCAL);
            frames.add((partial ? segment.partialChecksum() : segment).frame());
        }
        for (final DatagramMutation change : changes)
        {
            final int i = change.datagram() % count;
            frames.set(i, change.mutation().apply(frames.get(i), FuzzedSwitch.MACS, FuzzedSwitch.ADDRESSES));
        }
        final ByteArrayOutputStream train = new ByteArrayOutputStream();
        frames.forEach(frame -> train.writeBytes(concat(vxlan, frame)));
        final byte[] bytes = train.toByteArray();
        final byte[] read = Arrays.copyOf(bytes, Math.max(0, Math.min(CAPACITY, bytes.length - shortBy)));
        return new Read("a train of " + count + " segments of " + mss + (partial ? ", partial checksums " : " ") + changes +
            (shortBy == 0 ? "" : ", cut by " + shortBy), read, segmentSize == 0 ? VxlanHeader.LENGTH + frames.get(0).length : segmentSize,
            vtep);
    }

    private static Read randomBytes(final SplittableRandom random)
    {
        final byte[] bytes = Draw.bytes(random, 3_000);
        return new Read("random bytes", bytes, random.nextInt(0, 1_501), Draw.one(random, VTEPS));
    }

    /** A VXLAN header: mostly the overlay's VNI with the I flag, with or without a remote checksum offload octet. */
    private static byte[] vxlanHeader(final SplittableRandom random)
    {
        final int vni = switch (Draw.weighted(random, 8, 1, 1))
        {
            case 0 -> VNI;
            case 1 -> Draw.one(random, 0, VNI + 1);
            default -> random.nextInt(0, VxlanHeader.MAX_VNI + 1);
        };
        final int remoteChecksum = switch (Draw.weighted(random, 6, 2, 1))
        {
            case 0 -> VxlanHeader.NO_REMOTE_CHECKSUM;
            case 1 -> Draw.one(random, RCO_TCP, RCO_UDP);
            default -> random.nextInt(0, 256);
        };
        final UnsafeBuffer header = new UnsafeBuffer(new byte[VxlanHeader.LENGTH]);
        VxlanHeader.put(header, 0, vni, remoteChecksum);
        if (Draw.weighted(random, 9, 1) == 1)
        {
            header.putByte(0, (byte)random.nextInt(0, 256));
        }
        return header.byteArray();
    }

    /** Frames a peer sends over the overlay: to the local endpoint, some with the partial checksums remote checksum offload leaves. */
    private static List<byte[]> innerFrames()
    {
        final List<byte[]> frames = new ArrayList<>();
        frames.add(FrameBuilder.tcp(OVERLAY_REMOTE, 80, OVERLAY_LOCAL, 4000, FrameBuilder.ACK).payload(100)
            .ethernet(MAC_OVERLAY_REMOTE, MAC_OVERLAY_LOCAL).frame());
        frames.add(FrameBuilder.tcp(OVERLAY_REMOTE, 80, OVERLAY_LOCAL, 4000, FrameBuilder.ACK).payload(1000).partialChecksum()
            .ethernet(MAC_OVERLAY_REMOTE, MAC_OVERLAY_LOCAL).frame());
        frames.add(FrameBuilder.udp(OVERLAY_REMOTE, 53, OVERLAY_LOCAL, 5300).payload(60).partialChecksum()
            .ethernet(MAC_OVERLAY_REMOTE, MAC_OVERLAY_LOCAL).frame());
        frames.add(FrameBuilder.echoRequest(OVERLAY_REMOTE, OVERLAY_LOCAL, 3, 4).payload(56).ethernet(MAC_OVERLAY_REMOTE, MAC_OVERLAY_LOCAL)
            .frame());
        frames.add(FrameBuilder.arp(MAC_OVERLAY_REMOTE, MacAddress.BROADCAST, 1, MAC_OVERLAY_REMOTE, OVERLAY_REMOTE, 0, OVERLAY_LOCAL)
            .frame());
        frames.add(FrameBuilder.udp(0x0A00_0942, 53, OVERLAY_LOCAL, 5300).payload(10).ethernet(0x0A00_0000_0042L, MAC_OVERLAY_LOCAL)
            .frame());
        frames.add(ipv6Udp());
        return List.copyOf(frames);
    }

    /** An IPv6 UDP datagram (the EtherType InnerFrame and InnerChecksum also read), with a partial checksum's field of zeros. */
    private static byte[] ipv6Udp()
    {
        final byte[] frame = FrameBuilder.etherFrame(MAC_OVERLAY_REMOTE, MAC_OVERLAY_LOCAL, 0x86DD, 14 + 40 + 16).frame();
        frame[14] = 0x60;
        FrameBuilder.put16(frame, 18, 16);
        frame[20] = 17;
        frame[21] = 64;
        FrameBuilder.put16(frame, 54 + 4, 16);
        return frame;
    }

    private static byte[] concat(final byte[] first, final byte[] second)
    {
        final byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
