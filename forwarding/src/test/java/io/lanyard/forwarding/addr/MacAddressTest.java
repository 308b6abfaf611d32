package io.lanyard.forwarding.addr;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MacAddressTest
{
    @Test
    void shouldParseColonSeparatedHexOctetsFirstOctetMostSignificant()
    {
        assertEquals(0x0242_AC11_0002L, MacAddress.parse("02:42:ac:11:00:02"));
        assertEquals(0L, MacAddress.parse("00:00:00:00:00:00"));
        assertEquals(MacAddress.BROADCAST, MacAddress.parse("ff:ff:ff:ff:ff:ff"));
    }

    @Test
    void shouldParseUpperCaseHexDigits()
    {
        assertEquals(0xFEDC_BA98_7654L, MacAddress.parse("FE:DC:BA:98:76:54"));
        assertEquals(0xFEDC_BA98_7654L, MacAddress.parse("fE:dC:Ba:98:76:54"));
    }

    @Test
    void shouldFormatAsLowerCaseTwoDigitOctets()
    {
        assertEquals("02:42:ac:11:00:02", MacAddress.format(0x0242_AC11_0002L));
        assertEquals("00:00:00:00:00:01", MacAddress.format(1L));
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.format(MacAddress.BROADCAST));
    }

    @ParameterizedTest
    @ValueSource(strings = {"02:42:ac:11:00:02", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "01:00:5e:7f:ff:fa", "0a:0b:0c:0d:0e:0f"})
    void shouldRoundTripThroughItsTextForm(final String text)
    {
        assertEquals(text, MacAddress.format(MacAddress.parse(text)));
    }

    @Test
    void shouldRoundTripEveryOctetValue()
    {
        for (int octet = 0; octet < 256; octet++)
        {
            final long mac = ((long)octet << 40) | ((long)(255 - octet) << 16) | octet;
            assertEquals(mac, MacAddress.parse(MacAddress.format(mac)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "02:42:ac:11:00",
        "02:42:ac:11:00:02:03",
        "02:42:ac:11:00:2",
        "2:42:ac:11:00:002",
        "02-42-ac-11-00-02",
        "0242.ac11.0002",
        "02:42:ac:11:00:0g",
        "02:42:ac:11:00:-2",
        "02:42:ac:11:00:+2",
        " 02:42:ac:11:00:0",
        "02:42:ac:11:00:02 ",
        "02:42:ac:11::0002",
        "024:2a:c1:10:00:2"})
    void shouldRejectTextThatIsNotAMacAddress(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
    }

    @Test
    void shouldRejectNonAsciiDigits()
    {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("\u0660\u0662:42:ac:11:00:02"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("\uFF10\uFF12:42:ac:11:00:02"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:42:\uFF41\uFF43:11:00:02"));
    }

    @Test
    void shouldDeriveDockersMacFromAnIpv4Address()
    {
        assertEquals(MacAddress.parse("02:42:ac:11:00:02"), MacAddress.fromIpv4(Ipv4Address.parse("172.17.0.2")));
        assertEquals("02:42:ff:ff:ff:fe", MacAddress.format(MacAddress.fromIpv4(Ipv4Address.parse("255.255.255.254"))));
        assertEquals("02:42:00:00:00:00", MacAddress.format(MacAddress.fromIpv4(0)));
    }

    @Test
    void shouldDeriveALocallyAdministeredUnicastMac()
    {
        final long mac = MacAddress.fromIpv4(Ipv4Address.parse("255.255.255.255"));

        assertFalse(MacAddress.isGroup(mac));
        assertTrue((mac & 0x0200_0000_0000L) != 0, "U/L bit set");
        assertEquals(0, mac & ~MacAddress.MASK, "only 48 bits");
    }

    @Test
    void shouldTellGroupAddressesByTheIgBitOfTheFirstOctet()
    {
        assertTrue(MacAddress.isGroup(MacAddress.BROADCAST));
        assertTrue(MacAddress.isGroup(MacAddress.parse("01:00:5e:00:00:01")), "IPv4 multicast");
        assertTrue(MacAddress.isGroup(MacAddress.parse("33:33:00:00:00:01")), "IPv6 multicast");
        assertTrue(MacAddress.isGroup(MacAddress.parse("01:80:c2:00:00:00")), "STP");
        assertTrue(MacAddress.isGroup(MacAddress.parse("03:00:00:00:00:00")));
        assertFalse(MacAddress.isGroup(MacAddress.parse("02:42:ac:11:00:02")));
        assertFalse(MacAddress.isGroup(MacAddress.parse("00:00:00:00:00:00")));
        assertFalse(MacAddress.isGroup(MacAddress.parse("fe:ff:ff:ff:ff:ff")));
    }
}
