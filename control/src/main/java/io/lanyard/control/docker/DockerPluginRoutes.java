package io.lanyard.control.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.control.ControlPlane;
import io.lanyard.control.RequestException;
import io.lanyard.control.api.ApiResponse;
import io.lanyard.control.api.RequestHandler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Docker's plugin protocol on {@code lanyardd --docker-plugin PATH}: every call is a POST of a JSON
 * object to {@code /Plugin.Activate}, {@code /NetworkDriver.*} or {@code /IpamDriver.*}, answered
 * with a JSON object, or with {@code {"Err": "..."}} and a non-200 status, which Docker shows its
 * user as the reason. Calls are answered one at a time: each reads and writes the plugin's state.
 */
public final class DockerPluginRoutes implements RequestHandler
{
    public static final String MEDIA_TYPE = "application/vnd.docker.plugins.v1.2+json";
    /** Docker's network and endpoint IDs are 64 hex digits; they become keys of the plugin's state file and names of TAPs. */
    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

    private final DockerPluginState state;
    private final DockerNetworkDriver networkDriver;
    private final DockerIpamDriver ipamDriver;

    /**
     * @param stateDirectory the daemon's state directory, where the plugin keeps its own file.
     * @throws io.lanyard.control.store.CorruptStateException when that file cannot be read.
     */
    public DockerPluginRoutes(final ControlPlane control, final Path stateDirectory)
    {
        this.state = DockerPluginState.load(stateDirectory);
        this.networkDriver = new DockerNetworkDriver(control, state);
        this.ipamDriver = new DockerIpamDriver(control, state);
    }

    @Override
    public ApiResponse handle(final String method, final String uri, final byte[] body)
    {
        if (!"POST".equals(method))
        {
            return error(405, "method " + method + " not allowed: plugin calls are POSTs");
        }
        final String path = uri.indexOf('?') < 0 ? uri : uri.substring(0, uri.indexOf('?'));
        final JsonNode request;
        try
        {
            request = body == null || body.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
        }
        catch (final IOException ex)
        {
            final String reason = ex instanceof JsonProcessingException json ? json.getOriginalMessage() : ex.getMessage();
            return error(400, "malformed JSON in " + path + ": " + reason);
        }
        if (request == null || !request.isObject())
        {
            return error(400, "the body of " + path + " must be a JSON object");
        }
        try
        {
            synchronized (state)
            {
                return ApiResponse.ok(route(path, request));
            }
        }
        catch (final RequestException ex)
        {
            return error(ex.status(), ex.getMessage());
        }
        catch (final IllegalArgumentException ex)
        {
            return error(400, ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            return error(500, ex.getMessage() == null ? ex.toString() : ex.getMessage());
        }
    }

    private Object route(final String path, final JsonNode request)
    {
        if ("/Plugin.Activate".equals(path))
        {
            return Map.of("Implements", List.of("NetworkDriver", "IpamDriver"));
        }
        if (path.startsWith("/NetworkDriver."))
        {
            return networkDriver.call(path.substring("/NetworkDriver.".length()), request);
        }
        if (path.startsWith("/IpamDriver."))
        {
            return ipamDriver.call(path.substring("/IpamDriver.".length()), request);
        }
        throw unknownCall(path);
    }

    static RequestException unknownCall(final String call)
    {
        return RequestException.notFound("unknown plugin call " + call);
    }

    /** Docker's plugin error shape. */
    @Override
    public ApiResponse error(final int status, final String message)
    {
        return new ApiResponse(status, Map.of("Err", message));
    }

    /** A field Docker always sends; its absence is a malformed call. */
    static String required(final JsonNode request, final String field)
    {
        final JsonNode value = request.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty())
        {
            throw RequestException.badRequest(field + " is required");
        }
        return value.asText();
    }

    /**
     * An ID Docker always sends ({@code NetworkID}, {@code EndpointID}), bounded: a longer one
     * would be a key of the plugin's state file that the file's reader refuses at the next start.
     */
    static String id(final JsonNode request, final String field)
    {
        final String value = required(request, field);
        if (!ID.matcher(value).matches())
        {
            throw RequestException.badRequest(field + " must be 1 to 64 of [a-zA-Z0-9_.-], as Docker's IDs are");
        }
        return value;
    }

    /** A text field that may be absent or empty; null then. */
    static String optional(final JsonNode node, final String field)
    {
        final JsonNode value = node == null ? null : node.get(field);
        if (value == null || value.isNull())
        {
            return null;
        }
        if (!value.isTextual())
        {
            throw RequestException.badRequest(field + " must be a string");
        }
        return value.asText().isEmpty() ? null : value.asText();
    }
}
