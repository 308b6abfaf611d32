package io.lanyard.control;

import io.lanyard.client.api.ConnectRequest;
import io.lanyard.client.api.RunRequest;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import io.lanyard.tap.IpRoute2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.NetworkRequest.named;
import static io.lanyard.control.RefusalAssertions.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code run}, {@code network connect} and {@code network disconnect} requests that must be
 * refused before anything is made: no namespace, no interface, no address, no stored change.
 *
 * <p>No request here may succeed (it would make a namespace), so the daemon holds only a
 * sandbox on the host network, which needs none, and every request is one the checks refuse.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointRequestRefusalTest
{
    private static final String HOST_NETWORK_ID = "5b1e" + "0".repeat(58) + "01";
    private static final String HOST_SANDBOX_ID = "7a3c" + "1".repeat(58) + "02";
    private static final String HOST_SANDBOX = "h1";
    /** The name every refused run asks for; its namespace must never appear. */
    private static final String NEW_SANDBOX = "c1";

    @TempDir
    static Path tempDir;

    private ControlPlaneFixture fixture;
    private int takenOnIsolated;
    private int takenOnRanged;

    @BeforeAll
    void startWithAHostSandboxAndTwoUserNetworks()
    {
        fixture = new ControlPlaneFixture(tempDir.resolve("work"), tempDir.resolve("state"), true);
        final Instant created = Instant.parse("2024-05-01T10:00:00Z");
        fixture.control().restore(new State(State.CURRENT_VERSION,
            List.of(new Network(HOST_NETWORK_ID, "host", Network.DRIVER_HOST, "local", created, false, false, null, null, null)),
            List.of(new Sandbox(HOST_SANDBOX_ID, HOST_SANDBOX, null, created, Sandbox.READY, List.of(), null, null, null,
                List.of(new Endpoint("e".repeat(64), HOST_NETWORK_ID, null, null, 0, null, null, null))))));
        fixture.control().createNetwork(named("isolated").build());
        fixture.control().createNetwork(named("ranged")
            .pool(new IpamPool("10.30.0.0/24", "10.30.0.1", "10.30.0.128/25", Map.of("printer", "10.30.0.10"))).build());
        assertEquals("172.18.0.0/16", fixture.control().network("isolated").ipam().get(0).subnet(), "the class relies on it");
    }

    @AfterAll
    void close()
    {
        fixture.close();
    }

    @BeforeEach
    void countTakenAddresses()
    {
        assertFalse(IpRoute2.netnsExists(ControlPlaneFixture.SANDBOX_PREFIX + NEW_SANDBOX), "the class relies on it not existing");
        takenOnIsolated = taken("isolated");
        takenOnRanged = taken("ranged");
    }

    @AfterEach
    void assertNothingWasMadeOrTaken()
    {
        assertFalse(IpRoute2.netnsExists(ControlPlaneFixture.SANDBOX_PREFIX + NEW_SANDBOX), "no namespace was made");
        assertFalse(Files.exists(fixture.etcRoot()), "no sandbox files were written");
        assertEquals(takenOnIsolated, taken("isolated"), "no address taken on isolated");
        assertEquals(takenOnRanged, taken("ranged"), "no address taken on ranged");
        assertEquals(List.of(HOST_SANDBOX), fixture.control().sandboxes().stream().map(Sandbox::name).toList());
    }

    private int taken(final String network)
    {
        return fixture.control().addressesTaken(fixture.control().network(network));
    }

    private void assertRunRefused(final int status, final String message, final String network, final String address,
        final List<String> aliases)
    {
        assertRefused(fixture, status, message, () ->
            fixture.control().run(new RunRequest(NEW_SANDBOX, network, address, aliases, List.of("true"), true, List.of(), List.of(), List.of())));
    }

    private void assertConnectRefused(final int status, final String message, final Executable request)
    {
        assertRefused(fixture, status, message, request);
    }

    // ------------------------------------------------------------------------------------------
    // run
    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "--net \"{0}\"")
    @ValueSource(strings = {"", "bridge", "host", "none"})
    void shouldRefuseAStaticAddressOnAPredefinedNetwork(final String network)
    {
        assertRunRefused(400, "user-specified IP address is supported on user-defined networks only",
            network.isEmpty() ? null : network, "172.17.0.9", List.of());
    }

    @Test
    void shouldRefuseAStaticAddressOnTheDefaultBridgeNamedByItsId()
    {
        final Network bridge = fixture.control().network("bridge");

        assertRunRefused(400, "user-specified IP address is supported on user-defined networks only", bridge.id(), "172.17.0.9",
            List.of());
        assertRunRefused(400, "user-specified IP address is supported on user-defined networks only", bridge.shortId(), "172.17.0.9",
            List.of());
    }

    @ParameterizedTest(name = "--net \"{0}\"")
    @ValueSource(strings = {"", "bridge", "host", "none"})
    void shouldRefuseANetworkScopedAliasOnAPredefinedNetwork(final String network)
    {
        assertRunRefused(400, "network-scoped alias is supported only for containers in user defined networks",
            network.isEmpty() ? null : network, null, List.of("web"));
    }

    @ParameterizedTest(name = "--net {0} --ip {1}")
    @CsvSource({
        "isolated, 10.30.0.5",
        "isolated, 172.19.0.2",
        "isolated, 172.17.0.2",
        "ranged, 10.30.1.5",
        "ranged, 172.18.0.2",
        "ranged, 10.31.0.130"})
    void shouldRefuseAStaticAddressOutsideEverySubnetOfTheNetwork(final String network, final String address)
    {
        assertRunRefused(400, "no configured subnet or ip-range contain the IP address " + address, network, address, List.of());
    }

    @ParameterizedTest(name = "--net {0} --ip {1}")
    @CsvSource({
        "isolated, 172.18.0.1",
        "isolated, 172.18.0.0",
        "isolated, 172.18.255.255",
        "ranged, 10.30.0.1",
        "ranged, 10.30.0.10",
        "ranged, 10.30.0.255"})
    void shouldRefuseAStaticAddressThatIsTheGatewayAnAuxiliaryAddressOrNotAHost(final String network, final String address)
    {
        assertRunRefused(409, "Address already in use: " + address, network, address, List.of());
    }

    @ParameterizedTest(name = "--ip \"{0}\"")
    @ValueSource(strings = {"172.18.0", "172.18.0.2/16", "x", "172.18.0.02"})
    void shouldRefuseAStaticAddressThatIsNotAnAddress(final String address)
    {
        assertRunRefused(400, "invalid IPv4 address: " + address, "isolated", address, List.of());
    }

    @ParameterizedTest(name = "--alias \"{0}\"")
    @ValueSource(strings = {"", "bad alias", "-web", "a/b"})
    void shouldRefuseAnAliasThatIsNotAValidName(final String alias)
    {
        assertRunRefused(400, "invalid alias \"" + alias + "\"", "isolated", null, List.of("web", alias));
    }

    @Test
    void shouldAnswer404ForARunOnAnUnknownNetwork()
    {
        assertRunRefused(404, "network nope not found", "nope", null, List.of());
    }

    private void assertRunWithDnsOrLinksRefused(final int status, final String message, final String network, final List<String> dns,
        final List<String> links)
    {
        assertRefused(fixture, status, message, () -> fixture.control().run(new RunRequest(NEW_SANDBOX, network, null,
            List.of(), List.of("true"), true, List.of(), dns, links)));
    }

    @ParameterizedTest(name = "--dns \"{0}\"")
    @ValueSource(strings = {"", "8.8.8", "2001:db8::1", "resolver.example", "10.0.0.1:53"})
    void shouldRefuseADnsServerThatIsNotAnIpv4Address(final String server)
    {
        assertRunWithDnsOrLinksRefused(400, "invalid --dns " + server + ": an IPv4 address is needed", "isolated", List.of("192.0.2.53", server),
            List.of());
    }

    @Test
    void shouldRefuseDnsServersForTheHostNetwork()
    {
        assertRunWithDnsOrLinksRefused(400, "conflicting options: --dns and the host network (it uses the host's resolver configuration)", "host",
            List.of("192.0.2.53"), List.of());
    }

    @ParameterizedTest(name = "--net {0}")
    @ValueSource(strings = {"host", "none"})
    void shouldRefuseLinksOnANetworkWithoutASwitch(final String network)
    {
        assertRunWithDnsOrLinksRefused(400, "conflicting options: --link cannot be used with the " + network + " network", network, List.of(),
            List.of(HOST_SANDBOX + ":db"));
    }

    @Test
    void shouldRefuseALinkFromTheDefaultBridgeToAContainerThatIsNotOnIt()
    {
        assertRunWithDnsOrLinksRefused(400, "Cannot link to /" + HOST_SANDBOX + ", as it does not belong to the default network", "bridge",
            List.of(), List.of(HOST_SANDBOX + ":db"));
        assertRunWithDnsOrLinksRefused(400, "Cannot link to /" + HOST_SANDBOX + ", as it does not belong to the default network", null,
            List.of(), List.of(HOST_SANDBOX));
    }

    @Test
    void shouldAnswer404ForALinkToAnUnknownContainer()
    {
        assertRunWithDnsOrLinksRefused(404, "No such container: nope", "isolated", List.of(), List.of("nope:db"));
    }

    @ParameterizedTest(name = "--link \"{0}\"")
    @ValueSource(strings = {"", ":db", "h1:", "h1:db:x"})
    void shouldRefuseAMalformedLink(final String spec)
    {
        assertRunWithDnsOrLinksRefused(400, "invalid link \"" + spec + "\": expected NAME[:ALIAS]", "isolated", List.of(), List.of(spec));
    }

    @Test
    void shouldRefuseALinkAliasThatIsNotANameOrIsGivenTwice()
    {
        assertRunWithDnsOrLinksRefused(400, "invalid link alias \"a b\"", "isolated", List.of(), List.of(HOST_SANDBOX + ":a b"));
        assertRunWithDnsOrLinksRefused(400, "invalid links: alias \"DB\" is given twice", "isolated", List.of(),
            List.of(HOST_SANDBOX + ":db", HOST_SANDBOX + ":DB"));
    }

    // ------------------------------------------------------------------------------------------
    // connect and disconnect
    // ------------------------------------------------------------------------------------------

    @Test
    void shouldAnswer404WhenConnectingToAnUnknownNetwork()
    {
        assertConnectRefused(404, "network nope not found",
            () -> fixture.control().connect("nope", new ConnectRequest(HOST_SANDBOX, null, List.of())));
    }

    @ParameterizedTest(name = "--ip \"{0}\"")
    @ValueSource(strings = {"", "172.18.0.9"})
    void shouldAnswer404WhenConnectingAnUnknownSandbox(final String address)
    {
        assertConnectRefused(404, "No such container: nope",
            () -> fixture.control().connect("isolated", new ConnectRequest("nope", address, List.of())));
    }

    @Test
    void shouldRefuseToConnectASandboxThatSharesTheHostsNetworkStack()
    {
        assertConnectRefused(403, "container sharing network namespace with another container or host cannot be connected to " +
            "any other network", () -> fixture.control().connect("isolated", new ConnectRequest(HOST_SANDBOX, null, List.of())));
    }

    @Test
    void shouldRefuseToConnectAnyoneToTheHostNetwork()
    {
        assertConnectRefused(403, "container cannot be disconnected from host network or connected to host network",
            () -> fixture.control().connect("host", new ConnectRequest(HOST_SANDBOX, null, List.of())));
    }

    @Test
    void shouldAnswer404WhenDisconnectingFromAnUnknownNetworkOrAnUnknownSandbox()
    {
        assertConnectRefused(404, "network nope not found", () -> fixture.control().disconnect("nope", HOST_SANDBOX));
        assertConnectRefused(404, "No such container: nope", () -> fixture.control().disconnect("isolated", "nope"));
    }

    @Test
    void shouldRefuseToDisconnectASandboxFromANetworkItIsNotOn()
    {
        assertConnectRefused(403, "container " + HOST_SANDBOX_ID + " is not connected to network isolated",
            () -> fixture.control().disconnect("isolated", HOST_SANDBOX));
    }

    @Test
    void shouldRefuseToDisconnectASandboxFromTheHostNetwork()
    {
        assertConnectRefused(403, "container cannot be disconnected from host network or connected to host network",
            () -> fixture.control().disconnect("host", HOST_SANDBOX));
    }
}
