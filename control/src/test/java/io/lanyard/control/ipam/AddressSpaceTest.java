package io.lanyard.control.ipam;

import io.lanyard.control.routing.HostRoutes;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AddressSpaceTest
{
    private final List<HostRoutes.Route> routes = new ArrayList<>();

    @Test
    void shouldSkipDockersPoolsThatARouteOfTheHostOverlaps()
    {
        final AddressSpace space = AddressSpace.docker(() -> routes);
        assertEquals(Ipv4Cidr.parse("172.17.0.0/16"), space.firstFree(List.of()).orElseThrow());

        // a host that runs Docker: docker0 holds 172.17.0.0/16, and a user network 172.18.0.0/16
        routes.add(new HostRoutes.Route(Ipv4Cidr.parse("172.17.0.0/16"), "docker0"));
        routes.add(new HostRoutes.Route(Ipv4Cidr.parse("172.18.0.0/16"), "br-1a2b3c4d5e6f"));
        assertEquals(Ipv4Cidr.parse("172.19.0.0/16"), space.firstFree(List.of()).orElseThrow());
        assertEquals(Ipv4Cidr.parse("172.20.0.0/16"), space.firstFree(List.of(Ipv4Cidr.parse("172.19.0.0/16"))).orElseThrow());
        assertEquals("172.17.0.0/16 dev docker0", space.routeOverlapping(Ipv4Cidr.parse("172.17.5.0/24")).orElseThrow().toString());
        assertEquals(false, space.routeOverlapping(Ipv4Cidr.parse("10.9.0.0/24")).isPresent());
    }

    @Test
    void shouldCutTheConfiguredPoolsIntoSubnetsOfTheirSize()
    {
        final AddressSpace space = AddressSpace.of(List.of(AddressSpace.Pool.parse("base=10.99.0.0/16,size=24"),
            AddressSpace.Pool.parse("base=10.98.0.0/23,size=24")), () -> routes);
        assertEquals(Ipv4Cidr.parse("10.99.0.0/24"), space.firstFree(List.of()).orElseThrow());
        assertEquals(Ipv4Cidr.parse("10.99.1.0/24"), space.firstFree(List.of(Ipv4Cidr.parse("10.99.0.0/24"))).orElseThrow());
        assertEquals(Ipv4Cidr.parse("10.98.0.0/24"), space.firstFree(List.of(Ipv4Cidr.parse("10.99.0.0/16"))).orElseThrow());
        assertEquals(false, space.firstFree(List.of(Ipv4Cidr.parse("10.96.0.0/13"))).isPresent(), "every pool taken");
    }

    @Test
    void shouldSayWhatIsWrongWithAPoolFlagInOneLine()
    {
        for (final String[] bad : new String[][] {
            {"base=10.99.0.0/16", "expected base=CIDR,size=N"},
            {"base=10.99.0.0/16,size=x", "size is a prefix length, not x"},
            {"base=10.99.0.0/16,size=8", "size must be from the base's prefix length"},
            {"base=10.99.0.1/16,size=24", "base should be 10.99.0.0/16"},
            {"base=10.99.0.0/16,size=24,scope=local", "unknown key 'scope'"}})
        {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> AddressSpace.Pool.parse(bad[0]));
            assertEquals(true, refused.getMessage().startsWith("--default-address-pool " + bad[0] + ": ") &&
                refused.getMessage().contains(bad[1]), refused.getMessage());
        }
    }
}
