package io.lanyard.control;

import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.none;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A network's presence on this host: table, pools and domain, added and dropped together. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class NetworkSetupTest
{
    @TempDir
    Path tempDir;

    private Dataplane dataplane;
    private final NetworkTable networks = new NetworkTable();
    private final EndpointAddressing addressing = new EndpointAddressing(networks, ControlPlane.Routing.NONE);
    private SwitchDomains domains;
    private NetworkSetup setup;

    @BeforeEach
    void startDataplane()
    {
        dataplane = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("counters")).withRingSize(64));
        domains = new SwitchDomains(dataplane, ControlPlane.Routing.NONE);
        setup = new NetworkSetup(networks, addressing, domains);
    }

    @AfterEach
    void closeDataplane()
    {
        dataplane.close();
    }

    /** A bridge whose auxiliary address lies outside its subnet: its pool cannot be made. */
    private static Network withBadPool(final String name)
    {
        return new Network(ModelFixtures.id('b', "1"), name, Network.DRIVER_BRIDGE, Network.SCOPE_LOCAL, ModelFixtures.CREATED, false,
            false, List.of(new IpamPool("172.18.0.0/16", "172.18.0.1", null, Map.of("printer", "10.9.9.9"))), null, null);
    }

    @Test
    void shouldAddASwitchedNetworkWithItsPoolsAndADomain()
    {
        final Network front = bridge("front", "172.18.0.0/16");

        setup.add(front);

        assertSame(front, networks.byId(front.id()));
        assertEquals(3, addressing.taken(front.id()), "network, broadcast and gateway");
        assertEquals(0, domains.domainOf(front.id()));
    }

    @Test
    void shouldAddANetworkWithoutASwitchWithoutADomain()
    {
        final Network none = none();

        setup.add(none);

        assertSame(none, networks.byId(none.id()));
        assertNull(domains.domainOf(none.id()));
    }

    @Test
    void shouldKeepNothingOfANetworkWhosePoolsCannotBeMade()
    {
        final Network bad = withBadPool("bad");

        assertThrows(IllegalArgumentException.class, () -> setup.add(bad));

        assertNull(networks.byId(bad.id()));
        assertEquals(0, addressing.taken(bad.id()));
        assertNull(domains.domainOf(bad.id()));
    }

    @Test
    void shouldLogRatherThanThrowForAnOverlayTheClusterHoldsButThisHostCannotSetUp()
    {
        final Network bad = withBadPool("bad");

        setup.addFromCluster(bad);

        assertNull(networks.byId(bad.id()));
    }

    @Test
    void shouldDropTheNetworkItsPoolsAndItsDomainTogether()
    {
        final Network front = bridge("front", "172.18.0.0/16");
        setup.add(front);

        setup.drop(front);

        assertNull(networks.byId(front.id()));
        assertEquals(0, addressing.taken(front.id()));
        assertNull(domains.domainOf(front.id()));
        final Network next = bridge("next", "172.19.0.0/16");
        setup.add(next);
        assertEquals(0, domains.domainOf(next.id()), "its domain is free again");
    }

    @Test
    void shouldReconfigureANetworkInPlaceOnItsDomain()
    {
        final Network front = bridge("front", "172.18.0.0/16");
        final Network other = bridge("other", "172.19.0.0/16");
        setup.add(front);
        setup.add(other);
        final Network iccOff = new Network(front.id(), front.name(), front.driver(), front.scope(), front.created(), false, false,
            front.ipam(), Map.of(Network.OPTION_ENABLE_ICC, "false"), null);

        setup.reconfigure(iccOff);

        assertEquals(List.of(iccOff, other), networks.all());
        assertEquals(0, domains.domainOf(front.id()));
        assertFalse(networks.byName("front").orElseThrow().options().isEmpty());
    }
}
