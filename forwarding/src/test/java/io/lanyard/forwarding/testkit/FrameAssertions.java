package io.lanyard.forwarding.testkit;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on routed frames, every checksum recomputed from scratch. */
public final class FrameAssertions
{
    private FrameAssertions()
    {
    }

    /** The frame is byte for byte the one {@code expected} builds (checksums included). */
    public static void assertFrame(final FrameBuilder expected, final Slot actual)
    {
        assertEquals(expected.slot().frameHex(), actual.frameHex());
    }

    /** IPv4 header checksum, and the TCP/UDP checksum over the new pseudo-header, recomputed. */
    public static void assertFullChecksumsValid(final Slot slot)
    {
        assertTrue(slot.ipHeaderChecksumIsValid(), "IPv4 header checksum");
        if (slot.protocol() == FrameBuilder.ICMP)
        {
            assertTrue(slot.icmpChecksumIsValid(), "ICMP checksum");
        }
        else if (!(slot.protocol() == FrameBuilder.UDP && slot.udpChecksum() == 0))
        {
            assertTrue(slot.transportChecksumIsValid(), "transport checksum over the pseudo-header");
        }
    }

    /** IPv4 header checksum valid; the TCP/UDP field holds the new pseudo-header sum, as Linux leaves it. */
    public static void assertPartialChecksumValid(final Slot slot)
    {
        assertTrue(slot.ipHeaderChecksumIsValid(), "IPv4 header checksum");
        final int field = slot.protocol() == FrameBuilder.TCP ? slot.tcpChecksum() : slot.udpChecksum();
        assertEquals(hex16(slot.expectedPartialChecksum()), hex16(field), "partial checksum = pseudo-header sum of the new addresses");
        assertTrue(slot.finishedPartialChecksumIsValid(), "the checksum the device finishes verifies");
    }

    public static String hex16(final int value)
    {
        return HexFormat.of().toHexDigits((short)value);
    }
}
