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
import io.lanyard.forwarding.testkit.FuzzRun;
import io.netty.handler.codec.http.QueryStringDecoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
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
 * Those bodies are still parsed by the first property. Networks are made and removed freely:
 * without routing they are the dataplane's tables and the state file, nothing in the kernel.
 */
@AddLifecycleHook(FuzzRun.class)
class ApiFuzzTest
{
    private static final String[] METHODS = {"GET", "POST", "DELETE", "PUT", "HEAD", "PATCH", "OPTIONS", "get", "TRACE", "X"};
    private static final String[] SEGMENTS = {"_ping", "version", "info", "containers", "json", "events", "networks", "prune",
        "create", "connect", "disconnect", "sandboxes", "attach", "detach", "ports", "stats", "bridge", "host", "none", "fuzznet",
        "fuzz1", "tapfuzz0", "", "..", ".", "%2F", "%00", "%ZZ", "v1.43", "v1", "\u00e9"};
    private static final String[] QUERIES = {"filters", "since", "until", "force", "all", "limit", "size"};
    private static final Set<String> PREDEFINED = Set.of("bridge", "host", "none");
    private static final int MOST_FUZZ_NETWORKS = 6;

    /** A request the API serves, with a valid body for it. */
    private record Route(String method, String path, JsonNode body)
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

    @AfterProperty
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

    /** No edge cases: jqwik's, combined over recursive JSON trees, take longer to make than a long run takes to try. */
    @Property(tries = 500, edgeCases = EdgeCasesMode.NONE)
    void shouldParseEveryBodyIntoARequestThatWritesBackAsItselfOrRefuseIt(@ForAll("bodies") final JsonNode body)
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
            assertEquals(request, parser.fromJson().apply(Json.MAPPER.valueToTree(request)), parser.name() + " written back and read again");
        }
        FuzzRun.fed(1);
    }

    @Example
    void shouldRefuseAUriWithABadEscapeAsTheClientsError()
    {
        assertEquals(400, routes.handle("GET", "/%ZZ", new byte[0]).status(), "in the path");
        assertEquals(400, routes.handle("GET", "/networks?filters=%7B%ZZ", new byte[0]).status(), "in the query");
    }

    @Property(tries = 100, edgeCases = EdgeCasesMode.NONE)
    void shouldAnswerEveryRequestWithAStatusAndNoServerErrorForBadInput(@ForAll("requests") final Request request)
        throws JsonProcessingException
    {
        if (couldMakeSomething(request))
        {
            heldBack++;
            return;
        }
        final ApiResponse response = routes.handle(request.method(), request.uri(), request.body());
        assertTrue(response.status() >= 200 && response.status() < 500, "a status, not a server error: " + response);
        if (!(response.body() instanceof StreamingBody))
        {
            Json.MAPPER.writeValueAsBytes(response.body());
        }
        removeFuzzNetworksPastAFew();
        FuzzRun.fed(1);
    }

    @Provide
    Arbitrary<JsonNode> bodies()
    {
        final List<JsonNode> valid = ROUTES.stream().map(Route::body).filter(body -> body != null).toList();
        return Arbitraries.frequencyOf(
            Tuple.of(3, JsonTrees.objects()),
            Tuple.of(5, Combinators.combine(Arbitraries.of(valid), JsonTrees.mutations().list().ofMaxSize(4)).as(JsonTrees::mutated)));
    }

    @Provide
    Arbitrary<Request> requests()
    {
        final Arbitrary<String> method = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("")), Tuple.of(1, Arbitraries.of(METHODS)),
            Tuple.of(1, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8)));
        final Arbitrary<String> path = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("")), Tuple.of(2, randomPaths()));
        final Arbitrary<String> prefix = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("")),
            Tuple.of(1, Arbitraries.of("/v1.43", "/v1", "/v99.9", "/vX", "//", "/v1.43/v1.43")));
        final Arbitrary<String> query = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.just("")), Tuple.of(2, randomQueries()));
        return Arbitraries.of(ROUTES).flatMap(route -> Combinators.combine(method, prefix, path, query, bodiesFor(route))
            .as((otherMethod, versionPrefix, otherPath, extraQuery, body) ->
            {
                final String uri = versionPrefix + (otherPath.isEmpty() ? route.path() : otherPath) +
                    (extraQuery.isEmpty() ? "" : (route.path().contains("?") && otherPath.isEmpty() ? "&" : "?") + extraQuery);
                return new Request(body.get1(), otherMethod.isEmpty() ? route.method() : otherMethod, uri, body.get2());
            }));
    }

    /** The route's own body (or none), a mutation of it (or of a network's for a route that takes none), or something else. */
    private static Arbitrary<Tuple.Tuple2<String, byte[]>> bodiesFor(final Route route)
    {
        final JsonNode valid = route.body() != null ? route.body() : NETWORK_BODY;
        return Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.just(Tuple.of("its own body", route.body() == null ? new byte[0] : bytes(route.body())))),
            Tuple.of(3, JsonTrees.mutations().list().ofMinSize(1).ofMaxSize(4)
                .map(mutations -> Tuple.of("a valid body mutated", bytes(JsonTrees.mutated(valid, mutations))))),
            Tuple.of(2, JsonTrees.trees().map(tree -> Tuple.of("a random tree", bytes(tree)))),
            Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(random -> Tuple.of("random bytes", random))),
            Tuple.of(1, Arbitraries.of("", "{", "{\"Name\":", "[]", "null", "1", "\"x\"", "{}", "{\"Name\":\"a\"}{}", "\u00ff\u00fe")
                .map(text -> Tuple.of("odd text", text.getBytes(StandardCharsets.UTF_8)))));
    }

    private static Arbitrary<String> randomPaths()
    {
        final Arbitrary<String> segment = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of(SEGMENTS)),
            Tuple.of(1, Arbitraries.strings().withCharRange('!', '~').ofMaxLength(10)));
        return segment.list().ofMinSize(0).ofMaxSize(4).map(segments -> "/" + String.join("/", segments));
    }

    private static Arbitrary<String> randomQueries()
    {
        final Arbitrary<String> value = Arbitraries.oneOf(JsonTrees.trees().map(tree -> tree.toString()),
            Arbitraries.of("0", "-1", "1e99", "9999999999999999999", "1h", "2024-01-01T00:00:00Z", "true", "", "%", "%7B"),
            Arbitraries.strings().ofMaxLength(12));
        final Arbitrary<String> encoded = Combinators.combine(Arbitraries.of(QUERIES), value).as((key, text) -> key + "=" +
            URLEncoder.encode(text, StandardCharsets.UTF_8)).list().ofMinSize(1).ofMaxSize(3).map(pairs -> String.join("&", pairs));
        return Arbitraries.frequencyOf(Tuple.of(4, encoded),
            Tuple.of(1, Arbitraries.of("filters=%ZZ", "since=%", "%%=1", "force", "=&=", "filters={", "until=%E9", "filters=%7B%22")));
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
