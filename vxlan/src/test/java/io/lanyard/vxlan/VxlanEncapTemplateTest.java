package io.lanyard.vxlan;

import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VxlanEncapTemplateTest
{
    private static final int HOST_1 = 0xC000_0201;
    private static final int HOST_2 = 0xC000_0202;
    private static final int HEADROOM = 38;

    /** 192.0.2.1:49443 → 192.0.2.2:4789, a 60-byte inner frame on VNI 4096; the kernel fills the IPv4 checksum. */
    private static final String GOLDEN =
        "45" + "00" + "0060" + "0000" + "4000" + "40" + "11" + "0000" + "c0000201" + "c0000202" +  // IPv4, DF, TTL 64, UDP
        "c123" + "12b5" + "004c" + "0000" +                                                   // UDP, no checksum
        "08000000" + "00100000";                                                              // VXLAN, I flag, VNI 4096

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[HEADROOM + VxlanEncapTemplate.LENGTH + 60]);

    @Test
    void shouldWriteExactlyTheGoldenBytesInFrontOfTheFrame()
    {
        buffer.setMemory(0, buffer.capacity(), (byte)0x5A);
        final VxlanEncapTemplate template = new VxlanEncapTemplate(HOST_1, VxlanHeader.DEFAULT_PORT);

        template.write(buffer, HEADROOM, 60, 4096, 0xC123);
        VxlanEncapTemplate.destination(buffer, HEADROOM, HOST_2);

        assertEquals(36, VxlanEncapTemplate.LENGTH);
        assertArrayEquals(HexFormat.of().parseHex(GOLDEN), copy(HEADROOM, VxlanEncapTemplate.LENGTH));
        assertEquals(0x5A, buffer.getByte(HEADROOM - 1), "nothing written before the headers");
        assertEquals(0x5A, buffer.getByte(HEADROOM + VxlanEncapTemplate.LENGTH), "nor into the frame");
    }

    @Test
    void shouldReadBackThroughTheIpv4AndVxlanViews()
    {
        final VxlanEncapTemplate template = new VxlanEncapTemplate(HOST_1, 4790);

        template.write(buffer, HEADROOM, 60, VxlanHeader.MAX_VNI, VxlanSourcePort.MAX_PORT);
        VxlanEncapTemplate.destination(buffer, HEADROOM, HOST_2);

        final Ipv4Header ip = new Ipv4Header().wrap(buffer, HEADROOM, VxlanEncapTemplate.LENGTH + 60);
        assertTrue(ip.isValid());
        assertFalse(ip.isFragment());
        assertEquals(Ipv4Header.FLAG_DONT_FRAGMENT, ip.flagsAndFragmentOffset());
        assertEquals(VxlanEncapTemplate.LENGTH + 60, ip.totalLength());
        assertEquals(VxlanEncapTemplate.TTL, ip.ttl());
        assertEquals(Ipv4Header.PROTOCOL_UDP, ip.protocol());
        assertEquals(HOST_1, ip.source());
        assertEquals(HOST_2, ip.destination());
        final int udp = HEADROOM + VxlanEncapTemplate.UDP_OFFSET;
        assertEquals(VxlanSourcePort.MAX_PORT, buffer.getShort(udp, BIG_ENDIAN) & 0xFFFF);
        assertEquals(4790, buffer.getShort(udp + 2, BIG_ENDIAN) & 0xFFFF);
        assertEquals(8 + 8 + 60, buffer.getShort(udp + 4, BIG_ENDIAN) & 0xFFFF);
        assertEquals(0, buffer.getShort(udp + 6, BIG_ENDIAN));
        final VxlanHeader vxlan = new VxlanHeader().wrap(buffer, HEADROOM + VxlanEncapTemplate.VXLAN_OFFSET, 8 + 60);
        assertTrue(vxlan.isValid());
        assertFalse(vxlan.hasReservedBits());
        assertEquals(VxlanHeader.MAX_VNI, vxlan.vni());
        assertEquals(HEADROOM + VxlanEncapTemplate.LENGTH, vxlan.payloadOffset());
    }

    @Test
    void shouldLeaveNothingOfThePreviousPacketAndPatchOnlyTheDestinationPerVtep()
    {
        final VxlanEncapTemplate template = new VxlanEncapTemplate(HOST_1, VxlanHeader.DEFAULT_PORT);
        buffer.setMemory(0, buffer.capacity(), (byte)0xFF);
        template.write(buffer, HEADROOM, 1400, VxlanHeader.MAX_VNI, VxlanSourcePort.MAX_PORT);
        VxlanEncapTemplate.destination(buffer, HEADROOM, 0x0A00_0001);

        template.write(buffer, HEADROOM, 60, 4096, 0xC123);
        VxlanEncapTemplate.destination(buffer, HEADROOM, 0x0A00_0002);
        final byte[] first = copy(HEADROOM, VxlanEncapTemplate.LENGTH);
        VxlanEncapTemplate.destination(buffer, HEADROOM, HOST_2);
        final byte[] second = copy(HEADROOM, VxlanEncapTemplate.LENGTH);

        assertArrayEquals(HexFormat.of().parseHex(GOLDEN), second);
        for (int i = 0; i < VxlanEncapTemplate.LENGTH; i++)
        {
            if (i < Ipv4Header.DESTINATION_OFFSET || i >= Ipv4Header.DESTINATION_OFFSET + 4)
            {
                assertEquals(second[i], first[i], "byte " + i + " is the same for every VTEP");
            }
        }
    }

    @Test
    void shouldLeaveTheSourceToTheKernelWhenTheAddressIsNotConcrete()
    {
        new VxlanEncapTemplate(0, VxlanHeader.DEFAULT_PORT).write(buffer, HEADROOM, 60, 4096, 0xC123);

        assertEquals(0, buffer.getInt(HEADROOM + Ipv4Header.SOURCE_OFFSET));
    }

    @Test
    void shouldFitTheLargestFrameIntoTheTotalLength()
    {
        final UnsafeBuffer big = new UnsafeBuffer(new byte[VxlanEncapTemplate.LENGTH]);

        new VxlanEncapTemplate(HOST_1, VxlanHeader.DEFAULT_PORT).write(big, 0, VxlanEncapTemplate.MAX_FRAME_LENGTH, 1, 0xC123);

        assertEquals(0xFFFF, big.getShort(Ipv4Header.TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF);
        assertEquals(0xFFFF - 20, big.getShort(VxlanEncapTemplate.UDP_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF);
    }

    @Test
    void shouldRefuseADestinationPortOutOfRange()
    {
        assertThrows(IllegalArgumentException.class, () -> new VxlanEncapTemplate(HOST_1, 0));
        assertThrows(IllegalArgumentException.class, () -> new VxlanEncapTemplate(HOST_1, 65_536));
        assertThrows(IllegalArgumentException.class, () -> new VxlanEncapTemplate(HOST_1, -4789));
        assertEquals(65_535, new VxlanEncapTemplate(HOST_1, 65_535).destinationPort());
        assertEquals(1, new VxlanEncapTemplate(HOST_1, 1).destinationPort());
    }

    private byte[] copy(final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
