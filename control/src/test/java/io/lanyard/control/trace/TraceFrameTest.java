package io.lanyard.control.trace;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TraceFrameTest
{
    private static final long FROM = 0x0242_AC11_0002L;
    private static final long TO = 0x0242_AC11_0003L;
    private static final int SOURCE = 0xAC11_0002;
    private static final int DESTINATION = 0xAC11_0003;

    @Test
    void shouldWriteFramesWhoseChecksumsAStackWouldAccept()
    {
        for (final int protocol : new int[] {TraceFrame.TCP, TraceFrame.UDP, TraceFrame.ICMP})
        {
            final TraceFrame.Tuple tuple = new TraceFrame.Tuple(protocol, SOURCE, 40_000, DESTINATION, protocol == TraceFrame.ICMP ? 0 : 80);
            final byte[] frame = TraceFrame.build(FROM, TO, tuple);

            assertEquals(0xFFFF, sum(frame, 14, 20, 0), "IPv4 header of protocol " + protocol);
            final int l4 = frame.length - 34;
            final long pseudo = protocol == TraceFrame.ICMP ? 0 :
                (SOURCE >>> 16) + (SOURCE & 0xFFFF) + (DESTINATION >>> 16) + (DESTINATION & 0xFFFF) + protocol + l4;
            assertEquals(0xFFFF, sum(frame, 34, l4, pseudo), "the checksum of protocol " + protocol);
            assertEquals(tuple, TraceFrame.read(frame));
            assertEquals(0x02, frame[0]);
            assertEquals(0x03, frame[5]);
        }
    }

    @Test
    void shouldReadNoTupleFromAFrameThatIsNotIpv4()
    {
        final byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        assertNull(TraceFrame.read(arp));
    }

    /** The ones' complement sum, folded: 0xFFFF over a range whose checksum is right. */
    private static int sum(final byte[] bytes, final int offset, final int length, final long initial)
    {
        long sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            sum += ((bytes[offset + i] & 0xFF) << 8) | (i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0);
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }
}
