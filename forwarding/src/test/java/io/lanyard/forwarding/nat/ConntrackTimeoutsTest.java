package io.lanyard.forwarding.nat;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConntrackTimeoutsTest
{
    private static final long SECOND = 1_000L;

    @Test
    void shouldUseLinuxNfConntrackDefaults()
    {
        final ConntrackTimeouts timeouts = ConntrackTimeouts.defaults();

        assertEquals(120 * SECOND, timeouts.tcpSynSentMillis());
        assertEquals(60 * SECOND, timeouts.tcpSynRecvMillis());
        assertEquals(432_000 * SECOND, timeouts.tcpEstablishedMillis());
        assertEquals(120 * SECOND, timeouts.tcpFinWaitMillis());
        assertEquals(60 * SECOND, timeouts.tcpCloseWaitMillis());
        assertEquals(30 * SECOND, timeouts.tcpLastAckMillis());
        assertEquals(120 * SECOND, timeouts.tcpTimeWaitMillis());
        assertEquals(10 * SECOND, timeouts.tcpCloseMillis());
        assertEquals(300 * SECOND, timeouts.tcpUnacknowledgedMillis());
        assertEquals(30 * SECOND, timeouts.udpMillis());
        assertEquals(120 * SECOND, timeouts.udpStreamMillis());
        assertEquals(30 * SECOND, timeouts.icmpMillis());
    }

    @Test
    void shouldDescribeEveryTimeoutAsKeyEqualsSeconds()
    {
        assertEquals(
            "tcp_syn_sent=120, tcp_syn_recv=60, tcp_established=432000, tcp_fin_wait=120, tcp_close_wait=60, " +
            "tcp_last_ack=30, tcp_time_wait=120, tcp_close=10, tcp_unacknowledged=300, udp=30, udp_stream=120, icmp=30",
            ConntrackTimeouts.defaults().describe());
    }

    @Test
    void shouldChangeOnlyTheNamedTimeoutInACopy()
    {
        final ConntrackTimeouts defaults = ConntrackTimeouts.defaults();

        final ConntrackTimeouts changed = defaults.with("udp_stream", 180);

        assertEquals(180 * SECOND, changed.udpStreamMillis());
        assertEquals(120 * SECOND, defaults.udpStreamMillis(), "the original is unchanged");
        assertEquals(30 * SECOND, changed.udpMillis());
        assertNotEquals(defaults, changed);
        assertEquals(defaults.with("udp_stream", 180), changed);
    }

    @Test
    void shouldMapEveryKeyToItsOwnAccessor()
    {
        final ConntrackTimeouts timeouts = ConntrackTimeouts.defaults()
            .with("tcp_syn_sent", 1)
            .with("tcp_syn_recv", 2)
            .with("tcp_established", 3)
            .with("tcp_fin_wait", 4)
            .with("tcp_close_wait", 5)
            .with("tcp_last_ack", 6)
            .with("tcp_time_wait", 7)
            .with("tcp_close", 8)
            .with("tcp_unacknowledged", 9)
            .with("udp", 10)
            .with("udp_stream", 11)
            .with("icmp", 12);

        assertEquals(1 * SECOND, timeouts.tcpSynSentMillis());
        assertEquals(2 * SECOND, timeouts.tcpSynRecvMillis());
        assertEquals(3 * SECOND, timeouts.tcpEstablishedMillis());
        assertEquals(4 * SECOND, timeouts.tcpFinWaitMillis());
        assertEquals(5 * SECOND, timeouts.tcpCloseWaitMillis());
        assertEquals(6 * SECOND, timeouts.tcpLastAckMillis());
        assertEquals(7 * SECOND, timeouts.tcpTimeWaitMillis());
        assertEquals(8 * SECOND, timeouts.tcpCloseMillis());
        assertEquals(9 * SECOND, timeouts.tcpUnacknowledgedMillis());
        assertEquals(10 * SECOND, timeouts.udpMillis());
        assertEquals(11 * SECOND, timeouts.udpStreamMillis());
        assertEquals(12 * SECOND, timeouts.icmpMillis());
    }

    @Test
    void shouldRejectAnUnknownKeyListingTheValidOnes()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> ConntrackTimeouts.defaults().with("tcp_timeout_established", 60));

        assertOneLineListingValidKeys(ex.getMessage());
        assertTrue(ex.getMessage().contains("tcp_timeout_established"), ex.getMessage());
    }

    @Test
    void shouldRejectKeysThatDifferOnlyInCase()
    {
        assertThrows(IllegalArgumentException.class, () -> ConntrackTimeouts.defaults().with("UDP", 60));
    }

    @Test
    void shouldRejectFewerThanOneSecond()
    {
        final IllegalArgumentException zero =
            assertThrows(IllegalArgumentException.class, () -> ConntrackTimeouts.defaults().with("udp", 0));
        assertThrows(IllegalArgumentException.class, () -> ConntrackTimeouts.defaults().with("udp", -5));

        assertOneLineListingValidKeys(zero.getMessage());
        assertEquals(1 * SECOND, ConntrackTimeouts.defaults().with("udp", 1).udpMillis());
    }

    @Test
    void shouldRejectTimeoutsBeyondWhatLinuxAccepts()
    {
        assertThrows(
            IllegalArgumentException.class,
            () -> ConntrackTimeouts.defaults().with("udp", ConntrackTimeouts.MAX_SECONDS + 1));
        assertEquals(
            ConntrackTimeouts.MAX_SECONDS * SECOND,
            ConntrackTimeouts.defaults().with("udp", ConntrackTimeouts.MAX_SECONDS).udpMillis());
    }

    @Test
    void shouldParseKeyEqualsSecondsSpecsOverTheDefaults()
    {
        final ConntrackTimeouts timeouts = ConntrackTimeouts.parse(List.of("udp=60", "tcp_established=86400"));

        assertEquals(60 * SECOND, timeouts.udpMillis());
        assertEquals(86_400 * SECOND, timeouts.tcpEstablishedMillis());
        assertEquals(120 * SECOND, timeouts.udpStreamMillis());
    }

    @Test
    void shouldLetALaterSpecForTheSameKeyWin()
    {
        assertEquals(45 * SECOND, ConntrackTimeouts.parse(List.of("icmp=10", "icmp=45")).icmpMillis());
    }

    @Test
    void shouldParseNoSpecsAsTheDefaults()
    {
        assertEquals(ConntrackTimeouts.defaults(), ConntrackTimeouts.parse(List.of()));
    }

    @Test
    void shouldRejectMalformedSpecsWithOneLineMessages()
    {
        final String[] malformed =
        {
            "udp", "udp=", "udp=ten", "udp=1.5", "=30", "udpx=30", "udp=0", "udp=-1", "udp\n=3", "udp = 30",
        };
        for (final String spec : malformed)
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> ConntrackTimeouts.parse(List.of(spec)), spec);
            assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
        }
        final IllegalArgumentException missingEquals =
            assertThrows(IllegalArgumentException.class, () -> ConntrackTimeouts.parse(List.of("udp")));
        assertTrue(missingEquals.getMessage().contains("key=seconds"), missingEquals.getMessage());
        assertOneLineListingValidKeys(missingEquals.getMessage());
    }

    private static void assertOneLineListingValidKeys(final String message)
    {
        assertFalse(message.contains("\n"), message);
        for (final String key : ConntrackTimeouts.KEYS)
        {
            assertTrue(message.contains(key), message + " should name " + key);
        }
    }
}
