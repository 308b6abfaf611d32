package io.lanyard.control.events;

import io.lanyard.control.model.Network;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bounded log of recent events and its live subscribers, with time moved by hand. */
class EventLogTest
{
    private static final Instant START = Instant.parse("2025-03-01T12:00:00Z");

    private Instant now = START;
    private final Clock clock = new Clock()
    {
        @Override
        public ZoneOffset getZone()
        {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(final java.time.ZoneId zone)
        {
            return this;
        }

        @Override
        public Instant instant()
        {
            return now;
        }
    };
    private final EventLog log = new EventLog(clock, 3);

    private void publishAt(final int second, final String action)
    {
        now = START.plusSeconds(second);
        log.publish(Event.TYPE_NETWORK, action, "n" + second, Map.of("name", "net" + second));
    }

    private static List<String> actions(final List<Event> events)
    {
        return events.stream().map(Event::action).toList();
    }

    @Test
    void shouldDescribeANetworkEventAsDockerDoes()
    {
        final List<Event> seen = new ArrayList<>();
        log.subscribe(null, null, false, event -> true, seen::add);
        final Network network = new Network("f".repeat(64), "app", Network.DRIVER_BRIDGE, Network.SCOPE_LOCAL, START, false, false,
            null, null, null);

        log.network("connect", network, "c".repeat(64));
        log.network("destroy", network, null);

        assertEquals(new Event("network", "connect", network.id(), Map.of("name", "app", "type", "bridge", "container", "c".repeat(64)),
            START), seen.get(0));
        assertEquals(Map.of("name", "app", "type", "bridge"), seen.get(1).attributes());
    }

    @Test
    void shouldReplayOnlyTheKeptEventsOfTheWindowAndOnlyWhenOneIsGiven()
    {
        for (int second = 1; second <= 4; second++)
        {
            publishAt(second, "a" + second);
        }
        final List<Event> all = new ArrayList<>();
        final List<Event> window = new ArrayList<>();
        final List<Event> none = new ArrayList<>();

        log.subscribe(START, null, true, event -> true, all::add);
        log.subscribe(START.plusSeconds(3), START.plusSeconds(3), true, event -> true, window::add);
        log.subscribe(null, null, false, event -> true, none::add);

        assertEquals(List.of("a2", "a3", "a4"), actions(all), "the oldest went when the fourth came");
        assertEquals(List.of("a3"), actions(window), "both bounds included");
        assertEquals(List.of(), actions(none), "no window, no replay");
    }

    @Test
    void shouldHandNewEventsToLiveSubscribersTheirFilterTakesUntilTheyClose()
    {
        final List<Event> creates = new ArrayList<>();
        final EventLog.Subscription subscription = log.subscribe(null, null, false, event -> event.action().equals("create"),
            creates::add);
        final List<Event> past = new ArrayList<>();
        log.subscribe(START, START, true, event -> true, past::add);
        assertEquals(1, log.listeners(), "a past-only reader is no listener");

        publishAt(1, "create");
        publishAt(2, "destroy");
        subscription.close();
        subscription.close();
        publishAt(3, "create");

        assertEquals(List.of("create"), actions(creates));
        assertEquals(0, log.listeners());
        assertEquals(List.of(), past);
    }

    @Test
    void shouldStampEventsWithTheInjectedClock()
    {
        now = START.plus(Duration.ofMillis(1500));

        final Event event = log.publish(Event.TYPE_NETWORK, "create", "n", Map.of());

        assertEquals(START.plusMillis(1500), event.time());
        assertEquals((START.getEpochSecond() + 1) * 1_000_000_000L + 500_000_000L, event.timeNanos());
    }
}
