package io.lanyard.vxlan;

import io.lanyard.forwarding.testkit.FrameBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InnerFrameTest
{
    private static final int FRAME = 74;
    private final UnsafeBuffer slot = new UnsafeBuffer(new byte[4096]);

    @Test
    void shouldTakeWholeFramesPaddedOrNotAndOtherEtherTypes()
    {
        final int length = FrameBuilder.udp(0x0A00_0002, 1, 0x0A00_0003, 2).payload(100).ethernet(2, 3).writeTo(slot, FRAME);
        assertTrue(InnerFrame.isWhole(slot, FRAME, length));
        assertTrue(InnerFrame.isWhole(slot, FRAME, length + 20), "Ethernet padding after the packet");
        final int short6 = FrameBuilder.udp(0x0A00_0002, 1, 0x0A00_0003, 2).ethernetPadding(60).ethernet(2, 3).writeTo(slot, FRAME);
        assertTrue(InnerFrame.isWhole(slot, FRAME, short6), "a padded short frame");
        slot.putShort(FRAME + 12, (short)0x88B5, BIG_ENDIAN);
        assertTrue(InnerFrame.isWhole(slot, FRAME, 14), "an EtherType it does not look into, header only");
    }

    @Test
    void shouldRefuseAPacketThatClaimsMoreThanTheFrameCarries()
    {
        final int length = FrameBuilder.tcp(0x0A00_0002, 1, 0x0A00_0003, 2, FrameBuilder.ACK).payload(100).ethernet(2, 3).writeTo(slot, FRAME);
        assertFalse(InnerFrame.isWhole(slot, FRAME, length - 1), "IPv4 total length one byte beyond the frame");
        assertFalse(InnerFrame.isWhole(slot, FRAME, 14 + 19), "not even an IPv4 header");
        assertFalse(InnerFrame.isWhole(slot, FRAME, 13), "not even an Ethernet header");
        slot.putByte(FRAME + 14, (byte)0x44);
        assertFalse(InnerFrame.isWhole(slot, FRAME, length), "a header length of 16");
        slot.putByte(FRAME + 14, (byte)0x45);
        slot.putShort(FRAME + 14 + 2, (short)19, BIG_ENDIAN);
        assertFalse(InnerFrame.isWhole(slot, FRAME, length), "a total length shorter than the header");

        slot.putShort(FRAME + 12, (short)0x86DD, BIG_ENDIAN);
        slot.putByte(FRAME + 14, (byte)0x60);
        slot.putShort(FRAME + 14 + 4, (short)(length - 14 - 40), BIG_ENDIAN);
        assertTrue(InnerFrame.isWhole(slot, FRAME, length), "IPv6 whose payload fills the frame");
        slot.putShort(FRAME + 14 + 4, (short)(length - 14 - 40 + 1), BIG_ENDIAN);
        assertFalse(InnerFrame.isWhole(slot, FRAME, length), "IPv6 one byte beyond");
    }
}
