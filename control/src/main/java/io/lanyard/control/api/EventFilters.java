package io.lanyard.control.api;

import io.lanyard.control.events.Event;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The {@code filters} of {@code GET /events}, matched as Docker's daemon matches them: {@code type},
 * {@code event} and {@code scope} exactly; {@code container}, {@code network}, {@code volume}...
 * as a prefix of the event's object ID or name (whatever the event's type: a {@code container}
 * filter does not pass a network's {@code connect} of that container, in Docker either);
 * {@code label} against the attributes. Docker lets any name through; here a name it does not
 * know is refused, so a typo does not silently show everything.
 */
final class EventFilters
{
    private static final List<String> BY_NAME = List.of("container", "daemon", "network", "node", "plugin", "service", "volume",
        "config", "secret");
    private static final Set<String> ACCEPTED = Set.of("container", "daemon", "network", "node", "plugin", "service", "volume",
        "config", "secret", "event", "image", "label", "scope", "type");

    private EventFilters()
    {
    }

    static Predicate<Event> parse(final List<String> parameter)
    {
        final Filters filters = Filters.parse(parameter, ACCEPTED);
        return event -> matches(filters, event);
    }

    private static boolean matches(final Filters filters, final Event event)
    {
        final String name = event.attributes().getOrDefault("name", "");
        for (final String filter : BY_NAME)
        {
            if (!filters.fuzzyMatch(filter, event.actorId()) && !filters.fuzzyMatch(filter, name))
            {
                return false;
            }
        }
        return filters.exactMatch("event", event.action()) && filters.exactMatch("type", event.type()) &&
            filters.exactMatch("scope", "local") && (!filters.contains("image") || filters.exactMatch("image", event.actorId()) ||
            filters.exactMatch("image", event.attributes().getOrDefault("image", ""))) &&
            filters.matchLabels("label", event.attributes());
    }
}
