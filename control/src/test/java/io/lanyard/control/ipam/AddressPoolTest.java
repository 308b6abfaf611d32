package io.lanyard.control.ipam;

import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.lanyard.forwarding.addr.Ipv4Address.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressPoolTest
{
    private static AddressPool pool(final String subnet, final String gateway)
    {
        return new AddressPool(Ipv4Cidr.parse(subnet), parse(gateway), null);
    }

    private static AddressPool pool(final String subnet, final String gateway, final String range)
    {
        return new AddressPool(Ipv4Cidr.parse(subnet), parse(gateway), Ipv4Cidr.parse(range));
    }

    private static String next(final AddressPool pool)
    {
        return Ipv4Address.format(pool.allocate());
    }

    /** Allocates until the pool is exhausted and returns what it handed out, in order. */
    private static List<String> drain(final AddressPool pool, final int atMost)
    {
        final List<String> handedOut = new ArrayList<>();
        for (int i = 0; i < atMost; i++)
        {
            try
            {
                handedOut.add(next(pool));
            }
            catch (final PoolExhaustedException ex)
            {
                return handedOut;
            }
        }
        throw new AssertionError("pool not exhausted after " + atMost + " allocations: " + handedOut);
    }

    @Test
    void shouldReserveTheNetworkBroadcastAndGatewayAddressesFromTheStart()
    {
        final AddressPool pool = pool("172.17.0.0/16", "172.17.0.1");

        assertTrue(pool.isTaken(parse("172.17.0.0")));
        assertTrue(pool.isTaken(parse("172.17.255.255")));
        assertTrue(pool.isTaken(parse("172.17.0.1")));
        assertFalse(pool.isTaken(parse("172.17.0.2")));
        assertEquals(3, pool.takenCount());
        assertEquals(parse("172.17.0.1"), pool.gateway());
    }

    @Test
    void shouldHandOutTheLowestFreeAddressFirst()
    {
        final AddressPool pool = pool("172.17.0.0/16", "172.17.0.1");

        assertEquals("172.17.0.2", next(pool));
        assertEquals("172.17.0.3", next(pool));
        assertEquals("172.17.0.4", next(pool));
        assertEquals(6, pool.takenCount());
    }

    @Test
    void shouldHandOutAReleasedAddressBeforeAnyHigherOne()
    {
        final AddressPool pool = pool("172.17.0.0/16", "172.17.0.1");
        next(pool);
        next(pool);
        next(pool);

        pool.release(parse("172.17.0.3"));

        assertFalse(pool.isTaken(parse("172.17.0.3")));
        assertEquals("172.17.0.3", next(pool));
        assertEquals("172.17.0.5", next(pool));
    }

    @Test
    void shouldSkipAGatewayThatIsNotTheFirstHostAddress()
    {
        final AddressPool pool = pool("10.0.0.0/29", "10.0.0.3");

        assertEquals(List.of("10.0.0.1", "10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"), drain(pool, 8));
    }

    @Test
    void shouldKeepTheGatewayReservedWhenItIsReleased()
    {
        final AddressPool pool = pool("10.0.0.0/30", "10.0.0.1");

        pool.release(parse("10.0.0.1"));

        assertTrue(pool.isTaken(parse("10.0.0.1")));
        assertEquals(List.of("10.0.0.2"), drain(pool, 4));
    }

    @Test
    void shouldCanonicaliseASubnetWrittenWithHostBits()
    {
        final AddressPool pool = pool("172.17.42.1/16", "172.17.42.1");

        assertEquals("172.17.0.0/16", pool.subnet().toString());
        assertTrue(pool.isTaken(parse("172.17.0.0")));
        assertEquals("172.17.0.1", next(pool));
    }

    @Test
    void shouldHandOutDynamicAddressesOnlyFromTheIpRange()
    {
        final AddressPool pool = pool("10.0.0.0/24", "10.0.0.1", "10.0.0.8/30");

        assertEquals(List.of("10.0.0.8", "10.0.0.9", "10.0.0.10", "10.0.0.11"), drain(pool, 8));
        assertFalse(pool.isTaken(parse("10.0.0.2")), "the rest of the subnet is still free");
    }

    @Test
    void shouldStartARangeAtItsFirstAddressWhenThatIsNotTheSubnetsNetworkAddress()
    {
        // Docker's own example: --subnet 172.28.0.0/16 --ip-range 172.28.5.0/24 --gateway 172.28.5.254.
        // 172.28.5.0 is an ordinary host address of the /16, so it is the first one handed out.
        final AddressPool pool = pool("172.28.0.0/16", "172.28.5.254", "172.28.5.0/24");

        assertEquals("172.28.5.0", next(pool));
        assertEquals("172.28.5.1", next(pool));
    }

    @Test
    void shouldNeverHandOutTheBroadcastAddressFromARangeAtTheTopOfTheSubnet()
    {
        final AddressPool pool = pool("10.0.0.0/24", "10.0.0.1", "10.0.0.252/30");

        assertEquals(List.of("10.0.0.252", "10.0.0.253", "10.0.0.254"), drain(pool, 8));
    }

    @Test
    void shouldAcceptAStaticAddressOutsideTheIpRangeButInsideTheSubnet()
    {
        final AddressPool pool = pool("10.0.0.0/24", "10.0.0.1", "10.0.0.8/30");

        pool.allocate(parse("10.0.0.100"));

        assertTrue(pool.isTaken(parse("10.0.0.100")));
        assertEquals("10.0.0.8", next(pool));
    }

    @Test
    void shouldSkipAStaticallyTakenAddressWhenAllocatingDynamically()
    {
        final AddressPool pool = pool("172.17.0.0/16", "172.17.0.1");

        pool.allocate(parse("172.17.0.2"));

        assertEquals("172.17.0.3", next(pool));
    }

    @Test
    void shouldNeverHandOutAnAuxiliaryAddress()
    {
        final AddressPool pool = pool("10.0.0.0/29", "10.0.0.1");
        pool.reserve(parse("10.0.0.3"));

        assertEquals(List.of("10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"), drain(pool, 8));
        assertThrows(AddressInUseException.class, () -> pool.allocate(parse("10.0.0.3")));
    }

    @Test
    void shouldThrowPoolExhaustedOnceEveryHostAddressOfASmallSubnetIsTaken()
    {
        final AddressPool pool = pool("10.0.0.0/30", "10.0.0.1");

        assertEquals("10.0.0.2", next(pool));
        final PoolExhaustedException ex = assertThrows(PoolExhaustedException.class, pool::allocate);
        assertTrue(ex.getMessage().contains("10.0.0.0/30"), ex.getMessage());
        assertThrows(PoolExhaustedException.class, pool::allocate, "still exhausted on a second try");
    }

    @Test
    void shouldHandOutAgainAfterAReleaseInAnExhaustedPool()
    {
        final AddressPool pool = pool("10.0.0.0/29", "10.0.0.1");
        drain(pool, 8);

        pool.release(parse("10.0.0.4"));

        assertEquals("10.0.0.4", next(pool));
        assertThrows(PoolExhaustedException.class, pool::allocate);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.2", "10.0.0.1", "10.0.0.0", "10.0.0.7"})
    void shouldRefuseAStaticAddressThatIsAlreadyTaken(final String address)
    {
        final AddressPool pool = pool("10.0.0.0/29", "10.0.0.1");
        next(pool);

        final AddressInUseException ex = assertThrows(AddressInUseException.class, () -> pool.allocate(parse(address)));
        assertTrue(ex.getMessage().contains(address), ex.getMessage());
    }

    @Test
    void shouldRefuseAnAddressOutsideTheSubnet()
    {
        final AddressPool pool = pool("10.0.0.0/29", "10.0.0.1");

        assertThrows(IllegalArgumentException.class, () -> pool.allocate(parse("10.0.0.8")));
        assertThrows(IllegalArgumentException.class, () -> pool.allocate(parse("192.0.2.1")));
        assertThrows(IllegalArgumentException.class, () -> pool.reserve(parse("10.0.0.8")));
        assertThrows(IllegalArgumentException.class, () -> pool.isTaken(parse("9.255.255.255")));
        assertFalse(pool.contains(parse("10.0.0.8")));
        assertEquals(3, pool.takenCount(), "a refused request takes nothing");
    }

    @Test
    void shouldIgnoreTheReleaseOfAnAddressOutsideTheSubnet()
    {
        final AddressPool pool = pool("10.0.0.0/29", "10.0.0.1");

        pool.release(parse("192.0.2.1"));

        assertEquals(3, pool.takenCount());
    }

    @Test
    void shouldRefuseAGatewayOutsideTheSubnet()
    {
        assertThrows(IllegalArgumentException.class, () -> pool("10.0.0.0/24", "10.0.1.1"));
    }

    @Test
    void shouldRefuseASubnetWiderThanASlashEight()
    {
        assertThrows(IllegalArgumentException.class, () -> pool("10.0.0.0/7", "10.0.0.1"));
    }

    @Test
    void shouldUseBothAddressesOfASlash31AsHostsWithTheGatewayReserved()
    {
        // RFC 3021: a /31 is a point-to-point link with no network or broadcast address.
        final AddressPool pool = pool("10.0.0.0/31", "10.0.0.0");

        assertEquals(1, pool.takenCount());
        assertEquals(List.of("10.0.0.1"), drain(pool, 4));
    }

    @Test
    void shouldHaveNothingToHandOutInASlash32WhoseOnlyAddressIsTheGateway()
    {
        final AddressPool pool = pool("10.0.0.5/32", "10.0.0.5");

        assertEquals(1, pool.takenCount());
        assertThrows(PoolExhaustedException.class, pool::allocate);
        assertThrows(AddressInUseException.class, () -> pool.allocate(parse("10.0.0.5")));
    }

    @Test
    void shouldKeepTheNetworkAndBroadcastAddressesReservedWhenReleased()
    {
        final AddressPool pool = pool("10.0.0.0/29", "10.0.0.1");
        next(pool);

        pool.release(parse("10.0.0.0"));
        pool.release(parse("10.0.0.7"));

        assertTrue(pool.isTaken(parse("10.0.0.0")));
        assertTrue(pool.isTaken(parse("10.0.0.7")));
        assertEquals("10.0.0.3", next(pool));
    }

    @Test
    void shouldRefuseAnIpRangeThatIsNotInsideTheSubnet()
    {
        assertThrows(IllegalArgumentException.class, () -> pool("10.5.0.0/16", "10.5.0.1", "10.0.0.0/8"));
        assertThrows(IllegalArgumentException.class, () -> pool("10.5.0.0/16", "10.5.0.1", "10.6.0.0/24"));
    }
}
