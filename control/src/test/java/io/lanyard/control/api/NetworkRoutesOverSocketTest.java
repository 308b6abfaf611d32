package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;
import io.lanyard.control.ControlPlaneFixture;
import io.lanyard.control.model.Network;
import io.lanyard.control.store.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.lanyard.control.api.JsonAnswers.fieldNames;
import static io.lanyard.control.api.JsonAnswers.strictJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Creating, inspecting and removing user networks the way Docker's clients do it:
 * {@code POST /networks/create}, {@code GET /networks/{id}}, {@code DELETE /networks/{id}}, and
 * the connect/disconnect requests refused before anything is made. Each test has a daemon of its
 * own, so the default pools it sees are predictable.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class NetworkRoutesOverSocketTest
{
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");

    @TempDir
    Path tempDir;

    private ApiServerFixture api;
    private ControlPlaneFixture fixture;
    private ApiClient client;

    @BeforeEach
    void startDaemon() throws IOException
    {
        api = ApiServerFixture.fresh(tempDir);
        fixture = api.controlPlane();
        client = api.client();
    }

    @AfterEach
    void stopDaemon()
    {
        if (api != null)
        {
            api.close();
        }
    }

    private String create(final Object request) throws IOException
    {
        final ApiClient.Response response = client.post("/networks/create", request);
        assertEquals(201, response.status(), response.text());
        return strictJson(response).get("Id").asText();
    }

    private JsonNode inspect(final String reference) throws IOException
    {
        final ApiClient.Response response = client.get("/networks/" + reference);
        assertEquals(200, response.status(), response.text());
        return strictJson(response);
    }

    private static void assertError(final ApiClient.Response response, final int status, final String message) throws IOException
    {
        assertEquals(status, response.status(), response.text());
        final JsonNode body = strictJson(response);
        assertEquals(List.of("message"), fieldNames(body), response.text());
        assertEquals(message, body.get("message").asText());
    }

    @Test
    void shouldAnswerACreateWith201AndOnlyTheNewIdAndAnEmptyWarning() throws IOException
    {
        final ApiClient.Response response = client.post("/networks/create", Map.of("Name", "isolated_new", "Driver", "bridge"));

        assertEquals(201, response.status(), response.text());
        final JsonNode body = strictJson(response);
        assertEquals(List.of("Id", "Warning"), fieldNames(body).stream().sorted().toList());
        assertTrue(ID.matcher(body.get("Id").asText()).matches(), body.toString());
        assertEquals("", body.get("Warning").asText());
        assertEquals(body.get("Id").asText(), fixture.control().network("isolated_new").id());
    }

    @Test
    void shouldAcceptACreateUnderADockerApiVersionPrefix() throws IOException
    {
        final ApiClient.Response response = client.post("/v1.43/networks/create", Map.of("Name", "versioned"));

        assertEquals(201, response.status(), response.text());
        assertEquals(strictJson(response).get("Id").asText(), inspect("versioned").get("Id").asText());
    }

    @Test
    void shouldInspectANetworkCreatedWithoutOptionsWithEmptyOptionsAndItsDefaultPool() throws IOException
    {
        final String id = create(Map.of("Name", "isolated_new"));

        final JsonNode network = inspect("isolated_new");

        assertEquals("isolated_new", network.get("Name").asText());
        assertEquals(id, network.get("Id").asText());
        assertEquals("bridge", network.get("Driver").asText());
        assertEquals("local", network.get("Scope").asText());
        Instant.parse(network.get("Created").asText());
        assertTrue(network.get("Options").isObject(), network.toString());
        assertEquals(0, network.get("Options").size(), network.toString());
        assertTrue(network.get("Labels").isObject() && network.get("Labels").isEmpty(), network.toString());
        assertTrue(network.get("Containers").isObject() && network.get("Containers").isEmpty(), network.toString());
        assertEquals(false, network.get("Internal").asBoolean(true));
        assertEquals(false, network.get("Attachable").asBoolean(true));
        assertEquals("default", network.get("IPAM").get("Driver").asText());
        assertEquals(Json.MAPPER.readTree("[{\"Subnet\":\"172.18.0.0/16\",\"Gateway\":\"172.18.0.1\"}]"),
            network.get("IPAM").get("Config"));
    }

    @Test
    void shouldInspectEverythingACreateAskedFor() throws IOException
    {
        final String request = "{\"Name\":\"office\",\"Driver\":\"bridge\",\"Internal\":true,\"Attachable\":true," +
            "\"IPAM\":{\"Driver\":\"default\",\"Config\":[" +
            "{\"Subnet\":\"10.10.0.0/16\",\"IPRange\":\"10.10.5.0/24\",\"Gateway\":\"10.10.0.254\"," +
            "\"AuxiliaryAddresses\":{\"printer\":\"10.10.0.5\",\"nas\":\"10.10.0.6\"}}," +
            "{\"Subnet\":\"192.168.50.0/24\"}]}," +
            "\"Options\":{\"com.docker.network.bridge.enable_icc\":\"false\",\"com.docker.network.driver.mtu\":\"1400\"}," +
            "\"Labels\":{\"tier\":\"web\"}}";
        final String id = create(Json.MAPPER.readTree(request));

        final JsonNode network = inspect(id);

        assertEquals("office", network.get("Name").asText());
        assertEquals(true, network.get("Internal").asBoolean(false));
        assertEquals(true, network.get("Attachable").asBoolean(false));
        assertEquals(Json.MAPPER.readTree("[" +
            "{\"Subnet\":\"10.10.0.0/16\",\"IPRange\":\"10.10.5.0/24\",\"Gateway\":\"10.10.0.254\"," +
            "\"AuxiliaryAddresses\":{\"nas\":\"10.10.0.6\",\"printer\":\"10.10.0.5\"}}," +
            "{\"Subnet\":\"192.168.50.0/24\",\"Gateway\":\"192.168.50.1\"}]"), network.get("IPAM").get("Config"));
        assertEquals(List.of("Subnet", "IPRange", "Gateway", "AuxiliaryAddresses"),
            fieldNames(network.get("IPAM").get("Config").get(0)), "Docker's field order");
        assertEquals(Json.MAPPER.readTree("{\"com.docker.network.bridge.enable_icc\":\"false\"," +
            "\"com.docker.network.driver.mtu\":\"1400\"}"), network.get("Options"));
        assertEquals(Json.MAPPER.readTree("{\"tier\":\"web\"}"), network.get("Labels"));
    }

    @Test
    void shouldListACreatedNetworkAfterThePredefinedOnes() throws IOException
    {
        final String id = create(Map.of("Name", "listed"));

        final JsonNode networks = strictJson(client.get("/networks"));

        assertEquals(4, networks.size(), networks.toString());
        assertEquals("listed", networks.get(3).get("Name").asText());
        assertEquals(id, networks.get(3).get("Id").asText());
    }

    @Test
    void shouldRemoveANetworkByIdWith204AndAnEmptyBody() throws IOException
    {
        final String id = create(Map.of("Name", "doomed"));

        final ApiClient.Response response = client.delete("/networks/" + id);

        assertEquals(204, response.status(), response.text());
        assertEquals(0, response.body().length);
        assertError(client.get("/networks/" + id), 404, "network " + id + " not found");
        assertEquals(3, strictJson(client.get("/networks")).size());
        assertEquals(3, new StateStore(fixture.store().file().getParent()).load().networks().size(), "the removal is stored");
    }

    @Test
    void shouldRemoveANetworkByNameAndByIdPrefix() throws IOException
    {
        final String first = create(Map.of("Name", "first"));
        create(Map.of("Name", "second"));

        assertEquals(204, client.delete("/networks/second").status());
        assertEquals(204, client.delete("/v1.43/networks/" + first.substring(0, 12)).status());

        assertEquals(3, strictJson(client.get("/networks")).size());
    }

    @Test
    void shouldAnswer403ForRemovingAPredefinedNetworkAnd404ForAnUnknownOne() throws IOException
    {
        assertError(client.delete("/networks/bridge"), 403, "bridge is a pre-defined network and cannot be removed");
        assertError(client.delete("/networks/host"), 403, "host is a pre-defined network and cannot be removed");
        assertError(client.delete("/networks/nope"), 404, "network nope not found");
    }

    @Test
    void shouldAnswerRefusedCreatesWithDockersStatusesAndLeaveTheStateAlone() throws IOException
    {
        create(Map.of("Name", "existing", "IPAM", Map.of("Config", List.of(Map.of("Subnet", "10.50.0.0/16")))));
        final byte[] before = ControlPlaneFixture.storedBytes(fixture.store());

        assertError(client.post("/networks/create", Map.of("Name", "existing")), 409, "network with name existing already exists");
        assertError(client.post("/networks/create", Map.of("Name", "x", "Driver", "ipvlan")), 404, "plugin \"ipvlan\" not found");
        assertError(client.post("/networks/create", Map.of("Name", "x", "Driver", "overlay")), 400,
            "cannot create an overlay network: this daemon is not in a cluster (start lanyardd with --store etcd://HOST:PORT --advertise-addr IP)");
        assertError(client.post("/networks/create", Map.of("Name", "x", "Driver", "host")), 403,
            "only one instance of \"host\" network is allowed");
        assertError(client.post("/networks/create", Map.of("Name", "x", "IPAM", Map.of("Config", List.of(Map.of("Subnet", "10.1.0/16"))))),
            400, "invalid CIDR address: 10.1.0/16");
        assertError(client.post("/networks/create", Map.of("Name", "x", "IPAM", Map.of("Config",
            List.of(Map.of("Subnet", "10.50.1.0/24"))))), 403, "Pool overlaps with other one on this address space");
        assertError(client.post("/networks/create", Map.of("Name", "x", "Options", Map.of("foo", "bar"))), 400,
            "unknown option \"foo\" for driver bridge");
        assertError(client.post("/networks/create", Map.of("Name", "x", "Options", Map.of(Network.OPTION_MTU, 1500))), 400,
            "Options." + Network.OPTION_MTU + " must be a string");
        assertError(client.post("/networks/create", Map.of("Name", "x", "IPAM", Map.of("Config", "10.1.0.0/16"))), 400,
            "IPAM.Config must be an array");
        assertError(client.post("/networks/create", Map.of("Name", "x", "EnableIPv6", true)), 400, "IPv6 networks are not supported");
        assertError(client.post("/networks/create", Map.of()), 400, "invalid network name \"\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");

        assertArrayEquals(before, ControlPlaneFixture.storedBytes(fixture.store()), StateStore.FILE_NAME);
        assertEquals(4, strictJson(client.get("/networks")).size());
    }

    @Test
    void shouldAnswer404ForConnectingOrDisconnectingOnAnUnknownNetworkOrSandbox() throws IOException
    {
        create(Map.of("Name", "isolated"));
        final byte[] before = ControlPlaneFixture.storedBytes(fixture.store());

        assertError(client.post("/networks/nope/connect", Map.of("Container", "c1")), 404, "network nope not found");
        assertError(client.post("/networks/isolated/connect", Map.of("Container", "nope")), 404, "No such container: nope");
        assertError(client.post("/networks/isolated/connect", Map.of("Container", "nope",
            "EndpointConfig", Map.of("IPAMConfig", Map.of("IPv4Address", "172.18.0.9")))), 404, "No such container: nope");
        assertError(client.post("/networks/nope/disconnect", Map.of("Container", "c1")), 404, "network nope not found");
        assertError(client.post("/networks/isolated/disconnect", Map.of("Container", "nope")), 404, "No such container: nope");

        assertArrayEquals(before, ControlPlaneFixture.storedBytes(fixture.store()), StateStore.FILE_NAME);
    }

    @Test
    void shouldAnswer400ForAConnectOrDisconnectThatNamesNoSandbox() throws IOException
    {
        create(Map.of("Name", "isolated"));

        assertError(client.post("/networks/isolated/connect", Map.of()), 400, "a container (sandbox) to connect is required");
        assertError(client.post("/networks/isolated/connect", Map.of("Container", "")), 400,
            "a container (sandbox) to connect is required");
        assertError(client.post("/networks/isolated/disconnect", null), 400, "a container (sandbox) to disconnect is required");
        assertError(client.post("/networks/isolated/connect", Map.of("Container", 5)), 400, "Container must be a string");
    }
}
