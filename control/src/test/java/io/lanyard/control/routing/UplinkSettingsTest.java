package io.lanyard.control.routing;

import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.tap.PacketSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lanyardd --uplink IFACE --uplink-ip ADDR/PREFIX [--uplink-gateway IP]}: what is accepted, and each refusal's one line. */
class UplinkSettingsTest
{
    private static void assertRefused(final String message, final String device, final String address, final String gateway)
    {
        final IllegalArgumentException refusal =
            assertThrows(IllegalArgumentException.class, () -> Uplink.Settings.parse(device, address, gateway));

        assertEquals(message, refusal.getMessage());
        assertFalse(refusal.getMessage().contains("\n"), "one line");
    }

    @Test
    void shouldReadTheDeviceAddressPrefixAndGateway()
    {
        final Uplink.Settings settings = Uplink.Settings.parse("eth1", "198.51.100.2/24", "198.51.100.1");

        assertEquals(new Uplink.Settings("eth1", Ipv4Address.parse("198.51.100.2"), 24, Ipv4Address.parse("198.51.100.1")), settings);
        assertEquals("198.51.100.2", settings.addressText());
    }

    @ParameterizedTest(name = "gateway \"{0}\"")
    @CsvSource(value = {"<null>", "''"}, nullValues = "<null>")
    void shouldMeanNoGatewayWhenNoneIsGiven(final String gateway)
    {
        final Uplink.Settings settings = Uplink.Settings.parse("eth1", "198.51.100.2/24", gateway);

        assertEquals(new Uplink.Settings("eth1", Ipv4Address.parse("198.51.100.2"), 24, 0), settings);
    }

    @Test
    void shouldKeepTheTapPrefixInTheDeviceName()
    {
        final Uplink.Settings settings = Uplink.Settings.parse("tap:lyup0", "203.0.113.2/30", "203.0.113.1");

        assertEquals("tap:lyup0", settings.device());
        assertEquals(Ipv4Address.parse("203.0.113.2"), settings.address());
        assertEquals(30, settings.prefixLength());
        assertEquals(Ipv4Address.parse("203.0.113.1"), settings.gateway());
    }

    @Test
    void shouldKeepTheAddressAsWrittenNotTheNetwork()
    {
        assertEquals(Ipv4Address.parse("10.1.2.3"), Uplink.Settings.parse("eth1", "10.1.2.3/8", null).address());
    }

    @Test
    void shouldAcceptANameOfTheKernelsLongestLength()
    {
        final String longest = "u".repeat(PacketSocket.MAX_NAME_LENGTH);

        assertEquals(longest, Uplink.Settings.parse(longest, "198.51.100.2/24", null).device());
        assertEquals("tap:" + longest, Uplink.Settings.parse("tap:" + longest, "198.51.100.2/24", null).device());
    }

    @ParameterizedTest(name = "--uplink \"{0}\"")
    @CsvSource(value = {"<null>", "''"}, nullValues = "<null>")
    void shouldRefuseAnAddressOrGatewayWithoutAnUplink(final String device)
    {
        assertRefused("--uplink-ip and --uplink-gateway need --uplink IFACE", device, "198.51.100.2/24", null);
        assertRefused("--uplink-ip and --uplink-gateway need --uplink IFACE", device, null, "198.51.100.1");
    }

    @ParameterizedTest(name = "--uplink-ip \"{0}\"")
    @CsvSource(value = {"<null>", "''", "198.51.100.2"}, nullValues = "<null>")
    void shouldRefuseAnUplinkWithoutAnAddressAndPrefix(final String address)
    {
        assertRefused("--uplink needs --uplink-ip ADDRESS/PREFIX (e.g. 198.51.100.2/24)", "eth1", address, null);
    }

    @ParameterizedTest(name = "--uplink-ip {0}")
    @CsvSource({"300.1.2.3/24", "198.51.100/24", "198.51.100.2/33", "198.51.100.2/", "198.51.100.2/x", "eth0/24"})
    void shouldRefuseABadAddressNamingTheFlag(final String address)
    {
        assertRefused("--uplink-ip: invalid CIDR address: " + address, "eth1", address, null);
    }

    @Test
    void shouldRefuseABadGatewayNamingTheFlag()
    {
        assertRefused("--uplink-gateway: invalid IPv4 address: gw.example", "eth1", "198.51.100.2/24", "gw.example");
    }

    @ParameterizedTest(name = "--uplink-gateway {0}")
    @CsvSource({"198.51.101.1", "10.0.0.1", "198.51.99.255"})
    void shouldRefuseAGatewayOutsideTheUplinksSubnet(final String gateway)
    {
        assertRefused("--uplink-gateway " + gateway + " must be another address in 198.51.100.0/24",
            "eth1", "198.51.100.2/24", gateway);
    }

    @Test
    void shouldRefuseTheUplinksOwnAddressAsGateway()
    {
        assertRefused("--uplink-gateway 198.51.100.2 must be another address in 198.51.100.0/24",
            "eth1", "198.51.100.2/24", "198.51.100.2");
    }

    @Test
    void shouldRefuseAnyGatewayOnASingleAddressUplink()
    {
        assertRefused("--uplink-gateway 198.51.100.1 must be another address in 198.51.100.2/32",
            "eth1", "198.51.100.2/32", "198.51.100.1");
    }

    @Test
    void shouldRefuseANameLongerThanTheKernelAllows()
    {
        final String tooLong = "u".repeat(PacketSocket.MAX_NAME_LENGTH + 1);

        assertRefused("--uplink: interface name too long: " + tooLong, tooLong, "198.51.100.2/24", null);
        assertRefused("--uplink: interface name too long: tap:" + tooLong, "tap:" + tooLong, "198.51.100.2/24", null);
    }

    @Test
    void shouldRefuseATapWithoutAName()
    {
        final IllegalArgumentException refusal =
            assertThrows(IllegalArgumentException.class, () -> Uplink.Settings.parse("tap:", "198.51.100.2/24", null));

        assertTrue(refusal.getMessage().startsWith("--uplink: "), refusal.getMessage());
    }

    @Test
    void shouldCheckTheNameBeforeTheAddress()
    {
        final String tooLong = "u".repeat(PacketSocket.MAX_NAME_LENGTH + 1);

        assertRefused("--uplink: interface name too long: " + tooLong, tooLong, null, null);
    }
}
