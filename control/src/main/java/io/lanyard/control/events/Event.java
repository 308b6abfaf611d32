package io.lanyard.control.events;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One thing that happened, in the terms of Docker's event messages: the kind of object
 * ({@code network}), what happened to it ({@code create}, {@code connect}...), the object's ID
 * and attributes ({@code name}, {@code type}, {@code container}), and when.
 */
public record Event(String type, String action, String actorId, Map<String, String> attributes, Instant time)
{
    public static final String TYPE_NETWORK = "network";
    public static final String TYPE_CONTAINER = "container";

    public Event
    {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** The attributes sorted by name, as Docker's CLI prints them. */
    public Map<String, String> sortedAttributes()
    {
        return new TreeMap<>(attributes);
    }

    public long timeNanos()
    {
        return time.getEpochSecond() * 1_000_000_000L + time.getNano();
    }
}
