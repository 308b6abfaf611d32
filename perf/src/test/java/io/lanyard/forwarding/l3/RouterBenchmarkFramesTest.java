package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.wire.TcpHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The benchmark's slots hold, byte for byte, the frames it measured before it built them with the
 * test kit (the hex was written by the hand-made builder it replaced), so figures stay comparable.
 */
class RouterBenchmarkFramesTest
{
    @Test
    void shouldWriteTheSameFullChecksumSynAsBefore()
    {
        final UnsafeBuffer slots = dirtySlots();

        RouterBenchmark.tcp(slots, 0, 0x0242_AC11_0002L, 0x0242_AC11_0001L, 0xAC11_0002, 40000, 0xC633_6401, 80,
            TcpHeader.FLAG_SYN, false);

        assertEquals("00000000000000000000" + "0242ac110001" + "0242ac110002" + "0800" +
            "450000481c46400040064822ac110002c6336401" +
            "9c40005011223344000000005002faf0365c0000" +
            "030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dc" +
            "0000000000000000000000000000000000000000000000000000000000000000", slot(slots, 0));
    }

    @Test
    void shouldWriteTheSamePartialChecksumSynAckAsBefore()
    {
        final UnsafeBuffer slots = dirtySlots();

        RouterBenchmark.tcp(slots, RouterBenchmark.SLOT_SIZE, 0x5_2540_0000_0001L, 0x5254_0012_3456L, 0xC633_6401, 80,
            0xC000_020A, 1024, TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK, true);

        assertEquals("01000000000022001000" + "525400123456" + "254000000001" + "0800" +
            "450000481c4640004006322bc6336401c000020a" +
            "0050040011223344556677885012faf0ec790000" +
            "030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dc" +
            "0000000000000000000000000000000000000000000000000000000000000000", slot(slots, 1));
    }

    private static UnsafeBuffer dirtySlots()
    {
        final UnsafeBuffer slots = new UnsafeBuffer(new byte[RouterBenchmark.SLOT_SIZE * 2]);
        slots.setMemory(0, slots.capacity(), (byte)0x5A);
        return slots;
    }

    private static String slot(final UnsafeBuffer slots, final int index)
    {
        final byte[] bytes = new byte[RouterBenchmark.SLOT_SIZE];
        slots.getBytes(index * RouterBenchmark.SLOT_SIZE, bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
