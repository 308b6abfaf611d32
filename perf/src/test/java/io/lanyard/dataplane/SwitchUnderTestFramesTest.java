package io.lanyard.dataplane;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The forwarding stage benchmark's slots hold, byte for byte, the frames it measured before they
 * were built with the test kit (the hex was written by the hand-made builder it replaced).
 */
class SwitchUnderTestFramesTest
{
    private final FrameSlot slot = new FrameSlot(new UnsafeBuffer(BufferUtil.allocateDirectAligned(FrameSlot.SIZE, 64)));

    @Test
    void shouldFillASlotWithTheSameUdpDatagramAsBefore()
    {
        slot.buffer().setMemory(0, FrameSlot.SIZE, (byte)0x5A);

        SwitchUnderTest.udp(slot, 3, 5, 6);

        assertEquals(3, slot.ingressPort());
        assertEquals(70, slot.dataLength());
        assertEquals("00000000000000000000" + "0242ac110008" + "0242ac110007" + "0800" +
            "4500002e000000004011228eac110007ac110008" + "9c401451001a0000" + "000000000000000000000000000000000000",
            data());
    }

    @Test
    void shouldFillASlotWithTheSameArpRequestAsBefore()
    {
        slot.buffer().setMemory(0, FrameSlot.SIZE, (byte)0x5A);

        SwitchUnderTest.arpRequest(slot, 2, 7, 8);

        assertEquals(2, slot.ingressPort());
        assertEquals(70, slot.dataLength());
        assertEquals("00000000000000000000" + "ffffffffffff" + "0242ac110009" + "0806" +
            "0001080006040001" + "0242ac110009" + "ac110009" + "000000000000" + "ac11000a" + "000000000000000000000000000000000000",
            data());
    }

    private String data()
    {
        final byte[] bytes = new byte[slot.dataLength()];
        slot.buffer().getBytes(FrameSlot.DATA_OFFSET, bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
