package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpCountersTest
{
    /** As a namespace's /proc/net/snmp reads on Linux 6.18 (its other protocols cut short). */
    private static final String SNMP = "Ip: Forwarding DefaultTTL InReceives\n" +
        "Ip: 2 64 1311567\n" +
        "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
        "Udp: 873552 3 385621 12 385621 0 0 0 0\n" +
        "UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
        "UdpLite: 0 0 0 0 0 0 0 0 0\n";

    @Test
    void shouldReadTheUdpLineByTheNamesAboveIt()
    {
        assertEquals(new UdpCounters(873_552, 385_621), UdpCounters.parse(SNMP));
    }

    @Test
    void shouldNotTakeUdpLitesCountersForUdps()
    {
        final String liteFirst = SNMP.replace("UdpLite: 0 0 0 0 0 0 0 0 0", "UdpLite: 7 7 7 7 7 7 7 7 7");

        assertEquals(new UdpCounters(873_552, 385_621), UdpCounters.parse(liteFirst));
    }

    @Test
    void shouldGiveWhatHappenedBetweenTwoReadings()
    {
        assertEquals(new UdpCounters(100, 40), new UdpCounters(1_100, 540).since(new UdpCounters(1_000, 500)));
    }

    @Test
    void shouldFailOnATextWithoutTheUdpCounters()
    {
        final PerfException noLines = assertThrows(PerfException.class, () -> UdpCounters.parse("Ip: Forwarding\nIp: 2\n"));
        assertTrue(noLines.getMessage().contains("no Udp:"), noLines.getMessage());
        final PerfException noDrops = assertThrows(PerfException.class, () -> UdpCounters.parse("Udp: InDatagrams NoPorts\nUdp: 5 0\n"));
        assertTrue(noDrops.getMessage().contains("RcvbufErrors"), noDrops.getMessage());
    }
}
