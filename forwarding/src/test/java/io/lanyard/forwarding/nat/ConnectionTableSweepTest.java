package io.lanyard.forwarding.nat;

import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.nat.ConnectionTable.NONE;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sliced sweep the forwarding stage runs every 10 ms: it reaches every entry, a slice at a time. */
class ConnectionTableSweepTest
{
    private static final long T0 = 1_000_000L;
    private static final int CLIENT = 0xAC110002;
    private static final int SERVER = 0xC6336401;

    @Test
    void shouldSweepTheWholeTableInSlicesWrappingAround()
    {
        final ConnectionTable table = new ConnectionTable(100, ConntrackTimeouts.defaults().with("udp", 10));
        for (int i = 0; i < 100; i++)
        {
            final int id = table.create(PROTOCOL_UDP, CLIENT, 1000 + i, SERVER, 53, SERVER, 53, CLIENT, 1000 + i, T0);
            table.update(id, false, 0, i % 2 == 0 ? T0 : T0 + 20_000);
        }
        final long later = T0 + 15_000;

        assertEquals(0, table.expireSome(later, 0), "an empty budget looks at nothing");
        int removed = 0;
        int calls = 0;
        while (calls < 7)
        {
            final int slice = table.expireSome(later, 30);
            assertTrue(slice <= 30, "a slice never removes more than its budget: " + slice);
            removed += slice;
            calls++;
        }
        // 7 slices of 30 cover 210 ids: the 100 entries, each looked at at least once
        assertEquals(50, removed, "exactly the half whose last packet was 15 s ago (udp timeout 10 s)");
        assertEquals(50, table.size());
        assertEquals(NONE, table.lookup(PROTOCOL_UDP, CLIENT, 1000, SERVER, 53, later));
        assertNotEquals(NONE, table.lookup(PROTOCOL_UDP, CLIENT, 1001, SERVER, 53, later));
        assertEquals(0, table.expireSome(later, 1000), "nothing left to sweep");
    }

    @Test
    void shouldLeaveEntriesBeyondTheSliceForTheNextCall()
    {
        final ConnectionTable table = new ConnectionTable(64, ConntrackTimeouts.defaults().with("udp", 1));
        for (int i = 0; i < 64; i++)
        {
            final int id = table.create(PROTOCOL_UDP, CLIENT, 2000 + i, SERVER, 53, SERVER, 53, CLIENT, 2000 + i, T0);
            table.update(id, false, 0, T0);
        }

        assertEquals(16, table.expireSome(T0 + 5_000, 16));
        assertEquals(48, table.size(), "only one slice was swept");
        assertEquals(48, table.expireSome(T0 + 5_000, 64));
    }
}
