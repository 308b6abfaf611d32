package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.control.RequestException;
import io.lanyard.control.model.Network;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker's {@code filters} query parameter for {@code GET /networks}: a JSON object from filter
 * name to values, either {@code {"name":["a"]}} or the older {@code {"name":{"a":true}}}. Values
 * of one filter are alternatives; different filters must all match. {@code name} matches a
 * substring of the name, {@code id} a prefix of the ID, {@code driver} exactly, and
 * {@code label} a key or {@code key=value}.
 */
final class NetworkFilters
{
    private static final Set<String> KNOWN = Set.of("name", "id", "driver", "label", "scope", "type");

    private final Map<String, List<String>> filters;

    private NetworkFilters(final Map<String, List<String>> filters)
    {
        this.filters = filters;
    }

    static NetworkFilters parse(final List<String> parameter)
    {
        final Map<String, List<String>> filters = new HashMap<>();
        if (parameter == null || parameter.isEmpty() || parameter.get(0).isEmpty())
        {
            return new NetworkFilters(filters);
        }
        final JsonNode root;
        try
        {
            root = Json.MAPPER.readTree(parameter.get(0));
        }
        catch (final IOException ex)
        {
            throw RequestException.badRequest("invalid filters: " + parameter.get(0));
        }
        if (root == null || !root.isObject())
        {
            throw RequestException.badRequest("invalid filters: " + parameter.get(0));
        }
        for (final Map.Entry<String, JsonNode> filter : root.properties())
        {
            if (!KNOWN.contains(filter.getKey()))
            {
                throw RequestException.badRequest("invalid filter '" + filter.getKey() + "'");
            }
            final List<String> values = new ArrayList<>();
            if (filter.getValue().isArray())
            {
                filter.getValue().forEach(v -> values.add(v.asText()));
            }
            else if (filter.getValue().isObject())
            {
                filter.getValue().fieldNames().forEachRemaining(values::add);
            }
            else
            {
                throw RequestException.badRequest("invalid filter '" + filter.getKey() + "'");
            }
            filters.put(filter.getKey(), values);
        }
        return new NetworkFilters(filters);
    }

    boolean matches(final Network network)
    {
        for (final Map.Entry<String, List<String>> filter : filters.entrySet())
        {
            if (filter.getValue().isEmpty())
            {
                continue;
            }
            final boolean any = filter.getValue().stream().anyMatch(value -> matches(filter.getKey(), value, network));
            if (!any)
            {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(final String filter, final String value, final Network network)
    {
        switch (filter)
        {
            case "name":
                return network.name().contains(value);
            case "id":
                return network.id().startsWith(value);
            case "driver":
                return network.driver().equals(value);
            case "scope":
                return network.scope().equals(value);
            case "type":
                return "builtin".equals(value) == network.isPredefined() && ("builtin".equals(value) || "custom".equals(value));
            default:
                final int equals = value.indexOf('=');
                return equals < 0 ? network.labels().containsKey(value) :
                    value.substring(equals + 1).equals(network.labels().get(value.substring(0, equals)));
        }
    }
}
