package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.FrameBuilder.ACK;
import static io.lanyard.forwarding.testkit.FrameBuilder.DESTINATION_UNREACHABLE;
import static io.lanyard.forwarding.testkit.FrameBuilder.PORT_UNREACHABLE;
import static io.lanyard.forwarding.testkit.FrameBuilder.PSH;
import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.UDP;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoReply;
import static io.lanyard.forwarding.testkit.FrameBuilder.echoRequest;
import static io.lanyard.forwarding.testkit.FrameBuilder.icmpError;
import static io.lanyard.forwarding.testkit.FrameBuilder.other;
import static io.lanyard.forwarding.testkit.FrameBuilder.quote;
import static io.lanyard.forwarding.testkit.FrameBuilder.tcp;
import static io.lanyard.forwarding.testkit.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowTupleTest
{
    private static final int CONTAINER = 0xAC11_0002;
    private static final int SERVER = 0xC633_6401;

    private final FlowTuple packet = new FlowTuple();
    private final Verdict verdict = new Verdict();

    @Test
    void shouldReadTheTupleAndFlagsOfATcpSegment()
    {
        final Slot slot = tcp(CONTAINER, 40000, SERVER, 80, ACK | PSH).payload(100).slot();

        assertTrue(parse(slot));

        assertEquals(TCP, packet.protocol());
        assertEquals(CONTAINER, packet.source());
        assertEquals(40000, packet.sourcePort());
        assertEquals(SERVER, packet.destination());
        assertEquals(80, packet.destinationPort());
        assertEquals(ACK | PSH, packet.tcpFlags());
        assertFalse(packet.partialChecksum());
        assertEquals(slot.l4Offset(), packet.tcp().offset());
        assertEquals(Verdict.NO_DROP, verdict.dropReason(), "nothing written on success");
    }

    @Test
    void shouldReadTheTupleOfAUdpDatagramWithoutTcpFlags()
    {
        assertTrue(parse(udp(CONTAINER, 5353, SERVER, 53).payload(12).slot()));

        assertEquals(UDP, packet.protocol());
        assertEquals(5353, packet.sourcePort());
        assertEquals(53, packet.destinationPort());
        assertEquals(0, packet.tcpFlags());
    }

    @Test
    void shouldKeyAnEchoRequestByItsIdentifierAsTheSourcePortAndAReplyAsTheDestinationPort()
    {
        assertTrue(parse(echoRequest(CONTAINER, SERVER, 0x1234, 1).payload(8).slot()));
        assertEquals(0x1234, packet.sourcePort());
        assertEquals(0, packet.destinationPort());

        assertTrue(parse(echoReply(SERVER, CONTAINER, 0x1234, 1).payload(8).slot()));
        assertEquals(0, packet.sourcePort());
        assertEquals(0x1234, packet.destinationPort());
    }

    @Test
    void shouldTellAPartialChecksumFromTheVirtioHeaderBeforeTheFrame()
    {
        final Slot slot = tcp(CONTAINER, 40000, SERVER, 80, ACK).partialChecksum().slot();
        assertTrue(parse(slot));
        assertTrue(packet.partialChecksum());

        final UnsafeBuffer withoutHeadroom = new UnsafeBuffer(slot.frame());
        assertTrue(packet.parse(withoutHeadroom, 0, withoutHeadroom.capacity(), verdict));
        assertFalse(packet.partialChecksum(), "a frame at the start of its buffer has no virtio header to read");
    }

    @Test
    void shouldMarkAnIcmpErrorAndWrapThePacketItQuotes()
    {
        final Slot query = udp(CONTAINER, 5000, SERVER, 53).payload(12).slot();
        final Slot error = icmpError(SERVER, CONTAINER, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, quote(query.ipPacket(), 28)).slot();

        assertTrue(parse(error));

        assertEquals(FlowTuple.ICMP_ERROR, packet.protocol());
        assertEquals(CONTAINER, packet.quoted().source());
        assertEquals(SERVER, packet.quoted().destination());
        assertEquals(UDP, packet.quoted().protocol());
    }

    @Test
    void shouldRefuseAnIcmpErrorQuotingLessThanAHeaderAndEightBytesAsMalformed()
    {
        final Slot query = udp(CONTAINER, 5000, SERVER, 53).payload(12).slot();

        assertFalse(parse(icmpError(SERVER, CONTAINER, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, quote(query.ipPacket(), 27)).slot()));

        assertEquals(DropReason.MALFORMED.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldLeaveAProtocolTheTableDoesNotTrackUntracked()
    {
        assertTrue(parse(other(47, CONTAINER, SERVER).payload(8).slot()));

        assertEquals(FlowTuple.UNTRACKED, packet.protocol());
    }

    @Test
    void shouldDropWhatCannotBeRoutedWithItsReason()
    {
        assertFalse(parse(FrameBuilder.arp(1, 2, 1, 1, CONTAINER, 0, SERVER)));
        assertEquals(DropReason.UNSUPPORTED.ordinal(), verdict.dropReason());

        assertFalse(parse(udp(CONTAINER, 5000, SERVER, 53).payload(12).flagsAndFragmentOffset(0x2000).slot()));
        assertEquals(DropReason.FRAGMENT.ordinal(), verdict.dropReason());

        assertFalse(parse(tcp(CONTAINER, 40000, SERVER, 80, ACK).slot().truncate(14 + 20 + 19)));
        assertEquals(DropReason.MALFORMED.ordinal(), verdict.dropReason(), "a TCP header cut short");

        assertFalse(parse(udp(CONTAINER, 5000, SERVER, 53).slot().poke(14, 0x55)));
        assertEquals(DropReason.MALFORMED.ordinal(), verdict.dropReason(), "not IPv4 inside");
    }

    @Test
    void shouldClearTheVirtioHeaderOfAPacketRewrittenWhole()
    {
        final Slot slot = tcp(CONTAINER, 40000, SERVER, 80, ACK).partialChecksum().slot();
        parse(slot);

        packet.clearChecksumOffload();

        assertEquals(0, slot.virtioHeader()[0]);
    }

    private boolean parse(final Slot slot)
    {
        return packet.parse(slot.buffer, Slot.FRAME_OFFSET, slot.length(), verdict);
    }
}
