package io.lanyard.forwarding.nat;

import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static io.lanyard.forwarding.nat.ConnectionTable.CLASH;
import static io.lanyard.forwarding.nat.ConnectionTable.CLOSE;
import static io.lanyard.forwarding.nat.ConnectionTable.CLOSE_WAIT;
import static io.lanyard.forwarding.nat.ConnectionTable.ESTABLISHED;
import static io.lanyard.forwarding.nat.ConnectionTable.FIN_WAIT;
import static io.lanyard.forwarding.nat.ConnectionTable.FULL;
import static io.lanyard.forwarding.nat.ConnectionTable.LAST_ACK;
import static io.lanyard.forwarding.nat.ConnectionTable.NEW;
import static io.lanyard.forwarding.nat.ConnectionTable.NONE;
import static io.lanyard.forwarding.nat.ConnectionTable.REPLIED;
import static io.lanyard.forwarding.nat.ConnectionTable.SYN_RECV;
import static io.lanyard.forwarding.nat.ConnectionTable.SYN_SENT;
import static io.lanyard.forwarding.nat.ConnectionTable.TIME_WAIT;
import static io.lanyard.forwarding.nat.ConnectionTable.UNREPLIED;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_ICMP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_TCP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_UDP;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_ACK;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_FIN;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_RST;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ConnectionTableTest
{
    private static final long SECOND = 1_000L;
    /** An arbitrary clock origin, far from zero. */
    private static final long T0 = 1_700_000_000_000L;

    private static final int CONTAINER = 0xAC11_0002;   // 172.17.0.2
    private static final int OTHER_CONTAINER = 0xAC11_0003;
    private static final int SERVER = 0x5DB8_D822;      // 93.184.216.34
    private static final int HOST = 0xC0A8_010A;        // 192.168.1.10

    /** Every timeout different, so a state that borrowed another's timeout would show. */
    private static final ConntrackTimeouts DISTINCT = ConntrackTimeouts.parse(List.of(
        "tcp_syn_sent=101",
        "tcp_syn_recv=102",
        "tcp_established=1003",
        "tcp_fin_wait=104",
        "tcp_close_wait=105",
        "tcp_last_ack=106",
        "tcp_time_wait=107",
        "tcp_close=108",
        "tcp_unacknowledged=309",
        "udp=31",
        "udp_stream=121",
        "icmp=32"));

    private final ConnectionTable table = new ConnectionTable(64, DISTINCT);

    @Test
    void shouldFindAMasqueradedConnectionByItsOriginalAndItsReplyTuple()
    {
        final int id = masquerade(PROTOCOL_TCP, CONTAINER, 40_000, 50_000, T0);

        assertEquals(id, table.lookup(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, T0));
        assertFalse(table.lastLookupWasReply());
        assertEquals(id, table.lookup(PROTOCOL_TCP, SERVER, 443, HOST, 50_000, T0));
        assertTrue(table.lastLookupWasReply());
        assertEquals(id, table.lookup(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, T0));
        assertFalse(table.lastLookupWasReply());
    }

    @Test
    void shouldNotFindATranslatedConnectionByItsUntranslatedInverse()
    {
        masquerade(PROTOCOL_TCP, CONTAINER, 40_000, 50_000, T0);

        assertEquals(NONE, table.lookup(PROTOCOL_TCP, SERVER, 443, CONTAINER, 40_000, T0));
        assertEquals(NONE, table.lookup(PROTOCOL_UDP, CONTAINER, 40_000, SERVER, 443, T0));
        assertEquals(NONE, table.lookup(PROTOCOL_TCP, CONTAINER, 40_001, SERVER, 443, T0));
        assertEquals(NONE, table.lookup(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 444, T0));
        assertEquals(NONE, table.lookup(PROTOCOL_TCP, OTHER_CONTAINER, 40_000, SERVER, 443, T0));
        assertEquals(NONE, table.lookup(PROTOCOL_TCP, SERVER, 443, HOST + 1, 50_000, T0));
    }

    @Test
    void shouldReportBothTuplesOfAConnection()
    {
        final int id = masquerade(PROTOCOL_UDP, CONTAINER, 40_000, 50_000, T0);

        assertEquals(PROTOCOL_UDP, table.protocol(id));
        assertEquals(CONTAINER, table.originalSource(id));
        assertEquals(40_000, table.originalSourcePort(id));
        assertEquals(SERVER, table.originalDestination(id));
        assertEquals(443, table.originalDestinationPort(id));
        assertEquals(SERVER, table.replySource(id));
        assertEquals(443, table.replySourcePort(id));
        assertEquals(HOST, table.replyDestination(id));
        assertEquals(50_000, table.replyDestinationPort(id));
    }

    @Test
    void shouldKeepAddressesWithTheHighBitSetAndExtremePorts()
    {
        final int high = 0xFFFF_FFFE;
        final int id = table.create(PROTOCOL_UDP, high, 65_535, 0x8000_0000, 0, 0x8000_0000, 0, high, 65_535, T0);

        assertEquals(high, table.originalSource(id));
        assertEquals(65_535, table.originalSourcePort(id));
        assertEquals(0x8000_0000, table.originalDestination(id));
        assertEquals(0, table.originalDestinationPort(id));
        assertEquals(id, table.lookup(PROTOCOL_UDP, 0x8000_0000, 0, high, 65_535, T0));
        assertTrue(table.lastLookupWasReply());
    }

    @Test
    void shouldFindAnIdentityConnectionInBothDirections()
    {
        final int id = table.create(
            PROTOCOL_UDP, CONTAINER, 5353, SERVER, 53, SERVER, 53, CONTAINER, 5353, T0);

        assertEquals(id, table.lookup(PROTOCOL_UDP, CONTAINER, 5353, SERVER, 53, T0));
        assertFalse(table.lastLookupWasReply());
        assertEquals(id, table.lookup(PROTOCOL_UDP, SERVER, 53, CONTAINER, 5353, T0));
        assertTrue(table.lastLookupWasReply());
        assertEquals(1, table.size());
    }

    @Test
    void shouldIndexAFlowToItselfOnceAndFindItAsOriginal()
    {
        final int id = table.create(PROTOCOL_UDP, HOST, 7000, HOST, 7000, HOST, 7000, HOST, 7000, T0);

        assertEquals(id, table.lookup(PROTOCOL_UDP, HOST, 7000, HOST, 7000, T0));
        assertFalse(table.lastLookupWasReply());

        table.remove(id);
        assertEquals(NONE, table.lookup(PROTOCOL_UDP, HOST, 7000, HOST, 7000, T0));
        assertEquals(0, table.size());
        final int again = table.create(PROTOCOL_UDP, HOST, 7000, HOST, 7000, HOST, 7000, HOST, 7000, T0);
        assertTrue(again >= 0, "no stale index entry left to clash with: " + again);
    }

    @Test
    void shouldRefuseAConnectionWhoseOriginalTupleIsInUse()
    {
        masquerade(PROTOCOL_TCP, CONTAINER, 40_000, 50_000, T0);

        assertEquals(CLASH, masqueradeRaw(PROTOCOL_TCP, CONTAINER, 40_000, 50_001, T0 + SECOND));
        assertEquals(1, table.size());
        assertEquals(0, table.refusedFull());
    }

    @Test
    void shouldRefuseAConnectionWhoseReplyTupleIsInUse()
    {
        masquerade(PROTOCOL_TCP, CONTAINER, 40_000, 50_000, T0);

        assertEquals(CLASH, masqueradeRaw(PROTOCOL_TCP, OTHER_CONTAINER, 40_000, 50_000, T0 + SECOND));
        assertEquals(1, table.size());
    }

    @Test
    void shouldRefuseAConnectionWhoseOriginalTupleIsAnotherConnectionsReplyTuple()
    {
        masquerade(PROTOCOL_UDP, CONTAINER, 40_000, 50_000, T0);

        final int clash = table.create(
            PROTOCOL_UDP, SERVER, 443, HOST, 50_000, HOST, 50_000, SERVER, 443, T0 + SECOND);

        assertEquals(CLASH, clash);
    }

    @Test
    void shouldReplaceAnExpiredConnectionInsteadOfClashingWithIt()
    {
        final int old = masquerade(PROTOCOL_UDP, CONTAINER, 40_000, 50_000, T0);
        table.tag(old, false, 77);

        final int fresh = masqueradeRaw(PROTOCOL_UDP, OTHER_CONTAINER, 40_000, 50_000, T0 + 31 * SECOND);

        assertTrue(fresh >= 0, "expired holder of the reply tuple makes way: " + fresh);
        assertEquals(1, table.size());
        assertEquals(NONE, table.lookup(PROTOCOL_UDP, CONTAINER, 40_000, SERVER, 443, T0 + 31 * SECOND));
        assertEquals(fresh, table.lookup(PROTOCOL_UDP, SERVER, 443, HOST, 50_000, T0 + 31 * SECOND));
        assertEquals(OTHER_CONTAINER, table.originalSource(fresh));
        assertEquals(0, table.tag(fresh, false), "tags start at zero even on a reused id");
    }

    @Test
    void shouldRefuseToCreateWhenFullAndKeepServingExistingConnections()
    {
        final ConnectionTable small = new ConnectionTable(4, DISTINCT);
        final int[] ids = new int[4];
        for (int i = 0; i < 4; i++)
        {
            ids[i] = small.create(PROTOCOL_TCP, CONTAINER, 1000 + i, SERVER, 80, SERVER, 80, CONTAINER, 1000 + i, T0);
            small.update(ids[i], false, FLAG_SYN, T0);
        }

        assertEquals(FULL, small.create(PROTOCOL_TCP, CONTAINER, 2000, SERVER, 80, SERVER, 80, CONTAINER, 2000, T0));
        assertEquals(FULL, small.create(PROTOCOL_TCP, CONTAINER, 2001, SERVER, 80, SERVER, 80, CONTAINER, 2001, T0));

        assertEquals(2, small.refusedFull());
        assertEquals(4, small.size());
        assertEquals(4, small.capacity());
        for (int i = 0; i < 4; i++)
        {
            assertEquals(ids[i], small.lookup(PROTOCOL_TCP, SERVER, 80, CONTAINER, 1000 + i, T0 + SECOND));
            small.update(ids[i], true, FLAG_SYN | FLAG_ACK, T0 + SECOND);
            assertEquals(SYN_RECV, small.state(ids[i]));
        }
        assertEquals(NONE, small.lookup(PROTOCOL_TCP, CONTAINER, 2000, SERVER, 80, T0));
    }

    @Test
    void shouldSweepExpiredConnectionsToMakeRoomWhenFull()
    {
        final ConnectionTable small = new ConnectionTable(2, DISTINCT);
        udp(small, 1000, T0);
        udp(small, 1001, T0 + 10 * SECOND);

        final int id = udp(small, 1002, T0 + 31 * SECOND);

        assertTrue(id >= 0, "the first connection expired at T0 + 31 s: " + id);
        assertEquals(0, small.refusedFull());
        assertEquals(2, small.size());
        assertEquals(NONE, small.lookup(PROTOCOL_UDP, CONTAINER, 1000, SERVER, 53, T0 + 31 * SECOND));
        assertTrue(small.lookup(PROTOCOL_UDP, CONTAINER, 1001, SERVER, 53, T0 + 31 * SECOND) >= 0);
    }

    @Test
    void shouldSweepAFullTableAtMostOnceASecond()
    {
        final ConnectionTable small = new ConnectionTable(2, DISTINCT);
        udp(small, 1000, T0);
        udp(small, 1001, T0);
        final long expiry = T0 + 31 * SECOND;

        assertEquals(FULL, udp(small, 1002, expiry - 500), "swept, nothing expired yet");
        assertEquals(FULL, udp(small, 1003, expiry), "both expired, but the last sweep was half a second ago");
        assertEquals(FULL, udp(small, 1004, expiry + 499));
        assertEquals(2, small.size());

        assertTrue(udp(small, 1005, expiry + 500) >= 0, "a second after the last sweep");
        assertEquals(1, small.size());
        assertEquals(3, small.refusedFull());
    }

    @Test
    void shouldGoThroughTheWholeTcpLifecycleWithEachStatesTimeout()
    {
        final int id = table.create(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, SERVER, 443, HOST, 50_000, T0);
        assertEquals(NEW, table.state(id));

        long now = T0;
        expectAfter(id, false, FLAG_SYN, now, SYN_SENT, 101);
        now += SECOND;
        expectAfter(id, true, FLAG_SYN | FLAG_ACK, now, SYN_RECV, 102);
        now += SECOND;
        expectAfter(id, false, FLAG_ACK, now, ESTABLISHED, 1003);
        now += SECOND;
        expectAfter(id, true, FLAG_ACK, now, ESTABLISHED, 1003);
        now += SECOND;
        expectAfter(id, false, FLAG_FIN | FLAG_ACK, now, FIN_WAIT, 104);
        now += SECOND;
        expectAfter(id, true, FLAG_ACK, now, CLOSE_WAIT, 105);
        now += SECOND;
        expectAfter(id, true, FLAG_ACK, now, CLOSE_WAIT, 105);
        now += SECOND;
        expectAfter(id, true, FLAG_FIN | FLAG_ACK, now, LAST_ACK, 106);
        now += SECOND;
        expectAfter(id, false, FLAG_ACK, now, TIME_WAIT, 107);

        assertEquals(id, table.lookup(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, now + 107 * SECOND - 1));
        assertEquals(NONE, table.lookup(PROTOCOL_TCP, SERVER, 443, HOST, 50_000, now + 107 * SECOND));
        assertEquals(0, table.size());
    }

    @Test
    void shouldTrackACloseStartedByTheServer()
    {
        final int id = established(T0);

        expectAfter(id, true, FLAG_FIN | FLAG_ACK, T0, FIN_WAIT, 104);
        expectAfter(id, true, FLAG_FIN | FLAG_ACK, T0, FIN_WAIT, 104);
        expectAfter(id, false, FLAG_ACK, T0, CLOSE_WAIT, 105);
        expectAfter(id, true, FLAG_ACK, T0, CLOSE_WAIT, 105);
        expectAfter(id, false, FLAG_FIN | FLAG_ACK, T0, LAST_ACK, 106);
        expectAfter(id, false, FLAG_ACK, T0, LAST_ACK, 106);
        expectAfter(id, true, FLAG_ACK, T0, TIME_WAIT, 107);
    }

    @Test
    void shouldGoStraightToLastAckWhenBothSidesSendFin()
    {
        final int id = established(T0);

        expectAfter(id, false, FLAG_FIN | FLAG_ACK, T0, FIN_WAIT, 104);
        expectAfter(id, false, FLAG_ACK, T0, FIN_WAIT, 104);
        expectAfter(id, true, FLAG_FIN | FLAG_ACK, T0, LAST_ACK, 106);
        expectAfter(id, false, FLAG_ACK, T0, TIME_WAIT, 107);
    }

    @Test
    void shouldCloseOnResetFromEitherSide()
    {
        final int fromClient = established(T0);
        expectAfter(fromClient, false, FLAG_RST, T0, CLOSE, 108);

        final int fromServer =
            table.create(PROTOCOL_TCP, CONTAINER, 41_000, SERVER, 443, SERVER, 443, HOST, 51_000, T0);
        table.update(fromServer, false, FLAG_SYN, T0);
        expectAfter(fromServer, true, FLAG_RST | FLAG_ACK, T0, CLOSE, 108);

        assertEquals(2, table.expire(T0 + 108 * SECOND));
        assertEquals(0, table.size());
    }

    @Test
    void shouldIgnoreAStraySynInSynSentAndEstablished()
    {
        final int id = table.create(PROTOCOL_TCP, CONTAINER, 41_000, SERVER, 443, SERVER, 443, HOST, 51_000, T0);
        table.update(id, false, FLAG_SYN, T0);

        expectAfter(id, false, FLAG_SYN, T0 + SECOND, SYN_SENT, 101);
        expectAfter(id, true, FLAG_ACK, T0 + SECOND, SYN_SENT, 101);
        final int established = established(T0);
        expectAfter(established, false, FLAG_SYN, T0, ESTABLISHED, 1003);
    }

    @Test
    void shouldExpireASynThatIsNeverAnswered()
    {
        final int id = table.create(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, SERVER, 443, HOST, 50_000, T0);
        table.update(id, false, FLAG_SYN, T0);

        assertEquals(0, table.expire(T0 + 101 * SECOND - 1));
        assertEquals(1, table.expire(T0 + 101 * SECOND));
        assertEquals(NONE, table.lookup(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, T0 + 101 * SECOND));
    }

    @Test
    void shouldGiveAConnectionThatNeverSawAPacketTheCloseTimeout()
    {
        final int id = table.create(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, SERVER, 443, HOST, 50_000, T0);

        assertEquals(NEW, table.state(id));
        assertEquals(T0 + 108 * SECOND, table.expiresAtMillis(id));
    }

    @Test
    void shouldPickUpAFlowMidStreamWithTheUnacknowledgedTimeoutUntilAReply()
    {
        final int id = table.create(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, SERVER, 443, HOST, 50_000, T0);

        expectAfter(id, false, FLAG_ACK, T0, ESTABLISHED, 309);
        assertFalse(table.seenReply(id));
        expectAfter(id, false, FLAG_ACK, T0 + SECOND, ESTABLISHED, 309);
        expectAfter(id, true, FLAG_ACK, T0 + 2 * SECOND, ESTABLISHED, 1003);
        assertTrue(table.seenReply(id));
        expectAfter(id, false, FLAG_ACK, T0 + 3 * SECOND, ESTABLISHED, 1003);
    }

    @Test
    void shouldExpireAPickedUpFlowThatNeverSeesAReplyAfterTheUnacknowledgedTimeout()
    {
        final int id = table.create(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, SERVER, 443, HOST, 50_000, T0);
        table.update(id, false, FLAG_ACK | FLAG_FIN, T0);

        assertEquals(id, table.lookup(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, T0 + 309 * SECOND - 1));
        assertEquals(NONE, table.lookup(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, T0 + 309 * SECOND));
    }

    @Test
    void shouldCloseAConnectionWhoseFirstPacketIsAReset()
    {
        final int id = table.create(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, SERVER, 443, HOST, 50_000, T0);

        expectAfter(id, false, FLAG_RST, T0, CLOSE, 108);
    }

    @Test
    void shouldUseTheFiveDayEstablishedTimeoutByDefault()
    {
        final ConnectionTable defaults = new ConnectionTable(8, ConntrackTimeouts.defaults());
        final int id = defaults.create(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, SERVER, 443, HOST, 50_000, T0);
        defaults.update(id, false, FLAG_SYN, T0);
        assertEquals(T0 + 120 * SECOND, defaults.expiresAtMillis(id));
        defaults.update(id, true, FLAG_SYN | FLAG_ACK, T0);
        defaults.update(id, false, FLAG_ACK, T0);

        assertEquals(ESTABLISHED, defaults.state(id));
        assertEquals(T0 + 432_000 * SECOND, defaults.expiresAtMillis(id));
    }

    @Test
    void shouldReuseATimeWaitConnectionForANewSynFromTheSameClientPort()
    {
        final int id = established(T0);
        table.update(id, false, FLAG_FIN | FLAG_ACK, T0);
        table.update(id, true, FLAG_FIN | FLAG_ACK, T0);
        table.update(id, false, FLAG_ACK, T0);
        assertEquals(TIME_WAIT, table.state(id));
        table.tag(id, true, 0x1234);

        final long later = T0 + 5 * SECOND;
        assertEquals(id, table.lookup(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, later));
        expectAfter(id, false, FLAG_SYN, later, SYN_SENT, 101);
        assertFalse(table.seenReply(id), "a fresh connection has not seen a reply yet");
        assertEquals(0x1234, table.tag(id, true), "the translation carries over to the reused connection");

        expectAfter(id, true, FLAG_SYN | FLAG_ACK, later, SYN_RECV, 102);
        expectAfter(id, false, FLAG_ACK, later, ESTABLISHED, 1003);
        expectAfter(id, true, FLAG_FIN | FLAG_ACK, later, FIN_WAIT, 104);
        expectAfter(id, false, FLAG_ACK, later, CLOSE_WAIT, 105);
    }

    @Test
    void shouldReuseAClosedConnectionForANewSyn()
    {
        final int id = established(T0);
        table.update(id, true, FLAG_RST, T0);

        expectAfter(id, false, FLAG_SYN, T0 + SECOND, SYN_SENT, 101);
    }

    @Test
    void shouldNotReuseATimeWaitConnectionForASynFromTheServerOrASynAck()
    {
        final int id = established(T0);
        table.update(id, false, FLAG_FIN | FLAG_ACK, T0);
        table.update(id, true, FLAG_FIN | FLAG_ACK, T0);
        table.update(id, false, FLAG_ACK, T0);

        expectAfter(id, true, FLAG_SYN, T0, TIME_WAIT, 107);
        expectAfter(id, false, FLAG_SYN | FLAG_ACK, T0, TIME_WAIT, 107);
    }

    @Test
    void shouldExpireAnUnrepliedUdpFlowSoonerThanARepliedOne()
    {
        final int unreplied = masquerade(PROTOCOL_UDP, CONTAINER, 40_000, 50_000, T0);
        final int replied = masquerade(PROTOCOL_UDP, OTHER_CONTAINER, 40_000, 50_001, T0);
        assertEquals(UNREPLIED, table.state(unreplied));
        assertEquals(T0 + 31 * SECOND, table.expiresAtMillis(unreplied));

        assertEquals(replied, table.lookup(PROTOCOL_UDP, SERVER, 443, HOST, 50_001, T0 + SECOND));
        table.update(replied, table.lastLookupWasReply(), 0, T0 + SECOND);
        assertEquals(REPLIED, table.state(replied));
        assertTrue(table.seenReply(replied));
        assertFalse(table.seenReply(unreplied));
        assertEquals(T0 + SECOND + 121 * SECOND, table.expiresAtMillis(replied));

        table.update(replied, false, 0, T0 + 2 * SECOND);
        assertEquals(REPLIED, table.state(replied));
        assertEquals(T0 + 2 * SECOND + 121 * SECOND, table.expiresAtMillis(replied));

        assertEquals(1, table.expire(T0 + 31 * SECOND));
        assertEquals(replied, table.lookup(PROTOCOL_UDP, OTHER_CONTAINER, 40_000, SERVER, 443, T0 + 100 * SECOND));
        assertEquals(0, table.expire(T0 + 123 * SECOND - 1));
        assertEquals(1, table.expire(T0 + 123 * SECOND));
        assertEquals(0, table.size());
    }

    @Test
    void shouldRefreshAnIcmpEchoFlowWithEachPacket()
    {
        final int id = table.create(PROTOCOL_ICMP, CONTAINER, 7, SERVER, 0, SERVER, 0, HOST, 9, T0);
        table.update(id, false, 0, T0);
        assertEquals(T0 + 32 * SECOND, table.expiresAtMillis(id));

        assertEquals(id, table.lookup(PROTOCOL_ICMP, SERVER, 0, HOST, 9, T0 + 20 * SECOND));
        assertTrue(table.lastLookupWasReply());
        table.update(id, true, 0, T0 + 20 * SECOND);
        assertEquals(REPLIED, table.state(id));
        assertEquals(T0 + 52 * SECOND, table.expiresAtMillis(id), "ICMP has one timeout, replied or not");

        assertEquals(id, table.lookup(PROTOCOL_ICMP, CONTAINER, 7, SERVER, 0, T0 + 52 * SECOND - 1));
        assertEquals(NONE, table.lookup(PROTOCOL_ICMP, CONTAINER, 7, SERVER, 0, T0 + 52 * SECOND));
    }

    @Test
    void shouldExpireOnlyConnectionsWhoseTimeHasCome()
    {
        final int a = masquerade(PROTOCOL_UDP, CONTAINER, 1000, 50_000, T0);
        final int b = masquerade(PROTOCOL_UDP, CONTAINER, 1001, 50_001, T0 + 5 * SECOND);
        final int c = masquerade(PROTOCOL_UDP, CONTAINER, 1002, 50_002, T0 + 10 * SECOND);

        assertEquals(2, table.expire(T0 + 36 * SECOND));

        assertEquals(1, table.size());
        assertEquals(NONE, table.lookup(PROTOCOL_UDP, SERVER, 443, HOST, 50_000, T0 + 36 * SECOND));
        assertEquals(NONE, table.lookup(PROTOCOL_UDP, SERVER, 443, HOST, 50_001, T0 + 36 * SECOND));
        assertEquals(c, table.lookup(PROTOCOL_UDP, SERVER, 443, HOST, 50_002, T0 + 36 * SECOND));
        assertNotEquals(a, b);
    }

    @Test
    void shouldKeepATagPerDirectionStartingAtZero()
    {
        final int id = masquerade(PROTOCOL_UDP, CONTAINER, 1000, 50_000, T0);
        assertEquals(0, table.tag(id, false));
        assertEquals(0, table.tag(id, true));

        table.tag(id, false, Long.MIN_VALUE);
        table.tag(id, true, 42);

        assertEquals(Long.MIN_VALUE, table.tag(id, false));
        assertEquals(42, table.tag(id, true));
        final int other = masquerade(PROTOCOL_UDP, CONTAINER, 1001, 50_001, T0);
        assertEquals(0, table.tag(other, false));
    }

    @Test
    void shouldForgetARemovedConnectionAndHandOutItsIdAgain()
    {
        final int id = masquerade(PROTOCOL_UDP, CONTAINER, 1000, 50_000, T0);

        table.remove(id);

        assertEquals(0, table.size());
        assertEquals(NONE, table.lookup(PROTOCOL_UDP, CONTAINER, 1000, SERVER, 443, T0));
        assertEquals(NONE, table.lookup(PROTOCOL_UDP, SERVER, 443, HOST, 50_000, T0));
        assertThrows(IllegalArgumentException.class, () -> table.remove(id));
        assertEquals(id, masquerade(PROTOCOL_UDP, CONTAINER, 1000, 50_000, T0));
    }

    @Test
    void shouldRejectIdsThatAreNotLiveConnections()
    {
        assertThrows(IllegalArgumentException.class, () -> table.remove(0));
        assertThrows(IllegalArgumentException.class, () -> table.remove(-1));
        assertThrows(IllegalArgumentException.class, () -> table.remove(64));
    }

    @Test
    void shouldKeepThePreferredPortWhenItIsFree()
    {
        masquerade(PROTOCOL_TCP, CONTAINER, 40_000, 40_000, T0);

        assertEquals(40_001, table.allocatePort(PROTOCOL_TCP, SERVER, 443, HOST, 40_001, 1024, 65_535));
        assertEquals(40_000, table.allocatePort(PROTOCOL_TCP, SERVER, 80, HOST, 40_000, 1024, 65_535),
            "the same port to another server port is a different reply tuple");
        assertEquals(40_000, table.allocatePort(PROTOCOL_UDP, SERVER, 443, HOST, 40_000, 1024, 65_535));
    }

    @Test
    void shouldChooseAnotherPortInRangeWhenThePreferredOneIsTaken()
    {
        masquerade(PROTOCOL_TCP, CONTAINER, 40_000, 40_000, T0);

        final int port = table.allocatePort(PROTOCOL_TCP, SERVER, 443, HOST, 40_000, 1024, 65_535);

        assertNotEquals(40_000, port);
        assertTrue(port >= 1024 && port <= 65_535, "in range: " + port);
    }

    @Test
    void shouldNotKeepAPreferredPortOutsideTheRange()
    {
        final int port = table.allocatePort(PROTOCOL_UDP, SERVER, 53, HOST, 80, 1024, 1100);

        assertTrue(port >= 1024 && port <= 1100, "in range: " + port);
    }

    @Test
    void shouldAvoidEveryTakenPortAndFailWhenTheRangeIsExhausted()
    {
        final int low = 2000;
        final int high = 2007;
        final int[] ids = new int[high - low + 1];
        for (int i = 0; i < ids.length; i++)
        {
            final int port = table.allocatePort(PROTOCOL_UDP, SERVER, 443, HOST, 40_000, low, high);
            assertTrue(port >= low && port <= high, "in range: " + port);
            ids[i] = masquerade(PROTOCOL_UDP, CONTAINER, 40_000 + i, port, T0);
            assertTrue(ids[i] >= 0, "allocated port " + port + " was free");
        }

        assertEquals(-1, table.allocatePort(PROTOCOL_UDP, SERVER, 443, HOST, 40_000, low, high));
        assertEquals(-1, table.allocatePort(PROTOCOL_UDP, SERVER, 443, HOST, 2003, low, high));

        final int freed = table.replyDestinationPort(ids[5]);
        table.remove(ids[5]);
        assertEquals(freed, table.allocatePort(PROTOCOL_UDP, SERVER, 443, HOST, 40_000, low, high));
    }

    @Test
    void shouldTryAtMost128ConsecutiveCandidates()
    {
        final ConnectionTable big = new ConnectionTable(256, DISTINCT);
        final int low = 3000;
        final int size = 200;
        final int[] ids = new int[size];
        for (int i = 0; i < size; i++)
        {
            ids[i] = big.create(PROTOCOL_UDP, CONTAINER, 10_000 + i, SERVER, 53, SERVER, 53, HOST, low + i, T0);
        }

        final boolean[] foundWhenOnlyFree = new boolean[size];
        int found = 0;
        for (int i = 0; i < size; i++)
        {
            big.remove(ids[i]);
            final int port = big.allocatePort(PROTOCOL_UDP, SERVER, 53, HOST, 0, low, low + size - 1);
            if (port == low + i)
            {
                foundWhenOnlyFree[i] = true;
                found++;
            }
            else
            {
                assertEquals(-1, port, "the only free port is " + (low + i));
            }
            ids[i] = big.create(PROTOCOL_UDP, CONTAINER, 10_000 + i, SERVER, 53, SERVER, 53, HOST, low + i, T0);
        }

        assertEquals(128, found, "a window of 128 candidates over a range of 200");
        int runs = 0;
        for (int i = 0; i < size; i++)
        {
            if (foundWhenOnlyFree[i] && !foundWhenOnlyFree[(i + 1) % size])
            {
                runs++;
            }
        }
        assertEquals(1, runs, "the candidates are consecutive ports, wrapping within the range");
    }

    @Test
    void shouldNotAllocateOnTheHotPath()
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "this JVM cannot count a thread's allocations");
        final ThreadMXBean threads = (ThreadMXBean)bean;
        assumeTrue(threads.isThreadAllocatedMemoryEnabled(), "allocation counting is off");
        final ConnectionTable hot = new ConnectionTable(1024, DISTINCT);
        // warm up until compiled: a deoptimisation during the measured run reallocates what compiled code had elided
        for (int warmUp = 0; warmUp < 20; warmUp++)
        {
            exerciseHotPath(hot, warmUp * 1_000_000_000L);
        }

        final long before = threads.getCurrentThreadAllocatedBytes();
        exerciseHotPath(hot, 30 * 1_000_000_000L);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals(0, allocated, "bytes allocated by create, update, lookup, allocatePort, expire and remove");
    }

    @Test
    void shouldRejectAnInvalidPortRange()
    {
        assertThrows(
            IllegalArgumentException.class, () -> table.allocatePort(PROTOCOL_UDP, SERVER, 53, HOST, 0, 10, 9));
        assertThrows(
            IllegalArgumentException.class, () -> table.allocatePort(PROTOCOL_UDP, SERVER, 53, HOST, 0, -1, 9));
        assertThrows(
            IllegalArgumentException.class, () -> table.allocatePort(PROTOCOL_UDP, SERVER, 53, HOST, 0, 1, 65_536));
        assertEquals(7, table.allocatePort(PROTOCOL_UDP, SERVER, 53, HOST, 0, 7, 7));
    }

    @Test
    void shouldRejectInvalidArguments()
    {
        assertThrows(IllegalArgumentException.class, () -> new ConnectionTable(0, DISTINCT));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionTable((1 << 22) + 1, DISTINCT));
        assertThrows(
            IllegalArgumentException.class, () -> table.create(47, HOST, 0, SERVER, 0, SERVER, 0, HOST, 0, T0));
        assertThrows(
            IllegalArgumentException.class,
            () -> table.create(PROTOCOL_UDP, HOST, 65_536, SERVER, 53, SERVER, 53, HOST, 1, T0));
        assertThrows(
            IllegalArgumentException.class,
            () -> table.create(PROTOCOL_UDP, HOST, 1, SERVER, 53, SERVER, 53, HOST, -1, T0));
        assertEquals(0, table.size());
    }

    @Test
    void shouldFindNothingForAnOutOfRangeTuple()
    {
        masquerade(PROTOCOL_UDP, CONTAINER, 0, 0, T0);

        assertEquals(NONE, table.lookup(PROTOCOL_UDP, CONTAINER, 65_536, SERVER, 443, T0));
        assertEquals(NONE, table.lookup(PROTOCOL_UDP + 256, CONTAINER, 0, SERVER, 443, T0));
        assertEquals(NONE, table.lookup(0, CONTAINER, 0, SERVER, 443, T0));
    }

    @Test
    void shouldNameEveryState()
    {
        final String[] names = {
            "NEW", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",
            "UNREPLIED", "REPLIED"};
        for (int state = 0; state < names.length; state++)
        {
            assertEquals(names[state], ConnectionTable.stateName(state));
        }
        assertEquals("UNKNOWN(99)", ConnectionTable.stateName(99));
    }

    /** Fills the table past capacity and drains it again, touching every hot-path method. */
    private static void exerciseHotPath(final ConnectionTable hot, final long start)
    {
        long now = T0 + start;
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 1100; i++)
            {
                final int port = hot.allocatePort(PROTOCOL_TCP, SERVER, 443, HOST, 30_000 + i, 1024, 65_535);
                final int id =
                    hot.create(PROTOCOL_TCP, CONTAINER, 30_000 + i, SERVER, 443, SERVER, 443, HOST, port, now);
                if (id >= 0)
                {
                    hot.update(id, false, FLAG_SYN, now);
                    hot.tag(id, false, hot.tag(id, true) + 1);
                }
                final int found = hot.lookup(PROTOCOL_TCP, SERVER, 443, HOST, port, now);
                if (found >= 0)
                {
                    hot.update(found, hot.lastLookupWasReply(), FLAG_SYN | FLAG_ACK, now);
                }
                now += 1;
            }
            for (int id = 0; id < hot.capacity(); id += 2)
            {
                final int found = hot.lookup(PROTOCOL_TCP, hot.originalSource(id), hot.originalSourcePort(id),
                    hot.originalDestination(id), hot.originalDestinationPort(id), now);
                if (found == id)
                {
                    hot.remove(id);
                }
            }
            now += 200 * SECOND;
            hot.expire(now);
        }
    }

    private int masquerade(
        final int protocol, final int container, final int containerPort, final int hostPort, final long nowMillis)
    {
        final int id = masqueradeRaw(protocol, container, containerPort, hostPort, nowMillis);
        assertTrue(id >= 0, "created: " + id);
        table.update(id, false, FLAG_SYN, nowMillis);
        return id;
    }

    private int masqueradeRaw(
        final int protocol, final int container, final int containerPort, final int hostPort, final long nowMillis)
    {
        return table.create(protocol, container, containerPort, SERVER, 443, SERVER, 443, HOST, hostPort, nowMillis);
    }

    private static int udp(final ConnectionTable table, final int port, final long nowMillis)
    {
        final int id = table.create(PROTOCOL_UDP, CONTAINER, port, SERVER, 53, SERVER, 53, CONTAINER, port, nowMillis);
        if (id >= 0)
        {
            table.update(id, false, 0, nowMillis);
        }
        return id;
    }

    private int established(final long nowMillis)
    {
        final int id = table.create(PROTOCOL_TCP, CONTAINER, 40_000, SERVER, 443, SERVER, 443, HOST, 50_000, nowMillis);
        table.update(id, false, FLAG_SYN, nowMillis);
        table.update(id, true, FLAG_SYN | FLAG_ACK, nowMillis);
        table.update(id, false, FLAG_ACK, nowMillis);
        assertEquals(ESTABLISHED, table.state(id));
        return id;
    }

    private void expectAfter(
        final int id,
        final boolean reply,
        final int tcpFlags,
        final long nowMillis,
        final int expectedState,
        final long expectedTimeoutSeconds)
    {
        table.update(id, reply, tcpFlags, nowMillis);
        assertEquals(
            ConnectionTable.stateName(expectedState), ConnectionTable.stateName(table.state(id)), "state");
        assertEquals(nowMillis + expectedTimeoutSeconds * SECOND, table.expiresAtMillis(id), "expiry");
    }
}
