package io.lanyard.vxlan;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.IndependentChecksum;
import io.lanyard.forwarding.wire.VirtioNetHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.UDP;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InnerChecksumTest
{
    private static final long MAC_A = 0x0242_0A00_0002L;
    private static final long MAC_B = 0x0242_0A00_0003L;
    private static final int IP_A = 0x0A63_0002;
    private static final int IP_B = 0x0A63_00C8;
    /** Where the frame starts, as in a ring slot: the virtio header is the 10 bytes before it. */
    private static final int FRAME = 74;
    private static final int L4 = FRAME + 14 + 20;

    private final UnsafeBuffer slot = new UnsafeBuffer(new byte[4096]);
    private final VirtioNetHeader header = new VirtioNetHeader().wrap(slot, FRAME - VirtioNetHeader.LENGTH);

    @Test
    void shouldMarkAPartialTcpChecksumWithItsStartAndOffset()
    {
        final int length = FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK).ethernet(MAC_A, MAC_B)
            .payload(1400).partialChecksum().writeTo(slot, FRAME);

        assertTrue(InnerChecksum.markIfPartial(slot, FRAME, length, header));
        assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, header.flags());
        assertEquals(VirtioNetHeader.GSO_NONE, header.gsoType());
        assertEquals(14 + 20, header.csumStart());
        assertEquals(16, header.csumOffset());
        assertFrameUnchanged(FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK).ethernet(MAC_A, MAC_B)
            .payload(1400).partialChecksum().frame(), length);
    }

    @Test
    void shouldMarkAPartialUdpChecksum()
    {
        final int length = FrameBuilder.udp(IP_A, 40000, IP_B, 53).ethernet(MAC_A, MAC_B).payload(33).partialChecksum().writeTo(slot, FRAME);

        assertTrue(InnerChecksum.markIfPartial(slot, FRAME, length, header));
        assertEquals(14 + 20, header.csumStart());
        assertEquals(6, header.csumOffset());
    }

    @Test
    void shouldLeaveCompleteChecksumsAlone()
    {
        for (final int protocol : new int[] {TCP, UDP})
        {
            for (final int payload : new int[] {0, 1, 2, 3, 1400, 1441})
            {
                final FrameBuilder frame = protocol == TCP ? FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK) :
                    FrameBuilder.udp(IP_A, 40000, IP_B, 5201);
                final int length = frame.ethernet(MAC_A, MAC_B).payload(payload).writeTo(slot, FRAME);
                header.clear();
                assertFalse(InnerChecksum.markIfPartial(slot, FRAME, length, header), protocol + "/" + payload);
                assertEquals(0, header.flags());
            }
        }
        final int length = FrameBuilder.udp(IP_A, 40000, IP_B, 53).ethernet(MAC_A, MAC_B).payload(20).withoutUdpChecksum()
            .writeTo(slot, FRAME);
        assertFalse(InnerChecksum.markIfPartial(slot, FRAME, length, header), "a UDP datagram without a checksum");
    }

    @Test
    void shouldLeaveACompleteChecksumThatHappensToEqualThePseudoHeaderSumAlone()
    {
        // find a payload whose complete checksum equals the pseudo-header sum: the one case the field alone cannot tell
        final int pseudo = IndependentChecksum.pseudoHeaderSum(IP_A, IP_B, TCP, 20 + 2);
        int length = -1;
        for (int word = 0; word <= 0xFFFF; word++)
        {
            final byte[] payload = {(byte)(word >>> 8), (byte)word};
            length = FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK).ethernet(MAC_A, MAC_B).payload(payload).writeTo(slot, FRAME);
            if ((slot.getShort(L4 + 16, BIG_ENDIAN) & 0xFFFF) == pseudo)
            {
                break;
            }
            length = -1;
        }
        assertTrue(length > 0, "some two-byte payload gives the coincidence");
        assertFalse(InnerChecksum.markIfPartial(slot, FRAME, length, header));
        assertEquals(0, header.flags());
    }

    @Test
    void shouldLeaveDamagedChecksumsForTheReceiverToDrop()
    {
        final int length = FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK).ethernet(MAC_A, MAC_B).payload(100).writeTo(slot, FRAME);
        slot.putByte(L4 + 20 + 50, (byte)(slot.getByte(L4 + 20 + 50) ^ 0x5A));

        assertFalse(InnerChecksum.markIfPartial(slot, FRAME, length, header));
        assertEquals(0, header.flags());
    }

    @Test
    void shouldIgnoreWhatItCannotReadSafely()
    {
        final byte[] partial = FrameBuilder.tcp(IP_A, 40000, IP_B, 5201, FrameBuilder.ACK).ethernet(MAC_A, MAC_B).payload(100)
            .partialChecksum().frame();
        slot.putBytes(FRAME, partial);
        // an IP total length beyond the frame, a fragment, a frame cut inside the TCP header, and another EtherType
        assertFalse(InnerChecksum.markIfPartial(slot, FRAME, partial.length - 1, header), "total length beyond the frame");
        assertFalse(InnerChecksum.markIfPartial(slot, FRAME, 14 + 19, header), "shorter than an IPv4 header");
        slot.putShort(FRAME + 14 + 6, (short)0x2000, BIG_ENDIAN);
        assertFalse(InnerChecksum.markIfPartial(slot, FRAME, partial.length, header), "a fragment");
        slot.putBytes(FRAME, partial);
        slot.putShort(FRAME + 12, (short)0x8100, BIG_ENDIAN);
        assertFalse(InnerChecksum.markIfPartial(slot, FRAME, partial.length, header), "a VLAN tag");
        assertEquals(0, header.flags());

        final byte[] shortTcp = FrameBuilder.udp(IP_A, 40000, IP_B, 5201).ethernet(MAC_A, MAC_B).payload(4).partialChecksum().frame();
        slot.putBytes(FRAME, shortTcp);
        slot.putByte(FRAME + 14 + 9, (byte)TCP); // 12 bytes of "TCP": less than its header
        assertFalse(InnerChecksum.markIfPartial(slot, FRAME, shortTcp.length, header), "a TCP segment shorter than its header");
    }

    @Test
    void shouldMarkAPartialChecksumOverIpv6()
    {
        // an IPv6 TCP segment with the pseudo-header sum in its checksum field, built by hand
        final byte[] source = new byte[16];
        final byte[] destination = new byte[16];
        source[0] = (byte)0xfe;
        source[1] = (byte)0x80;
        source[15] = 2;
        destination[0] = (byte)0xfe;
        destination[1] = (byte)0x80;
        destination[15] = 3;
        final int l4Length = 20 + 64;
        int offset = FRAME;
        slot.setMemory(FRAME, 14 + 40 + l4Length, (byte)0x11);
        slot.putShort(FRAME + 12, (short)0x86DD, BIG_ENDIAN);
        offset += 14;
        slot.putInt(offset, 0x6000_0000, BIG_ENDIAN);
        slot.putShort(offset + 4, (short)l4Length, BIG_ENDIAN);
        slot.putByte(offset + 6, (byte)TCP);
        slot.putByte(offset + 7, (byte)64);
        slot.putBytes(offset + 8, source);
        slot.putBytes(offset + 24, destination);
        final byte[] pseudo = new byte[40];
        System.arraycopy(source, 0, pseudo, 0, 16);
        System.arraycopy(destination, 0, pseudo, 16, 16);
        FrameBuilder.put32(pseudo, 32, l4Length);
        FrameBuilder.put32(pseudo, 36, TCP);
        final int pseudoSum = IndependentChecksum.sum(pseudo, 0, pseudo.length);
        slot.putShort(offset + 40 + 16, (short)pseudoSum, BIG_ENDIAN);

        assertTrue(InnerChecksum.markIfPartial(slot, FRAME, 14 + 40 + l4Length, header));
        assertEquals(14 + 40, header.csumStart());
        assertEquals(16, header.csumOffset());
    }

    private void assertFrameUnchanged(final byte[] expected, final int length)
    {
        final byte[] actual = new byte[length];
        slot.getBytes(FRAME, actual);
        assertEquals(Arrays.toString(expected), Arrays.toString(actual), "the frame itself is not touched");
    }
}
