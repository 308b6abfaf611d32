package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.forwarding.testkit.Draw;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

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
    private static final int MAX_DEPTH = 3;
    private static final Change[] CHANGES = Change.values();

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

    /** Any JSON value, up to {@link #MAX_DEPTH} levels deep. */
    static JsonNode tree(final SplittableRandom random)
    {
        return tree(random, random.nextInt(MAX_DEPTH + 1));
    }

    /** A JSON object of up to four fields, each any JSON value. */
    static JsonNode object(final SplittableRandom random)
    {
        return object(random, JsonTrees::tree);
    }

    /** {@code least} to {@code most} mutations of a tree, to be made in turn. */
    static List<Mutation> mutations(final SplittableRandom random, final int least, final int most)
    {
        final List<Mutation> mutations = new ArrayList<>();
        for (int i = random.nextInt(least, most + 1); i > 0; i--)
        {
            mutations.add(new Mutation(Draw.one(random, CHANGES), random.nextInt() >>> 1, key(random), tree(random)));
        }
        return mutations;
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

    /** A leaf at depth 0; above it, as often as not one of the depth below, else an array or object of them. */
    private static JsonNode tree(final SplittableRandom random, final int depth)
    {
        if (depth == 0)
        {
            return leaf(random);
        }
        return switch (random.nextInt(3))
        {
            case 0 -> tree(random, depth - 1);
            case 1 ->
            {
                final ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--)
                {
                    array.add(tree(random, depth - 1));
                }
                yield array;
            }
            default -> object(random, inner -> tree(inner, depth - 1));
        };
    }

    private static JsonNode object(final SplittableRandom random, final Function<SplittableRandom, JsonNode> values)
    {
        final ObjectNode object = NODES.objectNode();
        for (int i = random.nextInt(5); i > 0; i--)
        {
            object.set(key(random), values.apply(random));
        }
        return object;
    }

    /** Null, a boolean, a number (int, long, double or one too big for a long), one of {@link #TEXTS} or any text. */
    private static JsonNode leaf(final SplittableRandom random)
    {
        return switch (random.nextInt(8))
        {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(Draw.weighted(random, 1, 1) == 0 ? random.nextInt(-1_000, 70_000) : random.nextInt());
            case 3 -> NODES.numberNode(random.nextLong());
            case 4 -> NODES.numberNode(number(random));
            case 5 -> NODES.numberNode(new BigInteger(Draw.text(random, 1, 40, "0123456789")));
            case 6 -> NODES.textNode(Draw.one(random, TEXTS));
            default -> NODES.textNode(Draw.text(random, 20));
        };
    }

    /** A double: one with two decimals, or any finite one. */
    private static double number(final SplittableRandom random)
    {
        if (random.nextBoolean())
        {
            return Math.round(random.nextDouble(-100_000, 100_000) * 100) / 100.0;
        }
        final double any = Double.longBitsToDouble(random.nextLong());
        return Double.isFinite(any) ? any : 0.0;
    }

    /** One of {@link #KEYS} mostly, else any text. */
    private static String key(final SplittableRandom random)
    {
        return Draw.weighted(random, 8, 1) == 0 ? Draw.one(random, KEYS) : Draw.text(random, 12);
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
