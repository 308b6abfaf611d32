package io.lanyard.forwarding.nat;

import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.nat.ConnectionTable.CLOSE;
import static io.lanyard.forwarding.nat.ConnectionTable.ESTABLISHED;
import static io.lanyard.forwarding.nat.ConnectionTable.NEW;
import static io.lanyard.forwarding.nat.ConnectionTable.REPLIED;
import static io.lanyard.forwarding.nat.ConnectionTable.SYN_RECV;
import static io.lanyard.forwarding.nat.ConnectionTable.SYN_SENT;
import static io.lanyard.forwarding.nat.ConnectionTable.UNREPLIED;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_ICMP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_TCP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_UDP;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_ACK;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_RST;
import static io.lanyard.forwarding.wire.TcpHeader.FLAG_SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionStatesTest
{
    private static final long T0 = 1_000_000L;
    private static final int ID = 2;

    private final ConntrackTimeouts timeouts = ConntrackTimeouts.defaults();
    private final ConnectionStates states = new ConnectionStates(4, timeouts);

    @Test
    void shouldStartTcpNewAndTheOthersUnrepliedEachWithItsTimeout()
    {
        states.start(ID, PROTOCOL_TCP, T0);
        assertEquals(NEW, states.state(ID));
        assertEquals(T0 + timeouts.tcpCloseMillis(), states.expiresAtMillis(ID));

        states.start(ID, PROTOCOL_UDP, T0);
        assertEquals(UNREPLIED, states.state(ID));
        assertEquals(T0 + timeouts.udpMillis(), states.expiresAtMillis(ID));

        states.start(ID, PROTOCOL_ICMP, T0);
        assertEquals(T0 + timeouts.icmpMillis(), states.expiresAtMillis(ID));
        assertFalse(states.seenReply(ID));
    }

    @Test
    void shouldFollowAHandshakeToEstablished()
    {
        states.start(ID, PROTOCOL_TCP, T0);

        states.update(ID, PROTOCOL_TCP, false, FLAG_SYN, T0);
        assertEquals(SYN_SENT, states.state(ID));
        states.update(ID, PROTOCOL_TCP, true, FLAG_SYN | FLAG_ACK, T0 + 1);
        assertEquals(SYN_RECV, states.state(ID));
        assertTrue(states.seenReply(ID));
        states.update(ID, PROTOCOL_TCP, false, FLAG_ACK, T0 + 2);

        assertEquals(ESTABLISHED, states.state(ID));
        assertEquals(T0 + 2 + timeouts.tcpEstablishedMillis(), states.expiresAtMillis(ID));
    }

    @Test
    void shouldCapAFlowThatNeverSawAReplyAtTheUnacknowledgedTimeout()
    {
        states.start(ID, PROTOCOL_TCP, T0);

        states.update(ID, PROTOCOL_TCP, false, FLAG_ACK, T0);

        assertEquals(ESTABLISHED, states.state(ID), "picked up mid-stream");
        assertEquals(T0 + timeouts.tcpUnacknowledgedMillis(), states.expiresAtMillis(ID));
    }

    @Test
    void shouldCloseOnAReset()
    {
        states.start(ID, PROTOCOL_TCP, T0);
        states.update(ID, PROTOCOL_TCP, false, FLAG_SYN, T0);

        states.update(ID, PROTOCOL_TCP, true, FLAG_RST, T0);

        assertEquals(CLOSE, states.state(ID));
    }

    @Test
    void shouldMarkAUdpFlowRepliedAndGiveItTheStreamTimeout()
    {
        states.start(ID, PROTOCOL_UDP, T0);

        states.update(ID, PROTOCOL_UDP, true, 0, T0 + 5);

        assertEquals(REPLIED, states.state(ID));
        assertEquals(T0 + 5 + timeouts.udpStreamMillis(), states.expiresAtMillis(ID));
        assertFalse(states.isExpired(ID, T0 + 5 + timeouts.udpStreamMillis() - 1));
        assertTrue(states.isExpired(ID, T0 + 5 + timeouts.udpStreamMillis()));
    }
}
