package io.lanyard.control.api;

import io.lanyard.control.RequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Docker's {@code filters} parameter: both JSON shapes, Docker's refusals, and each way a value matches. */
class FiltersTest
{
    private static final Set<String> ACCEPTED = Set.of("name", "id", "label");

    private static Filters parse(final String json)
    {
        return Filters.parse(List.of(json), ACCEPTED);
    }

    @Test
    void shouldReadTheListShapeAndTheOlderMapShapeAlike()
    {
        assertEquals(List.of("a", "b"), parse("{\"name\":[\"a\",\"b\"]}").get("name"));
        assertEquals(List.of("a"), parse("{\"name\":{\"a\":true}}").get("name"));
    }

    @Test
    void shouldTreatNoParameterAnEmptyOneAndAnEmptyListAsNoFilter()
    {
        assertFalse(Filters.parse(null, ACCEPTED).contains("name"));
        assertFalse(Filters.parse(List.of(""), ACCEPTED).contains("name"));
        assertFalse(parse("{\"name\":[]}").contains("name"));
        assertTrue(parse("{}").exactMatch("name", "anything"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"name\":", "[\"name\"]", "42"})
    void shouldRefuseFiltersThatAreNotAJsonObject(final String json)
    {
        final RequestException refused = assertThrows(RequestException.class, () -> parse(json));
        assertEquals(400, refused.status());
        assertEquals("invalid filters: " + json, refused.getMessage());
    }

    @Test
    void shouldRefuseAFilterThePathDoesNotKnowInDockersWords()
    {
        final RequestException refused = assertThrows(RequestException.class, () -> parse("{\"colour\":[\"red\"]}"));
        assertEquals(400, refused.status());
        assertEquals("invalid filter 'colour'", refused.getMessage());
        assertEquals("invalid filter 'name'", assertThrows(RequestException.class, () -> parse("{\"name\":\"x\"}")).getMessage());
    }

    @Test
    void shouldMatchExactlyByPrefixAndByRegularExpression()
    {
        final Filters filters = parse("{\"name\":[\"web\",\"^db-[0-9]+$\"]}");

        assertTrue(filters.exactMatch("name", "web"));
        assertFalse(filters.exactMatch("name", "web1"));
        assertTrue(filters.fuzzyMatch("name", "web1"));
        assertFalse(filters.fuzzyMatch("name", "aweb"));
        assertTrue(filters.match("name", "my-web-1"), "a value is found anywhere, as Go's regexp.MatchString");
        assertTrue(filters.match("name", "db-12"));
        assertFalse(filters.match("name", "db-x"));
        assertTrue(parse("{\"name\":[\"(\"]}").match("name", "("), "a value that is no expression still matches exactly");
    }

    @Test
    void shouldRequireEveryLabelValueAsDockersMatchKvList()
    {
        final Map<String, String> labels = Map.of("tier", "web", "env", "prod");

        assertTrue(parse("{\"label\":[\"tier\",\"env=prod\"]}").matchLabels("label", labels));
        assertFalse(parse("{\"label\":[\"tier\",\"env=dev\"]}").matchLabels("label", labels));
        assertFalse(parse("{\"label\":[\"tie\"]}").matchLabels("label", labels));
        assertFalse(parse("{\"label\":[\"tier\"]}").matchLabels("label", Map.of()));
        assertTrue(parse("{}").matchLabels("label", Map.of()));
    }
}
