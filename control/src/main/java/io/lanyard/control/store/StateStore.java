package io.lanyard.control.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The embedded store: the whole {@link State} as one JSON file in the state directory.
 *
 * <p>Every save writes a temporary file, fsyncs it, renames it over the old one and fsyncs the
 * directory, so after a crash the file holds either the old state or the new one, whole. A file
 * that does not parse is never replaced by an empty state: {@link #load} refuses it, naming it.
 */
public final class StateStore
{
    public static final String FILE_NAME = "state.json";

    private final Path file;
    private final ObjectMapper json;

    public StateStore(final Path directory)
    {
        this.file = directory.resolve(FILE_NAME);
        this.json = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    }

    public Path file()
    {
        return file;
    }

    /**
     * @return the stored state, or {@link State#empty()} when nothing was ever stored.
     * @throws CorruptStateException when the file exists but cannot be read as a state.
     */
    public State load()
    {
        final byte[] bytes;
        try
        {
            bytes = Files.readAllBytes(file);
        }
        catch (final NoSuchFileException ex)
        {
            return State.empty();
        }
        catch (final IOException ex)
        {
            throw new CorruptStateException("cannot read state file " + file + ": " + ex.getMessage());
        }
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
        final String missing = firstMissingField(state);
        if (missing != null)
        {
            throw new CorruptStateException("state file " + file + " is corrupt (" + missing +
                "); refusing to start rather than lose it — restore or remove it");
        }
        return state;
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

    /** Replaces the stored state atomically and durably. */
    public void save(final State state)
    {
        try
        {
            writeDurably(file, json.writeValueAsBytes(state));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write state file " + file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Replaces {@code file} with {@code bytes} so that a crash leaves the old content or the new,
     * never a mix: a temporary file beside it, forced to disk, renamed over it, the directory forced.
     */
    public static void writeDurably(final Path file, final byte[] bytes) throws IOException
    {
        final Path directory = file.toAbsolutePath().getParent();
        final Path temporary = directory.resolve(file.getFileName() + ".tmp");
        Files.createDirectories(directory);
        try (FileChannel channel = FileChannel.open(temporary,
            StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
        {
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try
        {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            throw new IOException("the state directory does not support atomic rename", ex);
        }
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ))
        {
            dir.force(true);
        }
    }
}
