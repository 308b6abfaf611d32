package io.lanyard.forwarding.nat;

/**
 * One direction's tuple of a tracked connection, read from its {@link ConnectionTable}: a
 * flyweight wrapped over (table, id, direction), so the table's packed tuples need no copying.
 * Good while the connection lives, like the id itself.
 */
public final class ConnectionTuple
{
    private ConnectionTable table;
    private int id;
    private boolean reply;

    /** @param reply the reply tuple when true, else the original one. */
    public ConnectionTuple wrap(final ConnectionTable table, final int id, final boolean reply)
    {
        // a reference store costs a GC write barrier: skip it when the table is the same
        if (this.table != table)
        {
            this.table = table;
        }
        this.id = id;
        this.reply = reply;
        return this;
    }

    public int source()
    {
        return reply ? table.replySource(id) : table.originalSource(id);
    }

    public int sourcePort()
    {
        return reply ? table.replySourcePort(id) : table.originalSourcePort(id);
    }

    public int destination()
    {
        return reply ? table.replyDestination(id) : table.originalDestination(id);
    }

    public int destinationPort()
    {
        return reply ? table.replyDestinationPort(id) : table.originalDestinationPort(id);
    }
}
