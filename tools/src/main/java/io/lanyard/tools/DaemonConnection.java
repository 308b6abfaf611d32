package io.lanyard.tools;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/** The CLI's side of the API: calls that turn a daemon error into a {@link CliException}. */
final class DaemonConnection
{
    private static final DefaultPrettyPrinter DOCKER_STYLE = new DefaultPrettyPrinter()
        .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("").withArrayEmptySeparator(""))
        .withObjectIndenter(new DefaultIndenter("    ", "\n"))
        .withArrayIndenter(new DefaultIndenter("    ", "\n"));

    private final ApiClient client;

    DaemonConnection(final Path socket)
    {
        this.client = new ApiClient(socket);
    }

    JsonNode get(final String path)
    {
        return check(client.get(path)).json();
    }

    ApiClient.Response getRaw(final String path)
    {
        return client.get(path);
    }

    JsonNode post(final String path, final Object body)
    {
        final ApiClient.Response response = check(client.post(path, body));
        return response.body().length == 0 ? null : response.json();
    }

    void delete(final String path)
    {
        check(client.delete(path));
    }

    /** One line of a streamed JSON-lines answer, read; a line that is not JSON is the daemon's fault, said in one line. */
    static JsonNode jsonLine(final String line)
    {
        try
        {
            return Json.MAPPER.readTree(line);
        }
        catch (final IOException ex)
        {
            throw new CliException("lanyard: the daemon sent a line that is not JSON: " + line);
        }
    }

    /** Reads a streamed answer piece by piece until the daemon ends it; an error answer is the daemon's error. */
    void streamBytes(final String path, final Consumer<byte[]> onBytes)
    {
        final ApiClient.Response refused = client.streamBytes(path, onBytes);
        if (refused != null)
        {
            check(refused);
        }
    }

    /** Reads a streamed answer line by line until the daemon ends it; an error answer is the daemon's error. */
    void stream(final String path, final Consumer<String> onLine)
    {
        final ApiClient.Response refused = client.stream(path, onLine);
        if (refused != null)
        {
            check(refused);
        }
    }

    /**
     * Deletes each named thing as {@code docker rm} does: prints the name of each one removed,
     * the error of each one refused, and carries on.
     *
     * @return 0 when all were removed, 1 otherwise.
     */
    int deleteEach(final List<String> names, final Function<String, String> path)
    {
        return forEach(names, name ->
        {
            delete(path.apply(name));
            return name;
        });
    }

    /**
     * Asks the daemon one thing per name, as {@code docker rm} does: prints the line each answer
     * gives, the error of each one refused, and carries on.
     *
     * @return 0 when every call succeeded, 1 otherwise.
     */
    int forEach(final List<String> names, final Function<String, String> call)
    {
        int status = 0;
        for (final String name : names)
        {
            try
            {
                System.out.println(call.apply(name));
            }
            catch (final CliException ex)
            {
                System.err.println(ex.getMessage());
                status = 1;
            }
        }
        return status;
    }

    /**
     * Asks for each named object, as {@code docker inspect} does: prints those found as
     * {@link Formatted#inspect} (the format checked before anything is asked), then the error of
     * each one refused.
     *
     * @return 0 when every one was found, 1 otherwise.
     */
    int inspectEach(final List<String> names, final Function<String, String> path, final String format)
    {
        if (format != null && !"json".equals(format.trim()))
        {
            GoTemplate.parse(format);
        }
        final List<JsonNode> found = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        for (final String name : names)
        {
            final ApiClient.Response response = getRaw(path.apply(name));
            if (response.isSuccess())
            {
                found.add(response.json());
            }
            else
            {
                errors.add("Error response from daemon: " + response.errorMessage());
            }
        }
        Formatted.inspect(format, found, System.out);
        errors.forEach(System.err::println);
        return errors.isEmpty() ? 0 : 1;
    }

    /** {@code --filter KEY=VALUE} arguments as the API's {@code filters} query ({@code ""} for none). */
    static String filtersQuery(final List<String> filters)
    {
        final Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (final String filter : filters)
        {
            final int equals = filter.indexOf('=');
            if (equals <= 0)
            {
                throw new CliException("lanyard: bad format of filter (expected name=value): " + filter);
            }
            byKey.computeIfAbsent(filter.substring(0, equals), k -> new ArrayList<>()).add(filter.substring(equals + 1));
        }
        return byKey.isEmpty() ? "" : "filters=" + encode(json(byKey));
    }

    static String encode(final String segment)
    {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }

    static String json(final Object value)
    {
        try
        {
            return Json.MAPPER.writeValueAsString(value);
        }
        catch (final IOException ex)
        {
            throw new CliException("cannot encode JSON: " + ex.getMessage());
        }
    }

    /** JSON as {@code docker inspect} prints it: four-space indent, {@code "key": value}. */
    static String pretty(final Object value)
    {
        try
        {
            return Json.MAPPER.writer(DOCKER_STYLE).writeValueAsString(value);
        }
        catch (final IOException ex)
        {
            throw new CliException("cannot print JSON: " + ex.getMessage());
        }
    }

    private static ApiClient.Response check(final ApiClient.Response response)
    {
        if (!response.isSuccess())
        {
            throw new CliException("Error response from daemon: " + response.errorMessage());
        }
        return response;
    }
}
