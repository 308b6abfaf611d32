package io.lanyard.client.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a request's fields, and reads them strictly, the way Docker's API does: a missing or null field is
 * absent (null, an empty list or map), a field of the wrong JSON type is refused with a message
 * naming it, and unknown fields are ignored. Flags are read leniently ({@code "true"} counts),
 * as they always were.
 */
final class JsonFields
{
    private JsonFields()
    {
    }

    static String text(final JsonNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return null;
        }
        if (!value.isTextual())
        {
            throw new InvalidRequestException(field + " must be a string");
        }
        return value.asText();
    }

    static List<String> strings(final JsonNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return List.of();
        }
        if (!value.isArray())
        {
            throw new InvalidRequestException(field + " must be an array of strings");
        }
        final List<String> result = new ArrayList<>();
        for (final JsonNode item : value)
        {
            if (!item.isTextual())
            {
                throw new InvalidRequestException(field + " must be an array of strings");
            }
            result.add(item.asText());
        }
        return result;
    }

    static Map<String, String> stringMap(final JsonNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return Map.of();
        }
        if (!value.isObject())
        {
            throw new InvalidRequestException(field + " must be an object of strings");
        }
        final Map<String, String> result = new LinkedHashMap<>();
        for (final Map.Entry<String, JsonNode> entry : value.properties())
        {
            if (!entry.getValue().isTextual())
            {
                throw new InvalidRequestException(field + "." + entry.getKey() + " must be a string");
            }
            result.put(entry.getKey(), entry.getValue().asText());
        }
        return result;
    }

    static boolean flag(final JsonNode node, final String field)
    {
        return node.path(field).asBoolean(false);
    }

    static ObjectNode object()
    {
        return JsonNodeFactory.instance.objectNode();
    }

    static void putStrings(final ObjectNode node, final String field, final List<String> values)
    {
        final ArrayNode array = node.putArray(field);
        values.forEach(array::add);
    }

    static void putStringMap(final ObjectNode node, final String field, final Map<String, String> values)
    {
        final ObjectNode object = node.putObject(field);
        values.forEach(object::put);
    }
}
