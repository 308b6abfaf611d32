package io.lanyard.forwarding.addr;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Ipv4AddressTest
{
    @Test
    void shouldParseDottedQuadFirstOctetMostSignificant()
    {
        assertEquals(0xAC11_0002, Ipv4Address.parse("172.17.0.2"));
        assertEquals(0x0A00_0001, Ipv4Address.parse("10.0.0.1"));
        assertEquals(0, Ipv4Address.parse("0.0.0.0"));
        assertEquals(0xFFFF_FFFF, Ipv4Address.parse("255.255.255.255"));
        assertEquals(0xC0A8_00C7, Ipv4Address.parse("192.168.0.199"));
    }

    @Test
    void shouldFormatAddressesWithTheHighBitSet()
    {
        assertEquals("255.255.255.255", Ipv4Address.format(-1));
        assertEquals("224.0.0.22", Ipv4Address.format(0xE000_0016));
        assertEquals("128.0.0.0", Ipv4Address.format(Integer.MIN_VALUE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"172.17.0.2", "0.0.0.0", "255.255.255.255", "10.0.0.1", "100.64.9.250", "1.2.3.4"})
    void shouldRoundTripThroughItsTextForm(final String text)
    {
        assertEquals(text, Ipv4Address.format(Ipv4Address.parse(text)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "1.2.3",
        "1.2.3.4.5",
        "1..3.4",
        ".1.2.3",
        "1.2.3.",
        "256.0.0.1",
        "1.2.3.256",
        "1.2.3.999",
        "1.2.3.1000",
        "01.2.3.4",
        "1.2.3.04",
        "00.0.0.0",
        "0x1.2.3.4",
        "+1.2.3.4",
        "-1.2.3.4",
        "1.2.3.a",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.4/24",
        "1,2,3,4",
        "\u0661.2.3.4"})
    void shouldRejectTextThatIsNotAnIpv4Address(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(text));
    }
}
