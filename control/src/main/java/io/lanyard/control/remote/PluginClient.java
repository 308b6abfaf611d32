package io.lanyard.control.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;

import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One plugin's end of Docker's plugin protocol: every call is a POST of a JSON body to
 * {@code /Method.Name} on the plugin's Unix socket, answered by a JSON body. A refusal is a
 * non-200 status or a non-empty {@code Err}, whose text becomes the {@link PluginException}'s.
 * The HTTP is {@link ApiClient}'s, one connection per call. A call not answered within its
 * timeout fails: its callers hold the façade's lock, so a plugin that never answers would
 * otherwise stop every API request of the daemon.
 */
public final class PluginClient
{
    /** The media type of Docker's plugin protocol, version 1.2. */
    public static final String MEDIA_TYPE = "application/vnd.docker.plugins.v1.2+json";
    /** How long one call may take, as Docker's own plugin client allows. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Path socket;
    private final ApiClient http;

    public PluginClient(final String name, final Path socket)
    {
        this(name, socket, DEFAULT_TIMEOUT);
    }

    public PluginClient(final String name, final Path socket, final Duration timeout)
    {
        this.name = name;
        this.socket = socket;
        this.http = new ApiClient(socket, "plugin " + name, MEDIA_TYPE, timeout);
    }

    public String name()
    {
        return name;
    }

    /** Calls {@code method} (e.g. {@code NetworkDriver.Join}) with {@code body}; returns the answer, never null. */
    public JsonNode call(final String method, final Object body)
    {
        final ApiClient.Response response;
        try
        {
            response = http.post("/" + method, body);
        }
        catch (final ApiClient.DaemonUnreachableException ex)
        {
            if (ex.getCause() instanceof SocketTimeoutException late)
            {
                throw PluginException.failed("plugin \"" + name + "\" at unix://" + socket + " " +
                    late.getMessage().replace("did not answer", "did not answer " + method));
            }
            final String reason = ex.getCause() == null ? ex.getMessage() : ex.getCause().getMessage();
            throw PluginException.failed("plugin \"" + name + "\" at unix://" + socket + ": " + reason);
        }
        final JsonNode answer = parse(response);
        final String err = answer.path("Err").asText("");
        if (!err.isEmpty())
        {
            throw PluginException.failed(err);
        }
        if (response.status() != 200)
        {
            throw PluginException.failed("plugin \"" + name + "\" answered " + method + " with HTTP " + response.status() +
                (response.body().length == 0 ? "" : ": " + response.text()));
        }
        return answer;
    }

    private JsonNode parse(final ApiClient.Response response)
    {
        if (response.body().length == 0)
        {
            return Json.MAPPER.createObjectNode();
        }
        try
        {
            final JsonNode answer = response.json();
            return answer.isObject() ? answer : Json.MAPPER.createObjectNode();
        }
        catch (final IllegalStateException ex)
        {
            if (response.status() != 200)
            {
                return Json.MAPPER.createObjectNode();
            }
            throw PluginException.failed("plugin \"" + name + "\" answered with invalid JSON");
        }
    }
}
