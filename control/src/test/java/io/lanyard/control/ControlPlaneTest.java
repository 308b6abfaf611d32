package io.lanyard.control;

import io.lanyard.client.api.RunRequest;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import io.lanyard.tap.IpRoute2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model without the API: start-up, restart from the stored state, and Docker's lookup rules. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ControlPlaneTest
{
    private static final Instant CREATED = Instant.parse("2024-05-01T10:00:00Z");

    @TempDir
    Path tempDir;

    private final List<ControlPlaneFixture> started = new ArrayList<>();

    @AfterEach
    void closeEverything()
    {
        started.forEach(ControlPlaneFixture::close);
    }

    /** A daemon start: its own work directory, the state directory every start shares. */
    private ControlPlaneFixture daemon(final String name, final boolean icc)
    {
        final ControlPlaneFixture fixture = new ControlPlaneFixture(tempDir.resolve(name), tempDir.resolve("state"), icc);
        started.add(fixture);
        return fixture;
    }

    private static Map<String, Network> byName(final List<Network> networks)
    {
        return networks.stream().collect(Collectors.toMap(Network::name, Function.identity(), (a, b) ->
        {
            throw new AssertionError("two networks named " + a.name());
        }, LinkedHashMap::new));
    }

    private static Network nullNetwork(final String id, final String name)
    {
        return new Network(id, name, Network.DRIVER_NULL, "local", CREATED, false, false, null, null, null);
    }

    @Test
    void shouldCreateAndStoreNoneHostAndBridgeOnTheFirstStart()
    {
        final ControlPlaneFixture first = daemon("first", true);

        first.control().restore(State.empty());

        final Map<String, Network> networks = byName(first.control().networks());
        assertEquals(List.of("none", "host", "bridge"), List.copyOf(networks.keySet()));
        assertEquals(Network.DRIVER_NULL, networks.get("none").driver());
        assertEquals(Network.DRIVER_HOST, networks.get("host").driver());
        assertEquals(Network.DRIVER_BRIDGE, networks.get("bridge").driver());
        assertTrue(networks.get("bridge").isDefaultBridge());
        assertEquals(List.of(new IpamPool("172.17.0.0/16", "172.17.0.1", null, null)), networks.get("bridge").ipam());
        assertEquals(first.control().networks(), first.store().load().networks(), "stored as soon as made");
    }

    @Test
    void shouldKeepTheSameNetworksWithTheSameIdsAcrossARestart()
    {
        final ControlPlaneFixture first = daemon("first", true);
        first.control().restore(State.empty());
        final List<Network> before = first.control().networks();
        first.close();
        started.remove(first);

        final ControlPlaneFixture second = daemon("second", true);
        second.control().restore(second.store().load());

        assertEquals(before, second.control().networks(), "same IDs, names, creation times and options");
        assertEquals(before, second.store().load().networks());
        assertEquals(3, second.control().networks().size(), "the predefined networks are not made again");
    }

    @Test
    void shouldApplyTheIccFlagOfTheNewStartToTheDefaultBridgeButKeepItsId()
    {
        final ControlPlaneFixture first = daemon("first", true);
        first.control().restore(State.empty());
        final Network bridgeBefore = first.control().network("bridge");
        first.close();
        started.remove(first);

        final ControlPlaneFixture second = daemon("second", false);
        second.control().restore(second.store().load());

        final Network bridgeAfter = second.control().network("bridge");
        assertEquals(bridgeBefore.id(), bridgeAfter.id());
        assertEquals(bridgeBefore.created(), bridgeAfter.created());
        assertEquals("true", bridgeBefore.options().get(Network.OPTION_ENABLE_ICC));
        assertEquals("false", bridgeAfter.options().get(Network.OPTION_ENABLE_ICC));
        assertEquals("false", second.store().load().networks().stream()
            .filter(n -> n.name().equals("bridge")).findFirst().orElseThrow().options().get(Network.OPTION_ENABLE_ICC));
    }

    @Test
    void shouldFindANetworkByExactIdByNameAndByUniqueIdPrefix()
    {
        final ControlPlaneFixture daemon = daemon("daemon", true);
        daemon.control().restore(State.empty());
        final Network bridge = byName(daemon.control().networks()).get("bridge");

        assertSame(bridge, daemon.control().network(bridge.id()));
        assertSame(bridge, daemon.control().network("bridge"));
        assertSame(bridge, daemon.control().network(bridge.shortId()));
        assertSame(bridge, daemon.control().network(bridge.id().substring(0, 20)));
    }

    @Test
    void shouldRefuseAnIdPrefixThatMatchesMoreThanOneNetwork()
    {
        final ControlPlaneFixture daemon = daemon("daemon", true);
        daemon.control().restore(new State(State.CURRENT_VERSION,
            List.of(nullNetwork("abcd1" + "0".repeat(59), "n1"), nullNetwork("abcd2" + "0".repeat(59), "n2")), List.of()));

        final RequestException ex = assertThrows(RequestException.class, () -> daemon.control().network("abcd"));

        assertEquals(400, ex.status());
        assertEquals("network abcd is ambiguous (2 matches found based on ID prefix)", ex.getMessage());
        assertEquals("n1", daemon.control().network("abcd1").name());
    }

    @Test
    void shouldPreferAnExactNameOverAnotherNetworksIdPrefix()
    {
        final ControlPlaneFixture daemon = daemon("daemon", true);
        daemon.control().restore(new State(State.CURRENT_VERSION,
            List.of(nullNetwork("abcd" + "0".repeat(60), "n1"), nullNetwork("f".repeat(64), "abcd")), List.of()));

        assertEquals("f".repeat(64), daemon.control().network("abcd").id());
    }

    @Test
    void shouldNotFindANetworkByAnEmptyReference()
    {
        final ControlPlaneFixture daemon = daemon("daemon", true);
        daemon.control().restore(State.empty());

        final RequestException ex = assertThrows(RequestException.class, () -> daemon.control().network(""));

        assertEquals(404, ex.status());
    }

    @Test
    void shouldNotFindASandboxByAnEmptyOrUnknownReference()
    {
        final ControlPlaneFixture daemon = daemon("daemon", true);
        daemon.control().restore(State.empty());

        assertEquals(404, assertThrows(RequestException.class, () -> daemon.control().sandbox("")).status());
        assertEquals("No such container: c1", assertThrows(RequestException.class, () -> daemon.control().sandbox("c1")).getMessage());
    }

    @Test
    void shouldUndoSandboxesThatAPreviousDaemonLeftHalfMadeOrHalfRemoved() throws IOException
    {
        final String bridgeId = "b".repeat(64);
        final Network bridge = new Network(bridgeId, "bridge", Network.DRIVER_BRIDGE, "local", CREATED, false, false,
            List.of(new IpamPool("172.17.0.0/16", "172.17.0.1", null, null)), Map.of(Network.OPTION_DEFAULT_BRIDGE, "true"), null);
        final List<Sandbox> leftovers = new ArrayList<>();
        int n = 2;
        for (final String state : List.of(Sandbox.CREATING, Sandbox.REMOVING))
        {
            final String netns = ControlPlaneFixture.SANDBOX_PREFIX + "left-" + state;
            assertFalse(IpRoute2.netnsExists(netns), "the test relies on " + netns + " not existing");
            leftovers.add(new Sandbox(String.valueOf(n).repeat(64), "left-" + state, netns, CREATED, state, List.of(), null, null,
                null, List.of(new Endpoint("e".repeat(63) + n, bridgeId, "eth0", "172.17.0." + n, 16, "02:42:ac:11:00:0" + n, null, null))));
            n++;
        }
        final ControlPlaneFixture daemon = daemon("daemon", true);
        final Path etcFiles = daemon.etcRoot().resolve(ControlPlaneFixture.SANDBOX_PREFIX + "left-" + Sandbox.CREATING);
        Files.createDirectories(etcFiles);
        Files.writeString(etcFiles.resolve("hosts"), "half-written");

        daemon.control().restore(new State(State.CURRENT_VERSION, List.of(bridge), leftovers));

        assertEquals(List.of(), daemon.control().sandboxes());
        assertEquals(List.of(), daemon.store().load().sandboxes(), "the stored state forgets them too");
        assertEquals(Map.of(), daemon.control().members(daemon.control().network("bridge")));
        assertFalse(Files.exists(etcFiles), "their /etc/netns files are removed");
        assertEquals(bridgeId, daemon.control().network("bridge").id());
    }

    @Test
    void shouldLeaveNoSandboxWhenItsCommandCannotStart()
    {
        final ControlPlaneFixture daemon = daemon("daemon", true);
        daemon.control().restore(State.empty());
        final RunRequest request = new RunRequest("job", "host", null, List.of(), List.of("/nonexistent/lanyard-command"), true,
            List.of(), List.of(), List.of());

        final RequestException refused = assertThrows(RequestException.class, () -> daemon.control().run(request));

        assertTrue(refused.getMessage().contains("cannot start /nonexistent/lanyard-command"), refused.getMessage());
        assertEquals(List.of(), daemon.control().sandboxes(), "a run is whole or not at all: the command is part of it");
        assertEquals(List.of(), daemon.store().load().sandboxes(), "never stored ready without its command's PID");
    }
}
