package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The state a daemon stored, read from outside as its next start reads it: the snapshot
 * {@code state.json} with the records of the journal {@code state.journal} applied (each line
 * {@code CRC32 JSON}: a {@code sequence}, the networks, sandboxes and ports that changed, whole,
 * and under {@code removed} the IDs of those that went; lines at or below the snapshot's
 * {@code sequence} are already in it, a torn last line is a save that never finished). Tests that
 * play a crash write a state back with {@link #write}, while the daemon is stopped.
 */
final class StoredState
{
    private static final List<String> KINDS = List.of("networks", "sandboxes", "ports");

    private StoredState()
    {
    }

    static ObjectNode read(final Path stateDir) throws IOException
    {
        final ObjectNode state = (ObjectNode)Json.MAPPER.readTree(Files.readString(stateDir.resolve("state.json")));
        long sequence = state.path("sequence").asLong(0);
        final Path journal = stateDir.resolve("state.journal");
        final List<String> lines = Files.exists(journal) ? Files.readAllLines(journal, StandardCharsets.UTF_8) : List.of();
        for (final String line : lines)
        {
            final JsonNode record;
            try
            {
                record = Json.MAPPER.readTree(line.substring(line.indexOf(' ') + 1));
            }
            catch (final IOException | IndexOutOfBoundsException torn)
            {
                break;
            }
            if (record.path("sequence").asLong() <= sequence)
            {
                continue;
            }
            sequence = record.path("sequence").asLong();
            for (final String kind : KINDS)
            {
                final ArrayNode items = state.withArrayProperty(kind);
                for (final JsonNode item : record.path(kind))
                {
                    put(items, item);
                }
                for (final JsonNode gone : record.path("removed").path(kind))
                {
                    remove(items, gone.asText());
                }
            }
        }
        state.put("sequence", sequence);
        return state;
    }

    /** Replaces what the state directory holds with {@code state} (as {@link #read} gave it), journal and all. */
    static void write(final Path stateDir, final ObjectNode state) throws IOException
    {
        Files.writeString(stateDir.resolve("state.json"), Json.MAPPER.writeValueAsString(state), StandardCharsets.UTF_8);
        Files.deleteIfExists(stateDir.resolve("state.journal"));
    }

    /** Bytes the state directory holds for the state, snapshot and journal. */
    static long size(final Path stateDir) throws IOException
    {
        final Path journal = stateDir.resolve("state.journal");
        return Files.size(stateDir.resolve("state.json")) + (Files.exists(journal) ? Files.size(journal) : 0);
    }

    private static void put(final ArrayNode items, final JsonNode item)
    {
        for (int i = 0; i < items.size(); i++)
        {
            if (items.get(i).path("id").asText().equals(item.path("id").asText()))
            {
                items.set(i, item);
                return;
            }
        }
        items.add(item);
    }

    private static void remove(final ArrayNode items, final String id)
    {
        for (int i = 0; i < items.size(); i++)
        {
            if (items.get(i).path("id").asText().equals(id))
            {
                items.remove(i);
                return;
            }
        }
    }
}
