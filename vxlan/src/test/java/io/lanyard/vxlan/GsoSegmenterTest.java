package io.lanyard.vxlan;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.IndependentChecksum;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GsoSegmenterTest
{
    private static final long MAC_A = 0x0242_0A00_0002L;
    private static final long MAC_B = 0x0242_0A00_0003L;
    private static final int IP_A = 0x0A00_0002;
    private static final int IP_B = 0x0A00_0003;
    private static final int VNI = 0x00_1234;
    /** Where the frame starts, as in a ring slot. */
    private static final int FRAME = 74;
    private static final int FIN = 0x01;
    private static final int CWR = 0x80;

    private final UnsafeBuffer slot = new UnsafeBuffer(new byte[70_000]);
    private final VirtioNetHeader header = new VirtioNetHeader().wrap(slot, FRAME - VirtioNetHeader.LENGTH);
    private final UnsafeBuffer arena = new UnsafeBuffer(new byte[GsoSegmenter.MAX_SEGMENTS * GsoSegmenter.HEADER_SLOT]);
    private final GsoSegmenter segmenter = new GsoSegmenter();

    @Test
    void shouldCutAnIpv4SegmentWithOptionsAsTheKernelWould()
    {
        final int mss = 1448;
        final int options = 12;
        final byte[] data = payload(5000);
        // 12 bytes of "options" ahead of the data: the data offset says 8 words
        final byte[] payload = new byte[options + data.length];
        System.arraycopy(new byte[] {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9}, 0, payload, 0, options);
        System.arraycopy(data, 0, payload, options, data.length);
        final int length = put(FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK | FrameBuilder.PSH | FIN | CWR)
            .sequenceNumbers(0xFFFF_FF00L, 77).identification(0xFFFF).payload(payload).ethernet(MAC_A, MAC_B)
            .gso(FrameBuilder.VIRTIO_GSO_TCPV4, mss));
        slot.putByte(FRAME + 14 + 20 + 12, (byte)0x80);

        final int segments = segmenter.segment(slot, FRAME, length, header, VNI, false, arena);

        assertEquals(4, segments);
        assertEquals(8 + 14 + 20 + 32, segmenter.arenaHeaderLength());
        assertEquals(8 + 14 + 20 + 32 + mss, segmenter.datagramLength());
        final ByteArrayOutputStream carried = new ByteArrayOutputStream();
        for (int i = 0; i < segments; i++)
        {
            final byte[] datagram = datagram(i);
            assertEquals(segmenter.frameLength(i) + 8, datagram.length);
            assertEquals(0x0800_0000, new UnsafeBuffer(datagram).getInt(0, BIG_ENDIAN), "I flag");
            assertEquals(VNI << 8, new UnsafeBuffer(datagram).getInt(4, BIG_ENDIAN));
            final UnsafeBuffer inner = new UnsafeBuffer(Arrays.copyOfRange(datagram, 8, datagram.length));
            final byte[] bytes = inner.byteArray();
            final int size = Math.min(mss, data.length - i * mss);
            assertEquals(20 + 32 + size, inner.getShort(14 + 2, BIG_ENDIAN) & 0xFFFF, "total length");
            assertEquals((0xFFFF + i) & 0xFFFF, inner.getShort(14 + 4, BIG_ENDIAN) & 0xFFFF, "identification wraps");
            assertTrue(IndependentChecksum.verifies(bytes, 14, 20, 0), "IPv4 header checksum");
            assertEquals((0xFFFF_FF00L + (long)i * mss) & 0xFFFF_FFFFL, inner.getInt(14 + 20 + 4, BIG_ENDIAN) & 0xFFFF_FFFFL,
                "sequence wraps");
            assertEquals(77, inner.getInt(14 + 20 + 8, BIG_ENDIAN), "acknowledgement kept");
            final int flags = bytes[14 + 20 + 13] & 0xFF;
            final boolean last = i == segments - 1;
            assertEquals(last, (flags & (FIN | FrameBuilder.PSH)) == (FIN | FrameBuilder.PSH), "FIN and PSH on the last only: " + i);
            assertEquals(i == 0, (flags & CWR) != 0, "CWR on the first only: " + i);
            assertEquals(0x80, bytes[14 + 20 + 12] & 0xF0, "options kept");
            assertArrayEquals(Arrays.copyOfRange(payload, 0, options), Arrays.copyOfRange(bytes, 14 + 40, 14 + 40 + options));
            final int pseudo = IndependentChecksum.pseudoHeaderSum(IP_A, IP_B, FrameBuilder.TCP, 32 + size);
            assertTrue(IndependentChecksum.verifies(bytes, 14 + 20, 32 + size, pseudo), "complete TCP checksum on segment " + i);
            carried.write(bytes, 14 + 20 + 32, size);
        }
        assertArrayEquals(data, carried.toByteArray());
    }

    @Test
    void shouldCutAnIpv6Segment()
    {
        final int mss = 1000;
        final byte[] data = payload(2500);
        final int length = putIpv6Segment(data, mss);

        final int segments = segmenter.segment(slot, FRAME, length, header, VNI, false, arena);

        assertEquals(3, segments);
        final ByteArrayOutputStream carried = new ByteArrayOutputStream();
        for (int i = 0; i < segments; i++)
        {
            final byte[] bytes = Arrays.copyOfRange(datagram(i), 8, 8 + segmenter.frameLength(i));
            final UnsafeBuffer inner = new UnsafeBuffer(bytes);
            final int size = Math.min(mss, data.length - i * mss);
            assertEquals(20 + size, inner.getShort(14 + 4, BIG_ENDIAN) & 0xFFFF, "IPv6 payload length");
            assertEquals(1000L * i + 5, inner.getInt(14 + 40 + 4, BIG_ENDIAN) & 0xFFFF_FFFFL);
            final byte[] pseudo = new byte[40];
            System.arraycopy(bytes, 14 + 8, pseudo, 0, 32);
            FrameBuilder.put32(pseudo, 32, 20 + size);
            FrameBuilder.put32(pseudo, 36, FrameBuilder.TCP);
            assertTrue(IndependentChecksum.verifies(bytes, 14 + 40, 20 + size, IndependentChecksum.sum(pseudo, 0, 40)), "checksum " + i);
            carried.write(bytes, 14 + 60, size);
        }
        assertArrayEquals(data, carried.toByteArray());
    }

    @Test
    void shouldLeaveTheChecksumsPartialForAVtepThatFinishesThem()
    {
        final int mss = 1448;
        final byte[] data = payload(4000);
        final int length = put(FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK | FrameBuilder.PSH)
            .sequenceNumbers(1000, 77).payload(data).ethernet(MAC_A, MAC_B).gso(FrameBuilder.VIRTIO_GSO_TCPV4, mss));

        final int segments = segmenter.segment(slot, FRAME, length, header, VNI, true, arena);

        assertEquals(3, segments);
        final ByteArrayOutputStream carried = new ByteArrayOutputStream();
        for (int i = 0; i < segments; i++)
        {
            final UnsafeBuffer datagram = new UnsafeBuffer(datagram(i));
            final int size = Math.min(mss, data.length - i * mss);
            assertEquals(0x0820_0000, datagram.getInt(0, BIG_ENDIAN), "I and C flags");
            assertEquals(VNI << 8 | (14 + 20) / 2, datagram.getInt(4, BIG_ENDIAN), "the VNI, then the checksum start halved, TCP");
            final int pseudo = IndependentChecksum.pseudoHeaderSum(IP_A, IP_B, FrameBuilder.TCP, 20 + size);
            assertEquals(pseudo, datagram.getShort(8 + 14 + 20 + 16, BIG_ENDIAN) & 0xFFFF,
                "the pseudo-header's sum, as CHECKSUM_PARTIAL leaves it: segment " + i);
            // finished as the receiving TAP's kernel would: the sum from the checksum start, field included
            final byte[] bytes = Arrays.copyOfRange(datagram.byteArray(), 8, datagram.capacity());
            final int finished = IndependentChecksum.checksum(bytes, 14 + 20, 20 + size, 0);
            bytes[14 + 20 + 16] = (byte)(finished >>> 8);
            bytes[14 + 20 + 17] = (byte)finished;
            assertTrue(IndependentChecksum.verifies(bytes, 14 + 20, 20 + size, pseudo), "finished, it verifies: " + i);
            carried.write(bytes, 14 + 40, size);
        }
        assertArrayEquals(data, carried.toByteArray());
    }

    @Test
    void shouldMakeOneSegmentOfAFrameNoLargerThanItsSegmentSize()
    {
        final byte[] data = payload(700);
        final int length = put(FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK).payload(data).ethernet(MAC_A, MAC_B)
            .gso(FrameBuilder.VIRTIO_GSO_TCPV4, 1448));

        assertEquals(1, segmenter.segment(slot, FRAME, length, header, VNI, false, arena));
        assertEquals(14 + 40 + 700, segmenter.frameLength(0));
        final byte[] bytes = Arrays.copyOfRange(datagram(0), 8, 8 + segmenter.frameLength(0));
        assertTrue(IndependentChecksum.verifies(bytes, 34, 20 + 700, IndependentChecksum.pseudoHeaderSum(IP_A, IP_B, FrameBuilder.TCP, 720)));
    }

    @Test
    void shouldRefuseWhatItCannotCut()
    {
        final FrameBuilder segment = FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK).payload(payload(3000)).ethernet(MAC_A, MAC_B);
        int length = put(segment.gso(FrameBuilder.VIRTIO_GSO_TCPV4, 1448));
        header.gsoType(3); // UFO
        assertEquals(-1, segmenter.segment(slot, FRAME, length, header, VNI, false, arena), "another GSO type");
        header.gsoType(VirtioNetHeader.GSO_TCPV4).gsoSize(0);
        assertEquals(-1, segmenter.segment(slot, FRAME, length, header, VNI, false, arena), "a segment size of 0");
        header.gsoSize(5);
        assertEquals(-1, segmenter.segment(slot, FRAME, length, header, VNI, false, arena), "600 segments: more than it will send");
        header.gsoSize(1448);
        assertEquals(-1, segmenter.segment(slot, FRAME, length - 1, header, VNI, false, arena), "an IP length beyond the frame");
        header.gsoType(VirtioNetHeader.GSO_TCPV6);
        assertEquals(-1, segmenter.segment(slot, FRAME, length, header, VNI, false, arena), "IPv4 said to be IPv6");
        length = put(FrameBuilder.udp(IP_A, 40000, IP_B, 53).payload(3000).ethernet(MAC_A, MAC_B).gso(FrameBuilder.VIRTIO_GSO_TCPV4, 1448));
        assertEquals(-1, segmenter.segment(slot, FRAME, length, header, VNI, false, arena), "UDP said to be TCP");
        length = put(segment.gso(FrameBuilder.VIRTIO_GSO_TCPV4, 1448));
        slot.putByte(FRAME + 14 + 20 + 12, (byte)0x10);
        assertEquals(-1, segmenter.segment(slot, FRAME, length, header, VNI, false, arena), "a TCP data offset below 5");
        assertEquals(0, segmenter.segments());
    }

    @Test
    void shouldCutAUdpTrainIntoItsDatagramsWithCompleteChecksums()
    {
        final int size = 1200;
        final byte[] data = payload(3500);
        final int length = put(FrameBuilder.udp(IP_A, 40000, IP_B, 443).identification(0x1000).payload(data).ethernet(MAC_A, MAC_B)
            .gso(FrameBuilder.VIRTIO_GSO_UDP_L4, size));

        final int segments = segmenter.segment(slot, FRAME, length, header, VNI, false, arena);

        assertEquals(3, segments);
        assertEquals(8 + 14 + 20 + 8, segmenter.arenaHeaderLength());
        assertEquals(8 + 14 + 20 + 8 + size, segmenter.datagramLength());
        final ByteArrayOutputStream carried = new ByteArrayOutputStream();
        for (int i = 0; i < segments; i++)
        {
            final byte[] bytes = Arrays.copyOfRange(datagram(i), 8, 8 + segmenter.frameLength(i));
            final UnsafeBuffer inner = new UnsafeBuffer(bytes);
            final int carries = Math.min(size, data.length - i * size);
            assertEquals(20 + 8 + carries, inner.getShort(14 + 2, BIG_ENDIAN) & 0xFFFF, "total length");
            assertEquals(0x1000 + i, inner.getShort(14 + 4, BIG_ENDIAN) & 0xFFFF, "identification");
            assertTrue(IndependentChecksum.verifies(bytes, 14, 20, 0), "IPv4 header checksum");
            assertEquals(40000, inner.getShort(14 + 20, BIG_ENDIAN) & 0xFFFF, "ports kept");
            assertEquals(443, inner.getShort(14 + 22, BIG_ENDIAN) & 0xFFFF);
            assertEquals(8 + carries, inner.getShort(14 + 20 + 4, BIG_ENDIAN) & 0xFFFF, "UDP length of datagram " + i);
            final int pseudo = IndependentChecksum.pseudoHeaderSum(IP_A, IP_B, FrameBuilder.UDP, 8 + carries);
            assertTrue(IndependentChecksum.verifies(bytes, 14 + 20, 8 + carries, pseudo), "complete UDP checksum on datagram " + i);
            carried.write(bytes, 14 + 28, carries);
        }
        assertArrayEquals(data, carried.toByteArray());
    }

    @Test
    void shouldLeaveAUdpTrainsChecksumsPartialForAVtepThatFinishesThem()
    {
        final byte[] data = payload(2000);
        final int length = put(FrameBuilder.udp(IP_A, 40000, IP_B, 443).payload(data).ethernet(MAC_A, MAC_B)
            .gso(FrameBuilder.VIRTIO_GSO_UDP_L4, 1000));

        assertEquals(2, segmenter.segment(slot, FRAME, length, header, VNI, true, arena));
        for (int i = 0; i < 2; i++)
        {
            final UnsafeBuffer datagram = new UnsafeBuffer(datagram(i));
            assertEquals(0x0820_0000, datagram.getInt(0, BIG_ENDIAN), "I and C flags");
            assertEquals(VNI << 8 | (14 + 20) / 2 | 0x80, datagram.getInt(4, BIG_ENDIAN),
                "the VNI, the checksum start halved and the UDP offset bit");
            assertEquals(IndependentChecksum.pseudoHeaderSum(IP_A, IP_B, FrameBuilder.UDP, 8 + 1000),
                datagram.getShort(8 + 14 + 20 + 6, BIG_ENDIAN) & 0xFFFF, "the pseudo-header's sum: datagram " + i);
        }
    }

    @Test
    void shouldRefuseAUdpTrainWhoseHeadersDisagree()
    {
        int length = put(FrameBuilder.udp(IP_A, 40000, IP_B, 443).payload(3000).ethernet(MAC_A, MAC_B)
            .gso(FrameBuilder.VIRTIO_GSO_UDP_L4, 1000));
        slot.putShort(FRAME + 14 + 20 + 4, (short)1008, BIG_ENDIAN);
        assertEquals(-1, segmenter.segment(slot, FRAME, length, header, VNI, false, arena), "a UDP length that is not the packet's");
        length = put(FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK).payload(payload(3000)).ethernet(MAC_A, MAC_B)
            .gso(FrameBuilder.VIRTIO_GSO_UDP_L4, 1000));
        assertEquals(-1, segmenter.segment(slot, FRAME, length, header, VNI, false, arena), "TCP said to be UDP");
        length = put(FrameBuilder.udp(IP_A, 40000, IP_B, 443).payload(3000).ethernet(MAC_A, MAC_B)
            .gso(FrameBuilder.VIRTIO_GSO_UDP_L4, 1000));
        assertEquals(-1, segmenter.segment(slot, FRAME, length - 1, header, VNI, false, arena), "a train cut short");
        assertEquals(0, segmenter.segments());
    }

    /** Datagram {@code i} as the kernel would gather it: header from the arena, payload from the slot. */
    private byte[] datagram(final int i)
    {
        final int headerLength = segmenter.arenaHeaderLength();
        final int payloadLength = segmenter.payloadLength(i);
        final byte[] datagram = new byte[headerLength + payloadLength];
        arena.getBytes(i * GsoSegmenter.HEADER_SLOT, datagram, 0, headerLength);
        slot.getBytes(segmenter.payloadOffset(i), datagram, headerLength, payloadLength);
        return datagram;
    }

    private int put(final FrameBuilder frame)
    {
        final byte[] bytes = frame.slot().bytes();
        slot.putBytes(FRAME - VirtioNetHeader.LENGTH, bytes);
        return bytes.length - VirtioNetHeader.LENGTH;
    }

    /** An IPv6 TCP segment (fe80::2 → fe80::3, sequence 5) with a GSO_TCPV6 virtio header. */
    private int putIpv6Segment(final byte[] data, final int mss)
    {
        final int ip = FRAME + 14;
        final int tcp = ip + 40;
        slot.setMemory(FRAME, 14 + 40 + 20 + data.length, (byte)0);
        slot.putShort(FRAME + 12, (short)0x86DD, BIG_ENDIAN);
        slot.putInt(ip, 0x6000_0000, BIG_ENDIAN);
        slot.putShort(ip + 4, (short)(20 + data.length), BIG_ENDIAN);
        slot.putByte(ip + 6, (byte)FrameBuilder.TCP);
        slot.putByte(ip + 7, (byte)64);
        slot.putShort(ip + 8, (short)0xFE80, BIG_ENDIAN);
        slot.putByte(ip + 23, (byte)2);
        slot.putShort(ip + 24, (short)0xFE80, BIG_ENDIAN);
        slot.putByte(ip + 39, (byte)3);
        slot.putShort(tcp, (short)40000, BIG_ENDIAN);
        slot.putShort(tcp + 2, (short)5201, BIG_ENDIAN);
        slot.putInt(tcp + 4, 5, BIG_ENDIAN);
        slot.putByte(tcp + 12, (byte)0x50);
        slot.putByte(tcp + 13, (byte)FrameBuilder.ACK);
        slot.putBytes(tcp + 20, data);
        header.clear().flags(VirtioNetHeader.FLAG_NEEDS_CSUM).gsoType(VirtioNetHeader.GSO_TCPV6).gsoSize(mss);
        return 14 + 40 + 20 + data.length;
    }

    private static byte[] payload(final int length)
    {
        final byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }
}
