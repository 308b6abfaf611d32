package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;
import io.lanyard.control.events.EventLog;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.api.JsonAnswers.assertDockerError;
import static io.lanyard.control.api.JsonAnswers.fieldNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /events} as {@code docker events} reads it: a chunked stream of Docker's event
 * messages, one per line, live and kept open, or a past window that ends; filtered by Docker's
 * filters; ended for the client when the daemon stops, and forgotten when the client leaves.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventsOverSocketTest
{
    @TempDir
    Path tempDir;

    private ApiServerFixture api;
    private ApiClient client;
    private EventLog events;

    @BeforeEach
    void startDaemon() throws IOException
    {
        api = ApiServerFixture.fresh(tempDir);
        client = api.client();
        events = api.controlPlane().control().events();
    }

    @AfterEach
    void stopDaemon()
    {
        if (api != null)
        {
            api.close();
        }
    }

    private StreamingReader stream(final String query) throws IOException
    {
        return new StreamingReader(ApiServerFixture.socketIn(tempDir), "/v1.41/events" + query);
    }

    private String createNetwork(final String name)
    {
        final ApiClient.Response response = client.post("/networks/create", Map.of("Name", name));
        assertEquals(201, response.status(), response.text());
        return response.json().get("Id").asText();
    }

    private static JsonNode event(final StreamingReader reader) throws Exception
    {
        final String chunk = reader.next(10, TimeUnit.SECONDS);
        assertTrue(chunk != null && chunk.endsWith("\n") && chunk.indexOf('\n') == chunk.length() - 1, "one line per event: " + chunk);
        return Json.MAPPER.readTree(chunk);
    }

    private static String filters(final String json)
    {
        return "filters=" + URLEncoder.encode(json, StandardCharsets.UTF_8);
    }

    @Test
    void shouldStreamNetworkEventsLiveInDockersShape() throws Exception
    {
        try (StreamingReader reader = stream(""))
        {
            assertTrue(reader.head().startsWith("HTTP/1.1 200"), reader.head());
            assertTrue(reader.head().toLowerCase().contains("transfer-encoding: chunked"), reader.head());
            assertTrue(reader.head().contains("application/json"), reader.head());
            final long before = System.currentTimeMillis() / 1000;
            final String id = createNetwork("live");

            final JsonNode created = event(reader);
            assertEquals(List.of("Type", "Action", "Actor", "scope", "time", "timeNano"), fieldNames(created));
            assertEquals("network", created.get("Type").asText());
            assertEquals("create", created.get("Action").asText());
            assertEquals(id, created.at("/Actor/ID").asText());
            assertEquals(Map.of("name", "live", "type", "bridge"), Json.MAPPER.convertValue(created.at("/Actor/Attributes"), Map.class));
            assertEquals("local", created.get("scope").asText());
            assertTrue(created.get("time").asLong() >= before);
            assertEquals(created.get("time").asLong(), created.get("timeNano").asLong() / 1_000_000_000L);

            assertEquals(204, client.delete("/networks/live").status());
            assertEquals("destroy", event(reader).get("Action").asText());
            assertNull(reader.next(200, TimeUnit.MILLISECONDS), "nothing else happened, and the stream stays open");
        }
    }

    @Test
    void shouldSendAPastWindowAndEndWhenUntilHasPassed() throws Exception
    {
        final Instant start = Instant.now().minusSeconds(1);
        createNetwork("one");
        createNetwork("two");
        final ApiClient.Response pruned = client.post("/networks/prune", null);
        assertEquals(200, pruned.status(), pruned.text());
        final Instant end = Instant.now();
        createNetwork("later");

        final ApiClient.Response response = client.get("/events?since=" + start.getEpochSecond() + "&until=" + end.getEpochSecond() + "." +
            String.format("%09d", end.getNano()));

        assertEquals(200, response.status(), response.text());
        final List<String> lines = new ArrayList<>();
        for (final String line : response.text().split("\n"))
        {
            final JsonNode event = Json.MAPPER.readTree(line);
            lines.add(event.get("Action").asText() + " " + event.at("/Actor/Attributes/name").asText());
        }
        assertEquals(List.of("create one", "create two", "destroy one", "destroy two"), lines);
    }

    @Test
    void shouldEndAStreamWhenAFutureUntilComes() throws Exception
    {
        final Instant until = Instant.now().plusMillis(700);
        try (StreamingReader reader = stream("?until=" + until.getEpochSecond() + "." + String.format("%09d", until.getNano())))
        {
            createNetwork("soon");
            assertEquals("create", event(reader).get("Action").asText());
            assertEquals(StreamingReader.END, reader.next(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"type\":[\"network\"]}|create north,create south,destroy north",
        "{\"type\":[\"container\"]}|",
        "{\"event\":[\"destroy\"]}|destroy north",
        "{\"network\":[\"n\"]}|create north,destroy north",
        "{\"container\":[\"no\"]}|create north,destroy north",
        "{\"network\":[\"s\"],\"event\":{\"create\":true}}|create south",
        "{\"scope\":[\"local\"]}|create north,create south,destroy north",
        "{\"scope\":[\"swarm\"]}|",
        "{\"label\":[\"x\"]}|"})
    void shouldFilterAsDockerDoes(final String json, final String expected) throws Exception
    {
        // network and container filters also match a prefix of the ID: the values are no hex digits
        final Instant start = Instant.now().minusSeconds(1);
        createNetwork("north");
        createNetwork("south");
        assertEquals(204, client.delete("/networks/north").status());

        final ApiClient.Response response = client.get("/events?since=" + start.getEpochSecond() + "&until=" +
            (Instant.now().getEpochSecond() + 1) + "&" + filters(json));

        assertEquals(200, response.status(), response.text());
        final List<String> seen = new ArrayList<>();
        for (final String line : response.text().split("\n"))
        {
            if (!line.isEmpty())
            {
                final JsonNode event = Json.MAPPER.readTree(line);
                seen.add(event.get("Action").asText() + " " + event.at("/Actor/Attributes/name").asText());
            }
        }
        assertEquals(expected == null ? List.of() : List.of(expected.split(",")), seen, json);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "filters=%7B%22type%22|invalid filters: {\"type\"",
        "filters=%7B%22colour%22%3A%5B%22red%22%5D%7D|invalid filter 'colour'",
        "since=10m|invalid since timestamp: 10m",
        "until=x|invalid until timestamp: x",
        "since=200&until=100|`since` time (200) cannot be after `until` time (100)"})
    void shouldRefuseABadQueryWithDockersErrorShapeBeforeStreaming(final String query, final String message) throws IOException
    {
        final ApiClient.Response response = client.get("/events?" + query);

        assertDockerError(response, 400, message);
    }

    @Test
    void shouldForgetAClientThatLeaves() throws Exception
    {
        final StreamingReader reader = stream("");
        assertTrue(Polling.eventually(() -> events.listeners() == 1), "subscribed");
        assertEquals(1, client.get("/info").json().get("NEventsListener").asInt());

        reader.close();

        assertTrue(Polling.eventually(() -> events.listeners() == 0), "the subscription went with the connection");
        createNetwork("after");
    }

    @Test
    void shouldDropAClientThatStopsReadingRatherThanBufferWithoutBound() throws Exception
    {
        try (StreamingReader reader = new StreamingReader(ApiServerFixture.socketIn(tempDir), "/events", false))
        {
            assertTrue(Polling.eventually(() -> events.listeners() == 1), "subscribed");
            final Map<String, String> bulky = Map.of("name", "x".repeat(16 * 1024));

            for (int i = 0; i < 2_000 && events.listeners() == 1; i++)
            {
                events.publish("network", "create", "n" + i, bulky);
            }

            assertTrue(Polling.eventually(() -> events.listeners() == 0), "the reader that does not read was dropped");
        }
    }

    @Test
    void shouldEndOpenStreamsWhenTheDaemonCloses() throws Exception
    {
        try (StreamingReader first = stream(""); StreamingReader second = stream("?" + filters("{\"type\":[\"network\"]}")))
        {
            assertTrue(Polling.eventually(() -> events.listeners() == 2), "subscribed");

            api.close();
            api = null;

            assertEquals(StreamingReader.END, first.next(10, TimeUnit.SECONDS));
            assertEquals(StreamingReader.EOF, first.next(10, TimeUnit.SECONDS));
            assertEquals(StreamingReader.END, second.next(10, TimeUnit.SECONDS));
            assertEquals(0, events.listeners());
        }
    }
}
