package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.lanyard.client.ApiClient;
import io.lanyard.control.ControlPlaneFixture;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import io.lanyard.control.store.StateStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.lanyard.control.api.JsonAnswers.fieldNames;
import static io.lanyard.control.api.JsonAnswers.strictJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API as a client sees it: a real {@link ApiServer} on a Unix socket in a temporary
 * directory, over a real control plane. Only reads and requests refused before anything is
 * made are sent, so nothing here needs root or touches the host's namespaces.
 *
 * <p>The control plane starts from a stored state holding one sandbox on the host network
 * (which needs no namespace), so that sandbox reads and name conflicts have something to find.
 * No request here changes anything (that is part of what is tested), so one daemon serves the
 * whole class.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiRoutesOverSocketTest
{
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
    private static final String HOST_NETWORK_ID = "5b1e" + "0".repeat(58) + "01";
    private static final String SANDBOX_ID = "7a3c" + "1".repeat(58) + "02";
    private static final String ENDPOINT_ID = "e".repeat(64);
    private static final String SANDBOX_NAME = "h1";
    private static final String BRIDGE_OPTIONS_PREFIX = "com.docker.network.bridge.";

    /** Requests the daemon must refuse, with the status and message Docker's clients expect. */
    private record Rejected(String method, String path, Object body, int status, String message)
    {
        @Override
        public String toString()
        {
            return method + " " + path + " " + body;
        }
    }

    private static final List<Rejected> REJECTED = List.of(
        new Rejected("GET", "/networks/nope", null, 404, "network nope not found"),
        new Rejected("GET", "/sandboxes/nope", null, 404, "No such container: nope"),
        new Rejected("DELETE", "/sandboxes/nope", null, 404, "No such container: nope"),
        new Rejected("GET", "/nope", null, 404, "page not found"),
        new Rejected("POST", "/info", null, 405, "method POST not allowed here"),
        new Rejected("PUT", "/networks", null, 405, "method PUT not allowed here"),
        new Rejected("GET", "/networks/%zz", null, 400, null),
        new Rejected("GET", "/networks?filters=%7B", null, 400, null),
        new Rejected("POST", "/networks/create", Map.of("Name", "big", "Labels", manyLabels(60_000)), 400,
            "Labels: at most 128 entries, not 60000"),
        new Rejected("POST", "/sandboxes", new RawValue("[\"x\"]"), 400, "request body must be a JSON object"),
        new Rejected("POST", "/sandboxes", new RawValue("{\"Name\":"), 400, null),
        new Rejected("POST", "/sandboxes", null, 400, "a sandbox name is required (--name)"),
        new Rejected("POST", "/sandboxes", Map.of("Name", "bad/name"), 400,
            "Invalid container name (bad/name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
        new Rejected("POST", "/sandboxes", Map.of("Name", "n".repeat(300)), 400,
            "Invalid container name (nnnnnnnnnnnnnnnn...): at most " + (255 - ControlPlaneFixture.SANDBOX_PREFIX.length()) +
                " characters, not 300"),
        new Rejected("POST", "/sandboxes", Map.of("Name", 5), 400, "Name must be a string"),
        new Rejected("POST", "/sandboxes", Map.of("Name", "x", "Cmd", "ls"), 400, "Cmd must be an array of strings"),
        new Rejected("POST", "/sandboxes", Map.of("Name", SANDBOX_NAME), 409, null),
        new Rejected("POST", "/sandboxes", Map.of("Name", "x", "Network", "nope"), 404, "network nope not found"),
        new Rejected("POST", "/sandboxes", Map.of("Name", "x", "IPv4Address", "1.2.3"), 400, "invalid IPv4 address: 1.2.3"),
        new Rejected("POST", "/sandboxes", Map.of("Name", "x", "IPv4Address", "172.17.0.9"), 400,
            "user-specified IP address is supported on user-defined networks only"));

    @TempDir
    static Path tempDir;

    /** What an attacker sent: {@code count} labels of about a dozen bytes each. */
    private static Map<String, String> manyLabels(final int count)
    {
        final Map<String, String> labels = new TreeMap<>();
        for (int i = 0; i < count; i++)
        {
            labels.put("l" + i, "value");
        }
        return labels;
    }

    private ApiServerFixture api;
    private ControlPlaneFixture fixture;
    private ApiClient client;

    @BeforeAll
    void startDaemon() throws IOException
    {
        fixture = new ControlPlaneFixture(tempDir.resolve("work"), tempDir.resolve("state"), true);
        final Instant created = Instant.parse("2024-05-01T10:00:00Z");
        fixture.control().restore(new State(State.CURRENT_VERSION,
            List.of(new Network(HOST_NETWORK_ID, "host", Network.DRIVER_HOST, "local", created, false, false, null, null, null)),
            List.of(new Sandbox(SANDBOX_ID, SANDBOX_NAME, null, created, Sandbox.READY, List.of(), null, null, null,
                List.of(new Endpoint(ENDPOINT_ID, HOST_NETWORK_ID, null, null, 0, null, null, null))))));
        api = new ApiServerFixture(fixture, tempDir);
        client = api.client();
    }

    @AfterAll
    void stopDaemon()
    {
        if (api != null)
        {
            api.close();
        }
        else if (fixture != null)
        {
            fixture.close();
        }
    }

    private static JsonNode okJson(final ApiClient.Response response) throws IOException
    {
        assertEquals(200, response.status(), response.text());
        return strictJson(response);
    }

    /**
     * Docker's error shape: exactly one JSON object whose only field is a non-blank message.
     *
     * @param message the exact message, or null to accept any.
     */
    private static String assertError(final ApiClient.Response response, final int status, final String message) throws IOException
    {
        assertEquals(status, response.status(), response.text());
        final JsonNode body = strictJson(response);
        assertTrue(body.isObject(), response.text());
        assertEquals(List.of("message"), fieldNames(body), response.text());
        assertTrue(body.get("message").isTextual(), response.text());
        final String actual = body.get("message").asText();
        assertFalse(actual.isBlank(), response.text());
        assertFalse(actual.contains("\n"), "one line: " + actual);
        if (message != null)
        {
            assertEquals(message, actual);
        }
        return actual;
    }

    private static JsonNode byName(final JsonNode networks, final String name)
    {
        for (final JsonNode network : networks)
        {
            if (name.equals(network.path("Name").asText()))
            {
                return network;
            }
        }
        throw new AssertionError("no network named " + name + " in " + networks);
    }

    private String bridgeId() throws IOException
    {
        return byName(okJson(client.get("/networks")), "bridge").get("Id").asText();
    }

    @Test
    void shouldAnswerPingWithOk()
    {
        final ApiClient.Response response = client.get("/_ping");

        assertEquals(200, response.status());
        assertEquals("OK", response.text());
    }

    @Test
    void shouldReportTheApiVersionItSpeaks() throws IOException
    {
        final JsonNode version = okJson(client.get("/version"));

        assertEquals(ApiRoutes.API_VERSION, version.get("ApiVersion").asText());
        assertEquals("1.43", version.get("ApiVersion").asText());
        assertEquals(ApiRoutes.VERSION, version.get("Version").asText());
        assertEquals("linux", version.get("Os").asText());
        assertEquals(io.lanyard.client.BuildInfo.current().version(), version.get("Version").asText());
        assertEquals(io.lanyard.client.BuildInfo.current().commit(), version.get("GitCommit").asText());
        assertEquals(Runtime.version().toString(), version.get("JavaVersion").asText());
        assertEquals(System.getProperty("os.version"), version.get("KernelVersion").asText());
    }

    @Test
    void shouldListThePredefinedNetworksInDockersShape() throws IOException
    {
        final JsonNode networks = okJson(client.get("/networks"));

        assertTrue(networks.isArray());
        assertEquals(3, networks.size(), networks.toString());
        final Map<String, String> drivers = Map.of("none", "null", "host", "host", "bridge", "bridge");
        final Set<String> ids = new HashSet<>();
        for (final JsonNode network : networks)
        {
            final String name = network.get("Name").asText();
            assertEquals(drivers.get(name), network.get("Driver").asText(), name);
            assertTrue(ID.matcher(network.get("Id").asText()).matches(), network.get("Id").asText());
            ids.add(network.get("Id").asText());
            Instant.parse(network.get("Created").asText());
            assertEquals("local", network.get("Scope").asText());
            assertTrue(network.get("EnableIPv6").isBoolean() && !network.get("EnableIPv6").booleanValue());
            final JsonNode ipam = network.get("IPAM");
            assertEquals("default", ipam.get("Driver").asText());
            assertTrue(ipam.has("Options"), name);
            assertTrue(ipam.get("Config").isArray(), name);
            assertTrue(network.get("Internal").isBoolean() && !network.get("Internal").booleanValue());
            assertTrue(network.get("Attachable").isBoolean() && !network.get("Attachable").booleanValue());
            assertTrue(network.get("Containers").isObject(), name);
            assertTrue(network.get("Options").isObject(), name);
            assertTrue(network.get("Labels").isObject(), name);
            assertEquals(0, network.get("Labels").size(), name);
        }
        assertEquals(3, ids.size(), "every network has its own ID");
        assertEquals(0, byName(networks, "none").get("IPAM").get("Config").size());
        assertEquals(0, byName(networks, "host").get("IPAM").get("Config").size());
        assertEquals(HOST_NETWORK_ID, byName(networks, "host").get("Id").asText(), "the stored host network is kept");
    }

    @Test
    void shouldDescribeTheDefaultBridgeAsDockerDoes() throws IOException
    {
        final JsonNode bridge = okJson(client.get("/networks/bridge"));

        final JsonNode config = bridge.get("IPAM").get("Config");
        assertEquals(1, config.size());
        assertEquals("172.17.0.0/16", config.get(0).get("Subnet").asText());
        assertEquals("172.17.0.1", config.get(0).get("Gateway").asText());
        final Map<String, String> options = new TreeMap<>();
        bridge.get("Options").fields().forEachRemaining(e -> options.put(e.getKey(), e.getValue().asText()));
        assertEquals(new TreeMap<>(Map.of(
            BRIDGE_OPTIONS_PREFIX + "default_bridge", "true",
            BRIDGE_OPTIONS_PREFIX + "enable_icc", "true",
            BRIDGE_OPTIONS_PREFIX + "enable_ip_masquerade", "true",
            BRIDGE_OPTIONS_PREFIX + "host_binding_ipv4", "0.0.0.0",
            BRIDGE_OPTIONS_PREFIX + "name", "lanyard0",
            "com.docker.network.driver.mtu", "1500")), options);
        assertEquals(0, bridge.get("Containers").size());
    }

    @Test
    void shouldShowTheSandboxesOfANetworkAsItsContainers() throws IOException
    {
        final JsonNode containers = okJson(client.get("/networks/host")).get("Containers");

        assertEquals(List.of(SANDBOX_ID), fieldNames(containers));
        final JsonNode member = containers.get(SANDBOX_ID);
        assertEquals(SANDBOX_NAME, member.get("Name").asText());
        assertEquals(ENDPOINT_ID, member.get("EndpointID").asText());
        assertEquals("", member.get("MacAddress").asText());
        assertEquals("", member.get("IPv4Address").asText());
        assertEquals("", member.get("IPv6Address").asText());
    }

    @Test
    void shouldIgnoreADockerApiVersionPrefix() throws IOException
    {
        assertEquals(okJson(client.get("/networks")), okJson(client.get("/v1.43/networks")));
        assertEquals(bridgeId(), okJson(client.get("/v1.24/networks/bridge")).get("Id").asText());
        assertEquals("OK", client.get("/v1.43/_ping").text());
        assertEquals("1.43", okJson(client.get("/v1.43/version")).get("ApiVersion").asText());
    }

    @Test
    void shouldFindANetworkByNameByFullIdAndByTwelveCharacterIdPrefix() throws IOException
    {
        final String id = bridgeId();

        for (final String reference : List.of("bridge", id, id.substring(0, 12)))
        {
            final JsonNode network = okJson(client.get("/networks/" + reference));
            assertEquals(id, network.get("Id").asText(), reference);
            assertEquals("bridge", network.get("Name").asText(), reference);
        }
    }

    @Test
    void shouldAnswer404WithDockersMessageForAnUnknownNetwork() throws IOException
    {
        assertError(client.get("/networks/nope"), 404, "network nope not found");
    }

    @Test
    void shouldListTheSandboxes() throws IOException
    {
        final JsonNode sandboxes = okJson(client.get("/sandboxes"));

        assertEquals(1, sandboxes.size(), sandboxes.toString());
        final JsonNode sandbox = sandboxes.get(0);
        assertEquals(SANDBOX_ID, sandbox.get("Id").asText());
        assertEquals(SANDBOX_NAME, sandbox.get("Name").asText());
        assertTrue(sandbox.get("Netns").isNull(), "a host-network sandbox has no namespace of its own");
        assertFalse(sandbox.get("Running").asBoolean());
        assertEquals(List.of("host"), fieldNames(sandbox.get("Networks")));
        assertEquals(HOST_NETWORK_ID, sandbox.get("Networks").get("host").get("NetworkID").asText());
    }

    @Test
    void shouldFindASandboxByNameByFullIdAndByIdPrefix() throws IOException
    {
        for (final String reference : List.of(SANDBOX_NAME, SANDBOX_ID, SANDBOX_ID.substring(0, 12)))
        {
            assertEquals(SANDBOX_ID, okJson(client.get("/sandboxes/" + reference)).get("Id").asText(), reference);
        }
    }

    @Test
    void shouldAnswer404WithDockersMessageForAnUnknownSandbox() throws IOException
    {
        assertError(client.get("/sandboxes/nope"), 404, "No such container: nope");
        assertError(client.delete("/sandboxes/nope"), 404, "No such container: nope");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"Name\":\"x\"}]", "\"x\"", "42", "true", "null"})
    void shouldRefuseASandboxRequestWhoseBodyIsNotAJsonObject(final String body) throws IOException
    {
        assertError(client.post("/sandboxes", new RawValue(body)), 400, "request body must be a JSON object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"Name\":", "not json", "{'Name':'x'}", "{\"Name\":\"x\",}"})
    void shouldRefuseASandboxRequestWhoseBodyIsNotJson(final String body) throws IOException
    {
        final String message = assertError(client.post("/sandboxes", new RawValue(body)), 400, null);

        assertTrue(message.startsWith("invalid JSON in request body"), message);
    }

    @Test
    void shouldRequireASandboxName() throws IOException
    {
        assertError(client.post("/sandboxes", null), 400, "a sandbox name is required (--name)");
        assertError(client.post("/sandboxes", Map.of()), 400, "a sandbox name is required (--name)");
        assertError(client.post("/sandboxes", Map.of("Name", "")), 400, "a sandbox name is required (--name)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad/name", "-x", ".x", "a b", "x:y", "ä"})
    void shouldRefuseAnInvalidSandboxName(final String name) throws IOException
    {
        assertError(client.post("/sandboxes", Map.of("Name", name)), 400,
            "Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }

    @Test
    void shouldRefuseFieldsOfTheWrongType() throws IOException
    {
        assertError(client.post("/sandboxes", Map.of("Name", 5)), 400, "Name must be a string");
        assertError(client.post("/sandboxes", Map.of("Name", "x", "Network", List.of("bridge"))), 400, "Network must be a string");
        assertError(client.post("/sandboxes", Map.of("Name", "x", "Cmd", "ls")), 400, "Cmd must be an array of strings");
        assertError(client.post("/sandboxes", Map.of("Name", "x", "Cmd", List.of(1))), 400, "Cmd must be an array of strings");
    }

    @Test
    void shouldRefuseASandboxNameThatIsAlreadyInUse() throws IOException
    {
        final String message = assertError(client.post("/sandboxes", Map.of("Name", SANDBOX_NAME)), 409, null);

        assertTrue(message.contains("\"/" + SANDBOX_NAME + "\" is already in use by container \"" + SANDBOX_ID + "\""), message);
    }

    @Test
    void shouldAnswer404ForASandboxOnAnUnknownNetwork() throws IOException
    {
        assertError(client.post("/sandboxes", Map.of("Name", "x", "Network", "nope")), 404, "network nope not found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "172.17.0.256", "172.17.0.09", "abc", "172.17.0.2/16", ""})
    void shouldRefuseAnInvalidIpv4Address(final String address) throws IOException
    {
        assertError(client.post("/sandboxes", Map.of("Name", "x", "IPv4Address", address)), 400,
            "invalid IPv4 address: " + address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bridge", "host", "none"})
    void shouldRefuseAStaticAddressOnAPredefinedNetwork(final String network) throws IOException
    {
        final Map<String, Object> request = network.isEmpty() ?
            Map.of("Name", "x", "IPv4Address", "172.17.0.9") :
            Map.of("Name", "x", "Network", network, "IPv4Address", "172.17.0.9");

        assertError(client.post("/sandboxes", request), 400, "user-specified IP address is supported on user-defined networks only");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/nope", "/", "/networks/bridge/extra", "/sandboxes/" + SANDBOX_NAME + "/extra", "/v1.43"})
    void shouldAnswer404ForAnUnknownPath(final String path) throws IOException
    {
        assertError(client.get(path), 404, "page not found");
    }

    @Test
    void shouldRefuseAnOversizedRequestBodyWithAMessage() throws IOException
    {
        final ApiClient.Response response = client.post("/sandboxes", Map.of("Name", "x".repeat(ApiServer.MAX_REQUEST_BYTES)));

        assertTrue(response.status() == 413 || response.status() == 400, response.status() + " " + response.text());
        assertError(response, response.status(), null);
    }

    @Test
    void shouldAnswerEveryRefusedRequestWithExactlyOneJsonObjectCarryingAMessage() throws IOException
    {
        for (final Rejected rejected : REJECTED)
        {
            final ApiClient.Response response = client.call(rejected.method(), rejected.path(), rejected.body());
            try
            {
                assertError(response, rejected.status(), rejected.message());
            }
            catch (final AssertionError ex)
            {
                throw new AssertionError(rejected + ": " + ex.getMessage(), ex);
            }
        }
    }

    @Test
    void shouldLeaveTheStateUnchangedByRefusedRequests() throws IOException
    {
        final Path stateFile = fixture.store().file();
        final byte[] before = ControlPlaneFixture.storedBytes(fixture.store());
        final JsonNode networksBefore = okJson(client.get("/networks"));

        for (final Rejected rejected : REJECTED)
        {
            assertEquals(rejected.status(), client.call(rejected.method(), rejected.path(), rejected.body()).status(),
                rejected.toString());
        }

        assertArrayEquals(before, ControlPlaneFixture.storedBytes(fixture.store()), "state.json and its journal");
        try (Stream<Path> files = Files.list(stateFile.getParent()))
        {
            assertEquals(List.of(StateStore.JOURNAL_NAME, StateStore.FILE_NAME), files.map(p -> p.getFileName().toString()).sorted().toList(),
                "no temporary file");
        }
        assertEquals(networksBefore, okJson(client.get("/networks")));
        assertEquals(1, okJson(client.get("/sandboxes")).size());
        assertFalse(Files.exists(fixture.etcRoot()), "no sandbox files were written");
    }
}
