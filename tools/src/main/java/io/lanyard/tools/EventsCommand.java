package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lanyard events}: the daemon's event stream ({@code GET /events}, the one Docker's client
 * follows), printed as {@code docker events} prints it, one line per event:
 * {@code TIME TYPE ACTION ID (ATTRIBUTES)}; {@code --format json} prints each event's JSON line.
 */
@Command(name = "events", description = "Get real-time events from the daemon.", mixinStandardHelpOptions = true)
final class EventsCommand implements Callable<Integer>
{
    @ParentCommand
    LanyardCli cli;

    @Option(names = "--since", paramLabel = "TIMESTAMP", description = "show events since this Unix time (seconds[.nanoseconds])")
    String since;

    @Option(names = "--until", paramLabel = "TIMESTAMP", description = "stream events until this Unix time (seconds[.nanoseconds])")
    String until;

    @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE", description = "filter events, as docker events: type=network, event=create, network=NAME, ...")
    List<String> filters = new ArrayList<>();

    @Option(names = "--format", paramLabel = "table|json", description = "output: docker events' lines, or each event's JSON (default: ${DEFAULT-VALUE})")
    String format = "table";

    @Override
    public Integer call()
    {
        if (!"table".equals(format) && !"json".equals(format))
        {
            throw new CliException("lanyard: --format must be table or json, not '" + format + "'");
        }
        final StringBuilder path = new StringBuilder("/events?");
        if (since != null)
        {
            path.append("since=").append(DaemonConnection.encode(since)).append('&');
        }
        if (until != null)
        {
            path.append("until=").append(DaemonConnection.encode(until)).append('&');
        }
        if (!filters.isEmpty())
        {
            path.append(DaemonConnection.filtersQuery(filters)).append('&');
        }
        cli.daemon().stream(path.substring(0, path.length() - 1), line ->
        {
            System.out.println("json".equals(format) ? line : describe(DaemonConnection.jsonLine(line)));
            System.out.flush();
        });
        return 0;
    }

    /** One event as {@code docker events} prints it. */
    static String describe(final JsonNode event)
    {
        final long nanos = event.path("timeNano").asLong();
        final List<String> attributes = new ArrayList<>();
        for (final Map.Entry<String, JsonNode> attribute : event.path("Actor").path("Attributes").properties())
        {
            attributes.add(attribute.getKey() + "=" + attribute.getValue().asText());
        }
        return Instant.ofEpochSecond(0, nanos) + " " + event.path("Type").asText() + " " + event.path("Action").asText() + " " +
            event.path("Actor").path("ID").asText() + (attributes.isEmpty() ? "" : " (" + String.join(", ", attributes) + ")");
    }
}
