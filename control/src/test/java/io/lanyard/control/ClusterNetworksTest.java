package io.lanyard.control;

import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.lanyard.control.ModelFixtures.overlay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Planning an overlay against the networks the cluster holds; without a cluster, the refusals. */
class ClusterNetworksTest
{
    private static NetworkCreate request(final String name, final List<IpamPool> ipam)
    {
        return new NetworkCreate(name, Network.DRIVER_OVERLAY, ipam, false, true, Map.of(), Map.of("team", "a"));
    }

    @Test
    void shouldTakeTheFirstFreeVniAndSubnetBesideTheClustersAndThisHostsNetworks()
    {
        final List<Network> existing = List.of(overlay("one", "10.0.0.0/24", 4096), overlay("two", "10.0.2.0/24", 4097));

        final Network planned = ClusterNetworks.plan(request("three", List.of()), Map.of(Network.OPTION_STATIC_PEERS, "192.0.2.12"),
            List.of(Ipv4Cidr.parse("10.0.1.0/24")), existing);

        assertEquals("three", planned.name());
        assertEquals(Network.DRIVER_OVERLAY, planned.driver());
        assertEquals(Network.SCOPE_GLOBAL, planned.scope());
        assertEquals(4098, planned.vni());
        assertEquals("10.0.3.0/24", planned.ipam().get(0).subnet());
        assertEquals(Map.of(Network.OPTION_STATIC_PEERS, "192.0.2.12", Network.OPTION_VXLAN_ID, "4098"), planned.options());
        assertEquals(Map.of("team", "a"), planned.labels());
        assertEquals(true, planned.attachable());
    }

    @Test
    void shouldKeepAVniAskedForAndRefuseOneAnotherNetworkHas()
    {
        final List<Network> existing = List.of(overlay("one", "10.0.0.0/24", 4096));

        final Network planned = ClusterNetworks.plan(request("two", List.of()), Map.of(Network.OPTION_VXLAN_ID, "5000"), List.of(), existing);
        final RequestException taken = assertThrows(RequestException.class,
            () -> ClusterNetworks.plan(request("two", List.of()), Map.of(Network.OPTION_VXLAN_ID, "4096"), List.of(), existing));

        assertEquals(5000, planned.vni());
        assertEquals(409, taken.status());
        assertEquals("VNI 4096 is already used by network one", taken.getMessage());
    }

    @Test
    void shouldRefuseANameOrASubnetAnotherHostsNetworkHas()
    {
        final List<Network> existing = List.of(overlay("one", "10.0.0.0/24", 4096));

        final RequestException name = assertThrows(RequestException.class,
            () -> ClusterNetworks.plan(request("one", List.of()), Map.of(), List.of(), existing));
        final RequestException subnet = assertThrows(RequestException.class,
            () -> ClusterNetworks.plan(request("two", List.of(new IpamPool("10.0.0.0/16", null, null, null))), Map.of(), List.of(), existing));

        assertEquals(409, name.status());
        assertEquals("network with name one already exists", name.getMessage());
        assertEquals(403, subnet.status());
        assertEquals("Pool overlaps with other one on this address space", subnet.getMessage());
    }

    @Test
    void shouldRefuseToCreateOrRemoveAnOverlayOutsideACluster()
    {
        final ClusterNetworks networks = new ClusterNetworks(ControlPlane.Routing.NONE);

        final RequestException create = assertThrows(RequestException.class,
            () -> networks.create(request("ov", List.of()), List.of()));
        final RequestException remove = assertThrows(RequestException.class,
            () -> networks.remove(overlay("ov", "10.0.0.0/24", 4096)));

        assertEquals(400, create.status());
        assertEquals("cannot create an overlay network: this daemon is not in a cluster (start lanyardd with --store " +
            "etcd://HOST:PORT --advertise-addr IP)", create.getMessage());
        assertEquals("cannot remove an overlay network: this daemon is not in a cluster (start lanyardd with --store " +
            "etcd://HOST:PORT --advertise-addr IP)", remove.getMessage());
    }
}
