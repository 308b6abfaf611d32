package io.lanyard.control;

import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.store.StateStore;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The rule every refused request must keep: a {@link RequestException} with Docker's status and
 * message, and nothing changed — not the model's networks or sandboxes, not a byte of the state
 * file, no temporary file left next to it.
 */
public final class RefusalAssertions
{
    private RefusalAssertions()
    {
    }

    /** What a refused request must leave exactly as it was. */
    private record Snapshot(List<Network> networks, List<Sandbox> sandboxes, byte[] stateFile, List<String> stateDirectory)
    {
    }

    private static Snapshot snapshot(final ControlPlaneFixture fixture)
    {
        final Path file = fixture.store().file();
        try (Stream<Path> files = Files.list(file.getParent()))
        {
            return new Snapshot(fixture.control().networks(), fixture.control().sandboxes(), ControlPlaneFixture.storedBytes(fixture.store()),
                files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @param message the exact message the refusal must carry.
     * @return the refusal, for further checks.
     */
    public static RequestException assertRefused(final ControlPlaneFixture fixture, final int status, final String message,
        final Executable request)
    {
        final Snapshot before = snapshot(fixture);

        final RequestException refusal = assertThrows(RequestException.class, request);

        assertEquals(status, refusal.status(), refusal.getMessage());
        assertEquals(message, refusal.getMessage());
        final Snapshot after = snapshot(fixture);
        assertEquals(before.networks(), after.networks(), "networks");
        assertEquals(before.sandboxes(), after.sandboxes(), "sandboxes");
        assertArrayEquals(before.stateFile(), after.stateFile(), StateStore.FILE_NAME + " and " + StateStore.JOURNAL_NAME);
        assertEquals(before.stateDirectory(), after.stateDirectory(), "files in the state directory");
        return refusal;
    }
}
