package io.lanyard.control.store;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class StateStoreTest
{
    private static final String BRIDGE_ID = "a".repeat(63) + "1";
    private static final String USER_NETWORK_ID = "b".repeat(63) + "2";
    private static final String SANDBOX_ID = "c".repeat(63) + "3";
    private static final String HOST_SANDBOX_ID = "d".repeat(63) + "4";

    @TempDir
    Path tempDir;

    private Path stateDirectory()
    {
        return tempDir.resolve("state");
    }

    /** A state that uses every kind of field: nanosecond times, maps, lists, nulls, absent optional values. */
    private static State richState()
    {
        final Network bridge = new Network(BRIDGE_ID, "bridge", Network.DRIVER_BRIDGE, "local",
            Instant.parse("2024-05-01T12:34:56.123456789Z"), false, false,
            List.of(new IpamPool("172.17.0.0/16", "172.17.0.1", null, null)),
            Map.of(Network.OPTION_DEFAULT_BRIDGE, "true", Network.OPTION_MTU, "1500"), null);
        final Network user = new Network(USER_NETWORK_ID, "br0", Network.DRIVER_BRIDGE, "local",
            Instant.parse("2024-05-02T00:00:00Z"), true, true,
            List.of(new IpamPool("172.28.0.0/16", "172.28.5.254", "172.28.5.0/24",
                Map.of("my-router", "172.28.1.5", "my-switch", "172.28.1.6"))),
            Map.of(), Map.of("team", "net", "empty", ""));
        final Sandbox container = new Sandbox(SANDBOX_ID, "c1", "lanyard-c1", Instant.parse("2024-05-03T01:02:03.000000001Z"),
            Sandbox.READY, List.of("sleep", "3600"), 4242L, 1_714_700_000_123L, 137,
            List.of(new Endpoint("e".repeat(64), USER_NETWORK_ID, "eth0", "172.28.5.0", 16, "02:42:ac:1c:05:00",
                List.of("web", "www"), null)));
        final Sandbox hostNetworked = new Sandbox(HOST_SANDBOX_ID, "h1", null, Instant.parse("2024-05-04T00:00:00Z"),
            Sandbox.CREATING, null, null, null, null,
            List.of(new Endpoint("f".repeat(64), "9".repeat(64), null, null, 0, null, null, Endpoint.CONNECTING)));
        return new State(State.CURRENT_VERSION, List.of(bridge, user), List.of(container, hostNetworked));
    }

    private static List<String> fileNames(final Path directory) throws IOException
    {
        try (Stream<Path> files = Files.list(directory))
        {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private CorruptStateException loadOf(final byte[] content) throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        Files.createDirectories(stateDirectory());
        Files.write(store.file(), content);
        final CorruptStateException ex = assertThrows(CorruptStateException.class, store::load);
        assertTrue(ex.getMessage().contains(store.file().toString()), "names the file: " + ex.getMessage());
        return ex;
    }

    @Test
    void shouldLoadWhatWasSaved()
    {
        final StateStore store = new StateStore(stateDirectory());
        final State saved = richState();

        store.save(saved);
        final State loaded = new StateStore(stateDirectory()).load();

        assertEquals(saved, loaded);
        assertEquals(Instant.parse("2024-05-01T12:34:56.123456789Z"), loaded.networks().get(0).created());
        assertNull(loaded.networks().get(0).ipam().get(0).ipRange());
        assertEquals(Map.of(), loaded.networks().get(0).labels());
        assertNull(loaded.sandboxes().get(1).netns());
        assertNull(loaded.sandboxes().get(1).pid());
        assertNull(loaded.sandboxes().get(1).endpoints().get(0).ipv4Address());
        assertEquals(137, loaded.sandboxes().get(0).exitCode());
        assertEquals(List.of("web", "www"), loaded.sandboxes().get(0).endpoints().get(0).aliases());
    }

    @Test
    void shouldLoadAnEmptyStateThatWasSaved()
    {
        final StateStore store = new StateStore(stateDirectory());

        store.save(State.empty());

        assertEquals(State.empty(), store.load());
    }

    @Test
    void shouldLoadAnEmptyStateWhenNothingWasEverStored()
    {
        assertEquals(State.empty(), new StateStore(tempDir.resolve("never-created")).load());
    }

    @Test
    void shouldCreateTheStateDirectoryOnTheFirstSave()
    {
        final StateStore store = new StateStore(tempDir.resolve("a/b/state"));

        store.save(richState());

        assertTrue(Files.isRegularFile(tempDir.resolve("a/b/state/" + StateStore.FILE_NAME)));
        assertEquals(tempDir.resolve("a/b/state/state.json"), store.file());
    }

    @Test
    void shouldRefuseEveryTruncationOfAValidFile() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        store.save(richState());
        final byte[] whole = Files.readAllBytes(store.file());

        for (int length = 0; length < whole.length; length++)
        {
            final byte[] torn = Arrays.copyOf(whole, length);
            Files.write(store.file(), torn);
            final CorruptStateException ex = assertThrows(CorruptStateException.class, store::load,
                "a file torn after " + length + " of " + whole.length + " bytes");
            assertTrue(ex.getMessage().contains(store.file().toString()), ex.getMessage());
        }
    }

    @Test
    void shouldRefuseAnEmptyFile() throws IOException
    {
        loadOf(new byte[0]);
    }

    @Test
    void shouldRefuseAFileOfZeroBytesAsLeftByACrashBeforeTheDataReachedTheDisk() throws IOException
    {
        loadOf(new byte[4096]);
    }

    @Test
    void shouldRefuseRandomBytes() throws IOException
    {
        final byte[] garbage = new byte[1024];
        new Random(20240501L).nextBytes(garbage);

        final CorruptStateException ex = loadOf(garbage);
        assertTrue(ex.getMessage().contains("corrupt"), ex.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[]",
        "\"state\"",
        "42",
        "null",
        "{}",
        "{\"networks\": []}",
        "{\"version\": \"one\", \"networks\": [], \"sandboxes\": []}",
        "{\"version\": null, \"networks\": [], \"sandboxes\": []}",
        "{\"version\": 1, \"networks\": \"none\", \"sandboxes\": []}",
        "{\"version\": 1, \"networks\": [null], \"sandboxes\": []}",
        "{\"version\": 1, \"networks\": [], \"sandboxes\": {}}",
        "{\"version\": 1, \"networks\": [{\"id\": \"x\", \"name\": \"n\", \"labels\": {\"a\": null}}], \"sandboxes\": []}",
        "{\"version\": 1, \"networks\": [], \"sandboxes\": [{\"id\": \"x\", \"name\": \"s\", \"created\": \"yesterday\"}]}",
        "{\"version\": 1, \"networks\": [{\"id\": \"x\", \"name\": \"n\", \"internal\": null}], \"sandboxes\": []}",
    })
    void shouldRefuseValidJsonOfTheWrongShape(final String json) throws IOException
    {
        loadOf(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRefuseRecordsThatLackARequiredField() throws IOException
    {
        loadOf(("{\"version\": 1, \"networks\": [{\"id\": \"x\", \"driver\": \"null\", \"internal\": false, " +
            "\"attachable\": false}], \"sandboxes\": []}").getBytes(StandardCharsets.UTF_8));
        loadOf(("{\"version\": 1, \"networks\": [], \"sandboxes\": [{\"id\": \"" + SANDBOX_ID + "\", \"name\": \"s\"}]}")
            .getBytes(StandardCharsets.UTF_8));
        loadOf("{\"version\": 1, \"networks\": [], \"sandboxes\": [{\"name\": \"s\", \"state\": \"ready\"}]}"
            .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRefuseANetworkRecordWithoutItsFlags() throws IOException
    {
        // "internal" and "attachable" are primitives: an absent one is refused rather than guessed
        loadOf("{\"version\": 1, \"networks\": [{}], \"sandboxes\": []}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRefuseAnUnsupportedVersionNamingIt() throws IOException
    {
        final CorruptStateException ex = loadOf(
            "{\"version\": 2, \"networks\": [], \"sandboxes\": []}".getBytes(StandardCharsets.UTF_8));

        assertTrue(ex.getMessage().contains("unsupported version 2"), ex.getMessage());
    }

    @Test
    void shouldRefuseAStateFileThatCannotBeRead() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        Files.createDirectories(store.file());

        final CorruptStateException ex = assertThrows(CorruptStateException.class, store::load);

        assertTrue(ex.getMessage().contains(store.file().toString()), ex.getMessage());
    }

    @Test
    void shouldLeaveNoTemporaryFileBehind() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());

        store.save(richState());
        assertEquals(List.of(StateStore.JOURNAL_NAME, StateStore.FILE_NAME), fileNames(stateDirectory()));

        store.save(State.empty());
        store.compact(State.empty());
        assertEquals(List.of(StateStore.JOURNAL_NAME, StateStore.FILE_NAME), fileNames(stateDirectory()));
    }

    @Test
    void shouldReplaceTheWholeStateWithTheNewOne() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        store.save(richState());
        final long bigger = Files.size(store.file());

        store.save(State.empty());
        assertEquals(State.empty(), new StateStore(stateDirectory()).load());

        store.compact(State.empty());
        assertEquals(State.empty(), new StateStore(stateDirectory()).load());
        assertTrue(Files.size(store.file()) < bigger, "no tail of the longer old content is left");
        assertEquals(0, Files.size(store.journal()), "the snapshot holds it all");
    }

    @Test
    void shouldReplaceTheFileByRenameRatherThanRewritingItInPlace() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        store.save(richState());
        final Object before = Files.readAttributes(store.file(), BasicFileAttributes.class).fileKey();

        store.compact(State.empty());

        final Object after = Files.readAttributes(store.file(), BasicFileAttributes.class).fileKey();
        assertNotEquals(before, after, "a new inode: readers of the old file never see it half-written");
    }

    @Test
    void shouldIgnoreAndReplaceATemporaryFileLeftByAnInterruptedSave() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        store.save(State.empty());
        final Path leftover = stateDirectory().resolve(StateStore.FILE_NAME + ".tmp");
        Files.write(leftover, "{\"version\": 1, \"netw".repeat(1000).getBytes(StandardCharsets.UTF_8));

        assertEquals(State.empty(), store.load(), "the half-written temporary file is not the state");

        store.compact(richState());
        assertEquals(richState(), store.load());
        assertFalse(Files.exists(leftover));
    }

    @Test
    void shouldShowReadersOnlyWholeStatesWhileSaving() throws Exception
    {
        readersSeeOnlyWholeStates(new StateStore(stateDirectory()));
    }

    @Test
    void shouldShowReadersOnlyWholeStatesWhileTheJournalIsCompactedUnderThem() throws Exception
    {
        readersSeeOnlyWholeStates(new StateStore(stateDirectory(), 1));
    }

    private void readersSeeOnlyWholeStates(final StateStore store) throws Exception
    {
        final State first = richState();
        final State second = State.empty();
        store.save(first);
        final AtomicBoolean saving = new AtomicBoolean(true);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Integer> loads = new ArrayList<>();
        final Thread reader = new Thread(() ->
        {
            int count = 0;
            try
            {
                final StateStore readerStore = new StateStore(stateDirectory());
                while (saving.get())
                {
                    final State seen = readerStore.load();
                    if (!seen.equals(first) && !seen.equals(second))
                    {
                        throw new AssertionError("a mixture of two states: " + seen);
                    }
                    count++;
                }
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
            loads.add(count);
        }, "state-reader");
        reader.start();
        try
        {
            for (int i = 0; i < 100 && failure.get() == null; i++)
            {
                store.save(i % 2 == 0 ? second : first);
            }
        }
        finally
        {
            saving.set(false);
            reader.join();
        }

        if (failure.get() != null)
        {
            throw new AssertionError("a reader saw a partial state file", failure.get());
        }
        assertTrue(loads.get(0) > 0, "the reader ran");
    }

    // ------------------------------------------------------------------------------------------
    // the journal
    // ------------------------------------------------------------------------------------------

    private static Sandbox sandbox(final int n, final String state)
    {
        return new Sandbox(String.format("%064x", n), "s" + n, "lanyard-s" + n, Instant.parse("2024-06-01T00:00:00Z"), state,
            List.of(), null, null, null, List.of(new Endpoint(String.format("%063x", n) + "e", USER_NETWORK_ID, "eth0",
                "172.28.0." + (n + 2), 16, "02:42:ac:1c:00:02", List.of(), null)));
    }

    private static State with(final State base, final List<Sandbox> sandboxes)
    {
        return new State(State.CURRENT_VERSION, base.networks(), sandboxes, base.ports());
    }

    private static List<String> journalLines(final StateStore store) throws IOException
    {
        return Files.readAllLines(store.journal(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldAppendOnlyWhatChangedAndLeaveTheSnapshotAlone() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        final State rich = richState();
        store.save(rich);
        final byte[] snapshot = Files.readAllBytes(store.file());

        final Sandbox made = sandbox(7, Sandbox.CREATING);
        final List<Sandbox> more = new ArrayList<>(rich.sandboxes());
        more.add(made);
        store.save(with(rich, more));
        more.set(2, made.withState(Sandbox.READY));
        store.save(with(rich, more));

        assertArrayEquals(snapshot, Files.readAllBytes(store.file()), "the snapshot is not rewritten");
        final List<String> lines = journalLines(store);
        assertEquals(2, lines.size(), "a record per save");
        for (final String line : lines)
        {
            assertTrue(line.contains(made.id()), line);
            assertFalse(line.contains(SANDBOX_ID) || line.contains(BRIDGE_ID), "unchanged records are not written again: " + line);
        }
        assertEquals(with(rich, more), new StateStore(stateDirectory()).load());
    }

    @Test
    void shouldWriteNothingForASaveThatChangesNothing() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        final State rich = richState();
        store.save(rich);
        store.save(with(rich, new ArrayList<>(rich.sandboxes())));

        assertEquals(0, Files.size(store.journal()));
    }

    @Test
    void shouldLoadTheSnapshotWithEveryChangeSinceAppliedInOrder()
    {
        final StateStore store = new StateStore(stateDirectory());
        final State rich = richState();
        store.save(rich);
        final List<Sandbox> sandboxes = new ArrayList<>(rich.sandboxes());
        for (int i = 0; i < 5; i++)
        {
            sandboxes.add(sandbox(i, Sandbox.READY));
            store.save(with(rich, sandboxes));
        }
        sandboxes.remove(0);
        sandboxes.set(1, sandboxes.get(1).withState(Sandbox.REMOVING));
        sandboxes.remove(3);
        final List<Network> networks = List.of(rich.networks().get(1));
        final State last = new State(State.CURRENT_VERSION, networks, sandboxes, List.of());
        store.save(last);

        assertEquals(last, new StateStore(stateDirectory()).load(), "the same records in the same order");
    }

    @Test
    void shouldIgnoreATornLastRecordAsTheSaveThatNeverFinishedAndCutItOffAtTheNextSave() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        final State rich = richState();
        store.save(rich);
        final State before = with(rich, List.of(rich.sandboxes().get(0), sandbox(1, Sandbox.READY)));
        store.save(before);
        final byte[] kept = Files.readAllBytes(store.journal());
        store.save(with(rich, List.of(sandbox(1, Sandbox.READY), sandbox(2, Sandbox.CREATING))));
        final byte[] whole = Files.readAllBytes(store.journal());

        for (int length = kept.length; length < whole.length; length++)
        {
            Files.write(store.journal(), Arrays.copyOf(whole, length));
            assertEquals(before, new StateStore(stateDirectory()).load(), "cut at " + length + " of " + whole.length);
        }
        final byte[] garbage = Arrays.copyOf(kept, kept.length + 100);
        new Random(7).ints(100, 0, 256).forEach(new java.util.function.IntConsumer()
        {
            int i = kept.length;

            @Override
            public void accept(final int value)
            {
                garbage[i++] = (byte)(value == '\n' ? 0 : value);
            }
        });
        Files.write(store.journal(), garbage);
        final StateStore restarted = new StateStore(stateDirectory());
        assertEquals(before, restarted.load(), "garbage after the last whole record, as a power loss may leave");

        final State after = with(rich, List.of(sandbox(3, Sandbox.READY)));
        restarted.save(after);
        assertEquals(after, new StateStore(stateDirectory()).load(), "the torn tail was cut before the next record");
        assertEquals(kept.length, journalLines(restarted).subList(0, journalLines(restarted).size() - 1).stream()
            .mapToInt(line -> line.length() + 1).sum());
    }

    @Test
    void shouldRefuseAnInvalidRecordFollowedByAValidOneNamingTheJournal() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        final State rich = richState();
        store.save(rich);
        store.save(with(rich, List.of(sandbox(1, Sandbox.READY))));
        store.save(with(rich, List.of(sandbox(2, Sandbox.READY))));
        final List<String> lines = new ArrayList<>(journalLines(store));
        lines.set(0, lines.get(0).replace("s1", "s9"));
        Files.write(store.journal(), (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));

        final CorruptStateException ex = assertThrows(CorruptStateException.class, () -> new StateStore(stateDirectory()).load());
        assertTrue(ex.getMessage().contains(store.journal().toString()), ex.getMessage());
    }

    @Test
    void shouldSkipRecordsTheSnapshotAlreadyHoldsAsACrashBeforeTheJournalWasEmptiedLeavesThem() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        final State rich = richState();
        store.save(rich);
        store.save(with(rich, List.of(sandbox(1, Sandbox.READY))));
        final State last = with(rich, List.of(sandbox(1, Sandbox.READY), sandbox(2, Sandbox.READY)));
        store.save(last);
        final byte[] journal = Files.readAllBytes(store.journal());

        store.compact(last);
        Files.write(store.journal(), journal);

        assertEquals(last, new StateStore(stateDirectory()).load());
    }

    @Test
    void shouldCompactTheJournalOnceItOutgrowsTheSnapshot() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory(), 1);
        final State rich = richState();
        store.save(rich);
        State last = rich;
        for (int i = 0; i < 50; i++)
        {
            last = with(rich, List.of(sandbox(i, i % 2 == 0 ? Sandbox.CREATING : Sandbox.READY)));
            store.save(last);
            assertTrue(Files.size(store.journal()) <= Files.size(store.file()) + 2048, "bounded by the snapshot");
        }
        assertEquals(last, new StateStore(stateDirectory()).load());
    }

    @Test
    void shouldCompactAtAnOrderlyStopSoTheSnapshotAloneHoldsTheState() throws IOException
    {
        final StateStore store = new StateStore(stateDirectory());
        final State rich = richState();
        store.save(rich);
        final State last = with(rich, List.of(sandbox(1, Sandbox.READY)));
        store.save(last);

        store.compact();

        assertEquals(0, Files.size(store.journal()));
        Files.delete(store.journal());
        assertEquals(last, new StateStore(stateDirectory()).load());
    }

    @Test
    void shouldNotLetRecordsOfAnEarlierRunOverrideASnapshotWrittenWithoutALoad()
    {
        final StateStore first = new StateStore(stateDirectory());
        first.save(richState());
        first.save(with(richState(), List.of(sandbox(1, Sandbox.READY))));

        final StateStore second = new StateStore(stateDirectory());
        second.save(State.empty());

        assertEquals(State.empty(), new StateStore(stateDirectory()).load());
    }
}
