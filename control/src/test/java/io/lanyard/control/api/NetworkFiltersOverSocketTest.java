package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.api.JsonAnswers.fieldNames;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code GET /networks?filters=...} as Docker's clients send it: URL-encoded JSON, in both the
 * {@code {"name":["x"]}} and the older {@code {"name":{"x":true}}} shape. The networks are made
 * once through the API and only read afterwards.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkFiltersOverSocketTest
{
    @TempDir
    static Path tempDir;

    private ApiServerFixture api;
    private ApiClient client;
    private final Map<String, String> ids = new HashMap<>();

    @BeforeAll
    void startDaemonWithThreeUserNetworks() throws IOException
    {
        api = ApiServerFixture.fresh(tempDir);
        client = api.client();
        create(Map.of("Name", "frontend", "Labels", Map.of("tier", "web", "env", "prod")));
        create(Map.of("Name", "backend", "Labels", Map.of("tier", "db")));
        create(Map.of("Name", "frontdoor"));
        for (final JsonNode network : client.get("/networks").json())
        {
            ids.put(network.get("Name").asText(), network.get("Id").asText());
        }
    }

    @AfterAll
    void stopDaemon()
    {
        if (api != null)
        {
            api.close();
        }
    }

    private void create(final Map<String, Object> request)
    {
        final ApiClient.Response response = client.post("/networks/create", request);
        assertEquals(201, response.status(), response.text());
    }

    /** The names of the networks {@code GET /networks} lists under the given filters (raw JSON). */
    private Set<String> listed(final String filters) throws IOException
    {
        final ApiClient.Response response = client.get("/networks?filters=" + URLEncoder.encode(filters, StandardCharsets.UTF_8));
        assertEquals(200, response.status(), filters + ": " + response.text());
        final Set<String> names = new TreeSet<>();
        for (final JsonNode network : response.json())
        {
            names.add(network.get("Name").asText());
        }
        return names;
    }

    private static Set<String> names(final String... names)
    {
        return new TreeSet<>(List.of(names));
    }

    @Test
    void shouldListEveryNetworkWithoutFiltersOrWithEmptyOnes() throws IOException
    {
        final Set<String> all = names("none", "host", "bridge", "frontend", "backend", "frontdoor");

        assertEquals(all, listed("{}"));
        assertEquals(all, listed(""));
        assertEquals(all, listed("{\"name\":[]}"));
        assertEquals(all, listed("{\"name\":{}}"));
    }

    @Test
    void shouldMatchANameFilterAnywhereInTheName() throws IOException
    {
        assertEquals(names("frontend", "frontdoor"), listed("{\"name\":[\"front\"]}"));
        assertEquals(names("frontend", "backend"), listed("{\"name\":[\"end\"]}"));
        assertEquals(names("bridge"), listed("{\"name\":[\"bridge\"]}"));
        assertEquals(names(), listed("{\"name\":[\"nothing-like-it\"]}"));
    }

    @Test
    void shouldReadTheOlderMapShapeOfFiltersTheSameWay() throws IOException
    {
        assertEquals(listed("{\"name\":[\"front\"]}"), listed("{\"name\":{\"front\":true}}"));
        assertEquals(names("frontend", "frontdoor"), listed("{\"name\":{\"front\":true}}"));
        assertEquals(names("frontend"), listed("{\"label\":{\"tier=web\":true}}"));
        assertEquals(names("frontend", "backend"), listed("{\"name\":{\"frontend\":true,\"backend\":true}}"));
    }

    @Test
    void shouldMatchAnIdFilterAsAPrefixOfTheId() throws IOException
    {
        final String backend = ids.get("backend");

        assertEquals(names("backend"), listed("{\"id\":[\"" + backend + "\"]}"));
        assertEquals(names("backend"), listed("{\"id\":[\"" + backend.substring(0, 12) + "\"]}"));
        assertEquals(names(), listed("{\"id\":[\"" + backend.substring(1, 13) + "\"]}"), "the middle of an ID is no prefix");
    }

    @Test
    void shouldMatchADriverFilterExactly() throws IOException
    {
        assertEquals(names("bridge", "frontend", "backend", "frontdoor"), listed("{\"driver\":[\"bridge\"]}"));
        assertEquals(names("host"), listed("{\"driver\":[\"host\"]}"));
        assertEquals(names("none"), listed("{\"driver\":[\"null\"]}"));
        assertEquals(names(), listed("{\"driver\":[\"bridg\"]}"));
        assertEquals(names(), listed("{\"driver\":[\"BRIDGE\"]}"));
    }

    @Test
    void shouldMatchALabelFilterByKeyOrByKeyAndValue() throws IOException
    {
        assertEquals(names("frontend", "backend"), listed("{\"label\":[\"tier\"]}"));
        assertEquals(names("frontend"), listed("{\"label\":[\"env\"]}"));
        assertEquals(names("frontend"), listed("{\"label\":[\"tier=web\"]}"));
        assertEquals(names("backend"), listed("{\"label\":[\"tier=db\"]}"));
        assertEquals(names(), listed("{\"label\":[\"tier=we\"]}"), "the value must match whole");
        assertEquals(names(), listed("{\"label\":[\"tie\"]}"), "the key must match whole");
        assertEquals(names(), listed("{\"label\":[\"web\"]}"), "a value alone is no key");
    }

    @Test
    void shouldMatchAnyOfSeveralValuesOfOneFilter() throws IOException
    {
        assertEquals(names("frontend", "backend"), listed("{\"name\":[\"frontend\",\"backend\"]}"));
        assertEquals(names("frontend", "backend"), listed("{\"label\":[\"tier=web\",\"tier=db\"]}"));
        assertEquals(names("host", "none"), listed("{\"driver\":[\"host\",\"null\"]}"));
    }

    @Test
    void shouldMatchEveryOneOfSeveralFilters() throws IOException
    {
        assertEquals(names("frontend"), listed("{\"name\":[\"front\"],\"label\":[\"tier\"]}"));
        assertEquals(names(), listed("{\"name\":[\"door\"],\"label\":[\"tier\"]}"));
        assertEquals(names("backend"), listed("{\"driver\":[\"bridge\"],\"label\":[\"tier=db\"],\"id\":[\"" +
            ids.get("backend").substring(0, 12) + "\"]}"));
        assertEquals(names("frontend", "backend"), listed("{\"name\":[\"front\",\"back\"],\"label\":[\"tier\"]}"),
            "alternatives within a filter, all of the filters");
        assertEquals(names("frontend", "frontdoor", "backend"),
            listed("{\"name\":[\"front\",\"back\"],\"driver\":[\"bridge\"],\"label\":[]}"), "an empty filter matches all");
    }

    @ParameterizedTest(name = "filters={0}")
    @CsvSource(delimiter = '|', value = {
        "{\"color\":[\"red\"]}                  | color",
        "{\"name\":[\"front\"],\"Name\":[\"x\"]} | Name",
        "{\"dangling\":[\"true\"]}              | dangling"})
    void shouldAnswer400ForAFilterItDoesNotKnow(final String filters, final String unknown) throws IOException
    {
        final ApiClient.Response response = client.get("/networks?filters=" + URLEncoder.encode(filters, StandardCharsets.UTF_8));

        assertEquals(400, response.status(), response.text());
        assertEquals(List.of("message"), fieldNames(response.json()));
        assertEquals("invalid filter '" + unknown + "'", response.errorMessage());
    }

    @ParameterizedTest(name = "filters={0}")
    @ValueSource(strings = {"{", "{\"name\":", "not json", "{'name':['x']}", "[]", "[\"name\"]", "\"name\"", "42"})
    void shouldAnswer400ForFiltersThatAreNotAJsonObject(final String filters) throws IOException
    {
        final ApiClient.Response response = client.get("/networks?filters=" + URLEncoder.encode(filters, StandardCharsets.UTF_8));

        assertEquals(400, response.status(), response.text());
        assertEquals(List.of("message"), fieldNames(response.json()));
        assertEquals("invalid filters: " + filters, response.errorMessage());
    }

    @ParameterizedTest(name = "filters={0}")
    @ValueSource(strings = {"{\"name\":\"front\"}", "{\"name\":42}", "{\"name\":null}"})
    void shouldAnswer400ForAFilterWhoseValuesAreNeitherAListNorAMap(final String filters) throws IOException
    {
        final ApiClient.Response response = client.get("/networks?filters=" + URLEncoder.encode(filters, StandardCharsets.UTF_8));

        assertEquals(400, response.status(), response.text());
        assertEquals("invalid filter 'name'", response.errorMessage());
    }

}
