package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import io.lanyard.control.store.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.lanyard.control.NetworkRequest.named;
import static io.lanyard.control.RefusalAssertions.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code lanyard network rm}: which networks may go, how they are named, and what their removal frees. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class NetworkRemoveTest
{
    private static final Instant CREATED = Instant.parse("2024-05-01T10:00:00Z");

    @TempDir
    Path tempDir;

    private ControlPlaneFixture fixture;

    @AfterEach
    void close()
    {
        if (fixture != null)
        {
            fixture.close();
        }
    }

    private ControlPlaneFixture fresh()
    {
        fixture = ControlPlaneFixture.fresh(tempDir);
        return fixture;
    }

    private ControlPlaneFixture restoredFrom(final List<Network> networks, final List<Sandbox> sandboxes)
    {
        fixture = new ControlPlaneFixture(tempDir.resolve("work"), tempDir.resolve("state"), true);
        fixture.control().restore(new State(State.CURRENT_VERSION, networks, sandboxes));
        return fixture;
    }

    private static Network userBridge(final String id, final String name, final String subnet, final String gateway)
    {
        return new Network(id, name, Network.DRIVER_BRIDGE, "local", CREATED, false, false,
            List.of(new IpamPool(subnet, gateway, null, null)), Map.of(), Map.of());
    }

    private Network create(final String name)
    {
        return fixture.control().createNetwork(named(name).build());
    }

    private List<String> names()
    {
        return fixture.control().networks().stream().map(Network::name).toList();
    }

    private List<String> storedNames()
    {
        return new StateStore(fixture.store().file().getParent()).load().networks().stream().map(Network::name).toList();
    }

    /** The ways {@code network rm} may name a network. */
    enum Reference
    {
        NAME(Network::name),
        FULL_ID(Network::id),
        TWELVE_CHARACTER_ID_PREFIX(Network::shortId);

        private final Function<Network, String> of;

        Reference(final Function<Network, String> of)
        {
            this.of = of;
        }
    }

    @ParameterizedTest(name = "network rm {0}")
    @ValueSource(strings = {"none", "host", "bridge"})
    void shouldRefuseToRemoveAPredefinedNetworkByNameByIdOrByIdPrefix(final String name)
    {
        final ControlPlaneFixture daemon = fresh();
        final Network network = daemon.control().network(name);

        for (final String reference : List.of(name, network.id(), network.shortId()))
        {
            assertRefused(daemon, 403, name + " is a pre-defined network and cannot be removed",
                () -> daemon.control().removeNetwork(reference));
        }
    }

    @ParameterizedTest(name = "network rm <{0}>")
    @EnumSource(Reference.class)
    void shouldRemoveAUserNetworkNamedAnyWayDockerAccepts(final Reference reference)
    {
        fresh();
        final Network doomed = create("doomed");
        create("kept");
        final String ref = reference.of.apply(doomed);

        fixture.control().removeNetwork(ref);

        assertEquals(List.of("none", "host", "bridge", "kept"), names());
        assertEquals(List.of("none", "host", "bridge", "kept"), storedNames(), "the removal is stored");
        assertEquals(404, assertThrows(RequestException.class, () -> fixture.control().network(doomed.id())).status());
        assertEquals(null, fixture.control().networkById(doomed.id()));
    }

    @Test
    void shouldRefuseAnIdPrefixThatMatchesMoreThanOneNetwork()
    {
        final ControlPlaneFixture daemon = restoredFrom(List.of(
            userBridge("abcd1" + "0".repeat(59), "n1", "10.1.0.0/16", "10.1.0.1"),
            userBridge("abcd2" + "0".repeat(59), "n2", "10.2.0.0/16", "10.2.0.1")), List.of());

        assertRefused(daemon, 400, "network abcd is ambiguous (2 matches found based on ID prefix)",
            () -> daemon.control().removeNetwork("abcd"));
        daemon.control().removeNetwork("abcd1");
        assertEquals(List.of("n2", "none", "host", "bridge"), names());
    }

    @Test
    void shouldAnswer404ForANetworkThatDoesNotExist()
    {
        final ControlPlaneFixture daemon = fresh();
        create("doomed");

        for (final String reference : List.of("nope", "0123456789ab", "", "doomed2", "doome", "Doomed"))
        {
            assertRefused(daemon, 404, "network " + reference + " not found", () -> daemon.control().removeNetwork(reference));
        }
    }

    @Test
    void shouldPreferAnExactIdOverANetworkNamedWithThatId()
    {
        fresh();
        final Network first = create("first");
        final Network namedAfterIt = create(first.id());

        fixture.control().removeNetwork(first.id());

        assertEquals(List.of("none", "host", "bridge", first.id()), names());
        assertEquals(namedAfterIt, fixture.control().network(first.id()), "the ID now names the other network");
    }

    @Test
    void shouldPreferANameOverAnotherNetworksIdPrefix()
    {
        fresh();
        final Network first = create("first");
        final Network namedAfterItsPrefix = create(first.shortId());

        fixture.control().removeNetwork(first.shortId());

        assertEquals(List.of("none", "host", "bridge", "first"), names());
        assertEquals(404, assertThrows(RequestException.class, () -> fixture.control().network(namedAfterItsPrefix.id())).status());
    }

    @Test
    void shouldHandTheDefaultPoolOfARemovedNetworkToTheNextOne()
    {
        fresh();
        final Network first = create("first");
        final Network second = create("second");
        assertEquals("172.19.0.0/16", second.ipam().get(0).subnet());

        fixture.control().removeNetwork("first");
        final Network third = create("third");

        assertEquals(first.ipam(), third.ipam());
        assertEquals("172.18.0.0/16", third.ipam().get(0).subnet());
    }

    @Test
    void shouldFreeAnExplicitSubnetForANewNetworkOnceItsNetworkIsRemoved()
    {
        fresh();
        fixture.control().createNetwork(named("first").subnet("10.9.0.0/16").build());

        fixture.control().removeNetwork("first");
        final Network again = fixture.control().createNetwork(named("first").subnet("10.9.0.0/16").build());

        assertEquals("10.9.0.0/16", again.ipam().get(0).subnet());
        assertEquals(List.of("none", "host", "bridge", "first"), storedNames());
    }

    @Test
    void shouldRefuseToRemoveANetworkThatASandboxIsAttachedTo()
    {
        // a sandbox without a namespace of its own needs nothing made on restore; its endpoint
        // (without an interface) is enough to make it a member of the network
        final String networkId = "c0ffee" + "0".repeat(58);
        final String sandboxId = "5a" + "1".repeat(62);
        final ControlPlaneFixture daemon = restoredFrom(List.of(userBridge(networkId, "busy", "10.1.0.0/16", "10.1.0.1")),
            List.of(new Sandbox(sandboxId, "member", null, CREATED, Sandbox.READY, List.of(), null, null, null,
                List.of(new Endpoint("e".repeat(64), networkId, null, null, 0, null, null, null)))));

        assertRefused(daemon, 409, "error while removing network: network busy id " + networkId + " has active endpoints (member)",
            () -> daemon.control().removeNetwork("busy"));
    }
}
