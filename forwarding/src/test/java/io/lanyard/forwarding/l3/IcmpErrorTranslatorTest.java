package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.nat.ConnectionTuple;
import io.lanyard.forwarding.nat.ConntrackTimeouts;
import io.lanyard.forwarding.testkit.FrameAssertions;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.FrameAssertions.assertFullChecksumsValid;
import static io.lanyard.forwarding.testkit.FrameBuilder.DESTINATION_UNREACHABLE;
import static io.lanyard.forwarding.testkit.FrameBuilder.ICMP;
import static io.lanyard.forwarding.testkit.FrameBuilder.PORT_UNREACHABLE;
import static io.lanyard.forwarding.testkit.FrameBuilder.TIME_EXCEEDED;
import static io.lanyard.forwarding.testkit.FrameBuilder.UDP;
import static io.lanyard.forwarding.testkit.FrameBuilder.icmpError;
import static io.lanyard.forwarding.testkit.FrameBuilder.quote;
import static io.lanyard.forwarding.testkit.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One masqueraded DNS flow, container 172.17.0.2:5000 to 198.51.100.53:53 leaving as
 * 192.0.2.10:1024, and the errors that come back about it.
 */
class IcmpErrorTranslatorTest
{
    private static final int CONTAINER = 0xAC11_0002;
    private static final int UPLINK = 0xC000_020A;
    private static final int DNS = 0xC633_6435;
    private static final int TRANSIT_ROUTER = 0xCB00_7101;
    private static final long NOW_MILLIS = 1_000_000L;

    private final ConnectionTable connections = new ConnectionTable(16, ConntrackTimeouts.defaults());
    private final IcmpErrorTranslator translator = new IcmpErrorTranslator(connections);
    private final FlowTuple packet = new FlowTuple();
    private final Verdict verdict = new Verdict();
    private int flow;

    @BeforeEach
    void trackTheFlow()
    {
        flow = connections.create(UDP, CONTAINER, 5000, DNS, 53, DNS, 53, UPLINK, 1024, NOW_MILLIS);
    }

    @Test
    void shouldFindTheConnectionOfTheQuotedPacketByItsInverse()
    {
        final Slot error = error(DNS, DESTINATION_UNREACHABLE, udp(UPLINK, 1024, DNS, 53).payload(12).slot().ipPacket());

        assertEquals(flow, translator.connectionOf(parsed(error), NOW_MILLIS, verdict));

        assertTrue(connections.lastLookupWasReply(), "the error travels the reply's way");
    }

    @Test
    void shouldRestoreTheQuotedPacketAndAddressTheErrorToItsSender()
    {
        final Slot error = error(DNS, DESTINATION_UNREACHABLE, udp(UPLINK, 1024, DNS, 53).payload(12).slot().ipPacket());
        translator.connectionOf(parsed(error), NOW_MILLIS, verdict);

        translator.translate(packet, new ConnectionTuple().wrap(connections, flow, false));

        assertEquals(CONTAINER, error.quotedSource());
        assertEquals(5000, error.quotedSourcePort());
        assertEquals(DNS, error.quotedDestination());
        assertEquals(53, error.quotedDestinationPort());
        assertTrue(error.quotedHeaderChecksumIsValid());
        assertEquals(DNS, error.ipSource(), "from the quoted packet's destination: it speaks for itself");
        assertEquals(CONTAINER, error.ipDestination());
        assertEquals(59, error.ttl(), "one hop older");
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldKeepTheSourceOfAnErrorFromARouterOnThePath()
    {
        final Slot error = icmpError(TRANSIT_ROUTER, UPLINK, TIME_EXCEEDED, 0, quote(udp(UPLINK, 1024, DNS, 53).payload(12).slot().ipPacket(), 28))
            .slot();
        translator.connectionOf(parsed(error), NOW_MILLIS, verdict);

        translator.translate(packet, new ConnectionTuple().wrap(connections, flow, false));

        assertEquals(TRANSIT_ROUTER, error.ipSource());
        assertEquals(CONTAINER, error.ipDestination());
        assertFullChecksumsValid(error);
    }

    @Test
    void shouldClearTheVirtioHeaderOfTheErrorItRewroteWhole()
    {
        final Slot error = icmpError(DNS, UPLINK, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, udp(UPLINK, 1024, DNS, 53).payload(12).slot().ipPacket())
            .partialChecksum().slot();
        translator.connectionOf(parsed(error), NOW_MILLIS, verdict);

        translator.translate(packet, new ConnectionTuple().wrap(connections, flow, false));

        assertEquals(0, error.virtioHeader()[0]);
    }

    @Test
    void shouldRefuseAnErrorAboutNoTrackedFlowAsUnsolicited()
    {
        final Slot error = error(DNS, DESTINATION_UNREACHABLE, udp(UPLINK, 1025, DNS, 53).payload(12).slot().ipPacket());

        assertEquals(-1, translator.connectionOf(parsed(error), NOW_MILLIS, verdict));

        assertEquals(DropReason.UNSOLICITED.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldRefuseAnErrorAboutAPacketNatDoesNotTranslate()
    {
        final Slot aboutAnError = error(DNS, DESTINATION_UNREACHABLE,
            icmpError(UPLINK, DNS, DESTINATION_UNREACHABLE, PORT_UNREACHABLE, quote(new byte[28], 28)).slot().ipPacket());
        assertEquals(-1, translator.connectionOf(parsed(aboutAnError), NOW_MILLIS, verdict));
        assertEquals(DropReason.UNSUPPORTED.ordinal(), verdict.dropReason(), "errors about errors are not answered");

        final Slot aboutGre = error(DNS, DESTINATION_UNREACHABLE, FrameBuilder.other(47, UPLINK, DNS).payload(8).slot().ipPacket());
        verdict.consumed();
        assertEquals(-1, translator.connectionOf(parsed(aboutGre), NOW_MILLIS, verdict));
        assertEquals(DropReason.UNSUPPORTED.ordinal(), verdict.dropReason(), "a protocol the table does not track");
    }

    @Test
    void shouldKeyAQuotedEchoReplyByItsIdentifierAsTheDestinationPort()
    {
        final int ping = connections.create(ICMP, CONTAINER, 7, DNS, 0, DNS, 0, UPLINK, 7, NOW_MILLIS);
        final Slot error = icmpError(CONTAINER, DNS, DESTINATION_UNREACHABLE, PORT_UNREACHABLE,
            FrameBuilder.echoReply(DNS, CONTAINER, 7, 1).payload(8).slot().ipPacket()).slot();

        assertEquals(ping, translator.connectionOf(parsed(error), NOW_MILLIS, verdict));

        assertFalse(connections.lastLookupWasReply(), "an error about a reply travels the original's way");
    }

    private Slot error(final int from, final int type, final byte[] quotedPacket)
    {
        return icmpError(from, UPLINK, type, PORT_UNREACHABLE, quotedPacket).ttl(60).slot();
    }

    private FlowTuple parsed(final Slot slot)
    {
        assertTrue(packet.parse(slot.buffer, Slot.FRAME_OFFSET, slot.length(), verdict));
        assertEquals(FlowTuple.ICMP_ERROR, packet.protocol());
        return packet;
    }
}
