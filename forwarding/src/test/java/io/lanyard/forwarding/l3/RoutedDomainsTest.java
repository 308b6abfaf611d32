package io.lanyard.forwarding.l3;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutedDomainsTest
{
    private static final int RED = 0;
    private static final int BLUE = 1;
    private static final int RED_GATEWAY = 0xAC11_0001;
    private static final long RED_GATEWAY_MAC = 0x0242_AC11_0001L;

    private final RoutedDomains networks = new RoutedDomains(4);

    @Test
    void shouldKnowANetworksGatewayAndWhatItsTrafficMayDo()
    {
        networks.configure(RED, 0xAC11_0000, 16, RED_GATEWAY, RED_GATEWAY_MAC, true, false);

        assertTrue(networks.isRouted(RED));
        assertTrue(networks.masquerades(RED));
        assertFalse(networks.isExternal(RED), "internal");
        assertEquals(RED_GATEWAY, networks.gatewayAddress(RED));
        assertEquals(RED_GATEWAY_MAC, networks.gatewayMac(RED));
        assertFalse(networks.isRouted(BLUE));
        assertEquals(RoutedDomains.NO_MAC, networks.gatewayMac(BLUE));
    }

    @Test
    void shouldTellAnAddressInAnyRoutedSubnet()
    {
        networks.configure(RED, 0xAC11_0042, 16, RED_GATEWAY, RED_GATEWAY_MAC, true, true);
        networks.configure(BLUE, 0x0A58_0000, 24, 0x0A58_0001, 0x0242_0A58_0001L, false, true);

        assertTrue(networks.isInRoutedSubnet(0xAC11_FFFE), "the subnet is masked from the address given");
        assertTrue(networks.isInRoutedSubnet(0x0A58_0007));
        assertFalse(networks.isInRoutedSubnet(0x0A58_0107));
        assertFalse(networks.isInRoutedSubnet(0xC633_6401));
    }

    @Test
    void shouldForgetANetworkThatIsCleared()
    {
        networks.configure(RED, 0xAC11_0000, 16, RED_GATEWAY, RED_GATEWAY_MAC, true, true);
        networks.configure(RED, 0xAC11_0000, 16, RED_GATEWAY, RED_GATEWAY_MAC, true, true);

        networks.clear(RED);

        assertFalse(networks.isRouted(RED));
        assertEquals(RoutedDomains.NO_MAC, networks.gatewayMac(RED));
        assertFalse(networks.isInRoutedSubnet(0xAC11_0002), "configured twice, listed once");
    }

    @Test
    void shouldTakeEveryAddressIntoADefaultRoutePrefix()
    {
        networks.configure(RED, 0xAC11_0000, 0, RED_GATEWAY, RED_GATEWAY_MAC, false, true);

        assertTrue(networks.isInRoutedSubnet(0x0102_0304));
    }
}
