package io.lanyard.control.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsAddressTest
{
    @Test
    void shouldServeOnALoopbackAddress()
    {
        assertEquals("127.0.0.1:9323", MetricsAddress.parse("127.0.0.1:9323", false).toString());
        assertEquals("127.0.0.1:9323", MetricsAddress.parse("localhost:9323", false).toString());
        assertEquals("[0:0:0:0:0:0:0:1]:9323", MetricsAddress.parse("[::1]:9323", false).toString());
        assertEquals(9323, MetricsAddress.parse("127.0.0.9:9323", false).socketAddress().getPort());
    }

    @Test
    void shouldRefuseAnAddressOtherHostsReachUnlessAllowed()
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse("0.0.0.0:9323", false));
        assertEquals("--metrics-addr 0.0.0.0:9323: not a loopback address; metrics name every sandbox and its traffic, " +
            "so serving them to other hosts needs --metrics-allow-remote", refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse("192.0.2.1:9323", false));

        assertEquals("192.0.2.1:9323", MetricsAddress.parse("192.0.2.1:9323", true).toString());
        assertEquals("0.0.0.0:9323", MetricsAddress.parse("0.0.0.0:9323", true).toString());
    }

    @Test
    void shouldSayInOneLineWhatIsWrongWithAnAddress()
    {
        assertRefused("9323", "expected HOST:PORT");
        assertRefused("127.0.0.1:", "expected HOST:PORT");
        assertRefused(":9323", "expected HOST:PORT");
        assertRefused("127.0.0.1:http", "the port is not a number");
        assertRefused("127.0.0.1:0", "a port is 1 to 65535");
        assertRefused("127.0.0.1:65536", "a port is 1 to 65535");
        assertRefused("::1:9323", "write an IPv6 address in brackets");
        assertRefused("127.0.0.300:9323", "127.0.0.300 is not an IP address");
        assertRefused("metrics.example:9323", "HOST is an IP address or localhost, not a name to look up");
        assertRefused("127.1:9323", "HOST is an IP address or localhost");
    }

    private static void assertRefused(final String address, final String reason)
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse(address, true));
        assertTrue(refused.getMessage().startsWith("--metrics-addr " + address + ": ") && refused.getMessage().contains(reason),
            refused.getMessage());
        assertTrue(refused.getMessage().lines().count() == 1, refused.getMessage());
    }
}
