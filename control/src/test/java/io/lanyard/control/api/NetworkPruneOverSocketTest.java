package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.api.JsonAnswers.assertDockerError;
import static io.lanyard.control.api.JsonAnswers.fieldNames;
import static io.lanyard.control.api.JsonAnswers.strictJson;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code POST /networks/prune} as {@code docker network prune} sends it: user networks without
 * endpoints go, filtered by {@code until}, {@code label} and {@code label!}; the predefined ones
 * and one with a container stay. The daemon starts from a stored state with network {@code busy}
 * holding an endpoint of a host-network sandbox (no namespace needed), and an old network.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class NetworkPruneOverSocketTest
{
    private static final Instant LONG_AGO = Instant.parse("2020-01-01T00:00:00Z");
    private static final String HOST_ID = "1".repeat(64);
    private static final String BUSY_ID = "2".repeat(64);
    private static final String OLD_ID = "3".repeat(64);

    @TempDir
    Path tempDir;

    private ApiServerFixture api;
    private ApiClient client;

    @BeforeEach
    void startDaemon() throws IOException
    {
        api = ApiServerFixture.restored(tempDir, List.of(StoredModels.hostNetwork(HOST_ID, LONG_AGO),
                StoredModels.bridgeNetwork(BUSY_ID, "busy", "10.77.0.0/24", "10.77.0.1", LONG_AGO, Map.of("keep", "no")),
                StoredModels.bridgeNetwork(OLD_ID, "old", "10.78.0.0/24", "10.78.0.1", LONG_AGO, Map.of("keep", "no"))),
            List.of(StoredModels.hostSandbox("4".repeat(64), "h1", LONG_AGO, List.of(), null, null, HOST_ID, BUSY_ID)));
        client = api.client();
        create("fresh", Map.of("keep", "yes", "team", "blue"));
        create("fresh2", Map.of("team", "red"));
    }

    @AfterEach
    void stopDaemon()
    {
        if (api != null)
        {
            api.close();
        }
    }

    private void create(final String name, final Map<String, String> labels)
    {
        final ApiClient.Response response = client.post("/networks/create", Map.of("Name", name, "Labels", labels));
        assertEquals(201, response.status(), response.text());
    }

    private ApiClient.Response prune(final String filters)
    {
        return client.post("/v1.41/networks/prune" + (filters == null ? "" : "?filters=" + URLEncoder.encode(filters,
            StandardCharsets.UTF_8)), null);
    }

    private Set<String> pruned(final String filters) throws IOException
    {
        final ApiClient.Response response = prune(filters);
        assertEquals(200, response.status(), response.text());
        final JsonNode body = strictJson(response);
        assertEquals(List.of("NetworksDeleted"), fieldNames(body));
        final Set<String> names = new TreeSet<>();
        body.get("NetworksDeleted").forEach(name -> names.add(name.asText()));
        return names;
    }

    private Set<String> remaining()
    {
        final Set<String> names = new TreeSet<>();
        client.get("/networks").json().forEach(network -> names.add(network.get("Name").asText()));
        return names;
    }

    @Test
    void shouldRemoveEveryUserNetworkWithoutEndpointsAndKeepThePredefinedOnesAndOneInUse() throws IOException
    {
        assertEquals(Set.of("fresh", "fresh2", "old"), pruned(null));

        assertEquals(Set.of("bridge", "busy", "host", "none"), remaining());
        assertEquals(Set.of(), pruned("{}"), "nothing left to prune");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"until\":[\"24h\"]}|old",
        "{\"until\":[\"2021-01-01T00:00:00Z\"]}|old",
        "{\"until\":{\"1577836800\":true}}|old",
        "{\"label\":[\"keep\"]}|fresh,old",
        "{\"label\":[\"keep=no\"]}|old",
        "{\"label\":[\"keep\",\"team\"]}|fresh",
        "{\"label!\":[\"keep\"]}|fresh2",
        "{\"label!\":[\"keep=yes\"]}|fresh2,old",
        "{\"label\":[\"team\"],\"label!\":[\"team=red\"]}|fresh"})
    void shouldPruneOnlyWhatTheFiltersTake(final String filters, final String expected) throws IOException
    {
        assertEquals(new TreeSet<>(List.of(expected.split(","))), pruned(filters), filters);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"name\":[\"old\"]}|invalid filter 'name'",
        "{\"until\":|invalid filters: {\"until\":",
        "{\"until\":[\"soon\"]}|failed to parse value as time or duration: \"soon\"",
        "{\"until\":[\"1h\",\"2h\"]}|more than one until filter specified"})
    void shouldRefuseBadFiltersWithDockersMessageAndRemoveNothing(final String filters, final String message) throws IOException
    {
        final ApiClient.Response response = prune(filters);

        assertDockerError(response, 400, message);
        assertEquals(Set.of("bridge", "busy", "fresh", "fresh2", "host", "none", "old"), remaining());
    }

    @Test
    void shouldRefuseOtherMethodsOnThePrunePath()
    {
        assertEquals(404, client.get("/networks/prune").status(), "a GET looks for a network named prune, as in Docker");
    }
}
