package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of the daemon while it makes and removes sandboxes: what a crash leaves half
 * done is finished or undone at the restart, and nothing it left running outlives its sandbox.
 */
class CrashLoopE2E
{
    private static final List<String> NETWORKS = List.of("n1", "n2");

    private static LanyardHost host;
    /** An argument only the test's command processes carry, so a leaked one can be found (and ended) by it. */
    private static final String SLEEP_MARKER = Integer.toString(86_400 + new SecureRandom().nextInt(800_000));

    @BeforeAll
    static void startHost()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter");
        host = new LanyardHost("cl").start();
        host.cli("network", "create", "--subnet", "10.91.0.0/24", NETWORKS.get(0)).ok();
    }

    @AfterAll
    static void stopHost()
    {
        if (host != null)
        {
            host.close();
        }
        // a command process the daemon lost track of lives on in a deleted namespace, out of the host's reach
        commandProcesses(SLEEP_MARKER).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    /**
     * The two ends of a kill's window that no answer shows: a removal stored as begun whose
     * command still runs, and a run whose command started before its PID was stored. Their
     * namespaces go at the restart; what runs inside must go with them, or it keeps the
     * namespace (and its TAP) alive where nothing can see it.
     */
    @Test
    void shouldEndWhatRunsInsideSandboxesThatACrashLeftHalfRemovedOrHalfMade() throws IOException
    {
        host.cli("run", "-d", "--net", NETWORKS.get(0), "--name", "halfgone", "--", "sleep", SLEEP_MARKER).ok();
        host.cli("run", "-d", "--net", NETWORKS.get(0), "--name", "halfborn").ok();
        final long removedCommand = host.get("/sandboxes/halfgone").path("Pid").asLong();
        assertTrue(removedCommand > 0, "halfgone runs its command");
        host.kill9();
        final long unrecordedCommand = host.namespaces.spawn(host.prefix() + "halfborn", null, "sleep", SLEEP_MARKER).pid();
        final Path stateFile = host.stateDir.resolve("state.json");
        final ObjectNode state = (ObjectNode)Json.MAPPER.readTree(Files.readString(stateFile));
        for (final JsonNode sandbox : state.get("sandboxes"))
        {
            final String name = sandbox.get("name").asText();
            if (name.startsWith("half"))
            {
                ((ObjectNode)sandbox).put("state", "halfgone".equals(name) ? "removing" : "creating");
            }
        }
        Files.writeString(stateFile, Json.MAPPER.writeValueAsString(state), StandardCharsets.UTF_8);

        host.start();

        assertTrue(LanyardHost.eventually(Duration.ofSeconds(5), () -> ProcessHandle.of(removedCommand).isEmpty() &&
            ProcessHandle.of(unrecordedCommand).isEmpty()), "the processes inside are ended: " +
            ProcessHandle.of(removedCommand) + ", " + ProcessHandle.of(unrecordedCommand));
        assertFalse(host.namespaces.existing().contains(host.prefix() + "halfgone"));
        assertFalse(host.namespaces.existing().contains(host.prefix() + "halfborn"));
        assertEquals(404, new ApiClient(host.socket).get("/sandboxes/halfborn").status());
    }

    /** The PIDs of processes whose command line holds {@code marker} as one argument. */
    static List<Long> commandProcesses(final String marker)
    {
        final List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(process ->
        {
            try
            {
                final String[] words = new String(Files.readAllBytes(Path.of("/proc/" + process.pid() + "/cmdline")),
                    StandardCharsets.UTF_8).split("\0");
                if (List.of(words).contains(marker))
                {
                    pids.add(process.pid());
                }
            }
            catch (final IOException ignored)
            {
                // exited meanwhile
            }
        });
        return pids;
    }
}
