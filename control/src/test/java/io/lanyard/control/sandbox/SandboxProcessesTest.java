package io.lanyard.control.sandbox;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SandboxProcessesTest
{
    private final Path directory = createDirectory();
    private final SandboxProcesses processes = new SandboxProcesses(directory);
    private SandboxProcesses.Started started;

    @AfterEach
    void tearDown() throws Exception
    {
        if (started != null)
        {
            processes.kill(started.pid(), started.startMillis());
        }
        try (var files = Files.list(directory))
        {
            for (final Path file : files.toList())
            {
                Files.delete(file);
            }
        }
        Files.delete(directory);
    }

    @Test
    void shouldRunTheCommandInASessionOfItsOwnUnderItsOwnPid() throws Exception
    {
        started = processes.start("s1", null, List.of("sleep", "60"), status -> { });
        final Path comm = Path.of("/proc/" + started.pid() + "/comm");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.readString(comm).trim().equals("sleep") && System.nanoTime() < deadline)
        {
            Thread.sleep(10); // setsid's own start, before it execs the command
        }
        final String stat = Files.readString(Path.of("/proc/" + started.pid() + "/stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals("sleep", Files.readString(comm).trim(), "setsid ran it in place, under the PID the daemon knows");
        assertEquals(String.valueOf(started.pid()), fields[3], "its own session: a Ctrl-C for the daemon's group misses it");
        assertEquals(String.valueOf(started.pid()), fields[2], "and its own process group");
    }

    @Test
    void shouldRefuseACommandThatIsNotThereBeforeStartingAnything() throws Exception
    {
        final Path plain = Files.writeString(directory.resolve("plain.txt"), "not a program");
        final IllegalArgumentException missing = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> processes.start("s0", null, List.of("lanyard-no-such-command", "-x"), status -> { }));
        assertEquals("cannot start lanyard-no-such-command -x: executable file not found in $PATH", missing.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> processes.start("s0", "some-netns", List.of(plain.toString()), status -> { }), "a file that is not executable");
        assertTrue(SandboxProcesses.isExecutable("sh"));
        assertFalse(Files.exists(processes.outputFile("s0")), "no output file either");
    }

    @Test
    void shouldStopWithSigtermAndWaitForTheCommandToGo() throws Exception
    {
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        started = processes.start("s2", null, List.of("sh", "-c", "trap 'echo stopping; exit 7' TERM; echo up; while :; do sleep 0.05; done"),
            exit::complete);
        awaitOutput("s2", "up");

        assertTrue(processes.stop(started.pid(), started.startMillis(), Duration.ofSeconds(5)));

        assertEquals(7, exit.get(5, TimeUnit.SECONDS), "its TERM trap ran");
        assertTrue(Files.readString(processes.outputFile("s2")).contains("stopping"));
        assertFalse(processes.isAlive(started.pid(), started.startMillis()));
        assertFalse(processes.stop(started.pid(), started.startMillis(), Duration.ofSeconds(1)), "nothing left to stop");
    }

    @Test
    void shouldKillWhatIgnoresSigtermAfterTheTimeout() throws Exception
    {
        started = processes.start("s3", null, List.of("sh", "-c", "trap '' TERM; echo up; while :; do sleep 0.05; done"), status -> { });
        awaitOutput("s3", "up");
        final long before = System.nanoTime();

        assertTrue(processes.stop(started.pid(), started.startMillis(), Duration.ofMillis(500)));

        assertTrue(System.nanoTime() - before >= TimeUnit.MILLISECONDS.toNanos(500), "it waited for the timeout first");
        assertFalse(processes.isAlive(started.pid(), started.startMillis()), "then SIGKILL");
    }

    @Test
    void shouldRotateAFileOverTheSizeKeepingTheNewestAndEmptyingItInPlace() throws Exception
    {
        final Path output = processes.outputFile("s4");
        Files.writeString(output, "z".repeat(952) + "a".repeat(2048));
        processes.rotate(2048, 3);
        assertEquals(0, Files.size(output));
        assertEquals("a".repeat(2048), Files.readString(directory.resolve("s4.log.1")), "its last max-size bytes, however far it went over");

        Files.writeString(output, "b".repeat(100));
        processes.rotate(2048, 3);
        assertEquals(100, Files.size(output), "under the size: left alone");

        Files.writeString(output, "c".repeat(2049));
        processes.rotate(2048, 3);
        assertEquals("c", Files.readString(directory.resolve("s4.log.1")).substring(0, 1), "the newest is .1");
        assertEquals("a", Files.readString(directory.resolve("s4.log.2")).substring(0, 1));

        Files.writeString(output, "d".repeat(2049));
        processes.rotate(2048, 3);
        assertEquals("d", Files.readString(directory.resolve("s4.log.1")).substring(0, 1));
        assertEquals("c", Files.readString(directory.resolve("s4.log.2")).substring(0, 1));
        assertFalse(Files.exists(directory.resolve("s4.log.3")), "max-file 3: the current file and two more");

        processes.removeOutput("s4");
        try (var left = Files.list(directory))
        {
            assertEquals(List.of(), left.toList(), "removing the sandbox removes its rotated files too");
        }
    }

    @Test
    void shouldKeepWritingIntoARotatedFileFromItsStart() throws Exception
    {
        started = processes.start("s5", null, List.of("sh", "-c", "i=0; while :; do echo line $i; i=$((i+1)); sleep 0.01; done"),
            status -> { });
        awaitOutput("s5", "line 50");
        processes.rotate(64, 2);
        awaitOutput("s5", "line");
        final long size = Files.size(processes.outputFile("s5"));
        assertTrue(size < Files.size(directory.resolve("s5.log.1")), "the command appends to the emptied file, not at its old end: " + size);
        assertTrue(Files.readString(processes.outputFile("s5")).startsWith("line "), "no hole of zeros before what it wrote");
    }

    private void awaitOutput(final String id, final String text) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            if (Files.exists(processes.outputFile(id)) && Files.readString(processes.outputFile(id)).contains(text))
            {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + text + "' in " + id + "'s output");
    }

    private static Path createDirectory()
    {
        try
        {
            return Files.createTempDirectory("sandbox-output");
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
