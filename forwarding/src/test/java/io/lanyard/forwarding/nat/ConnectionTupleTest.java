package io.lanyard.forwarding.nat;

import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.wire.Ipv4Header.PROTOCOL_TCP;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ConnectionTupleTest
{
    private static final int CONTAINER = 0xAC11_0002;
    private static final int UPLINK = 0xC000_020A;
    private static final int SERVER = 0xC633_6401;

    private final ConnectionTable table = new ConnectionTable(4, ConntrackTimeouts.defaults());
    private final ConnectionTuple tuple = new ConnectionTuple();

    @Test
    void shouldReadEitherDirectionOfAConnection()
    {
        final int id = table.create(PROTOCOL_TCP, CONTAINER, 40000, SERVER, 80, SERVER, 80, UPLINK, 1024, 0);

        tuple.wrap(table, id, false);
        assertEquals(CONTAINER, tuple.source());
        assertEquals(40000, tuple.sourcePort());
        assertEquals(SERVER, tuple.destination());
        assertEquals(80, tuple.destinationPort());

        tuple.wrap(table, id, true);
        assertEquals(SERVER, tuple.source());
        assertEquals(80, tuple.sourcePort());
        assertEquals(UPLINK, tuple.destination());
        assertEquals(1024, tuple.destinationPort());
    }
}
