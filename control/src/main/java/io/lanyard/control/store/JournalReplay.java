package io.lanyard.control.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A snapshot with the journal's records above its sequence applied, in order: each record holds
 * the networks, sandboxes and VM ports a save changed, whole, and under {@code removed} the IDs of
 * those that went.
 */
final class JournalReplay
{
    /** The journal holds records past a gap: it was compacted while this load read it, which then reads again. */
    static final class MovedOn extends RuntimeException
    {
        MovedOn(final String message)
        {
            super(message, null, false, false);
        }
    }

    private final ObjectMapper json;
    private final Path journal;
    private final Map<String, Network> networks;
    private final Map<String, Sandbox> sandboxes;
    private final Map<String, GuestPort> ports;
    private final int version;
    private long sequence;

    JournalReplay(final ObjectMapper json, final Path journal, final State snapshot, final long sequence)
    {
        this.json = json;
        this.journal = journal;
        this.networks = byId(snapshot.networks(), Network::id);
        this.sandboxes = byId(snapshot.sandboxes(), Sandbox::id);
        this.ports = byId(snapshot.ports(), GuestPort::id);
        this.version = snapshot.version();
        this.sequence = sequence;
    }

    void apply(final JsonNode record)
    {
        final long recordSequence = record.path(StateStore.SEQUENCE).asLong(-1);
        if (recordSequence <= sequence)
        {
            return; // already in the snapshot: a crash came between its rename and the journal's truncation
        }
        if (recordSequence != sequence + 1)
        {
            throw new MovedOn("record " + recordSequence + " after " + sequence);
        }
        try
        {
            apply(record, "networks", Network.class, Network::id, networks);
            apply(record, "sandboxes", Sandbox.class, Sandbox::id, sandboxes);
            apply(record, "ports", GuestPort.class, GuestPort::id, ports);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new CorruptStateException("journal " + journal + " is corrupt (record " + recordSequence + ": " +
                ex.getMessage() + "); refusing to start rather than lose it — restore or remove it");
        }
        sequence = recordSequence;
    }

    private <T> void apply(final JsonNode record, final String kind, final Class<T> type, final Function<T, String> id,
        final Map<String, T> table) throws IOException
    {
        for (final JsonNode value : record.path(kind))
        {
            final T item = json.treeToValue(value, type);
            if (item == null || id.apply(item) == null)
            {
                throw new IllegalArgumentException("a record of " + kind + " lacks its id");
            }
            table.put(id.apply(item), item);
        }
        for (final JsonNode gone : record.path("removed").path(kind))
        {
            table.remove(gone.asText());
        }
    }

    /** The last sequence applied (the snapshot's, if none was). */
    long sequence()
    {
        return sequence;
    }

    State state()
    {
        return new State(version, List.copyOf(networks.values()), List.copyOf(sandboxes.values()), List.copyOf(ports.values()));
    }

    static <T> Map<String, T> byId(final List<T> items, final Function<T, String> id)
    {
        final Map<String, T> byId = new LinkedHashMap<>();
        for (final T item : items)
        {
            byId.put(id.apply(item), item);
        }
        return byId;
    }
}
