package io.lanyard.forwarding.l3;

import io.lanyard.forwarding.testkit.FrameBuilder;
import org.junit.jupiter.api.Test;

import static io.lanyard.forwarding.testkit.FrameBuilder.TCP;
import static io.lanyard.forwarding.testkit.FrameBuilder.UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PublishedPortTableTest
{
    private static final int RED = 0;
    private static final int BLUE = 1;
    private static final int RED_2 = 0xAC11_0002;
    private static final long RED_2_MAC = 0x0242_AC11_0002L;
    private static final int BLUE_2 = 0xAC12_0002;
    private static final long BLUE_2_MAC = 0x0242_AC12_0002L;

    private final PublishedPortTable table = new PublishedPortTable();

    @Test
    void shouldFindWhereAPublishedPortGoes()
    {
        table.publish(TCP, 8080, RED, RED_2, 80, RED_2_MAC);

        final int index = table.find(TCP, 8080);

        assertEquals(RED, table.domain(index));
        assertEquals(RED_2, table.address(index));
        assertEquals(80, table.port(index));
        assertEquals(RED_2_MAC, table.mac(index));
    }

    @Test
    void shouldKeepTcpAndUdpOfOnePortApart()
    {
        table.publish(TCP, 53, RED, RED_2, 5353, RED_2_MAC);

        assertEquals(PublishedPortTable.NOT_PUBLISHED, table.find(UDP, 53));
        assertEquals(PublishedPortTable.NOT_PUBLISHED, table.find(TCP, 54));
    }

    @Test
    void shouldRepublishAPortInPlace()
    {
        table.publish(TCP, 8080, RED, RED_2, 80, RED_2_MAC);

        table.publish(TCP, 8080, BLUE, BLUE_2, 8000, BLUE_2_MAC);

        assertEquals(1, table.size());
        assertEquals(BLUE_2, table.address(table.find(TCP, 8080)));
    }

    @Test
    void shouldKeepTheOthersFindableWhenOneIsUnpublished()
    {
        for (int port = 1; port <= 40; port++)
        {
            table.publish(TCP, port, RED, RED_2 + port, port + 1000, RED_2_MAC + port);
        }

        table.unpublish(TCP, 7);
        table.unpublish(TCP, 40);
        table.unpublish(UDP, 8);

        assertEquals(38, table.size());
        assertEquals(PublishedPortTable.NOT_PUBLISHED, table.find(TCP, 7));
        for (int port = 1; port < 40; port++)
        {
            if (port != 7)
            {
                final int index = table.find(TCP, port);
                assertEquals(RED_2 + port, table.address(index), "port " + port);
                assertEquals(port + 1000, table.port(index));
                assertEquals(RED_2_MAC + port, table.mac(index));
            }
        }
    }
}
