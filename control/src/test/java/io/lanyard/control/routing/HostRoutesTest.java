package io.lanyard.control.routing;

import io.lanyard.forwarding.addr.Ipv4Cidr;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HostRoutesTest
{
    /** As Linux writes it: a default route, docker0's 172.17.0.0/16, eth0's 192.0.2.0/24, lanyard0's and a network's own. */
    private static final String ROUTES = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
        "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
        "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n" +
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
        "lanyard0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n" +
        "ly-0123456789ab\t000013AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";

    @Test
    void shouldReadEveryRouteButTheDefaultAndLanyardsOwn()
    {
        assertEquals(List.of(new HostRoutes.Route(Ipv4Cidr.parse("172.17.0.0/16"), "docker0"),
            new HostRoutes.Route(Ipv4Cidr.parse("192.0.2.0/24"), "eth0")), HostRoutes.parse(ROUTES));
        assertEquals("172.17.0.0/16 dev docker0", HostRoutes.parse(ROUTES).get(0).toString());
    }

    @Test
    void shouldHaveNoRoutesWithoutTheFile()
    {
        assertEquals(List.of(), new HostRoutes(Path.of("/nonexistent/route")).routes());
    }
}
