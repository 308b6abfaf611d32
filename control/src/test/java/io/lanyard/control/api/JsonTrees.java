package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JSON for fuzzing the API: random trees whose object keys are mostly the API's own field names
 * (so a random tree reaches past "unknown field, ignored"), and mutations of a valid request
 * body (a field dropped, replaced by a random tree, wrapped in an array, or one added) that keep
 * most of it valid, so the checks behind the first one get their turn.
 */
final class JsonTrees
{
    /** Every key the request records read, and Docker's that they ignore. */
    static final String[] KEYS = {"Name", "Network", "IPv4Address", "Aliases", "Cmd", "Detach", "Ports", "Dns", "Links", "Driver", "IPAM",
        "Config", "Subnet", "Gateway", "IPRange", "AuxiliaryAddresses", "Internal", "Attachable", "Options", "Labels", "EnableIPv6",
        "Container", "EndpointConfig", "IPAMConfig", "Force", "Netns", "Interface", "HandOver", "MacAddress", "User", "CheckDuplicate"};
    /** Strings that mean something to the API: names, addresses, CIDRs, port specs, paths, and some that are none of them well. */
    private static final String[] TEXTS = {"", "bridge", "host", "none", "fuzznet", "fuzz1", "eth0", "overlay", "null", "10.77.0.0/24",
        "10.77.0.1", "10.77.0.300", "10.77.0.0/33", "0.0.0.0/0", "255.255.255.255", "-1", "8080:80", "80/udp", "1-65535:80",
        "127.0.0.1:8080:80/tcp", "::1", "abc:def:ghi:jkl", "65536:80", "02:42:0a:4d:00:0c", "zz:zz", "1000", "4294967296", "/run/netns/x",
        "/proc/self/ns/net", "../x", "a/b", "c2:db", "true", "%00", "\u0000", "é", "\uD83D\uDE00", "x".repeat(300)};
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** What a mutation of a body does to the field it picks. */
    enum Change
    {
        REMOVE, REPLACE, WRAP_IN_ARRAY, ADD
    }

    /** One change to one field of a tree (the {@code at}th of its object fields, in document order). */
    record Mutation(Change change, int at, String key, JsonNode value)
    {
    }

    private JsonTrees()
    {
    }

    /** Any JSON value, up to three levels deep. */
    static Arbitrary<JsonNode> trees()
    {
        return Arbitraries.recursive(JsonTrees::leaves, JsonTrees::containing, 0, 3);
    }

    /** A JSON object of random trees. */
    static Arbitrary<JsonNode> objects()
    {
        return objectsOf(trees());
    }

    static Arbitrary<JsonNode> leaves()
    {
        return Arbitraries.oneOf(
            Arbitraries.just(NODES.nullNode()),
            Arbitraries.of(true, false).map(NODES::booleanNode),
            Arbitraries.integers().map(NODES::numberNode),
            Arbitraries.longs().map(NODES::numberNode),
            Arbitraries.doubles().map(NODES::numberNode),
            Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.TEN.pow(40)).map(NODES::numberNode),
            Arbitraries.of(TEXTS).map(NODES::textNode),
            Arbitraries.strings().ofMaxLength(20).map(NODES::textNode));
    }

    static Arbitrary<Mutation> mutations()
    {
        return Combinators.combine(Arbitraries.of(Change.class), Arbitraries.integers().greaterOrEqual(0), keys(), trees())
            .as(Mutation::new);
    }

    /** {@code body} with {@code mutations} made to a copy of it, in turn. */
    static JsonNode mutated(final JsonNode body, final List<Mutation> mutations)
    {
        final JsonNode copy = body.deepCopy();
        for (final Mutation mutation : mutations)
        {
            final List<Map.Entry<ObjectNode, String>> fields = new ArrayList<>();
            collectFields(copy, fields);
            if (fields.isEmpty())
            {
                if (copy instanceof ObjectNode object)
                {
                    object.set(mutation.key(), mutation.value().deepCopy());
                }
                continue;
            }
            final Map.Entry<ObjectNode, String> field = fields.get(mutation.at() % fields.size());
            final ObjectNode parent = field.getKey();
            switch (mutation.change())
            {
                case REMOVE -> parent.remove(field.getValue());
                case REPLACE -> parent.set(field.getValue(), mutation.value().deepCopy());
                case WRAP_IN_ARRAY -> parent.set(field.getValue(), NODES.arrayNode().add(parent.get(field.getValue())));
                case ADD -> parent.set(mutation.key(), mutation.value().deepCopy());
            }
        }
        return copy;
    }

    private static Arbitrary<JsonNode> containing(final Arbitrary<JsonNode> inner)
    {
        return Arbitraries.oneOf(inner, inner.list().ofMaxSize(3).map(JsonTrees::array), objectsOf(inner));
    }

    private static Arbitrary<JsonNode> objectsOf(final Arbitrary<JsonNode> values)
    {
        return Arbitraries.maps(keys(), values).ofMaxSize(4).map(fields ->
        {
            final ObjectNode object = NODES.objectNode();
            fields.forEach(object::set);
            return object;
        });
    }

    private static Arbitrary<String> keys()
    {
        return Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.of(KEYS)),
            Tuple.of(1, Arbitraries.strings().ofMaxLength(12)));
    }

    private static JsonNode array(final List<JsonNode> items)
    {
        final ArrayNode array = NODES.arrayNode();
        items.forEach(array::add);
        return array;
    }

    private static void collectFields(final JsonNode node, final List<Map.Entry<ObjectNode, String>> fields)
    {
        if (node instanceof ObjectNode object)
        {
            object.fieldNames().forEachRemaining(name -> fields.add(Map.entry(object, name)));
        }
        for (final JsonNode child : node)
        {
            collectFields(child, fields);
        }
    }
}
