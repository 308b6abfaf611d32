package io.lanyard.vxlan;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.IndependentChecksum;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trains of VXLAN datagrams as a UDP GRO read gives them, made by cutting a large segment with
 * {@link GsoSegmenter} (what a Lanyard peer sends), then joined back.
 */
class TcpCoalescerTest
{
    private static final long MAC_A = 0x0242_0A00_0002L;
    private static final long MAC_B = 0x0242_0A00_0003L;
    private static final int IP_A = 0x0A00_0002;
    private static final int IP_B = 0x0A00_0003;
    private static final int VNI = 4096;
    private static final int MSS = 1398;
    /** Where the train starts, as in a ring slot: the first frame then sits at 74, after its 8-byte VXLAN header. */
    private static final int TRAIN = 66;
    private static final int HEADERS = 14 + 20 + 20;
    private static final int DATAGRAM = 8 + HEADERS + MSS;
    private static final int FIN = 0x01;
    private static final int CWR = 0x80;

    private final UnsafeBuffer slot = new UnsafeBuffer(new byte[140_000]);
    private final VirtioNetHeader header = new VirtioNetHeader().wrap(slot, TRAIN + 8 - VirtioNetHeader.LENGTH);
    private final TcpCoalescer coalescer = new TcpCoalescer();
    private byte[] payload;

