package io.lanyard.control.api;

import io.lanyard.client.Json;
import io.lanyard.control.RequestException;
import io.lanyard.control.events.Event;
import io.lanyard.control.events.EventLog;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code GET /events} as Docker's daemon answers it: one JSON message per line. With
 * {@code since} or {@code until}, the kept events of that window come first; an {@code until} in
 * the past ends the stream after them, one in the future ends it then, and without one it stays
 * open, sending each new event the filters take, until the client leaves or the daemon stops.
 */
final class EventStream implements StreamingBody
{
    private final EventLog log;
    private final Instant since;
    private final Instant until;
    private final Predicate<Event> filter;

    private EventStream(final EventLog log, final Instant since, final Instant until, final Predicate<Event> filter)
    {
        this.log = log;
        this.since = since;
        this.until = until;
        this.filter = filter;
    }

    /**
     * Checks the query before anything is sent, so a bad one is an ordinary 400.
     *
     * @param parameters the query's {@code since}, {@code until} and {@code filters}.
     */
    static EventStream of(final EventLog log, final Map<String, List<String>> parameters)
    {
        final String sinceText = first(parameters, "since");
        final String untilText = first(parameters, "until");
        final Instant since = Timestamps.unix(sinceText, "since");
        final Instant until = Timestamps.unix(untilText, "until");
        if (until != null && since != null && until.isBefore(since))
        {
            throw RequestException.badRequest("`since` time (" + sinceText + ") cannot be after `until` time (" + untilText + ")");
        }
        return new EventStream(log, since, until, EventFilters.parse(parameters.get("filters")));
    }

    @Override
    public void start(final StreamSink sink)
    {
        final Instant now = log.clock().instant();
        final boolean pastOnly = until != null && until.isBefore(now);
        final EventLog.Subscription subscription = log.subscribe(since, until, pastOnly, filter, event -> sink.send(line(event)));
        sink.onEnd(subscription::close);
        if (pastOnly)
        {
            sink.end();
        }
        else if (until != null)
        {
            sink.endAfter(Duration.between(now, until));
        }
    }

    /** Docker's event message, as one line. */
    static byte[] line(final Event event)
    {
        final Map<String, Object> actor = new LinkedHashMap<>();
        actor.put("ID", event.actorId());
        actor.put("Attributes", event.sortedAttributes());
        final Map<String, Object> message = new LinkedHashMap<>();
        message.put("Type", event.type());
        message.put("Action", event.action());
        message.put("Actor", actor);
        message.put("scope", "local");
        message.put("time", event.time().getEpochSecond());
        message.put("timeNano", event.timeNanos());
        return Json.line(message);
    }

    private static String first(final Map<String, List<String>> parameters, final String name)
    {
        final List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
