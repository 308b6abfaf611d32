package io.lanyard.control.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

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
}