    @Test
    void shouldJoinAWholeTrainBackIntoTheSegmentItWasCutFrom()
    {
        final int length = train(40_000, FrameBuilder.ACK | FrameBuilder.PSH);
        final int datagrams = (40_000 + MSS - 1) / MSS;

        assertEquals(datagrams, coalescer.run(slot, TRAIN, length, DATAGRAM));
        final int frameLength = coalescer.join(slot, TRAIN, length, DATAGRAM, datagrams, header);

        assertEquals(HEADERS + 40_000, frameLength);
        final byte[] frame = new byte[frameLength];
        slot.getBytes(TRAIN + 8, frame);
        final UnsafeBuffer view = new UnsafeBuffer(frame);
        assertEquals(20 + 20 + 40_000, view.getShort(14 + 2, BIG_ENDIAN) & 0xFFFF, "IPv4 length of the whole");
        assertTrue(IndependentChecksum.verifies(frame, 14, 20, 0), "IPv4 header checksum");
        assertEquals(0x1000, view.getInt(14 + 20 + 4, BIG_ENDIAN), "the first segment's sequence number");
        assertEquals(FrameBuilder.ACK | FrameBuilder.PSH, frame[14 + 20 + 13] & 0xFF, "the last segment's PSH");
        assertEquals(IndependentChecksum.pseudoHeaderSum(IP_A, IP_B, FrameBuilder.TCP, 20 + 40_000),
            view.getShort(14 + 20 + 16, BIG_ENDIAN) & 0xFFFF, "a partial checksum, for the TAP's NEEDS_CSUM");
        assertArrayEquals(payload, Arrays.copyOfRange(frame, HEADERS, frameLength), "every byte, in order");
        assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, header.flags());
        assertEquals(VirtioNetHeader.GSO_TCPV4, header.gsoType());
        assertEquals(MSS, header.gsoSize());
        assertEquals(HEADERS, header.headerLength());
        assertEquals(14 + 20, header.csumStart());
        assertEquals(16, header.csumOffset());
    }

    @Test
    void shouldEndARunAtASegmentThatDoesNotFollowOn()
    {
        final int length = train(10 * MSS, FrameBuilder.ACK);
        // segment 4 claims another sequence number (checksum kept right, so only the gap stops it)
        final int tcp4 = TRAIN + 4 * DATAGRAM + 8 + 14 + 20;
        slot.putInt(tcp4 + 4, slot.getInt(tcp4 + 4, BIG_ENDIAN) + 1, BIG_ENDIAN);
        fixChecksum(4);

        assertEquals(4, coalescer.run(slot, TRAIN, length, DATAGRAM), "a hole ends the run before it");
    }

    @Test
    void shouldEndARunAfterPshOrFinAndRefuseToStartOneAtSynRstUrgOrCwr()
    {
        int length = train(6 * MSS, FrameBuilder.ACK);
        setFlags(2, FrameBuilder.ACK | FrameBuilder.PSH);
        assertEquals(3, coalescer.run(slot, TRAIN, length, DATAGRAM), "PSH closes the run with its segment");
        length = train(6 * MSS, FrameBuilder.ACK);
        setFlags(1, FrameBuilder.ACK | FIN);
        assertEquals(2, coalescer.run(slot, TRAIN, length, DATAGRAM), "FIN too");
        for (final int flags : new int[] {FrameBuilder.ACK | FrameBuilder.SYN, FrameBuilder.ACK | FrameBuilder.RST, FrameBuilder.ACK | 0x20,
            FrameBuilder.ACK | CWR, FrameBuilder.ACK | FrameBuilder.PSH})
        {
            length = train(6 * MSS, FrameBuilder.ACK);
            setFlags(0, flags);
            assertEquals(1, coalescer.run(slot, TRAIN, length, DATAGRAM), "flags " + flags + " on the first");
        }
        length = train(6 * MSS, FrameBuilder.ACK);
        setFlags(3, FrameBuilder.ACK | CWR);
        assertEquals(3, coalescer.run(slot, TRAIN, length, DATAGRAM), "flags that differ end the run");
    }

    @Test
    void shouldNotJoinADamagedSegmentButAcceptAPartialChecksum()
    {
        int length = train(5 * MSS, FrameBuilder.ACK);
        final int payload2 = TRAIN + 2 * DATAGRAM + 8 + HEADERS;
        slot.putByte(payload2 + 100, (byte)(slot.getByte(payload2 + 100) ^ 1));
        assertEquals(2, coalescer.run(slot, TRAIN, length, DATAGRAM), "a bad checksum ends the run");

        length = train(5 * MSS, FrameBuilder.ACK);
        for (int i = 0; i < 5; i++)
        {
            // what a kernel VTEP sends over a veth: the pseudo-header's sum only
            slot.putShort(TRAIN + i * DATAGRAM + 8 + 14 + 20 + 16,
                (short)IndependentChecksum.pseudoHeaderSum(IP_A, IP_B, FrameBuilder.TCP, 20 + MSS), BIG_ENDIAN);
        }
        assertEquals(5, coalescer.run(slot, TRAIN, length, DATAGRAM));
    }

    @Test
    void shouldNotJoinAcrossVnisFlowsOrHeaderChanges()
    {
        int length = train(5 * MSS, FrameBuilder.ACK);
        slot.putInt(TRAIN + 3 * DATAGRAM + 4, (VNI + 1) << 8, BIG_ENDIAN);
        assertEquals(3, coalescer.run(slot, TRAIN, length, DATAGRAM), "another VNI");

        length = train(5 * MSS, FrameBuilder.ACK);
        slot.putShort(TRAIN + 2 * DATAGRAM + 8 + 14 + 20, (short)40001, BIG_ENDIAN);
        fixChecksum(2);
        assertEquals(2, coalescer.run(slot, TRAIN, length, DATAGRAM), "another source port: another flow");

        length = train(5 * MSS, FrameBuilder.ACK);
        slot.putShort(TRAIN + 1 * DATAGRAM + 8 + 14 + 20 + 14, (short)100, BIG_ENDIAN);
        fixChecksum(1);
        assertEquals(1, coalescer.run(slot, TRAIN, length, DATAGRAM), "another window");

        length = train(5 * MSS, FrameBuilder.ACK);
        slot.putByte(TRAIN + 4 * DATAGRAM + 8 + 14 + 8, (byte)63);
        slot.putShort(TRAIN + 4 * DATAGRAM + 8 + 14 + 10, (short)0);
        slot.putShort(TRAIN + 4 * DATAGRAM + 8 + 14 + 10, (short)IndependentChecksum.checksum(ipHeader(4), 0, 20, 0), BIG_ENDIAN);
        assertEquals(4, coalescer.run(slot, TRAIN, length, DATAGRAM), "another TTL");
    }

    @Test
    void shouldTakeAShorterLastDatagramAndRefuseATruncatedOne()
    {
        final int length = train(3 * MSS + 500, FrameBuilder.ACK);
        assertEquals(4, coalescer.run(slot, TRAIN, length, DATAGRAM), "the last one shorter");
        assertEquals(3, coalescer.run(slot, TRAIN, length - 1, DATAGRAM), "its IPv4 length then disagrees with what was read");
        assertEquals(1, coalescer.run(slot, TRAIN, DATAGRAM - 1, DATAGRAM), "a first datagram cut short is left alone");
    }

    @Test
    void shouldNeverThrowOnMangledTrainsAndOnlyJoinWhatStillFollowsOn()
    {
        final Random random = new Random(14);
        int joined = 0;
        for (int round = 0; round < 3000; round++)
        {
            final int length = train(MSS * (2 + random.nextInt(20)) + random.nextInt(MSS), FrameBuilder.ACK);
            final int datagrams = (length + DATAGRAM - 1) / DATAGRAM;
            for (int flips = random.nextInt(4); flips > 0; flips--)
            {
                // mostly in the headers, where the decisions are made
                final int datagram = random.nextInt(datagrams);
                final int at = TRAIN + datagram * DATAGRAM + (random.nextBoolean() ? random.nextInt(8 + HEADERS) : random.nextInt(DATAGRAM));
                slot.putByte(at, (byte)random.nextInt(256));
            }
            final int told = random.nextInt(8) == 0 ? random.nextInt(length + 1) : length;
            final int segmentSize = random.nextInt(8) == 0 ? 1 + random.nextInt(2 * DATAGRAM) : DATAGRAM;
            final int run = coalescer.run(slot, TRAIN, told, segmentSize);
            assertTrue(run >= 1 && run <= Math.max(1, (told + segmentSize - 1) / segmentSize), "run " + run);
            if (run > 1)
            {
                final int frameLength = coalescer.join(slot, TRAIN, told, segmentSize, run, header);
                final byte[] frame = new byte[frameLength];
                slot.getBytes(TRAIN + 8, frame);
                assertTrue(IndependentChecksum.verifies(frame, 14, 20, 0), "a joined frame has a valid IPv4 header");
                assertEquals(frameLength - 14, new UnsafeBuffer(frame).getShort(16, BIG_ENDIAN) & 0xFFFF);
                joined++;
            }
        }
        assertTrue(joined > 1000, "most mangled trains still have a run to join: " + joined);
    }

    /** A train of VXLAN datagrams cut from one segment of {@code bytes} payload, as read into a slot; its length. */
    private int train(final int bytes, final int flags)
    {
        payload = new byte[bytes];
        new Random(bytes).nextBytes(payload);
        final UnsafeBuffer source = new UnsafeBuffer(new byte[80_000]);
        final byte[] gso = FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, flags).sequenceNumbers(0x1000, 1).payload(payload)
            .ethernet(MAC_A, MAC_B).gso(FrameBuilder.VIRTIO_GSO_TCPV4, MSS).slot().bytes();
        source.putBytes(64, gso);
        final GsoSegmenter segmenter = new GsoSegmenter();
        final UnsafeBuffer arena = new UnsafeBuffer(new byte[GsoSegmenter.MAX_SEGMENTS * GsoSegmenter.HEADER_SLOT]);
        final int segments = segmenter.segment(source, 74, gso.length - 10, new VirtioNetHeader().wrap(source, 64), VNI, false, arena);
        int at = TRAIN;
        for (int i = 0; i < segments; i++)
        {
            slot.putBytes(at, arena, i * GsoSegmenter.HEADER_SLOT, segmenter.arenaHeaderLength());
            slot.putBytes(at + segmenter.arenaHeaderLength(), source, segmenter.payloadOffset(i), segmenter.payloadLength(i));
            at += segmenter.arenaHeaderLength() + segmenter.payloadLength(i);
        }
        return at - TRAIN;
    }

    private void setFlags(final int datagram, final int flags)
    {
        slot.putByte(TRAIN + datagram * DATAGRAM + 8 + 14 + 20 + 13, (byte)flags);
        fixChecksum(datagram);
    }

    /** Recomputes datagram {@code i}'s TCP checksum after a test changed its header. */
    private void fixChecksum(final int i)
    {
        final int tcp = TRAIN + i * DATAGRAM + 8 + 14 + 20;
        final int tcpLength = (slot.getShort(TRAIN + i * DATAGRAM + 8 + 14 + 2, BIG_ENDIAN) & 0xFFFF) - 20;
        slot.putShort(tcp + 16, (short)0);
        final byte[] segment = new byte[tcpLength];
        slot.getBytes(tcp, segment);
        final int pseudo = IndependentChecksum.pseudoHeaderSum(IP_A, IP_B, FrameBuilder.TCP, tcpLength);
        slot.putShort(tcp + 16, (short)IndependentChecksum.checksum(segment, 0, tcpLength, pseudo), BIG_ENDIAN);
    }

    private byte[] ipHeader(final int i)
    {
        final byte[] ip = new byte[20];
        slot.getBytes(TRAIN + i * DATAGRAM + 8 + 14, ip);
        return ip;
    }
}
