package io.lanyard.control.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The embedded store: a snapshot of the whole {@link State} ({@value #FILE_NAME}) and a journal
 * of the changes made since ({@value #JOURNAL_NAME}), in the state directory.
 *
 * <p>A {@link #save} appends one line to the journal holding every network, sandbox and VM port
 * that changed since the last save (whole records, found by identity: the model's records are
 * immutable, so an unchanged one is the same object) and the IDs of those that went, and forces
 * it to disk. So a change costs what it changes: at 1,000 sandboxes a whole-state rewrite took
 * 1.2-1.4 ms of I/O per change (temporary file, fsync, rename, directory fsync) on top of 1.5-3.5
 * ms of JSON, against 0.16-0.19 ms for an append and fdatasync of one record.
 *
 * <p>Crashes: a line is {@code CRC32 JSON\n}, and carries every change of one save, so a line
 * is applied whole or not at all. A process that dies while appending leaves a last line that is
 * cut short (or, after a power loss, garbage): {@link #load} ignores such a tail, which is the
 * save that was never acknowledged, and the next save cuts it off. An invalid line followed by a
 * valid one is corruption, refused as a corrupt snapshot is. Each line has the next sequence
 * number; the snapshot names the last one it holds, so lines at or below it are skipped (a crash
 * between writing a snapshot and emptying the journal leaves them) and a gap after it means the
 * journal was emptied under a reader, which then reads again.
 *
 * <p>{@link #compact} writes a new snapshot (temporary file, fsync, rename, directory fsync) and
 * empties the journal: at every start, at an orderly stop, and whenever the journal has grown
 * past the snapshot (at least {@value #MIN_COMPACTION_BYTES} bytes), so a change writes, on
 * average, at most its own record twice. A file that does not parse is never replaced by an empty
 * state: {@link #load} refuses it, naming it.
 *
 * <p>This class decides what is written when; the journal's line format is {@link JournalLines},
 * applying its records to a snapshot {@link JournalReplay}, and the snapshot's atomic replacement
 * {@link DurableFile}.
 */
public final class StateStore
{
    public static final String FILE_NAME = "state.json";
    public static final String JOURNAL_NAME = "state.journal";
    /** The snapshot's field with the last journal sequence number it holds. */
    public static final String SEQUENCE = "sequence";
    /** The journal is compacted once it is larger than the snapshot and than this. */
    static final long MIN_COMPACTION_BYTES = 1 << 20;
    /** How often a load reads again when the journal was compacted while it read. */
    private static final int READ_ATTEMPTS = 10;

    private final Path file;
    private final Path journal;
    private final ObjectMapper json;
    private final ObjectMapper compactJson;
    private final long minCompactionBytes;

    /** What the files hold, as of the last load, save or compaction; null until one of them. */
    private Map<String, Network> networks;
    private Map<String, Sandbox> sandboxes;
    private Map<String, GuestPort> ports;
    private State stored;
    private long sequence;
    private long snapshotBytes;
    private long journalBytes;
    /** Where the journal's valid lines end, when a load found a torn tail after them; -1 if none. */
    private long validJournalLength = -1;
    private FileChannel appender;

    public StateStore(final Path directory)
    {
        this(directory, MIN_COMPACTION_BYTES);
    }

    /** @param minCompactionBytes the journal size below which it is never compacted (tests make it small). */
    StateStore(final Path directory, final long minCompactionBytes)
    {
        this.file = directory.resolve(FILE_NAME);
        this.journal = directory.resolve(JOURNAL_NAME);
        this.minCompactionBytes = minCompactionBytes;
        this.json = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
        this.compactJson = json.copy().disable(SerializationFeature.INDENT_OUTPUT);
    }

    public Path file()
    {
        return file;
    }

    public Path journal()
    {
        return journal;
    }

    /**
     * @return the stored state (the snapshot with the journal's changes applied), or
     *         {@link State#empty()} when nothing was ever stored.
     * @throws CorruptStateException when a file exists but cannot be read as a state.
     */
    public synchronized State load()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return read();
            }
            catch (final JournalReplay.MovedOn ex)
            {
                if (attempt == READ_ATTEMPTS)
                {
                    throw new CorruptStateException("journal " + journal + " does not follow snapshot " + file + ": " + ex.getMessage());
                }
            }
        }
    }

    private State read()
    {
        final byte[] snapshot = readFile(file);
        final State base = snapshot == null ? State.empty() : parseSnapshot(snapshot);
        final byte[] lines = readFile(journal);
        final JournalReplay replay = new JournalReplay(json, journal, base, snapshot == null ? 0 : sequenceOf(snapshot));
        final long[] valid = {0};
        final long[] tornAt = {-1};
        JournalLines.scan(lines, json, new JournalLines.Visitor()
        {
            @Override
            public void record(final JsonNode record, final int next)
            {
                if (tornAt[0] >= 0)
                {
                    throw new CorruptStateException("journal " + journal + " is corrupt (an invalid record at byte " + tornAt[0] +
                        " before valid ones); refusing to start rather than lose it — restore or remove it");
                }
                replay.apply(record);
                valid[0] = next;
            }

            @Override
            public void invalid(final int start)
            {
                tornAt[0] = tornAt[0] < 0 ? start : tornAt[0];
            }
        });
        final State state = replay.state();
        final String missing = firstMissingField(state);
        if (missing != null)
        {
            throw new CorruptStateException("state file " + file + " is corrupt (" + missing +
                "); refusing to start rather than lose it — restore or remove it");
        }
        remember(state, replay.sequence());
        snapshotBytes = snapshot == null ? 0 : snapshot.length;
        journalBytes = valid[0];
        validJournalLength = lines != null && valid[0] < lines.length ? valid[0] : -1;
        return state;
    }

    private State parseSnapshot(final byte[] bytes)
    {
        final State state;
        try
        {
            state = json.readValue(bytes, State.class);
        }
        catch (final JsonProcessingException ex)
        {
            throw new CorruptStateException("state file " + file + " is corrupt (" + ex.getOriginalMessage() +
                "); refusing to start rather than lose it — restore or remove it");
        }
        catch (final IOException ex)
        {
            throw new CorruptStateException("cannot read state file " + file + ": " + ex.getMessage());
        }
        if (state == null || state.version() != State.CURRENT_VERSION)
        {
            throw new CorruptStateException("state file " + file + " has unsupported version " +
                (state == null ? "none" : state.version()));
        }
        return state;
    }

    private long sequenceOf(final byte[] snapshot)
    {
        try
        {
            return json.readTree(snapshot).path(SEQUENCE).asLong(0);
        }
        catch (final IOException ex)
        {
            throw new CorruptStateException("state file " + file + " is corrupt (" + ex.getMessage() + ")");
        }
    }

    private static byte[] readFile(final Path path)
    {
        try
        {
            return Files.readAllBytes(path);
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
        catch (final IOException ex)
        {
            throw new CorruptStateException("cannot read state file " + path + ": " + ex.getMessage());
        }
    }

    /** Names the first record that lacks a field every record of its kind must have, or null. */
    private static String firstMissingField(final State state)
    {
        for (final Network network : state.networks())
        {
            if (network == null || network.id() == null || network.name() == null || network.driver() == null ||
                network.scope() == null || network.created() == null)
            {
                return "a network lacks its id, name, driver, scope or created time";
            }
        }
        for (final Sandbox sandbox : state.sandboxes())
        {
            if (sandbox == null || sandbox.id() == null || sandbox.name() == null || sandbox.state() == null ||
                sandbox.created() == null)
            {
                return "a sandbox lacks its id, name, state or created time";
            }
            for (final Endpoint endpoint : sandbox.endpoints())
            {
                if (endpoint == null || endpoint.id() == null || endpoint.networkId() == null)
                {
                    return "an endpoint of sandbox " + sandbox.name() + " lacks its id or network";
                }
            }
        }
        return null;
    }

    /**
     * Stores {@code state} durably: what changed since the last save as one journal record
     * (nothing when nothing changed), or a whole snapshot when this store has not read or written
     * the files yet, or when the journal has grown past the snapshot.
     */
    public synchronized void save(final State state)
    {
        if (stored == null)
        {
            compact(state);
            return;
        }
        final ObjectNode record = compactJson.createObjectNode();
        final ObjectNode removed = compactJson.createObjectNode();
        final Map<String, Network> nextNetworks = changes(state.networks(), Network::id, networks, "networks", record, removed);
        final Map<String, Sandbox> nextSandboxes = changes(state.sandboxes(), Sandbox::id, sandboxes, "sandboxes", record, removed);
        final Map<String, GuestPort> nextPorts = changes(state.ports(), GuestPort::id, ports, "ports", record, removed);
        if (record.isEmpty() && removed.isEmpty())
        {
            stored = state;
            return;
        }
        if (!removed.isEmpty())
        {
            record.set("removed", removed);
        }
        record.put(SEQUENCE, sequence + 1);
        try
        {
            append(record);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write state journal " + journal + ": " + ex.getMessage(), ex);
        }
        sequence++;
        networks = nextNetworks;
        sandboxes = nextSandboxes;
        ports = nextPorts;
        stored = state;
        if (journalBytes > Math.max(minCompactionBytes, snapshotBytes))
        {
            compact(state);
        }
    }

    /**
     * The items of {@code now} that are not (the same object as) those stored, put in
     * {@code record} under {@code kind}, and the IDs of those gone, in {@code removed}.
     *
     * @return {@code now} by ID, to remember once the record is written.
     */
    private <T> Map<String, T> changes(final List<T> now, final Function<T, String> id, final Map<String, T> before, final String kind,
        final ObjectNode record, final ObjectNode removed)
    {
        final Map<String, T> next = JournalReplay.byId(now, id);
        for (final T item : now)
        {
            if (before.get(id.apply(item)) != item)
            {
                record.withArrayProperty(kind).add(compactJson.valueToTree(item));
            }
        }
        if (before.size() != next.size() || !next.keySet().containsAll(before.keySet()))
        {
            final Set<String> gone = new HashSet<>(before.keySet());
            gone.removeAll(next.keySet());
            gone.forEach(removedId -> removed.withArrayProperty(kind).add(removedId));
        }
        return next;
    }

    private void append(final ObjectNode record) throws IOException
    {
        final byte[] line = JournalLines.line(compactJson.writeValueAsBytes(record));
        final FileChannel channel = appender();
        final long before = channel.size();
        try
        {
            final ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            channel.force(false);
        }
        catch (final IOException ex)
        {
            // a part of the line may have been written: cut it off, or start over with a snapshot
            try
            {
                channel.truncate(before);
            }
            catch (final IOException again)
            {
                stored = null;
            }
            throw ex;
        }
        journalBytes = before + line.length;
    }

    private FileChannel appender() throws IOException
    {
        if (appender == null)
        {
            Files.createDirectories(journal.toAbsolutePath().getParent());
            appender = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            if (validJournalLength >= 0)
            {
                appender.truncate(validJournalLength); // the torn tail of a save a crash cut short
                validJournalLength = -1;
            }
        }
        return appender;
    }

    /**
     * Writes {@code state} whole as the snapshot, atomically and durably, then empties the
     * journal; a crash in between leaves journal records the snapshot already holds, which a load
     * skips.
     */
    public synchronized void compact(final State state)
    {
        final long snapshotSequence = stored == null ? Math.max(sequence, lastSequenceOnDisk()) : sequence;
        try
        {
            final ObjectNode tree = json.valueToTree(state);
            tree.put(SEQUENCE, snapshotSequence);
            final byte[] bytes = json.writeValueAsBytes(tree);
            DurableFile.replace(file, bytes);
            snapshotBytes = bytes.length;
            appender().truncate(0);
            appender.force(true);
            journalBytes = 0;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write state file " + file + ": " + ex.getMessage(), ex);
        }
        remember(state, snapshotSequence);
    }

    /** Writes a snapshot of what was last stored (at an orderly stop), if anything was. */
    public synchronized void compact()
    {
        if (stored != null && journalBytes > 0)
        {
            compact(stored);
        }
    }

    /**
     * The highest sequence the files hold, for a store that writes before it has read: its
     * snapshot must not name a lower one than journal records left behind, or they would be
     * replayed over it.
     */
    private long lastSequenceOnDisk()
    {
        final long[] last = {0};
        JournalLines.scan(readFile(journal), json, new JournalLines.Visitor()
        {
            @Override
            public void record(final JsonNode record, final int next)
            {
                last[0] = Math.max(last[0], record.path(SEQUENCE).asLong(0));
            }

            @Override
            public void invalid(final int start)
            {
                // a torn line is no record: it names no sequence
            }
        });
        return last[0];
    }

    private void remember(final State state, final long lastSequence)
    {
        networks = JournalReplay.byId(state.networks(), Network::id);
        sandboxes = JournalReplay.byId(state.sandboxes(), Sandbox::id);
        ports = JournalReplay.byId(state.ports(), GuestPort::id);
        stored = state;
        sequence = lastSequence;
    }
}
