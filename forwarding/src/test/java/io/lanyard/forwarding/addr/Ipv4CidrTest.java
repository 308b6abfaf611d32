package io.lanyard.forwarding.addr;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.lanyard.forwarding.addr.Ipv4Address.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4CidrTest
{
    @Test
    void shouldKeepTheAddressAsWrittenAndMaskItForTheNetwork()
    {
        final Ipv4Cidr gateway = Ipv4Cidr.parse("172.17.42.1/16");

        assertEquals(parse("172.17.42.1"), gateway.address());
        assertEquals(16, gateway.prefixLength());
        assertEquals(parse("172.17.0.0"), gateway.network());
        assertEquals(parse("172.17.255.255"), gateway.broadcast());
        assertEquals(0xFFFF_0000, gateway.mask());
        assertEquals(65_536L, gateway.size());
        assertEquals("172.17.42.1/16", gateway.toString());
        assertEquals(new Ipv4Cidr(parse("172.17.0.0"), 16), gateway.canonical());
        assertEquals("172.17.0.0/16", gateway.canonical().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"172.17.0.0/16", "172.17.42.1/16", "10.0.0.0/8", "0.0.0.0/0", "192.168.1.7/32", "100.64.0.0/10"})
    void shouldRoundTripThroughItsTextForm(final String text)
    {
        assertEquals(text, Ipv4Cidr.parse(text).toString());
    }

    @Test
    void shouldComputeNetworkAndBroadcastAtTheExtremes()
    {
        final Ipv4Cidr everything = Ipv4Cidr.parse("10.1.2.3/0");
        assertEquals(0, everything.mask());
        assertEquals(0, everything.network());
        assertEquals(-1, everything.broadcast());
        assertEquals(1L << 32, everything.size());

        final Ipv4Cidr host = Ipv4Cidr.parse("10.1.2.3/32");
        assertEquals(-1, host.mask());
        assertEquals(parse("10.1.2.3"), host.network());
        assertEquals(parse("10.1.2.3"), host.broadcast());
        assertEquals(1L, host.size());

        final Ipv4Cidr pointToPoint = Ipv4Cidr.parse("10.1.2.3/31");
        assertEquals(parse("10.1.2.2"), pointToPoint.network());
        assertEquals(parse("10.1.2.3"), pointToPoint.broadcast());

        final Ipv4Cidr upperHalf = Ipv4Cidr.parse("200.0.0.0/1");
        assertEquals(parse("128.0.0.0"), upperHalf.network());
        assertEquals(parse("255.255.255.255"), upperHalf.broadcast());
    }

    @Test
    void shouldContainExactlyTheAddressesFromNetworkToBroadcast()
    {
        final Ipv4Cidr cidr = Ipv4Cidr.parse("172.17.0.0/16");

        assertTrue(cidr.contains(parse("172.17.0.0")));
        assertTrue(cidr.contains(parse("172.17.0.2")));
        assertTrue(cidr.contains(parse("172.17.255.255")));
        assertFalse(cidr.contains(parse("172.16.255.255")));
        assertFalse(cidr.contains(parse("172.18.0.0")));
        assertTrue(Ipv4Cidr.parse("0.0.0.0/0").contains(parse("255.255.255.255")));
        assertTrue(Ipv4Cidr.parse("10.0.0.1/32").contains(parse("10.0.0.1")));
        assertFalse(Ipv4Cidr.parse("10.0.0.1/32").contains(parse("10.0.0.0")));
    }

    @Test
    void shouldContainOnlyPrefixesThatAreNoWider()
    {
        final Ipv4Cidr wide = Ipv4Cidr.parse("10.0.0.0/8");

        assertTrue(wide.contains(Ipv4Cidr.parse("10.20.0.0/16")));
        assertTrue(wide.contains(Ipv4Cidr.parse("10.255.255.255/32")));
        assertTrue(wide.contains(wide));
        assertTrue(wide.contains(Ipv4Cidr.parse("10.9.9.9/8")), "same prefix written with host bits");
        assertFalse(wide.contains(Ipv4Cidr.parse("10.0.0.0/7")));
        assertFalse(wide.contains(Ipv4Cidr.parse("11.0.0.0/16")));
        assertFalse(Ipv4Cidr.parse("10.20.0.0/16").contains(wide));
    }

    @Test
    void shouldOverlapWhenEitherContainsTheOthersNetwork()
    {
        final Ipv4Cidr docker = Ipv4Cidr.parse("172.17.0.0/16");

        assertTrue(docker.overlaps(Ipv4Cidr.parse("172.17.5.0/24")));
        assertTrue(Ipv4Cidr.parse("172.17.5.0/24").overlaps(docker));
        assertTrue(docker.overlaps(Ipv4Cidr.parse("172.16.0.0/12")));
        assertTrue(Ipv4Cidr.parse("172.16.0.0/12").overlaps(docker));
        assertTrue(docker.overlaps(Ipv4Cidr.parse("172.17.200.1/16")));
        assertTrue(Ipv4Cidr.parse("0.0.0.0/0").overlaps(docker));
        assertFalse(docker.overlaps(Ipv4Cidr.parse("172.18.0.0/16")));
        assertFalse(Ipv4Cidr.parse("172.18.0.0/16").overlaps(docker));
        assertFalse(Ipv4Cidr.parse("10.0.0.0/25").overlaps(Ipv4Cidr.parse("10.0.0.128/25")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "10.0.0.0",
        "10.0.0.0/",
        "/8",
        "10.0.0.0/33",
        "10.0.0.0/99",
        "10.0.0.0/100",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "10.0.0.0/ 8",
        "10.0.0.0/8 ",
        "10.0.0.0/1a",
        "10.0.0.0/8/8",
        "10.0.0.256/8",
        "010.0.0.0/8",
        "10.0.0/8",
        "10.0.0.0.0/8"})
    void shouldRejectTextThatIsNotACidr(final String text)
    {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse(text));
        assertTrue(error.getMessage().contains(text), error.getMessage());
    }

    @Test
    void shouldRejectAPrefixLengthWrittenWithNonAsciiDigits()
    {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse("10.0.0.0/\uFF11\uFF16"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse("10.0.0.0/\u0661\u0666"));
    }

    @Test
    void shouldRejectAPrefixLengthOutOfRange()
    {
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Cidr(0, -1));
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Cidr(0, 33));
    }
}
