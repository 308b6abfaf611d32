package io.lanyard.forwarding.nat;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.lanyard.forwarding.nat.ConnectionTable.CLASH;
import static io.lanyard.forwarding.nat.ConnectionTable.FULL;
import static io.lanyard.forwarding.nat.ConnectionTable.NONE;
import static io.lanyard.forwarding.nat.ConnectionTable.REPLIED;
import static io.lanyard.forwarding.nat.ConnectionTable.UNREPLIED;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_ICMP;
import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random operations against the table and against a model built from {@link HashMap}s, which
 * must agree after every step. The tuples come from a small space (two protocols, four addresses,
 * eight ports) so that tuples are reused, creates clash, and the index's probe chains grow, merge
 * and wrap around its end, with deletions in their middle; every few hundred steps every tuple of
 * the space is looked up, so an entry lost or invented by a backward shift cannot hide.
 */
class ConnectionTablePropertyTest
{
    private static final long T0 = 1_700_000_000_000L;
    private static final int[] PROTOCOLS = {PROTOCOL_UDP, PROTOCOL_ICMP};
    private static final int[] ADDRESSES = {0x0A00_0001, 0x0A00_0002, 0xC0A8_0001, 0xFFFF_FFFF};
    private static final int[] PORTS = {0, 1, 53, 80, 443, 1024, 50_000, 65_535};
    private static final int TUPLE_SPACE = PROTOCOLS.length * ADDRESSES.length * ADDRESSES.length * PORTS.length *
        PORTS.length;

    private static final ConntrackTimeouts SHORT = ConntrackTimeouts.parse(List.of("udp=2", "udp_stream=5", "icmp=3"));

    @Test
    void shouldAgreeWithAHashMapModelOverRandomOperationsAtModerateCapacity()
    {
        run(0x5EED_CAFEL, 256, 200_000, 40);
    }

    @Test
    void shouldAgreeWithAHashMapModelInATinyTableWhereEveryChainWraps()
    {
        run(0xBADC_0FFEEL, 3, 100_000, 400);
    }

    @Test
    void shouldAgreeWithAHashMapModelWhenTheWholeTupleSpaceCompetesForAFullTable()
    {
        run(42L, 1024, 200_000, 400);
    }

