package io.lanyard.control.events;

import io.lanyard.control.model.Network;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The daemon's events: the control plane publishes each one here as the last step of the request
 * that made it; the log keeps the most recent {@link #DEFAULT_CAPACITY} (as Docker's daemon keeps
 * 256) for readers that ask for a past window, and hands each new one to the live subscribers
 * whose filter takes it. A subscriber is called on the publishing thread under this log's lock,
 * so it must not block (the API's streams only queue a write); that lock also orders a new
 * subscriber's replay of the past before any event published after it subscribed.
 */
public final class EventLog
{
    private static final System.Logger LOG = System.getLogger(EventLog.class.getName());
    public static final int DEFAULT_CAPACITY = 256;

    private final Clock clock;
    private final int capacity;
    private final ArrayDeque<Event> recent;
    private final List<Subscriber> subscribers = new ArrayList<>();

    public EventLog()
    {
        this(Clock.systemUTC(), DEFAULT_CAPACITY);
    }

    public EventLog(final Clock clock, final int capacity)
    {
        this.clock = clock;
        this.capacity = capacity;
        this.recent = new ArrayDeque<>(capacity);
    }

    /** A live subscription; closing it stops the calls (idempotent). */
    public interface Subscription extends AutoCloseable
    {
        @Override
        void close();
    }

    private record Subscriber(Predicate<Event> filter, Consumer<Event> sink)
    {
    }

    /**
     * A network event as Docker's daemon logs it: the network's ID, its name and driver, and for
     * {@code connect}/{@code disconnect} the container's ID.
     *
     * @param containerId null for events of the network alone ({@code create}, {@code destroy}).
     */
    public void network(final String action, final Network network, final String containerId)
    {
        final Map<String, String> attributes = new HashMap<>();
        attributes.put("name", network.name());
        attributes.put("type", network.driver());
        if (containerId != null)
        {
            attributes.put("container", containerId);
        }
        publish(Event.TYPE_NETWORK, action, network.id(), attributes);
    }

    /** A sandbox's own event, as Docker's daemon reports a container's: {@code create} and {@code destroy}, with its name. */
    public void sandbox(final String action, final String sandboxId, final String name)
    {
        publish(Event.TYPE_CONTAINER, action, sandboxId, Map.of("name", name));
    }

    /** Keeps and hands out one event, and logs it once at INFO: each change the API makes, with its ID. */
    public synchronized Event publish(final String type, final String action, final String actorId, final Map<String, String> attributes)
    {
        final Event event = new Event(type, action, actorId, attributes, clock.instant());
        LOG.log(System.Logger.Level.INFO, type + " " + action + " " + actorId + " " + event.sortedAttributes());
        if (recent.size() == capacity)
        {
            recent.removeFirst();
        }
        recent.addLast(event);
        for (final Subscriber subscriber : List.copyOf(subscribers))
        {
            if (subscriber.filter().test(event))
            {
                subscriber.sink().accept(event);
            }
        }
        return event;
    }

    /**
     * Replays to {@code sink} the kept events in {@code [since, until]} that {@code filter} takes
     * (none when both bounds are null, as Docker replays only for a window), then, unless
     * {@code pastOnly}, keeps calling it with each new event the filter takes.
     */
    public synchronized Subscription subscribe(final Instant since, final Instant until, final boolean pastOnly,
        final Predicate<Event> filter, final Consumer<Event> sink)
    {
        if (since != null || until != null)
        {
            for (final Event event : recent)
            {
                if ((since == null || !event.time().isBefore(since)) && (until == null || !event.time().isAfter(until)) &&
                    filter.test(event))
                {
                    sink.accept(event);
                }
            }
        }
        if (pastOnly)
        {
            return () ->
            {
            };
        }
        final Subscriber subscriber = new Subscriber(filter, sink);
        subscribers.add(subscriber);
        return () -> unsubscribe(subscriber);
    }

    private synchronized void unsubscribe(final Subscriber subscriber)
    {
        subscribers.removeIf(each -> each == subscriber);
    }

    /** The live subscribers (Docker's {@code NEventsListener}). */
    public synchronized int listeners()
    {
        return subscribers.size();
    }

    public Clock clock()
    {
        return clock;
    }
}
