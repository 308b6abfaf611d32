package io.lanyard.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.BuildInfo;
import io.lanyard.client.Json;
import io.lanyard.client.api.AttachRequest;
import io.lanyard.client.api.ConnectRequest;
import io.lanyard.client.api.DetachRequest;
import io.lanyard.client.api.DisconnectRequest;
import io.lanyard.client.api.InvalidRequestException;
import io.lanyard.client.api.IpamConfig;
import io.lanyard.client.api.NetworkCreateRequest;
import io.lanyard.client.api.PortCreateRequest;
import io.lanyard.client.api.RunRequest;
import io.lanyard.control.ControlPlane;
import io.lanyard.control.trace.Tracer;
import io.lanyard.control.NetworkCreate;
import io.lanyard.control.RequestException;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * Maps requests to the control plane. Network paths and shapes are Docker Engine's (so Docker's
 * own clients can list and manage Lanyard networks), and so are {@code /info}, {@code /events}
 * and the read-only {@code /containers/json}, which lists the sandboxes. Sandboxes live under
 * {@code /sandboxes}, and namespaces made by others are attached and detached at
 * {@code /sandboxes/attach} and {@code /sandboxes/detach}; TAPs handed over to VM monitors live
 * under {@code /ports}. Docker clients prefix paths with an API version
 * ({@code /v1.43/networks}); it is accepted and ignored.
 */
public final class ApiRoutes implements RequestHandler
{
    public static final String API_VERSION = BuildInfo.API_VERSION;
    public static final String VERSION = BuildInfo.current().version();
    /** Where {@code POST /sandboxes/NAME/stop} waits for a command to go. */
    private static final ExecutorService STOPPERS = Executors.newCachedThreadPool(new DefaultThreadFactory("lanyard-stop", true));
    private static final Pattern VERSION_PREFIX = Pattern.compile("^/v[0-9]+(\\.[0-9]+)?(?=/)");

    private final ControlPlane control;
    private final long daemonPid = ProcessHandle.current().pid();

    public ApiRoutes(final ControlPlane control)
    {
        this.control = control;
    }