    /**
     * @param maxClockStepMillis how far the clock may move in one step: small steps let
     *                           connections pile up until the table is full, large ones make them expire.
     */
    private static void run(final long seed, final int capacity, final int operations, final int maxClockStepMillis)
    {
        final Random random = new Random(seed);
        final ConnectionTable table = new ConnectionTable(capacity, SHORT);
        final Model model = new Model(capacity);
        long now = T0;
        int created = 0;
        int clashes = 0;
        int fulls = 0;
        int hits = 0;
        int expiredByLookup = 0;

        for (int step = 0; step < operations; step++)
        {
            final String where = "step " + step;
            final int op = random.nextInt(100);
            if (op < 40)
            {
                final Tuple original = randomTuple(random);
                final int kind = random.nextInt(10);
                final Tuple reply = kind < 4 ? original.inverse() :
                    kind < 5 ? original : randomTuple(random).withProtocol(original.protocol);

                final int expected = model.create(original, reply, now);
                final int id = table.create(
                    original.protocol, original.source, original.sourcePort, original.destination,
                    original.destinationPort, reply.source, reply.sourcePort, reply.destination, reply.destinationPort,
                    now);
                if (expected == Model.CREATED)
                {
                    assertTrue(id >= 0 && id < capacity, where + ": created " + id);
                    assertFalse(model.byId.containsKey(id), where + ": id " + id + " is live already");
                    model.add(id, original, reply, now);
                    table.update(id, false, 0, now);
                    created++;
                }
                else
                {
                    assertEquals(expected, id, where + ": create");
                    clashes += id == CLASH ? 1 : 0;
                    fulls += id == FULL ? 1 : 0;
                }
            }
            else if (op < 80)
            {
                final Tuple tuple = op < 65 || model.byId.isEmpty() ? randomTuple(random) : model.someTuple(random);
                final int before = model.byId.size();
                lookupAndCompare(table, model, tuple, now, where);
                if (model.byId.size() < before)
                {
                    expiredByLookup++;
                }
                final Model.Connection c = model.byTuple.get(tuple);
                if (c != null)
                {
                    hits++;
                    if (random.nextBoolean())
                    {
                        final boolean reply = table.lastLookupWasReply();
                        table.update(c.id, reply, 0, now);
                        model.update(c, reply, now);
                    }
                }
            }
            else if (op < 88)
            {
                if (!model.byId.isEmpty())
                {
                    final Model.Connection c = model.someConnection(random);
                    table.remove(c.id);
                    model.remove(c);
                }
            }
            else if (op < 90)
            {
                assertEquals(model.expire(now), table.expire(now), where + ": expired");
            }
            else
            {
                now += random.nextInt(maxClockStepMillis);
            }

            assertEquals(model.byId.size(), table.size(), where + ": size");
            if (step % 500 == 0)
            {
                verifyEverything(table, model, now, where);
            }
        }
        verifyEverything(table, model, now, "end");
        System.out.printf("seed %x capacity %d: created %d, clashes %d, full %d, hits %d, expired by lookup %d%n",
            seed, capacity, created, clashes, fulls, hits, expiredByLookup);

        assertTrue(created > operations / 50, "creates succeeded: " + created);
        assertTrue(clashes > 100, "creates clashed: " + clashes);
        assertTrue(hits > operations / 50, "lookups hit: " + hits);
        assertTrue(expiredByLookup > 10, "lookups found expired connections: " + expiredByLookup);
        if (capacity < TUPLE_SPACE / 4)
        {
            assertTrue(fulls > 100, "creates found the table full: " + fulls);
        }
    }

    private static void lookupAndCompare(
        final ConnectionTable table, final Model model, final Tuple tuple, final long now, final String where)
    {
        final Model.Connection expected = model.lookup(tuple, now);
        final int id = table.lookup(
            tuple.protocol, tuple.source, tuple.sourcePort, tuple.destination, tuple.destinationPort, now);
        if (expected == null)
        {
            assertEquals(NONE, id, () -> where + ": lookup " + tuple);
        }
        else
        {
            assertEquals(expected.id, id, () -> where + ": lookup " + tuple);
            final boolean reply = !tuple.equals(expected.original);
            assertEquals(reply, table.lastLookupWasReply(), () -> where + ": direction of " + tuple);
        }
    }

    private static void verifyEverything(
        final ConnectionTable table, final Model model, final long now, final String where)
    {
        for (final Model.Connection c : model.byId.values())
        {
            assertEquals(c.original.protocol, table.protocol(c.id), where);
            assertEquals(c.original.source, table.originalSource(c.id), where);
            assertEquals(c.original.sourcePort, table.originalSourcePort(c.id), where);
            assertEquals(c.original.destination, table.originalDestination(c.id), where);
            assertEquals(c.original.destinationPort, table.originalDestinationPort(c.id), where);
            assertEquals(c.reply.source, table.replySource(c.id), where);
            assertEquals(c.reply.sourcePort, table.replySourcePort(c.id), where);
            assertEquals(c.reply.destination, table.replyDestination(c.id), where);
            assertEquals(c.reply.destinationPort, table.replyDestinationPort(c.id), where);
            assertEquals(c.expiresAt, table.expiresAtMillis(c.id), where);
            assertEquals(c.replied ? REPLIED : UNREPLIED, table.state(c.id), where);
            assertEquals(c.replied, table.seenReply(c.id), where);
        }
        for (int i = 0; i < TUPLE_SPACE; i++)
        {
            lookupAndCompare(table, model, tupleAt(i), now, where);
        }
        assertEquals(model.byId.size(), table.size(), where + ": size after full scan");
    }

    private static Tuple randomTuple(final Random random)
    {
        return tupleAt(random.nextInt(TUPLE_SPACE));
    }

