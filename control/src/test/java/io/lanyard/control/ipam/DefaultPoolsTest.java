package io.lanyard.control.ipam;

import io.lanyard.forwarding.addr.Ipv4Cidr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Docker's default address pools: 172.17–31 as /16s, then 192.168.0.0/16 as /20s, skipping whatever is in use. */
class DefaultPoolsTest
{
    private static List<Ipv4Cidr> cidrs(final String... subnets)
    {
        return Arrays.stream(subnets).map(Ipv4Cidr::parse).toList();
    }

    private static String firstFree(final List<Ipv4Cidr> inUse)
    {
        return DefaultPools.firstFree(inUse).map(Ipv4Cidr::toString).orElse("none");
    }

    /** Every 172.x.0.0/16 from 172.17 to 172.31. */
    private static List<Ipv4Cidr> all172Pools()
    {
        final List<Ipv4Cidr> pools = new ArrayList<>();
        for (int second = 17; second <= 31; second++)
        {
            pools.add(Ipv4Cidr.parse("172." + second + ".0.0/16"));
        }
        return pools;
    }

    @Test
    void shouldOfferTheDockerDefaultBridgeSubnetWhenNothingIsInUse()
    {
        assertEquals("172.17.0.0/16", firstFree(List.of()));
    }

    @Test
    void shouldOfferTheNextSixteenWhenOnlyTheDefaultBridgeSubnetIsInUse()
    {
        assertEquals("172.18.0.0/16", firstFree(cidrs("172.17.0.0/16")));
    }

    @ParameterizedTest(name = "{0} in use -> {1}")
    @CsvSource(delimiter = '|', value = {
        "172.17.0.0/16 172.18.5.0/24 | 172.19.0.0/16",
        "172.17.0.0/16 172.18.255.252/30 | 172.19.0.0/16",
        "172.16.0.0/14 | 172.20.0.0/16",
        "172.17.0.0/16 172.18.0.0/15 | 172.20.0.0/16",
        "172.0.0.0/8 | 192.168.0.0/20",
        "172.17.0.0/16 172.19.0.0/16 | 172.18.0.0/16",
        "10.0.0.0/8 192.168.0.0/16 | 172.17.0.0/16",
        "172.16.0.0/16 172.32.0.0/16 | 172.17.0.0/16"})
    void shouldSkipEverySubnetThatOverlapsOneInUse(final String inUse, final String expected)
    {
        assertEquals(expected, firstFree(cidrs(inUse.split(" "))));
    }

    @Test
    void shouldMoveOnToTwentiesOf192168OnceEverySixteenOf172IsTaken()
    {
        final List<Ipv4Cidr> inUse = all172Pools();

        assertEquals("192.168.0.0/20", firstFree(inUse));

        inUse.add(Ipv4Cidr.parse("192.168.0.0/20"));
        assertEquals("192.168.16.0/20", firstFree(inUse));

        inUse.add(Ipv4Cidr.parse("192.168.32.0/20"));
        assertEquals("192.168.16.0/20", firstFree(inUse), "a hole left by a removed network is offered first");

        inUse.add(Ipv4Cidr.parse("192.168.16.0/20"));
        assertEquals("192.168.48.0/20", firstFree(inUse));
    }

    @Test
    void shouldSkipATwentyOf192168ThatOnlyPartlyOverlapsOneInUse()
    {
        final List<Ipv4Cidr> inUse = all172Pools();
        inUse.add(Ipv4Cidr.parse("192.168.3.0/24"));
        inUse.add(Ipv4Cidr.parse("192.168.31.255/32"));

        assertEquals("192.168.32.0/20", firstFree(inUse));
    }

    @Test
    void shouldOfferTheLastTwentyWhenOnlyItIsLeft()
    {
        final List<Ipv4Cidr> inUse = all172Pools();
        inUse.add(Ipv4Cidr.parse("192.168.0.0/17"));
        inUse.add(Ipv4Cidr.parse("192.168.128.0/18"));
        inUse.add(Ipv4Cidr.parse("192.168.192.0/19"));
        inUse.add(Ipv4Cidr.parse("192.168.224.0/20"));

        assertEquals("192.168.240.0/20", firstFree(inUse));
    }

    @Test
    void shouldOfferNothingWhenEveryDefaultPoolIsTaken()
    {
        final List<Ipv4Cidr> inUse = all172Pools();
        for (int third = 0; third < 256; third += 16)
        {
            inUse.add(Ipv4Cidr.parse("192.168." + third + ".0/20"));
        }

        assertEquals(Optional.empty(), DefaultPools.firstFree(inUse));
    }

    @Test
    void shouldOfferNothingWhenTwoLargeSubnetsCoverEveryDefaultPool()
    {
        assertEquals(Optional.empty(), DefaultPools.firstFree(cidrs("172.16.0.0/12", "192.168.0.0/16")));
        assertEquals(Optional.empty(), DefaultPools.firstFree(cidrs("0.0.0.0/0")));
    }
}