    @Override
    public ApiResponse handle(final String method, final String uri, final byte[] body)
    {
        try
        {
            return route(method, uri, body);
        }
        catch (final RequestException ex)
        {
            return ApiResponse.error(ex.status(), ex.getMessage());
        }
        catch (final InvalidRequestException ex)
        {
            return ApiResponse.error(400, ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            return ApiResponse.error(500, ex.getMessage() == null ? ex.toString() : ex.getMessage());
        }
    }

    private ApiResponse route(final String method, final String uri, final byte[] body)
    {
        final QueryStringDecoder query = decode(uri);
        final String path = VERSION_PREFIX.matcher(query.path()).replaceFirst("");
        final String[] parts = path.replaceAll("^/+|/+$", "").split("/");
        final String resource = parts[0];
        switch (resource)
        {
            case "_ping":
                return ApiResponse.ok("OK");
            case "version":
                return ApiResponse.ok(version());
            case "info":
                requireMethod(method, "GET");
                return ApiResponse.ok(SystemInfo.view(control, daemonPid, now()));
            case "containers":
                requireMethod(method, "GET");
                if (parts.length != 2 || !"json".equals(parts[1]))
                {
                    throw RequestException.notFound("page not found");
                }
                return ApiResponse.ok(ContainerList.list(control, query.parameters(), now()));
            case "events":
                requireMethod(method, "GET");
                return ApiResponse.ok(EventStream.of(control.events(), query.parameters()));
            case "networks":
                return networks(method, parts, query, body);
            case "sandboxes":
                return sandboxes(method, parts, query, body);
            case "ports":
                return ports(method, parts, body);
            case "stats":
                requireMethod(method, "GET");
                if (StatsStream.wanted(query.parameters()))
                {
                    return ApiResponse.ok(StatsStream.of(control, query.parameters(), control.events().clock()));
                }
                return ApiResponse.ok(JsonViews.stats(control));
            case "capture":
                requireMethod(method, "GET");
                return ApiResponse.ok(CaptureStream.of(control, query.parameters()));
            case "tables":
                requireMethod(method, "GET");
                if (parts.length != 2)
                {
                    throw RequestException.notFound("page not found");
                }
                return ApiResponse.ok(TableViews.view(control, parts[1], query.parameters()));
            default:
                throw RequestException.notFound("page not found");
        }
    }

    private ApiResponse networks(final String method, final String[] parts, final QueryStringDecoder query, final byte[] body)
    {
        if (parts.length == 1)
        {
            requireMethod(method, "GET");
            final NetworkFilters filters = NetworkFilters.parse(query.parameters().get("filters"));
            final List<Object> views = new ArrayList<>();
            for (final Network network : control.networks())
            {
                if (filters.matches(network))
                {
                    views.add(JsonViews.network(network, control.members(network), control::publishedVia, control.peers(network)));
                }
            }
            return ApiResponse.ok(views);
        }
        if (parts.length == 2 && "prune".equals(parts[1]) && "POST".equals(method))
        {
            final Map<String, Object> report = new LinkedHashMap<>();
            report.put("NetworksDeleted", NetworkPrune.prune(control, query.parameters().get("filters"), now()));
            return ApiResponse.ok(report);
        }
        if (parts.length == 2 && "create".equals(parts[1]) && "POST".equals(method))
        {
            final Network network = control.createNetwork(networkCreate(NetworkCreateRequest.fromJson(parse(body))));
            return ApiResponse.created(Map.of("Id", network.id(), "Warning", ""));
        }
        if (parts.length == 2)
        {
            if ("DELETE".equals(method))
            {
                control.removeNetwork(parts[1]);
                return ApiResponse.noContent();
            }
            requireMethod(method, "GET");
            final Network network = control.network(parts[1]);
            return ApiResponse.ok(JsonViews.network(network, control.members(network), control::publishedVia, control.peers(network)));
        }
        if (parts.length == 3 && "POST".equals(method) && "connect".equals(parts[2]))
        {
            final ConnectRequest request = ConnectRequest.fromJson(parse(body));
            control.connect(parts[1], request);
            return ApiResponse.ok(null);
        }
        if (parts.length == 3 && "POST".equals(method) && "disconnect".equals(parts[2]))
        {
            control.disconnect(parts[1], DisconnectRequest.fromJson(parse(body)).container());
            return ApiResponse.ok(null);
        }
        throw RequestException.notFound("page not found");
    }

    /** Docker's NetworkCreateRequest, as the control plane takes it. */
    private static NetworkCreate networkCreate(final NetworkCreateRequest request)
    {
        final List<IpamPool> pools = new ArrayList<>();
        for (final IpamConfig config : request.ipam())
        {
            pools.add(new IpamPool(config.subnet(), config.gateway(), config.ipRange(), config.auxAddresses()));
        }
        return new NetworkCreate(request.name(), request.driver(), pools, request.internal(), request.attachable(),
            request.options(), request.labels());
    }

    private ApiResponse sandboxes(final String method, final String[] parts, final QueryStringDecoder query, final byte[] body)
    {
        if (parts.length == 1 && "GET".equals(method))
        {
            final List<Object> views = new ArrayList<>();
            for (final Sandbox sandbox : control.sandboxes())
            {
                views.add(JsonViews.sandbox(control, sandbox, daemonPid));
            }
            return ApiResponse.ok(views);
        }
        if (parts.length == 1 && "POST".equals(method))
        {
            final Sandbox sandbox = control.run(RunRequest.fromJson(parse(body)));
            return ApiResponse.created(JsonViews.sandbox(control, sandbox, daemonPid));
        }
        if (parts.length == 2 && "attach".equals(parts[1]) && "POST".equals(method))
        {
            return ApiResponse.ok(JsonViews.sandbox(control, control.attach(AttachRequest.fromJson(parse(body))), daemonPid));
        }
        if (parts.length == 2 && "detach".equals(parts[1]) && "POST".equals(method))
        {
            final DetachRequest request = DetachRequest.fromJson(parse(body));
            control.detach(request.name(), request.network());
            return ApiResponse.noContent();
        }
        if (parts.length == 2 && "GET".equals(method))
        {
            return ApiResponse.ok(JsonViews.sandbox(control, control.sandbox(parts[1]), daemonPid));
        }
        if (parts.length == 2 && "DELETE".equals(method))
        {
            control.remove(parts[1], flag(query, "force"));
            return ApiResponse.noContent();
        }
        if (parts.length == 3 && "trace".equals(parts[2]) && "GET".equals(method))
        {
            if (flag(query, "follow"))
            {
                return ApiResponse.ok(CaptureStream.follow(control, parts[1], query.parameters(), new FollowedFrames(control)));
            }
            return ApiResponse.ok(Tracer.trace(control, parts[1], query.parameters()));
        }
        if (parts.length == 3 && "logs".equals(parts[2]) && "GET".equals(method))
        {
            return ApiResponse.ok(LogStream.of(control.commands().output(parts[1]), query.parameters()));
        }
        if (parts.length == 3 && "stop".equals(parts[2]) && "POST".equals(method))
        {
            final Duration timeout = Duration.ofSeconds(stopTimeout(query));
            final String id = control.sandbox(parts[1]).id(); // a 404 before anything is sent
            // the wait (up to t seconds) is a thread of its own, not one of the API's few workers:
            // the answer, empty, ends when the command is gone
            return ApiResponse.ok((StreamingBody)sink -> STOPPERS.execute(() ->
            {
                try
                {
                    control.commands().stop(id, timeout);
                }
                finally
                {
                    sink.end();
                }
            }));
        }
        if (parts.length == 3 && "repair".equals(parts[2]) && "POST".equals(method))
        {
            final List<String> repaired = control.repair(parts[1]);
            final Map<String, Object> view = JsonViews.sandbox(control, control.sandbox(parts[1]), daemonPid);
            view.put("Repaired", repaired);
            return ApiResponse.ok(view);
        }
        throw RequestException.notFound("page not found");
    }

    private ApiResponse ports(final String method, final String[] parts, final byte[] body)
    {
        if (parts.length == 1 && "GET".equals(method))
        {
            final List<Object> views = new ArrayList<>();
            for (final GuestPort port : control.guestPorts())
            {
                views.add(JsonViews.guestPort(control, port));
            }
            return ApiResponse.ok(views);
        }
        if (parts.length == 1 && "POST".equals(method))
        {
            return ApiResponse.created(JsonViews.guestPort(control, control.createPort(PortCreateRequest.fromJson(parse(body)))));
        }
        if (parts.length == 2 && "DELETE".equals(method))
        {
            control.removePort(parts[1]);
            return ApiResponse.noContent();
        }
        throw RequestException.notFound("page not found");
    }

    private Instant now()
    {
        return control.events().clock().instant();
    }

    private static Map<String, Object> version()
    {
        final Map<String, Object> version = new LinkedHashMap<>();
        version.put("Platform", Map.of("Name", "Lanyard"));
        version.put("Version", VERSION);
        version.put("ApiVersion", API_VERSION);
        version.put("MinAPIVersion", "1.24");
        version.put("GitCommit", BuildInfo.current().commit());
        version.put("CommitTime", BuildInfo.current().commitTime());
        version.put("JavaVersion", Runtime.version().toString());
        version.put("Os", "linux");
        version.put("Arch", BuildInfo.arch());
        version.put("KernelVersion", System.getProperty("os.version"));
        // as dockerd's Engine component: docker version prints a component's Details
        version.put("Components", List.of(Map.of("Name", "Lanyard", "Version", VERSION, "Details",
            Map.of("ApiVersion", API_VERSION, "GitCommit", BuildInfo.current().commit(), "JavaVersion", Runtime.version().toString()))));
        return version;
    }

    /** {@code t}: the seconds {@code stop} waits after SIGTERM before SIGKILL, 10 by default, as Docker's. */
    private static long stopTimeout(final QueryStringDecoder query)
    {
        final List<String> values = query.parameters().get("t");
        if (values == null || values.isEmpty())
        {
            return 10;
        }
        try
        {
            final long seconds = Long.parseLong(values.get(0));
            if (seconds >= 0 && seconds <= 3600)
            {
                return seconds;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // refused below
        }
        throw RequestException.badRequest("t: seconds from 0 to 3600, not " + values.get(0));
    }

    private static void requireMethod(final String method, final String expected)
    {
        if (!expected.equals(method) && !("HEAD".equals(method) && "GET".equals(expected)))
        {
            throw new RequestException(405, "method " + method + " not allowed here");
        }
    }

    /** The request's path and query, decoded once; a URI with a bad escape ({@code %zz}) is a 400, not a 500. */
    private static QueryStringDecoder decode(final String uri)
    {
        final QueryStringDecoder query = new QueryStringDecoder(uri);
        try
        {
            query.path();
            query.parameters();
        }
        catch (final IllegalArgumentException ex)
        {
            throw RequestException.badRequest("malformed request URI: " + ex.getMessage());
        }
        return query;
    }

    private static JsonNode parse(final byte[] body)
    {
        if (body.length == 0)
        {
            return Json.MAPPER.createObjectNode();
        }
        try
        {
            final JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || !node.isObject())
            {
                throw RequestException.badRequest("request body must be a JSON object");
            }
            return node;
        }
        catch (final JsonProcessingException ex)
        {
            throw RequestException.badRequest("invalid JSON in request body: " + ex.getOriginalMessage());
        }
        catch (final java.io.IOException ex)
        {
            throw RequestException.badRequest("unreadable request body");
        }
    }

    private static boolean flag(final QueryStringDecoder query, final String name)
    {
        final List<String> values = query.parameters().get(name);
        return values != null && !values.isEmpty() && ("1".equals(values.get(0)) || "true".equalsIgnoreCase(values.get(0)));
    }
}