    private static Tuple tupleAt(final int index)
    {
        int i = index;
        final int protocol = PROTOCOLS[i % PROTOCOLS.length];
        i /= PROTOCOLS.length;
        final int source = ADDRESSES[i % ADDRESSES.length];
        i /= ADDRESSES.length;
        final int destination = ADDRESSES[i % ADDRESSES.length];
        i /= ADDRESSES.length;
        final int sourcePort = PORTS[i % PORTS.length];
        i /= PORTS.length;
        final int destinationPort = PORTS[i % PORTS.length];
        return new Tuple(protocol, source, sourcePort, destination, destinationPort);
    }

    private record Tuple(int protocol, int source, int sourcePort, int destination, int destinationPort)
    {
        Tuple inverse()
        {
            return new Tuple(protocol, destination, destinationPort, source, sourcePort);
        }

        Tuple withProtocol(final int newProtocol)
        {
            return new Tuple(newProtocol, source, sourcePort, destination, destinationPort);
        }
    }

    /** What the table should hold, written the obvious way. */
    private static final class Model
    {
        static final int CREATED = 0;

        static final class Connection
        {
            final int id;
            final Tuple original;
            final Tuple reply;
            long expiresAt;
            boolean replied;

            Connection(final int id, final Tuple original, final Tuple reply)
            {
                this.id = id;
                this.original = original;
                this.reply = reply;
            }
        }

        final int capacity;
        final Map<Tuple, Connection> byTuple = new HashMap<>();
        final Map<Integer, Connection> byId = new HashMap<>();
        boolean swept;
        long lastSweep;

        Model(final int capacity)
        {
            this.capacity = capacity;
        }

        /** @return {@link #CREATED} if the table should create it, else the refusal expected. */
        int create(final Tuple original, final Tuple reply, final long now)
        {
            if (lookup(original, now) != null || lookup(reply, now) != null)
            {
                return CLASH;
            }
            if (byId.size() == capacity)
            {
                if (!swept || now - lastSweep >= 1000)
                {
                    swept = true;
                    lastSweep = now;
                    expire(now);
                }
                if (byId.size() == capacity)
                {
                    return FULL;
                }
            }
            return CREATED;
        }

        void add(final int id, final Tuple original, final Tuple reply, final long now)
        {
            final Connection c = new Connection(id, original, reply);
            byTuple.put(original, c);
            byTuple.put(reply, c);
            byId.put(id, c);
            update(c, false, now);
        }

        void update(final Connection c, final boolean reply, final long now)
        {
            c.replied |= reply;
            final long timeout;
            if (c.original.protocol == PROTOCOL_UDP)
            {
                timeout = c.replied ? SHORT.udpStreamMillis() : SHORT.udpMillis();
            }
            else
            {
                timeout = SHORT.icmpMillis();
            }
            c.expiresAt = now + timeout;
        }

        /** The live holder of the tuple; an expired holder is removed, as the table does. */
        Connection lookup(final Tuple tuple, final long now)
        {
            final Connection c = byTuple.get(tuple);
            if (c == null)
            {
                return null;
            }
            if (now >= c.expiresAt)
            {
                remove(c);
                return null;
            }
            return c;
        }

        void remove(final Connection c)
        {
            byTuple.remove(c.original);
            byTuple.remove(c.reply);
            byId.remove(c.id);
        }

        int expire(final long now)
        {
            final List<Connection> expired = new ArrayList<>();
            for (final Connection c : byId.values())
            {
                if (now >= c.expiresAt)
                {
                    expired.add(c);
                }
            }
            for (final Connection c : expired)
            {
                remove(c);
            }
            return expired.size();
        }

        Connection someConnection(final Random random)
        {
            int skip = random.nextInt(byId.size());
            for (final Connection c : byId.values())
            {
                if (skip-- == 0)
                {
                    return c;
                }
            }
            throw new IllegalStateException();
        }

        Tuple someTuple(final Random random)
        {
            final Connection c = someConnection(random);
            return random.nextBoolean() ? c.original : c.reply;
        }
    }
}
