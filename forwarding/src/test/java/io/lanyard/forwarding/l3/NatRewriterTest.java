package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.testkit.FrameAssertions;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.IndependentChecksum;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.Verdict;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.FrameAssertions.assertPartialChecksumValid;
import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static io.lanyard.forwarding.testkit.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Address and port rewrites, each checksum checked against one computed from scratch. */
class NatRewriterTest
{
    private static final int CONTAINER = 0xAC11_0002;
    private static final int UPLINK = 0xC000_020A;
    private static final int SERVER = 0xC633_6401;

    private final FlowTuple packet = new FlowTuple();

    @Test
    void shouldMasqueradeATcpSegmentKeepingItsChecksumRight()
    {
        final Slot slot = parsed(tcp(CONTAINER, 40000, SERVER, 80, ACK).payload(1400).slot());

        NatRewriter.rewrite(packet, UPLINK, 1024, SERVER, 80);

        assertEquals(UPLINK, slot.ipSource());
        assertEquals(1024, slot.sourcePort());
        assertEquals(SERVER, slot.ipDestination());
        assertEquals(80, slot.destinationPort());
        assertTrue(slot.transportChecksumIsValid());
    }

    @Test
    void shouldTranslateBothEndsOfAUdpDatagram()
    {
        final Slot slot = parsed(udp(SERVER, 53, UPLINK, 1024).payload(99).slot());

        NatRewriter.rewrite(packet, 0xAC12_0001, 2000, CONTAINER, 5353);

        assertEquals(0xAC12_0001, slot.ipSource());
        assertEquals(CONTAINER, slot.ipDestination());
        assertEquals(2000, slot.sourcePort());
        assertEquals(5353, slot.destinationPort());
        assertTrue(slot.transportChecksumIsValid());
    }

    @Test
    void shouldLeaveADatagramSentWithoutAChecksumWithout()
    {
        final Slot slot = parsed(udp(CONTAINER, 5353, SERVER, 53).payload(12).withoutUdpChecksum().slot());

        NatRewriter.rewrite(packet, UPLINK, 1024, SERVER, 53);

        assertEquals(0, slot.udpChecksum());
        assertEquals(1024, slot.sourcePort());
    }

    @Test
    void shouldSendAUdpChecksumThatComesOutAsZeroAsAllOnes()
    {
        // find the new port for which the recomputed checksum is 0, which UDP cannot send
        int port = -1;
        for (int candidate = 1024; candidate < 65536 && port < 0; candidate++)
        {
            final Slot probe = udp(UPLINK, candidate, SERVER, 53).payload(12).slot();
            final int pseudo = IndependentChecksum.pseudoHeaderSum(UPLINK, SERVER, FrameBuilder.UDP, probe.l4Length());
            final byte[] bytes = probe.bytes();
            FrameBuilder.put16(bytes, probe.l4Offset() + 6, 0);
            if (IndependentChecksum.checksum(bytes, probe.l4Offset(), probe.l4Length(), pseudo) == 0)
            {
                port = candidate;
            }
        }
        assertTrue(port > 0, "some port makes the checksum 0");
        final Slot slot = parsed(udp(CONTAINER, 5353, SERVER, 53).payload(12).slot());

        NatRewriter.rewrite(packet, UPLINK, port, SERVER, 53);

        assertEquals(0xFFFF, slot.udpChecksum());
        assertTrue(slot.transportChecksumIsValid());
    }

    @Test
    void shouldKeepAPartialChecksumThePseudoHeaderSumOfTheNewAddresses()
    {
        final Slot slot = parsed(tcp(CONTAINER, 40000, SERVER, 80, ACK).payload(9000).partialChecksum().slot());

        NatRewriter.rewrite(packet, UPLINK, 1024, SERVER, 80);
        packet.ip().updateChecksum();

        assertEquals(1024, slot.sourcePort());
        assertPartialChecksumValid(slot);
        assertEquals(slot.originalVirtioHeader()[0], slot.virtioHeader()[0], "the checksum is still the device's to finish");
    }

    @Test
    void shouldRewriteTheIdentifierOfAnEchoRequestAsItsSourcePort()
    {
        final Slot slot = parsed(FrameBuilder.echoRequest(CONTAINER, SERVER, 0x0F1E, 1).payload(56).slot());

        NatRewriter.rewrite(packet, UPLINK, 0x2222, SERVER, 0);

        assertEquals(0x2222, slot.icmpIdentifier());
        assertTrue(slot.icmpChecksumIsValid());
    }

    @Test
    void shouldRewriteTheIdentifierOfAnEchoReplyAsItsDestinationPort()
    {
        final Slot slot = parsed(FrameBuilder.echoReply(SERVER, UPLINK, 0x2222, 1).payload(56).slot());

        NatRewriter.rewrite(packet, SERVER, 0, CONTAINER, 0x0F1E);

        assertEquals(0x0F1E, slot.icmpIdentifier());
        assertEquals(CONTAINER, slot.ipDestination());
        assertTrue(slot.icmpChecksumIsValid(), "ICMP has no pseudo-header: only the identifier counts");
    }

    private Slot parsed(final Slot slot)
    {
        assertTrue(packet.parse(slot.buffer, Slot.FRAME_OFFSET, slot.length(), new Verdict()));
        return slot;
    }
}
