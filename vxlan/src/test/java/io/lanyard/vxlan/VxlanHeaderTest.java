package io.lanyard.vxlan;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;


import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static io.lanyard.forwarding.testkit.GoldenPackets.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VxlanHeaderTest
{
    /** What `ip link add vxlan0 type vxlan id 4096` puts on the wire: I flag, VNI 0x001000, zeros elsewhere. */
    private static final String VNI_4096 = "08" + "000000" + "001000" + "00";
    /** The largest VNI, 0xffffff. */
    private static final String VNI_MAX = "08" + "000000" + "ffffff" + "00";
    /** VNI 42 with the G and A bits of the Group Policy extension and a policy ID in the reserved bits. */
    private static final String VNI_42_WITH_GBP = "88" + "400123" + "00002a" + "00";
    private static final String VNI_42_WITH_LAST_OCTET = "08" + "000000" + "00002a" + "01";
    /**
     * Linux's remote checksum offload (vxlan_compute_rco) for a TCP/IPv4 frame: the C flag, and in
     * the last octet the checksum start 34 halved (0x11), the O bit clear for TCP.
     */
    private static final String VNI_4096_RCO_TCP4 = "08" + "200000" + "001000" + "11";
    /** The same for UDP/IPv6: start 54 halved (0x1b) with the O bit (0x80). */
    private static final String VNI_4096_RCO_UDP6 = "08" + "200000" + "001000" + "9b";
    private static final String NO_I_FLAG = "00" + "000000" + "001000" + "00";
    private static final int HEADROOM = 42;

    private final VxlanHeader header = new VxlanHeader();

    @Test
    void shouldDecodeTheVniOfAWellFormedHeader()
    {
        final UnsafeBuffer buffer = at(VNI_4096);

        header.wrap(buffer, HEADROOM, 8 + 60);

        assertTrue(header.isValid());
        assertFalse(header.hasReservedBits());
        assertEquals(VxlanHeader.FLAG_I, header.flags());
        assertEquals(4096, header.vni());
        assertEquals(HEADROOM + 8, header.payloadOffset());
        assertEquals(60, header.payloadLength());
    }

    @Test
    void shouldDecodeTheLargestVni()
    {
        header.wrap(at(VNI_MAX), HEADROOM, 8);

        assertTrue(header.isValid());
        assertEquals(VxlanHeader.MAX_VNI, header.vni());
    }

    @Test
    void shouldEncodeExactlyTheGoldenBytes()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[HEADROOM + 8]);
        buffer.setMemory(0, buffer.capacity(), (byte)0x5A);

        header.wrap(buffer, HEADROOM, 8).write(4096);

        assertArrayEquals(bytes(VNI_4096), copy(buffer, HEADROOM, 8));
        assertEquals(0x5A, buffer.getByte(HEADROOM - 1), "nothing written before the header");
    }

    @Test
    void shouldClearReservedBitsWhenWriting()
    {
        final UnsafeBuffer buffer = at(VNI_42_WITH_GBP);

        header.wrap(buffer, HEADROOM, 8).write(VxlanHeader.MAX_VNI);

        assertArrayEquals(bytes(VNI_MAX), copy(buffer, HEADROOM, 8));
        assertFalse(header.hasReservedBits());
    }

    @Test
    void shouldRoundTripEveryKindOfVni()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
        for (final int vni : new int[] {0, 1, 255, 256, 4095, 4096, 65_535, 65_536, 0x7F_FFFF, 0x80_0000, VxlanHeader.MAX_VNI})
        {
            header.wrap(buffer, 0, 8).write(vni);

            assertTrue(header.isValid());
            assertEquals(vni, header.vni());
            assertFalse(header.hasReservedBits());
        }
    }

    @Test
    void shouldAcceptButReportAHeaderWithReservedBitsSet()
    {
        header.wrap(at(VNI_42_WITH_GBP), HEADROOM, 8);
        assertTrue(header.isValid(), "RFC 7348: reserved bits are ignored on receipt");
        assertTrue(header.hasReservedBits());
        assertEquals(42, header.vni());

        header.wrap(at(VNI_42_WITH_LAST_OCTET), HEADROOM, 8);
        assertTrue(header.isValid());
        assertTrue(header.hasReservedBits());
        assertEquals(42, header.vni(), "the reserved last octet is not part of the VNI");
    }

    @Test
    void shouldWriteAndReadRemoteChecksumOffloadAsLinuxDoes()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[HEADROOM + 8]);

        VxlanHeader.put(buffer, HEADROOM, 4096, VxlanHeader.remoteChecksumOf(14 + 20, 16));
        assertArrayEquals(bytes(VNI_4096_RCO_TCP4), copy(buffer, HEADROOM, 8));
        VxlanHeader.put(buffer, HEADROOM, 4096, VxlanHeader.remoteChecksumOf(14 + 40, 6));
        assertArrayEquals(bytes(VNI_4096_RCO_UDP6), copy(buffer, HEADROOM, 8));

        header.wrap(at(VNI_4096_RCO_UDP6), HEADROOM, 8);
        assertTrue(header.isValid());
        assertFalse(header.hasReservedBits(), "the C flag and its octet are no stray reserved bits");
        assertEquals(4096, header.vni());
        assertEquals(54, VxlanHeader.checksumStart(header.remoteChecksum()));
        assertEquals(6, VxlanHeader.checksumOffset(header.remoteChecksum()));
        header.wrap(at(VNI_4096_RCO_TCP4), HEADROOM, 8);
        assertEquals(34, VxlanHeader.checksumStart(header.remoteChecksum()));
        assertEquals(16, VxlanHeader.checksumOffset(header.remoteChecksum()));

        VxlanHeader.put(buffer, HEADROOM, 4096, VxlanHeader.NO_REMOTE_CHECKSUM);
        assertArrayEquals(bytes(VNI_4096), copy(buffer, HEADROOM, 8));
        assertEquals(VxlanHeader.NO_REMOTE_CHECKSUM, header.wrap(buffer, HEADROOM, 8).remoteChecksum());
        header.wrap(at(VNI_42_WITH_LAST_OCTET), HEADROOM, 8);
        assertEquals(VxlanHeader.NO_REMOTE_CHECKSUM, header.remoteChecksum(), "the last octet means nothing without the C flag");
    }

    @Test
    void shouldRefuseRemoteChecksumOffloadItCannotSay()
    {
        assertEquals(VxlanHeader.NO_REMOTE_CHECKSUM, VxlanHeader.remoteChecksumOf(35, 16), "an odd start");
        assertEquals(VxlanHeader.NO_REMOTE_CHECKSUM, VxlanHeader.remoteChecksumOf(256, 16), "a start beyond 254");
        assertEquals(VxlanHeader.NO_REMOTE_CHECKSUM, VxlanHeader.remoteChecksumOf(34, 10), "neither TCP's nor UDP's offset");
        assertEquals(0x7F, VxlanHeader.remoteChecksumOf(254, 16));
    }

    @Test
    void shouldRefuseAHeaderWithoutTheIFlag()
    {
        header.wrap(at(NO_I_FLAG), HEADROOM, 8);

        assertFalse(header.isValid());
    }

    @Test
    void shouldRefuseATruncatedHeader()
    {
        final UnsafeBuffer buffer = at(VNI_4096);
        for (int length = 0; length < VxlanHeader.LENGTH; length++)
        {
            assertFalse(header.wrap(buffer, HEADROOM, length).isValid(), "length " + length);
        }
        assertFalse(header.wrap(buffer, HEADROOM, -1).isValid());
        assertTrue(header.wrap(buffer, HEADROOM, VxlanHeader.LENGTH).isValid());
    }

    @Test
    void shouldRefuseToWriteAVniOutOfRange()
    {
        final UnsafeBuffer buffer = at(VNI_4096);
        header.wrap(buffer, HEADROOM, 8);

        assertThrows(IllegalArgumentException.class, () -> header.write(-1));
        assertThrows(IllegalArgumentException.class, () -> header.write(VxlanHeader.MAX_VNI + 1));
        assertThrows(IllegalArgumentException.class, () -> header.write(Integer.MIN_VALUE));
        assertArrayEquals(bytes(VNI_4096), copy(buffer, HEADROOM, 8), "untouched");
    }

    @Test
    void shouldFixTheConstantsOfRfc7348()
    {
        assertEquals(8, VxlanHeader.LENGTH);
        assertEquals(4789, VxlanHeader.DEFAULT_PORT);
        assertEquals(0, VxlanHeader.MIN_VNI);
        assertEquals(16_777_215, VxlanHeader.MAX_VNI);
        assertEquals(4096, VxlanHeader.FIRST_ALLOCATED_VNI);
        assertEquals(50, VxlanHeader.ENCAPSULATION_OVERHEAD, "1500 - 50 = the 1450 MTU of overlay endpoints");
        assertTrue(VxlanHeader.isValidVni(0));
        assertTrue(VxlanHeader.isValidVni(VxlanHeader.MAX_VNI));
        assertFalse(VxlanHeader.isValidVni(-1));
        assertFalse(VxlanHeader.isValidVni(1 << 24));
    }

    private static UnsafeBuffer at(final String hex)
    {
        final byte[] golden = bytes(hex);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[HEADROOM + golden.length + 64]);
        buffer.putBytes(HEADROOM, golden);
        return buffer;
    }
}
