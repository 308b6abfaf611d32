package io.lanyard.forwarding.verdict;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertSame;

class VerdictTest
{
    private static final int[] PORTS = {1, 2, 3};
    private static final int[] VTEPS = {0xC000_0202, 0xC000_0203};

    private final Verdict verdict = new Verdict();

    @Test
    void shouldSendNothingAndCountNothingBeforeItIsWritten()
    {
        assertEquals(Verdict.DROP, verdict.egress());
        assertEquals(Verdict.NO_DROP, verdict.dropReason());
        assertEquals(Verdict.NOT_REWRITTEN, verdict.rewrittenLength());
        assertEquals(0, verdict.floodPorts().length);
        assertEquals(0, verdict.vtep());
        assertEquals(0, verdict.vteps().length);
    }

    @Test
    void shouldStartAfreshWithEachKind()
    {
        verdict.flood(PORTS).vteps(VTEPS);
        verdict.port(4);
        assertEquals(4, verdict.egress());
        assertEquals(0, verdict.floodPorts().length, "the last frame's flood set does not carry over");
        assertEquals(0, verdict.vteps().length);

        verdict.port(5).vtep(VTEPS[0]).remoteChecksum(true).replace(42, DropReason.ARP_PENDING);
        assertTrue(verdict.remoteChecksum());
        verdict.reply();
        assertEquals(Verdict.REPLY, verdict.egress());
        assertEquals(0, verdict.vtep());
        assertFalse(verdict.remoteChecksum(), "only the VTEP said to finish checksums does");
        assertEquals(Verdict.NO_DROP, verdict.dropReason());
        assertEquals(Verdict.NOT_REWRITTEN, verdict.rewrittenLength());

        verdict.drop(DropReason.ICC);
        verdict.consumed();
        assertEquals(Verdict.CONSUMED, verdict.egress());
        assertEquals(Verdict.NO_DROP, verdict.dropReason());
    }

    @Test
    void shouldHandOutTheTablesArraysWithoutCopying()
    {
        verdict.flood(PORTS).vteps(VTEPS);

        assertEquals(Verdict.FLOOD, verdict.egress());
        assertSame(PORTS, verdict.floodPorts());
        assertSame(VTEPS, verdict.vteps());
    }

    @Test
    void shouldCarryTheLostPacketsReasonOnAReplacedFrame()
    {
        verdict.port(15).replace(42, DropReason.ARP_PENDING);

        assertEquals(15, verdict.egress());
        assertEquals(42, verdict.rewrittenLength());
        assertEquals(DropReason.ARP_PENDING.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldCarryTheReasonOfADrop()
    {
        verdict.drop(DropReason.SAME_PORT);

        assertEquals(Verdict.DROP, verdict.egress());
        assertEquals(DropReason.SAME_PORT.ordinal(), verdict.dropReason());
        assertArrayEquals(new int[0], verdict.floodPorts());
    }
}
