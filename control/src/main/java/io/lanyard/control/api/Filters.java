package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.control.RequestException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Docker's {@code filters} query parameter, read once for any list or prune path: a JSON object
 * from filter name to values, either {@code {"name":["a"]}} or the older
 * {@code {"name":{"a":true}}}. Values of one filter are alternatives; each path decides how a
 * value matches (exactly, as a prefix, as a regular expression, as a label) with the methods
 * here, named after Docker's {@code filters.Args}, and that different filters must all match.
 */
final class Filters
{
    private static final Filters NONE = new Filters(Map.of());

    private final Map<String, List<String>> values;

    private Filters(final Map<String, List<String>> values)
    {
        this.values = values;
    }

    /**
     * @param parameter the query parameter's values (null or empty for none).
     * @param accepted  the filter names the path knows; any other is refused as Docker refuses it.
     * @throws RequestException 400 with Docker's wording for bad JSON or an unknown filter.
     */
    static Filters parse(final List<String> parameter, final Set<String> accepted)
    {
        if (parameter == null || parameter.isEmpty() || parameter.get(0).isEmpty())
        {
            return NONE;
        }
        final String text = parameter.get(0);
        final JsonNode root;
        try
        {
            root = Json.MAPPER.readTree(text);
        }
        catch (final IOException ex)
        {
            throw RequestException.badRequest("invalid filters: " + text);
        }
        if (root == null || !root.isObject())
        {
            throw RequestException.badRequest("invalid filters: " + text);
        }
        final Map<String, List<String>> values = new HashMap<>();
        for (final Map.Entry<String, JsonNode> filter : root.properties())
        {
            if (!accepted.contains(filter.getKey()))
            {
                throw RequestException.badRequest("invalid filter '" + filter.getKey() + "'");
            }
            final List<String> alternatives = new ArrayList<>();
            if (filter.getValue().isArray())
            {
                filter.getValue().forEach(v -> alternatives.add(v.asText()));
            }
            else if (filter.getValue().isObject())
            {
                filter.getValue().fieldNames().forEachRemaining(alternatives::add);
            }
            else
            {
                throw RequestException.badRequest("invalid filter '" + filter.getKey() + "'");
            }
            if (!alternatives.isEmpty())
            {
                values.put(filter.getKey(), List.copyOf(alternatives));
            }
        }
        return new Filters(values);
    }

    /** Whether the filter was given with at least one value. */
    boolean contains(final String filter)
    {
        return values.containsKey(filter);
    }

    /** The filter's values; empty when it was not given. */
    List<String> get(final String filter)
    {
        return values.getOrDefault(filter, List.of());
    }

    /** True when the filter is absent or one of its values equals {@code source}. */
    boolean exactMatch(final String filter, final String source)
    {
        return !contains(filter) || get(filter).contains(source);
    }

    /** True when the filter is absent or one of its values is a prefix of {@code source}. */
    boolean fuzzyMatch(final String filter, final String source)
    {
        return !contains(filter) || get(filter).stream().anyMatch(source::startsWith);
    }

    /** True when the filter is absent or one of its values equals, or as a regular expression is found in, {@code source}. */
    boolean match(final String filter, final String source)
    {
        if (exactMatch(filter, source))
        {
            return true;
        }
        for (final String value : get(filter))
        {
            try
            {
                if (Pattern.compile(value).matcher(source).find())
                {
                    return true;
                }
            }
            catch (final PatternSyntaxException ignored)
            {
                // Docker skips a value that is not a regular expression
            }
        }
        return false;
    }

    /**
     * True when the filter is absent or every one of its values ({@code key} or {@code key=value})
     * is among {@code labels}: label filters narrow, unlike the alternatives of other filters.
     */
    boolean matchLabels(final String filter, final Map<String, String> labels)
    {
        return get(filter).stream().allMatch(value -> hasLabel(value, labels));
    }

    /** Whether {@code labels} hold the label {@code key} or {@code key=value} names. */
    static boolean hasLabel(final String value, final Map<String, String> labels)
    {
        final int equals = value.indexOf('=');
        return equals < 0 ? labels.containsKey(value) : value.substring(equals + 1).equals(labels.get(value.substring(0, equals)));
    }
}
