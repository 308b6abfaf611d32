package io.lanyard.control;

import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.State;
import io.lanyard.control.store.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.lanyard.control.NetworkRequest.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lanyard network create} through the control plane: where a user network's addresses
 * come from, how it is listed, and that it is stored. Creating a network touches no namespace,
 * so these run for real without root.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class NetworkCreateTest
{
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");

    @TempDir
    Path tempDir;

    private ControlPlaneFixture fixture;

    @BeforeEach
    void startFromAnEmptyState()
    {
        fixture = ControlPlaneFixture.fresh(tempDir);
    }

    @AfterEach
    void close()
    {
        fixture.close();
    }

    private Network create(final NetworkRequest request)
    {
        return fixture.control().createNetwork(request.build());
    }

    private static List<IpamPool> pools(final String... subnetThenGateway)
    {
        final IpamPool[] pools = new IpamPool[subnetThenGateway.length / 2];
        for (int i = 0; i < pools.length; i++)
        {
            pools[i] = new IpamPool(subnetThenGateway[2 * i], subnetThenGateway[2 * i + 1], null, Map.of());
        }
        return List.of(pools);
    }

    @Test
    void shouldGiveTheFirstUserNetworkTheDefaultPoolAfterTheDefaultBridges()
    {
        final Network network = create(named("isolated_new"));

        assertEquals(pools("172.18.0.0/16", "172.18.0.1"), network.ipam());
        assertTrue(ID.matcher(network.id()).matches(), network.id());
        assertEquals("isolated_new", network.name());
        assertEquals(Network.DRIVER_BRIDGE, network.driver());
        assertEquals("local", network.scope());
    }

    @Test
    void shouldGiveEachFurtherNetworkTheNextFreeDefaultPool()
    {
        final Network first = create(named("first"));
        final Network second = create(named("second"));
        final Network third = create(named("third"));

        assertEquals(pools("172.18.0.0/16", "172.18.0.1"), first.ipam());
        assertEquals(pools("172.19.0.0/16", "172.19.0.1"), second.ipam());
        assertEquals(pools("172.20.0.0/16", "172.20.0.1"), third.ipam());
    }

    @Test
    void shouldSkipADefaultPoolThatAnExplicitSubnetOverlaps()
    {
        create(named("explicit").subnet("172.18.128.0/24"));

        final Network network = create(named("defaulted"));

        assertEquals(pools("172.19.0.0/16", "172.19.0.1"), network.ipam());
    }

    @Test
    void shouldFallBackToTwentiesOf192168OnceThe172PoolsAreTaken()
    {
        create(named("a").subnet("172.18.0.0/15"));
        create(named("b").subnet("172.20.0.0/14"));
        create(named("c").subnet("172.24.0.0/13"));

        assertEquals(pools("192.168.0.0/20", "192.168.0.1"), create(named("d")).ipam());
        assertEquals(pools("192.168.16.0/20", "192.168.16.1"), create(named("e")).ipam());
    }

    @Test
    void shouldListTheNewNetworkAfterThePredefinedOnesAndFindItByNameAndId()
    {
        final Network network = create(named("isolated_new"));

        assertEquals(List.of("none", "host", "bridge", "isolated_new"),
            fixture.control().networks().stream().map(Network::name).toList());
        assertSame(network, fixture.control().network("isolated_new"));
        assertSame(network, fixture.control().network(network.id()));
        assertSame(network, fixture.control().network(network.shortId()));
    }

    @Test
    void shouldStoreTheNewNetworkBeforeAnswering()
    {
        final Network network = create(named("stored").subnet("10.7.0.0/16").option(Network.OPTION_MTU, "1400").label("k", "v")
            .internal());

        final State stored = new StateStore(fixture.store().file().getParent()).load();

        assertEquals(fixture.control().networks(), stored.networks());
        assertEquals(network, stored.networks().get(3));
    }

    @Test
    void shouldBringTheNetworkBackWithItsIdAndAddressesAfterARestart()
    {
        final Network network = create(named("kept"));
        final Path state = fixture.store().file().getParent();
        fixture.close();
        fixture = new ControlPlaneFixture(tempDir.resolve("second-start"), state, true);

        fixture.control().restore(fixture.store().load());

        assertEquals(network, fixture.control().network("kept"));
        assertEquals(3, fixture.control().addressesTaken(network), "network, broadcast and gateway are reserved again");
        assertEquals(pools("172.19.0.0/16", "172.19.0.1"), create(named("next")).ipam(), "its pool is still in use");
    }

    @Test
    void shouldGiveEveryNetworkItsOwnId()
    {
        final Network first = create(named("one"));
        final Network second = create(named("two"));

        assertNotEquals(first.id(), second.id());
        assertEquals(5, fixture.control().networks().stream().map(Network::id).distinct().count());
    }
}
