package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.forwarding.addr.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.endpoint;
import static io.lanyard.control.ModelFixtures.none;
import static io.lanyard.control.ModelFixtures.overlay;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** IPAM without a cluster: pools, picking, static addresses, releases, restarts and other hosts' claims. */
class EndpointAddressingTest
{
    private final NetworkTable networks = new NetworkTable();
    private final EndpointAddressing addressing = new EndpointAddressing(networks, ControlPlane.Routing.NONE);

    private Network add(final Network network)
    {
        addressing.addPools(network);
        networks.put(network);
        return network;
    }

    private static Set<Integer> addresses(final String... addresses)
    {
        final java.util.HashSet<Integer> set = new java.util.HashSet<>();
        for (final String address : addresses)
        {
            set.add(Ipv4Address.parse(address));
        }
        return set;
    }

    @Test
    void shouldGiveTheLowestFreeAddressWithTheMacMadeFromIt()
    {
        final Network front = add(bridge("front", "172.18.0.0/16"));

        final Endpoint endpoint = addressing.newEndpoint(front, "eth0", null, List.of("web"), "c1");

        assertEquals(new Endpoint(endpoint.id(), front.id(), "eth0", "172.18.0.2", 16, "02:42:ac:12:00:02", List.of("web"), null),
            endpoint);
        assertEquals("172.18.0.3", addressing.newEndpoint(front, "eth0", null, List.of(), "c2").ipv4Address());
    }

    @Test
    void shouldTakeTheNextSubnetWhenTheFirstIsFullAndRefuseWhenEveryOneIs()
    {
        final Network small = add(bridge("small", "10.30.0.0/30", "10.40.0.0/30"));

        final Endpoint first = addressing.newEndpoint(small, "eth0", null, List.of(), "c1");
        final Endpoint second = addressing.newEndpoint(small, "eth0", null, List.of(), "c2");
        final RequestException full = assertThrows(RequestException.class, () -> addressing.newEndpoint(small, "eth0", null, List.of(), "c3"));

        assertEquals(List.of("10.30.0.2", "10.40.0.2"), List.of(first.ipv4Address(), second.ipv4Address()));
        assertEquals(List.of(30, 30), List.of(first.prefixLength(), second.prefixLength()));
        assertEquals(409, full.status());
        assertEquals("no available IPv4 addresses on this network's address pools: small (" + small.id() + ")", full.getMessage());
    }

    @Test
    void shouldGiveAStaticAddressOnceUntilItsEndpointIsReleased()
    {
        final Network front = add(bridge("front", "172.18.0.0/16"));
        final int asked = Ipv4Address.parse("172.18.0.9");

        final Endpoint endpoint = addressing.newEndpoint(front, "eth1", asked, List.of(), "c1");
        final RequestException taken = assertThrows(RequestException.class, () -> addressing.newEndpoint(front, "eth0", asked, List.of(), "c2"));
        addressing.release(endpoint);

        assertEquals("172.18.0.9", endpoint.ipv4Address());
        assertEquals(409, taken.status());
        assertEquals("Address already in use: 172.18.0.9", taken.getMessage());
        assertEquals("172.18.0.9", addressing.newEndpoint(front, "eth0", asked, List.of(), "c2").ipv4Address());
        assertEquals("172.18.0.2", addressing.newEndpoint(front, "eth0", null, List.of(), "c3").ipv4Address(),
            "a static address does not move the dynamic ones");
    }

    @Test
    void shouldRefuseAStaticAddressThatNoSubnetHolds()
    {
        final Network front = add(bridge("front", "172.18.0.0/16"));

        final RequestException refused = assertThrows(RequestException.class,
            () -> addressing.newEndpoint(front, "eth0", Ipv4Address.parse("172.19.0.2"), List.of(), "c1"));

        assertEquals(400, refused.status());
        assertEquals("no configured subnet or ip-range contain the IP address 172.19.0.2", refused.getMessage());
    }

    @Test
    void shouldTakeAgainTheAddressesOfTheSandboxesARestartFinds()
    {
        final Network front = add(bridge("front", "172.18.0.0/16"));
        final int before = addressing.taken(front.id());

        addressing.reserve(sandbox('1', "stored", endpoint("e1", front, "eth0", "172.18.0.2")));

        assertEquals(before + 1, addressing.taken(front.id()));
        assertEquals("172.18.0.3", addressing.newEndpoint(front, "eth0", null, List.of(), "c2").ipv4Address());
    }

    @Test
    void shouldGiveNoInterfaceAndNoAddressOnANetworkWithoutPools()
    {
        final Network none = add(none());

        final Endpoint endpoint = addressing.newEndpoint(none, "eth0", null, List.of(), "c1");

        assertNull(endpoint.interfaceName());
        assertNull(endpoint.ipv4Address());
        assertNull(endpoint.macAddress());
        assertEquals(none.id(), endpoint.networkId());
    }

    @Test
    void shouldMarkTakenWhatOtherHostsClaimAndFreeItWhenTheirClaimGoes()
    {
        final Network ov = add(overlay("ov", "10.0.0.0/24", 4096));
        final int reserved = addressing.taken(ov.id());

        addressing.followRemoteClaims(ov.id(), addresses("10.0.0.2", "10.0.0.5"), Set.of());
        final int withTwoClaims = addressing.taken(ov.id());
        addressing.followRemoteClaims(ov.id(), addresses("10.0.0.5"), Set.of());
        final int withOneClaim = addressing.taken(ov.id());
        addressing.followRemoteClaims(ov.id(), Set.of(), addresses("10.0.0.5"));
        final int claimGoneButAddressHeldHere = addressing.taken(ov.id());
        addressing.followRemoteClaims(ov.id(), Set.of(), Set.of());

        assertEquals(reserved + 2, withTwoClaims);
        assertEquals(reserved + 1, withOneClaim);
        assertEquals(reserved + 1, claimGoneButAddressHeldHere, "an address of this host's is not freed for another's claim");
        assertEquals(reserved, addressing.taken(ov.id()));
    }

    @Test
    void shouldForgetTheNetworksPoolsWhenItIsDropped()
    {
        final Network front = add(bridge("front", "172.18.0.0/16"));
        addressing.newEndpoint(front, "eth0", null, List.of(), "c1");

        addressing.dropPools(front.id());

        assertEquals(0, addressing.taken(front.id()));
    }

    @Test
    void shouldRefuseAnOverlayEndpointOutsideACluster()
    {
        final Network ov = add(overlay("ov", "10.0.0.0/24", 4096));

        final RequestException refused = assertThrows(RequestException.class, () -> addressing.newEndpoint(ov, "eth0", null, List.of(), "c1"));

        assertEquals(400, refused.status());
        assertEquals("cannot join an overlay network: this daemon is not in a cluster (start lanyardd with --store etcd://HOST:PORT " +
            "--advertise-addr IP)", refused.getMessage());
    }
}
