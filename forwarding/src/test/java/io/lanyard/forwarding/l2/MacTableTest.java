package io.lanyard.forwarding.l2;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MacTableTest
{
    private static final long MILLI = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;
    /** An arbitrary clock origin, far from zero, as System.nanoTime() would be. */
    private static final long T0 = 7_654_321_000_000_000L;
    private static final long AGING = 300 * SECOND;

    private static final long MAC_A = 0x0242_AC11_0002L;
    private static final long MAC_B = 0x0242_AC11_0003L;
    private static final long MAC_C = 0x0242_AC11_0004L;

    private final MacTable table = new MacTable(16, AGING, T0);

    @Test
    void shouldFindTheLearnedPortOfAMac()
    {
        assertTrue(table.learn(0, MAC_A, 3, T0));

        assertEquals(3, table.lookup(0, MAC_A, T0));
        assertEquals(1, table.size());
        assertEquals(16, table.capacity());
    }

    @Test
    void shouldReportAnUnknownMacAsMissing()
    {
        table.learn(0, MAC_A, 3, T0);

        assertEquals(MacTable.MISSING, table.lookup(0, MAC_B, T0));
    }

    @Test
    void shouldKeepAnEntryUntilJustBeforeTheAgingTime()
    {
        table.learn(0, MAC_A, 3, T0);

        assertEquals(3, table.lookup(0, MAC_A, T0 + AGING - MILLI));
        assertEquals(0, table.expire(T0 + AGING - MILLI));
        assertEquals(1, table.size());
    }

    @Test
    void shouldTreatAnEntryAsMissingFromTheAgingTimeOn()
    {
        table.learn(0, MAC_A, 3, T0);

        assertEquals(MacTable.MISSING, table.lookup(0, MAC_A, T0 + AGING));
        assertEquals(MacTable.MISSING, table.lookup(0, MAC_A, T0 + AGING + 10 * SECOND));
        assertEquals(1, table.size(), "still held until expire() runs");
    }

    @Test
    void shouldRemoveAgedEntriesOnExpire()
    {
        table.learn(0, MAC_A, 3, T0);
        table.learn(0, MAC_B, 4, T0 + 100 * SECOND);

        assertEquals(1, table.expire(T0 + AGING));

        assertEquals(1, table.size());
        assertEquals(MacTable.MISSING, table.lookup(0, MAC_A, T0 + AGING));
        assertEquals(4, table.lookup(0, MAC_B, T0 + AGING));
        assertEquals(1, table.expire(T0 + 100 * SECOND + AGING));
        assertEquals(0, table.size());
    }

    @Test
    void shouldKeepAnEntryAliveWhileTrafficRefreshesIt()
    {
        table.learn(0, MAC_A, 3, T0);
        table.learn(0, MAC_A, 3, T0 + 200 * SECOND);

        assertEquals(3, table.lookup(0, MAC_A, T0 + 400 * SECOND));
        assertEquals(0, table.expire(T0 + 400 * SECOND));
        assertEquals(3, table.lookup(0, MAC_A, T0 + 200 * SECOND + AGING - MILLI));
        assertEquals(MacTable.MISSING, table.lookup(0, MAC_A, T0 + 200 * SECOND + AGING));
        assertEquals(1, table.expire(T0 + 200 * SECOND + AGING));
    }

    @Test
    void shouldRelearnAnAddressThatAgedOut()
    {
        table.learn(0, MAC_A, 3, T0);
        table.expire(T0 + AGING);

        assertTrue(table.learn(0, MAC_A, 5, T0 + AGING + SECOND));

        assertEquals(5, table.lookup(0, MAC_A, T0 + AGING + SECOND));
        assertEquals(0, table.moves(), "re-learning an aged-out address is not a move");
    }

    @Test
    void shouldUseTheClockItWasMadeWithAsTheOriginOfTimestamps()
    {
        final MacTable early = new MacTable(4, 10 * SECOND, -5 * SECOND);
        early.learn(0, MAC_A, 1, 0);

        assertEquals(1, early.lookup(0, MAC_A, 10 * SECOND - MILLI));
        assertEquals(MacTable.MISSING, early.lookup(0, MAC_A, 10 * SECOND));
    }

    @Test
    void shouldAgeWithinOneMillisecondWhenTheAgingTimeIsShorter()
    {
        final MacTable fast = new MacTable(4, 1_000, T0);
        fast.learn(0, MAC_A, 1, T0);

        assertEquals(1, fast.lookup(0, MAC_A, T0));
        assertEquals(MacTable.MISSING, fast.lookup(0, MAC_A, T0 + MILLI));
    }

    @Test
    void shouldRefuseANewAddressWhenFullAndCountTheRefusal()
    {
        final MacTable small = new MacTable(2, AGING, T0);
        assertTrue(small.learn(0, MAC_A, 1, T0));
        assertTrue(small.learn(0, MAC_B, 2, T0));

        assertFalse(small.learn(0, MAC_C, 3, T0));
        assertFalse(small.learn(1, MAC_A, 3, T0), "a known MAC in another domain is a new entry");

        assertEquals(2, small.learnRefused());
        assertEquals(2, small.size());
        assertEquals(MacTable.MISSING, small.lookup(0, MAC_C, T0));
        assertEquals(1, small.lookup(0, MAC_A, T0), "nothing was evicted to make room");
        assertEquals(2, small.lookup(0, MAC_B, T0));
    }

    @Test
    void shouldStillMoveAnExistingEntryWhenFull()
    {
        final MacTable small = new MacTable(2, AGING, T0);
        small.learn(0, MAC_A, 1, T0);
        small.learn(0, MAC_B, 2, T0);

        assertTrue(small.learn(0, MAC_A, 7, T0 + MILLI));

        assertEquals(7, small.lookup(0, MAC_A, T0 + MILLI));
        assertEquals(1, small.moves());
        assertEquals(0, small.learnRefused());
        assertEquals(2, small.size());
    }

    @Test
    void shouldStillRefreshAnExistingEntryWhenFull()
    {
        final MacTable small = new MacTable(1, AGING, T0);
        small.learn(0, MAC_A, 1, T0);

        assertTrue(small.learn(0, MAC_A, 1, T0 + 200 * SECOND));

        assertEquals(1, small.lookup(0, MAC_A, T0 + 400 * SECOND));
        assertEquals(0, small.moves());
        assertEquals(0, small.learnRefused());
    }

    @Test
    void shouldMakeRoomFromAgedOutEntriesWhenFull()
    {
        final MacTable small = new MacTable(1, AGING, T0);
        small.learn(0, MAC_A, 1, T0);

        assertTrue(small.learn(0, MAC_B, 2, T0 + AGING), "A aged out, so the full table swept it and took B");

        assertEquals(2, small.lookup(0, MAC_B, T0 + AGING));
        assertEquals(MacTable.MISSING, small.lookup(0, MAC_A, T0 + AGING));
        assertEquals(1, small.size());
        assertEquals(0, small.learnRefused());
    }

    @Test
    void shouldSweepAFullTableAtMostOnceASecond()
    {
        final MacTable small = new MacTable(1, AGING, T0);
        small.learn(0, MAC_A, 1, T0);
        assertFalse(small.learn(0, MAC_B, 2, T0 + SECOND), "nothing aged: refused after a sweep");
        small.learn(0, MAC_A, 1, T0 + AGING - MILLI);

        assertFalse(small.learn(0, MAC_C, 3, T0 + SECOND + 500 * MILLI), "no second sweep within a second");
        assertFalse(small.learn(0, MAC_C, 3, T0 + 2 * SECOND + MILLI), "swept again, still nothing aged");
        assertEquals(3, small.learnRefused());
    }

    @Test
    void shouldCountAMoveOnlyWhenThePortChanges()
    {
        table.learn(0, MAC_A, 1, T0);
        table.learn(0, MAC_A, 1, T0 + 5 * SECOND);
        table.learn(0, MAC_A, 2, T0 + 5 * SECOND + MILLI);
        table.learn(0, MAC_A, 2, T0 + 6 * SECOND);
        table.learn(0, MAC_A, 1, T0 + 6 * SECOND + MILLI);

        assertEquals(2, table.moves());
        assertEquals(1, table.lookup(0, MAC_A, T0 + 7 * SECOND));
    }

    @Test
    void shouldRemoveEveryEntryBehindARemovedPort()
    {
        table.learn(0, MAC_A, 1, T0);
        table.learn(0, MAC_B, 1, T0);
        table.learn(0, MAC_C, 2, T0);

        assertEquals(2, table.removePort(1));

        assertEquals(1, table.size());
        assertEquals(MacTable.MISSING, table.lookup(0, MAC_A, T0));
        assertEquals(MacTable.MISSING, table.lookup(0, MAC_B, T0));
        assertEquals(2, table.lookup(0, MAC_C, T0));
        assertEquals(0, table.removePort(1));
    }

    @Test
    void shouldKeepTheSameMacApartInTwoDomains()
    {
        table.learn(0, MAC_A, 1, T0);
        table.learn(1, MAC_A, 7, T0);

        assertEquals(2, table.size());
        assertEquals(1, table.lookup(0, MAC_A, T0));
        assertEquals(7, table.lookup(1, MAC_A, T0));
        assertEquals(MacTable.MISSING, table.lookup(2, MAC_A, T0));
        assertEquals(0, table.moves(), "the second domain's entry is not a move");

        table.removePort(1);

        assertEquals(MacTable.MISSING, table.lookup(0, MAC_A, T0));
        assertEquals(7, table.lookup(1, MAC_A, T0));
    }

    @Test
    void shouldHoldTheHighestDomainAndPort()
    {
        table.learn(MacTable.MAX_DOMAIN, 0xFFFF_FFFF_FFFEL, MacTable.MAX_PORT, T0);
        table.learn(0, 0xFFFF_FFFF_FFFEL, 0, T0);

        assertEquals(MacTable.MAX_PORT, table.lookup(MacTable.MAX_DOMAIN, 0xFFFF_FFFF_FFFEL, T0));
        assertEquals(0, table.lookup(0, 0xFFFF_FFFF_FFFEL, T0));
        assertEquals(0xFFFF_0000_0000_0001L, MacTable.key(MacTable.MAX_DOMAIN, 1));
        assertEquals(0x0001_0242_AC11_0002L, MacTable.key(1, MAC_A | 0xABCD_0000_0000_0000L), "bits above 48 ignored");
    }

    @Test
    void shouldKeepTimestampsAfterDaysOfUptime()
    {
        final long days = 40L * 24 * 3600 * SECOND;
        table.learn(0, MAC_A, 9, T0 + days);

        assertEquals(9, table.lookup(0, MAC_A, T0 + days + AGING - MILLI));
        assertEquals(MacTable.MISSING, table.lookup(0, MAC_A, T0 + days + AGING));
    }

    @Test
    void shouldRejectANonPositiveCapacity()
    {
        assertThrows(IllegalArgumentException.class, () -> new MacTable(0, AGING, T0));
        assertThrows(IllegalArgumentException.class, () -> new MacTable(-1, AGING, T0));
    }

    @Test
    void shouldHoldAFullDefaultSizedTableWithoutRefusing()
    {
        final MacTable full = new MacTable(MacTable.DEFAULT_CAPACITY, MacTable.DEFAULT_AGING_NANOS, T0);
        for (int i = 0; i < MacTable.DEFAULT_CAPACITY; i++)
        {
            assertTrue(full.learn(i & 0xF, 0x0200_0000_0000L | i, i & 0xFFFF, T0));
        }

        assertEquals(MacTable.DEFAULT_CAPACITY, full.size());
        assertFalse(full.learn(0, 0x0200_FFFF_FFFFL, 1, T0));
        assertEquals(1, full.learnRefused());
        assertEquals(MacTable.DEFAULT_CAPACITY, full.expire(T0 + MacTable.DEFAULT_AGING_NANOS));
        assertEquals(0, full.size());
    }

    @Test
    void shouldHoldAPortToItsBoundAndLeaveTheOthersTheirRoom()
    {
        table.limitPort(3, 2);
        assertTrue(table.learn(0, MAC_A, 3, T0));
        assertTrue(table.learn(0, MAC_B, 3, T0));

        assertFalse(table.learn(0, MAC_C, 3, T0), "a third address on a port bound to two");
        assertEquals(1, table.portLimitRefused());
        assertEquals(MacTable.MISSING, table.lookup(0, MAC_C, T0));
        assertTrue(table.learn(0, MAC_C, 4, T0), "another port still learns");
        assertFalse(table.learn(0, MAC_C, 3, T0 + 2 * SECOND), "nor may an address move onto the full port");
        assertEquals(4, table.lookup(0, MAC_C, T0 + 2 * SECOND), "it stays where it was");
        assertTrue(table.learn(0, MAC_A, 3, T0 + 2 * SECOND), "refreshing one it has is not a new one");
        assertEquals(2, table.entriesOf(3));
        assertEquals(1, table.entriesOf(4));
    }

    @Test
    void shouldGiveAPortItsRoomBackAsItsEntriesAgeMoveOrGo()
    {
        table.limitPort(3, 1);
        assertTrue(table.learn(0, MAC_A, 3, T0));
        assertEquals(1, table.expire(T0 + AGING));
        assertEquals(0, table.entriesOf(3));
        assertTrue(table.learn(0, MAC_B, 3, T0 + AGING), "room again once the old one aged out");

        assertTrue(table.learn(0, MAC_B, 5, T0 + AGING + 2 * SECOND), "moved to port 5");
        assertEquals(0, table.entriesOf(3));
        assertEquals(1, table.entriesOf(5));
        assertTrue(table.learn(0, MAC_C, 3, T0 + AGING + 2 * SECOND));
        assertEquals(1, table.removePort(3));
        assertEquals(0, table.entriesOf(3));
        assertTrue(table.learn(1, MAC_A, 3, T0 + AGING + 3 * SECOND));
        assertThrows(IllegalArgumentException.class, () -> table.limitPort(3, 0));
    }

    @Test
    void shouldKeepAPinnedAddressWithoutAgingOrMovingIt()
    {
        table.pin(0, MAC_A, 3);

        assertEquals(3, table.lookup(0, MAC_A, T0 + 10 * AGING), "a pinned entry does not age");
        assertEquals(0, table.expire(T0 + 10 * AGING));
        assertFalse(table.learn(0, MAC_A, 4, T0), "frames from it on another port do not move it");
        assertEquals(1, table.pinnedRefused());
        assertEquals(3, table.lookup(0, MAC_A, T0));
        assertTrue(table.learn(0, MAC_A, 3, T0), "on its own port it is simply there");
        assertEquals(0, table.moves());
        assertEquals(MacTable.MISSING, table.lookup(1, MAC_A, T0), "pinned in its domain only");
    }

    @Test
    void shouldKeepPinnedAddressesOutsideEveryBound()
    {
        final MacTable small = new MacTable(2, AGING, T0);
        small.limitPort(3, 1);
        small.pin(0, MAC_A, 3);
        assertTrue(small.learn(0, MAC_B, 3, T0), "the pinned address takes none of the port's room");
        assertTrue(small.learn(0, MAC_C, 4, T0));

        assertFalse(small.learn(0, 0x0242_AC11_0009L, 5, T0), "the learned entries fill the table");
        small.pin(0, 0x0242_AC11_000AL, 6);
        assertEquals(6, small.lookup(0, 0x0242_AC11_000AL, T0), "a sandbox is pinned into a full table all the same");
        assertEquals(4, small.size());
        assertEquals(2, small.learned());
    }

    @Test
    void shouldReplaceALearnedEntryByAPinAndDropPinsWithTheirPort()
    {
        table.learn(0, MAC_A, 4, T0);
        table.pin(0, MAC_A, 3);

        assertEquals(3, table.lookup(0, MAC_A, T0));
        assertEquals(0, table.entriesOf(4), "the learned entry's room is given back");
        assertEquals(0, table.learned());
        assertEquals(1, table.removePort(3));
        assertEquals(MacTable.MISSING, table.lookup(0, MAC_A, T0));
        assertEquals(0, table.size());
    }

    @Test
    void shouldHoldADomainToItsBoundAndLeaveOtherDomainsTheirRoom()
    {
        table.limitDomain(0, 2);
        assertTrue(table.learn(0, MAC_A, 3, T0));
        assertTrue(table.learn(0, MAC_B, 4, T0));

        assertFalse(table.learn(0, MAC_C, 5, T0), "a third address in a domain bound to two");
        assertEquals(1, table.domainLimitRefused());
        assertTrue(table.learn(1, MAC_C, 5, T0), "another domain still learns");
        assertEquals(2, table.learnedIn(0));
        assertEquals(1, table.removePort(4));
        assertTrue(table.learn(0, MAC_C, 5, T0), "room again once an entry went");
        assertThrows(IllegalArgumentException.class, () -> table.limitDomain(0, 0));
    }

    @Test
    void shouldBoundEachDomainByDefault()
    {
        final MacTable big = new MacTable(MacTable.DEFAULT_CAPACITY, AGING, T0);
        for (int i = 0; i < MacTable.DEFAULT_DOMAIN_LIMIT; i++)
        {
            assertTrue(big.learn(7, 0x0200_0000_0000L + i, 1 + i % 100, T0));
        }

        assertFalse(big.learn(7, 0x0200_0001_0000L, 1, T0));
        assertTrue(big.learn(8, 0x0200_0001_0000L, 1, T0));
    }

    @Test
    void shouldDumpLiveEntriesWithTheirPortKindAndAge()
    {
        table.pin(1, MAC_A, 4);
        table.learn(1, MAC_B, 5, T0);
        table.learn(2, MAC_C, 6, T0 + 2 * SECOND);
        final List<String> rows = new ArrayList<>();

        table.forEach(T0 + AGING + SECOND, (domain, mac, port, pinned, ageMillis) ->
            rows.add(domain + " " + Long.toHexString(mac) + " " + port + " " + (pinned ? "pinned" : "learned") + " " + ageMillis));

        Collections.sort(rows);
        // MAC_B aged out (not refreshed for longer than the aging time): a dump shows what lookups would find
        assertEquals(List.of("1 242ac110002 4 pinned 0", "2 242ac110004 6 learned " + (AGING - SECOND) / MILLI), rows);
    }
}
