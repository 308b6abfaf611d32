package io.lanyard.control.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How the socket tests read the API's answers: strictly, and with the field order kept. */
final class JsonAnswers
{
    private JsonAnswers()
    {
    }

    /** Parses the whole body as exactly one JSON value: trailing bytes are an error. */
    static JsonNode strictJson(final ApiClient.Response response) throws IOException
    {
        return Json.MAPPER.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValue(response.body());
    }

    /** The object's field names in the order the daemon wrote them. */
    static List<String> fieldNames(final JsonNode node)
    {
        final List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Docker's error shape: exactly one JSON object whose only field is {@code message}, with this text. */
    static void assertDockerError(final ApiClient.Response response, final int status, final String message) throws IOException
    {
        assertEquals(status, response.status(), response.text());
        final JsonNode body = strictJson(response);
        assertEquals(List.of("message"), fieldNames(body), response.text());
        assertEquals(message, body.get("message").asText());
    }
}
