package io.lanyard.tools;

import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sandbox's command through its life with a real daemon: {@code lanyard logs} (tail and follow),
 * its output kept within {@code --log-opt max-size}/{@code max-file}, {@code lanyard stop}, and
 * {@code lanyard inspect --format}.
 */
class SandboxLifecycleE2E
{
    private static final String TALKER = "i=0; trap 'echo stopped at $i; exit 3' TERM; while :; do echo line $i; i=$((i+1)); sleep 0.01; done";

    /** The daemon looks at the files every second. */
    private static final long ROTATION_ROUND_MILLIS = 2_000;

    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "nsenter", "setsid", "sh");
        host = new LanyardHost("lc", "--log-opt", "max-size=8k", "--log-opt", "max-file=2").start();
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    private static long lineCount(final Path file)
    {
        try
        {
            return Files.readAllLines(file, StandardCharsets.UTF_8).size();
        }
        catch (final java.io.IOException ex)
        {
            return -1;
        }
    }

    @Test
    void shouldShowFollowRotateAndStopWhatASandboxsCommandWrites() throws Exception
    {
        final String id = host.cli("run", "-d", "--name", "talker", "--", "sh", "-c", TALKER).ok().out().trim();
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> host.cli("logs", "talker").out().contains("line 20")));

        final List<String> tail = host.cli("logs", "--tail", "3", "talker").ok().out().lines().toList();
        assertEquals(3, tail.size(), tail.toString());
        final int first = Integer.parseInt(tail.get(0).substring("line ".length()));
        assertEquals(List.of("line " + first, "line " + (first + 1), "line " + (first + 2)), tail, "the last three, in order");

        // -f goes on printing what comes after: read it for a while, then end the client
        final Path followed = Files.createTempFile(host.stateDir, "follow", ".txt");
        final Process follow = host.spawn(List.of(LanyardHost.HOME.resolve("bin/lanyard").toString(), "--socket", host.socket.toString(),
            "logs", "-f", "--tail", "1", "talker"), followed);
        // (a loaded machine takes its time to start the CLI's JVM: wait for lines, not for a fixed time)
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(30), () -> lineCount(followed) > 40), "lines kept coming: " + lineCount(followed));
        assertTrue(follow.isAlive(), "-f does not end by itself");
        follow.destroy();
        follow.waitFor(5, TimeUnit.SECONDS);
        final List<String> lines = Files.readAllLines(followed, StandardCharsets.UTF_8);
        final int start = Integer.parseInt(lines.get(0).substring("line ".length()));
        for (int i = 1; i < lines.size() - 1; i++)
        {
            assertEquals("line " + (start + i), lines.get(i), "no line lost or repeated while following");
        }

        // the output stays within max-size (8k) and max-file (2): the file and one older copy
        final Path output = host.stateDir.resolve("output").resolve(id + ".log");
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(30), () -> Files.exists(output.resolveSibling(id + ".log.1"))),
            "rotated within the daemon's round");
        Thread.sleep(ROTATION_ROUND_MILLIS);
        assertFalse(Files.exists(output.resolveSibling(id + ".log.2")), "max-file=2");
        assertTrue(Files.size(output) < 8 * 1024 + 4_000, "emptied at the last round, at most a round's lines since: " + Files.size(output));
        assertTrue(Files.size(output.resolveSibling(id + ".log.1")) <= 8 * 1024, "the copy keeps the last max-size bytes");
        assertTrue(host.cli("logs", "talker").ok().out().startsWith("line "), "what logs shows after a rotation starts at a line");

        final LanyardHost.Result stop = host.cli("stop", "-t", "5", "talker");
        assertEquals(0, stop.status(), stop.err());
        assertEquals("talker\n", stop.out());
        assertEquals("exited (3)", host.cli("inspect", "--format", "{{.Status}}", "talker").ok().out().trim(), "its TERM trap ran");
        assertTrue(host.cli("logs", "--tail", "1", "talker").ok().out().startsWith("stopped at "));
        assertTrue(host.cli("ps", "--format", "{{.Names}} {{.Status}}").ok().out().contains("talker exited (3)"));
        assertEquals(1, host.cli("stop", "nosuch").status());

        // a stop waits for its command on a thread of its own: four stops of a command that ignores SIGTERM
        // (more than the API has workers) leave the API answering while they wait out their 15 s
        host.cli("run", "-d", "--name", "stubborn", "--", "sh", "-c", "trap '' TERM; while :; do sleep 0.1; done").ok();
        final List<Process> stops = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            stops.add(host.spawn(List.of(LanyardHost.HOME.resolve("bin/lanyard").toString(), "--socket", host.socket.toString(),
                "stop", "-t", "15", "stubborn"), Files.createTempFile(host.stateDir, "stop", ".txt")));
        }
        Thread.sleep(4000);
        assertTrue(host.cli("ps", "--format", "{{.Names}} {{.Status}}").ok().out().contains("stubborn running"));
        assertTrue(stops.stream().allMatch(Process::isAlive), "the API answered while every stop was still waiting");
        for (final Process stopping : stops)
        {
            assertTrue(stopping.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, stopping.exitValue());
        }
        assertEquals("exited (137)", host.cli("inspect", "-f", "{{.Status}}", "stubborn").ok().out().trim(), "SIGKILL after -t");
        host.cli("rm", "talker").ok();
        assertFalse(Files.exists(output) || Files.exists(output.resolveSibling(id + ".log.1")), "rm takes the output and its copies");
    }
}
