package io.lanyard.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.client.api.AttachRequest;
import io.lanyard.client.api.ConnectRequest;
import io.lanyard.client.api.DetachRequest;
import io.lanyard.client.api.DisconnectRequest;
import io.lanyard.client.api.InvalidRequestException;
import io.lanyard.client.api.NetworkCreateRequest;
import io.lanyard.client.api.PortCreateRequest;
import io.lanyard.client.api.RunRequest;
import io.lanyard.control.ControlPlaneFixture;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.State;
import io.lanyard.forwarding.testkit.Draw;
import io.lanyard.forwarding.testkit.FuzzRun;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the API's request parsing and routing: the request records' {@code fromJson}
 * ({@code client.api}) on random JSON objects and mutated valid bodies, and {@link ApiRoutes} on
 * random methods, paths (Docker's version prefixes, stray slashes, escapes, query strings with
 * random filters and times) and bodies, over a real control plane restored from an empty state.
 * What must hold: a parser gives a request, which writes back to the same request, or refuses
 * the body with {@link InvalidRequestException}; the routes answer every request with a status
 * and a body the server can write, never with a 5xx (bad input is the client's error, 4xx) and
 * never by throwing. {@code -Dlanyard.fuzz.tries=N} makes them long runs ({@link FuzzRun}).
 *
 * <p>The control plane is real and the test runs as root, so a request that could make a
 * sandbox or a VM's port (a POST whose path mentions {@code sandboxes} or {@code ports}) is sent
 * only when its body cannot be one: not a JSON object, a field of the wrong type, no name.
 * Those bodies are still parsed by the first test. Networks are made and removed freely:
 * without routing they are the dataplane's tables and the state file, nothing in the kernel.
 */
class ApiFuzzTest
{
    private static final String[] METHODS = {"GET", "POST", "DELETE", "PUT", "HEAD", "PATCH", "OPTIONS", "get", "TRACE", "X"};
    private static final String[] SEGMENTS = {"_ping", "version", "info", "containers", "json", "events", "networks", "prune",
        "create", "connect", "disconnect", "sandboxes", "attach", "detach", "ports", "stats", "bridge", "host", "none", "fuzznet",
        "fuzz1", "tapfuzz0", "", "..", ".", "%2F", "%00", "%ZZ", "v1.43", "v1", "\u00e9"};
    private static final String[] QUERIES = {"filters", "since", "until", "force", "all", "limit", "size"};
    private static final Set<String> PREDEFINED = Set.of("bridge", "host", "none");
    private static final int MOST_FUZZ_NETWORKS = 6;
    private static final String[] PREFIXES = {"/v1.43", "/v1", "/v99.9", "/vX", "//", "/v1.43/v1.43"};
    private static final String ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final String VISIBLE_ASCII = visibleAscii();
    private static final String[] QUERY_VALUES = {"0", "-1", "1e99", "9999999999999999999", "1h", "2024-01-01T00:00:00Z", "true", "",
        "%", "%7B"};
    private static final String[] ODD_QUERIES = {"filters=%ZZ", "since=%", "%%=1", "force", "=&=", "filters={", "until=%E9",
        "filters=%7B%22"};
    private static final String[] ODD_TEXTS = {"", "{", "{\"Name\":", "[]", "null", "1", "\"x\"", "{}", "{\"Name\":\"a\"}{}",
        "\u00ff\u00fe"};

    /** A request the API serves, with a valid body for it. */
    private record Route(String method, String path, JsonNode body)
    {
    }

    /** A body and how it was made. */
    private record Body(String how, byte[] bytes)
    {
    }

    /** A request as the server hands it to the routes, and how it was made. */
    record Request(String how, String method, String uri, byte[] body)
    {
        @Override
        public String toString()
        {
            final String text = new String(body, StandardCharsets.UTF_8);
            return method + " " + uri + " " + (text.length() > 300 ? text.substring(0, 300) + "…" : text) + " (" + how + ")";
        }
    }

    /** A request record's parser and how it writes a request back as JSON. */
    private record Parser(String name, Function<JsonNode, Object> fromJson)
    {
    }

    private static final List<Parser> PARSERS = List.of(
        new Parser("RunRequest", RunRequest::fromJson),
        new Parser("NetworkCreateRequest", NetworkCreateRequest::fromJson),
        new Parser("ConnectRequest", ConnectRequest::fromJson),
        new Parser("DisconnectRequest", DisconnectRequest::fromJson),
        new Parser("AttachRequest", AttachRequest::fromJson),
        new Parser("DetachRequest", DetachRequest::fromJson),
        new Parser("PortCreateRequest", PortCreateRequest::fromJson));

    /** A valid {@code POST /networks/create} body, also mutated for the routes that take none. */
    private static final JsonNode NETWORK_BODY = json("{\"Name\":\"fuzznet\",\"Driver\":\"bridge\",\"Internal\":false,\"Attachable\":true," +
        "\"IPAM\":{\"Config\":[{\"Subnet\":\"10.77.0.0/24\",\"Gateway\":\"10.77.0.1\",\"IPRange\":\"10.77.0.128/25\"," +
        "\"AuxiliaryAddresses\":{\"h\":\"10.77.0.5\"}}]},\"Options\":{\"com.docker.network.bridge.enable_icc\":\"false\"}," +
        "\"Labels\":{\"a\":\"b\"}}");

    private static final List<Route> ROUTES = List.of(
        new Route("GET", "/_ping", null),
        new Route("GET", "/v1.43/version", null),
        new Route("GET", "/info", null),
        new Route("GET", "/containers/json?all=1&filters=%7B%22name%22%3A%5B%22fuzz%22%5D%7D", null),
        new Route("GET", "/events?since=0&until=1&filters=%7B%22type%22%3A%5B%22network%22%5D%7D", null),
        new Route("GET", "/networks?filters=%7B%22driver%22%3A%5B%22bridge%22%5D%7D", null),
        new Route("POST", "/networks/create", NETWORK_BODY),
        new Route("GET", "/networks/bridge", null),
        new Route("DELETE", "/networks/fuzznet", null),
        new Route("POST", "/networks/fuzznet/connect", json("{\"Container\":\"fuzz1\",\"EndpointConfig\":{\"IPAMConfig\":" +
            "{\"IPv4Address\":\"10.77.0.10\"},\"Aliases\":[\"x\"]}}")),
        new Route("POST", "/networks/fuzznet/disconnect", json("{\"Container\":\"fuzz1\",\"Force\":true}")),
        new Route("POST", "/networks/prune?filters=%7B%22until%22%3A%5B%221h%22%5D%7D", null),
        new Route("GET", "/sandboxes", null),
        new Route("POST", "/sandboxes", json("{\"Name\":\"fuzz1\",\"Network\":\"fuzznet\",\"IPv4Address\":\"10.77.0.9\"," +
            "\"Aliases\":[\"a\"],\"Cmd\":[\"true\"],\"Detach\":true,\"Ports\":[\"8080:80\"],\"Dns\":[\"192.0.2.53\"],\"Links\":[\"c2:db\"]}")),
        new Route("POST", "/sandboxes/attach", json("{\"Name\":\"fuzz2\",\"Netns\":\"/run/netns/lanyard-fuzz-none\"," +
            "\"Network\":\"fuzznet\",\"Interface\":\"eth1\",\"IPv4Address\":\"10.77.0.11\",\"Aliases\":[],\"Ports\":[],\"HandOver\":false}")),
        new Route("POST", "/sandboxes/detach", json("{\"Name\":\"fuzz2\",\"Network\":\"fuzznet\"}")),
        new Route("GET", "/sandboxes/fuzz1", null),
        new Route("DELETE", "/sandboxes/fuzz1?force=1", null),
        new Route("GET", "/ports", null),
        new Route("POST", "/ports", json("{\"Name\":\"tapfuzz0\",\"Network\":\"fuzznet\",\"MacAddress\":\"02:42:0a:4d:00:0c\"," +
            "\"IPv4Address\":\"10.77.0.12\",\"User\":\"1000\"}")),
        new Route("DELETE", "/ports/tapfuzz0", null),
        new Route("GET", "/stats", null));
    private static final List<JsonNode> VALID_BODIES = ROUTES.stream().map(Route::body).filter(body -> body != null).toList();

    private final Path directory;
    private final ControlPlaneFixture controlPlane;
    private final ApiRoutes routes;
    private int heldBack;

    ApiFuzzTest() throws IOException
    {
        directory = Files.createTempDirectory("lanyard-api-fuzz");
        final Path plugins = Files.createDirectories(directory.resolve("plugins"));
        controlPlane = new ControlPlaneFixture(directory.resolve("work"), directory.resolve("state"), true, List.of(plugins));
        controlPlane.control().restore(State.empty());
        routes = new ApiRoutes(controlPlane.control());
    }

    @AfterEach
    void closeTheControlPlane() throws IOException
    {
        controlPlane.close();
        try (Stream<Path> files = Files.walk(directory))
        {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
        if (heldBack > 0)
        {
            System.out.println("ApiFuzzTest: " + heldBack + " requests that could have made a sandbox or a port were held back");
        }
    }

    @Test
    void shouldParseEveryBodyIntoARequestThatWritesBackAsItselfOrRefuseIt()
    {
        FuzzRun.forAll(500, ApiFuzzTest::body, body ->
        {
            for (final Parser parser : PARSERS)
            {
                final Object request;
                try
                {
                    request = parser.fromJson().apply(body);
                }
                catch (final InvalidRequestException refused)
                {
                    continue;
                }
                assertEquals(request, parser.fromJson().apply(Json.MAPPER.valueToTree(request)),
                    parser.name() + " written back and read again");
            }
            return 1;
        });
    }

    @Test
    void shouldRefuseAUriWithABadEscapeAsTheClientsError()
    {
        assertEquals(400, routes.handle("GET", "/%ZZ", new byte[0]).status(), "in the path");
        assertEquals(400, routes.handle("GET", "/networks?filters=%7B%ZZ", new byte[0]).status(), "in the query");
    }

    @Test
    void shouldAnswerEveryRequestWithAStatusAndNoServerErrorForBadInput()
    {
        FuzzRun.forAll(100, ApiFuzzTest::request, this::answerWithoutAServerError);
    }

    /** Hands {@code request} to the routes, unless it could make something; returns how many requests that was. */
    private int answerWithoutAServerError(final Request request) throws JsonProcessingException
    {
        if (couldMakeSomething(request))
        {
            heldBack++;
            return 0;
        }
        final ApiResponse response = routes.handle(request.method(), request.uri(), request.body());
        assertTrue(response.status() >= 200 && response.status() < 500, "a status, not a server error: " + response);
        if (!(response.body() instanceof StreamingBody))
        {
            Json.MAPPER.writeValueAsBytes(response.body());
        }
        removeFuzzNetworksPastAFew();
        return 1;
    }

    /** A random JSON object, or more often a route's valid body mutated. */
    private static JsonNode body(final SplittableRandom random)
    {
        if (Draw.weighted(random, 3, 5) == 0)
        {
            return JsonTrees.object(random);
        }
        return JsonTrees.mutated(Draw.one(random, VALID_BODIES), JsonTrees.mutations(random, 0, 4));
    }

    /** One of the routes, now and then with another method, a version prefix, another path or more in its query, and a body for it. */
    private static Request request(final SplittableRandom random)
    {
        final Route route = Draw.one(random, ROUTES);
        final String method = switch (Draw.weighted(random, 6, 1, 1))
        {
            case 0 -> route.method();
            case 1 -> Draw.one(random, METHODS);
            default -> Draw.text(random, 1, 8, ALPHA);
        };
        final String prefix = Draw.weighted(random, 6, 1) == 0 ? "" : Draw.one(random, PREFIXES);
        final String otherPath = Draw.weighted(random, 6, 2) == 0 ? "" : randomPath(random);
        final String extraQuery = Draw.weighted(random, 5, 2) == 0 ? "" : randomQuery(random);
        final Body body = body(random, route);
        final String uri = prefix + (otherPath.isEmpty() ? route.path() : otherPath) +
            (extraQuery.isEmpty() ? "" : (route.path().contains("?") && otherPath.isEmpty() ? "&" : "?") + extraQuery);
        return new Request(body.how(), method, uri, body.bytes());
    }

    /** The route's own body (or none), a mutation of it (or of a network's for a route that takes none), or something else. */
    private static Body body(final SplittableRandom random, final Route route)
    {
        return switch (Draw.weighted(random, 4, 3, 2, 1, 1))
        {
            case 0 -> new Body("its own body", route.body() == null ? new byte[0] : bytes(route.body()));
            case 1 -> new Body("a valid body mutated", bytes(JsonTrees.mutated(route.body() != null ? route.body() : NETWORK_BODY,
                JsonTrees.mutations(random, 1, 4))));
            case 2 -> new Body("a random tree", bytes(JsonTrees.tree(random)));
            case 3 -> new Body("random bytes", Draw.bytes(random, 64));
            default -> new Body("odd text", Draw.one(random, ODD_TEXTS).getBytes(StandardCharsets.UTF_8));
        };
    }

    /** Up to four segments, mostly the API's own words. */
    private static String randomPath(final SplittableRandom random)
    {
        final List<String> segments = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--)
        {
            segments.add(Draw.weighted(random, 4, 1) == 0 ? Draw.one(random, SEGMENTS) : Draw.text(random, 0, 10, VISIBLE_ASCII));
        }
        return "/" + String.join("/", segments);
    }

    /** One to three of the API's query keys with values encoded (a JSON tree, a number or time, any text), or an odd query. */
    private static String randomQuery(final SplittableRandom random)
    {
        if (Draw.weighted(random, 4, 1) == 1)
        {
            return Draw.one(random, ODD_QUERIES);
        }
        final List<String> pairs = new ArrayList<>();
        for (int i = random.nextInt(1, 4); i > 0; i--)
        {
            final String key = Draw.one(random, QUERIES);
            final String value = switch (random.nextInt(3))
            {
                case 0 -> JsonTrees.tree(random).toString();
                case 1 -> Draw.one(random, QUERY_VALUES);
                default -> Draw.text(random, 12);
            };
            pairs.add(key + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
        return String.join("&", pairs);
    }

    /** The printable ASCII characters but the space. */
    private static String visibleAscii()
    {
        final StringBuilder characters = new StringBuilder();
        for (char c = '!'; c <= '~'; c++)
        {
            characters.append(c);
        }
        return characters.toString();
    }

    /**
     * Whether the request could make a sandbox or a VM's port (see the class comment): a POST
     * whose path names sandboxes or ports, with a body that one of their requests takes, with a name.
     */
    private static boolean couldMakeSomething(final Request request)
    {
        final String path;
        try
        {
            path = new QueryStringDecoder(request.uri()).path();
        }
        catch (final IllegalArgumentException undecodable)
        {
            // a path that cannot be decoded is never routed
            return false;
        }
        if (!"POST".equals(request.method()) || !(path.contains("sandboxes") || path.contains("ports")))
        {
            return false;
        }
        final JsonNode body;
        try
        {
            body = request.body().length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(request.body());
        }
        catch (final IOException unreadable)
        {
            return false;
        }
        if (body == null || !body.isObject())
        {
            return false;
        }
        return names(body, RunRequest::fromJson, RunRequest::name) || names(body, AttachRequest::fromJson, AttachRequest::name) ||
            names(body, PortCreateRequest::fromJson, PortCreateRequest::name);
    }

    private static <T> boolean names(final JsonNode body, final Function<JsonNode, T> parser, final Function<T, String> name)
    {
        try
        {
            final String named = name.apply(parser.apply(body));
            return named != null && !named.isEmpty();
        }
        catch (final InvalidRequestException refused)
        {
            return false;
        }
    }

    /** Keeps the state small (and the network table from filling): the networks the fuzzing made go once there are a few. */
    private void removeFuzzNetworksPastAFew()
    {
        final List<Network> networks = controlPlane.control().networks();
        if (networks.size() <= PREDEFINED.size() + MOST_FUZZ_NETWORKS)
        {
            return;
        }
        for (final Network network : networks)
        {
            if (!PREDEFINED.contains(network.name()))
            {
                controlPlane.control().removeNetwork(network.id());
            }
        }
    }

    private static JsonNode json(final String text)
    {
        try
        {
            return Json.MAPPER.readTree(text);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static byte[] bytes(final JsonNode tree)
    {
        try
        {
            return Json.MAPPER.writeValueAsBytes(tree);
        }
        catch (final JsonProcessingException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
