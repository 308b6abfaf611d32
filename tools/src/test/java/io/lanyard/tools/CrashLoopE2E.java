package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.ApiClient;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code kill -9} of the daemon, cycle after cycle, at a random moment while clients run, remove,
 * connect and disconnect sandboxes; after each restart nothing acknowledged is lost, nothing
 * half done stays, no address is given twice, nothing leaks and the survivors reach each other
 * ({@link SandboxChurn} holds the daemon to its answers, {@link WiringAudit} to the host). In one
 * cycle in {@value #RECOVERY_KILL_ONE_IN}, the start after the kill is killed too, at a random
 * moment of its own, so recovery itself is interrupted.
 *
 * <p>CI runs {@value #CI_CYCLES} cycles; {@code -Dlanyard.crashloop.cycles=100} is the long run,
 * by hand. The seed is printed first; {@code -Dlanyard.crashloop.seed=N} replays its choices (the
 * kills' delays, the clients' requests), though not the timing they meet.
 */
class CrashLoopE2E
{
    private static final int CI_CYCLES = 10;
    private static final int CLIENTS = 2;
    private static final int SANDBOXES_PER_CLIENT = 5;
    private static final List<String> NETWORKS = List.of("n1", "n2");
    /** The kill lands this long after the clients start, at random. */
    private static final int MIN_KILL_DELAY_MS = 100;
    private static final int MAX_KILL_DELAY_MS = 1500;
    /** In one cycle in this many, the next start is killed too, this long after it began, at random. */
    private static final int RECOVERY_KILL_ONE_IN = 4;
    private static final int MIN_RECOVERY_KILL_DELAY_MS = 300;
    private static final int MAX_RECOVERY_KILL_DELAY_MS = 4000;

    private static LanyardHost host;
    /** An argument only the clients' command processes carry, so a leaked one can be found (and ended) by it. */
    private static final String SLEEP_MARKER = Integer.toString(86_400 + new SecureRandom().nextInt(800_000));

    @BeforeAll
    static void startHost()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter");
        host = new LanyardHost("cl").start();
        host.cli("network", "create", "--subnet", "10.91.0.0/24", NETWORKS.get(0)).ok();
        host.cli("network", "create", "--subnet", "10.92.0.0/24", NETWORKS.get(1)).ok();
        host.cli("run", "-d", "--net", NETWORKS.get(0), "--name", "anchor").ok();
        host.cli("network", "connect", NETWORKS.get(1), "anchor").ok();
    }

    @AfterAll
    static void stopHost()
    {
        if (host != null)
        {
            host.close();
        }
        // a command process the daemon lost track of lives on in a deleted namespace, out of the host's reach
        WiringAudit.commandProcesses(SLEEP_MARKER).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    @Test
    void shouldLoseDoubleAndLeakNothingWhenKilledAgainAndAgainDuringChurn()
    {
        final int cycles = Integer.getInteger("lanyard.crashloop.cycles", CI_CYCLES);
        final long seed = Long.getLong("lanyard.crashloop.seed", new SecureRandom().nextLong());
        System.out.println("CRASHLOOP seed " + seed + ", " + cycles + " cycles (replay: -Dlanyard.crashloop.seed=" + seed + ")");
        final Random random = new Random(seed);
        final long started = System.nanoTime();
        final WiringAudit audit = new WiringAudit(host, "anchor", SLEEP_MARKER);
        audit.calibrate("probe", NETWORKS.get(0), NETWORKS.get(1));
        final List<String> before = audit.check().problems();
        if (!before.isEmpty())
        {
            fail("before the first kill:\n  " + String.join("\n  ", before));
        }
        final List<SandboxChurn> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++)
        {
            final List<String> names = new ArrayList<>();
            for (int s = 0; s < SANDBOXES_PER_CLIENT; s++)
            {
                names.add("c" + c + "s" + s);
            }
            clients.add(new SandboxChurn(host.socket, names, NETWORKS, List.of("sleep", SLEEP_MARKER)));
        }

        int killsMidRequest = 0;
        int killsInRecovery = 0;
        long restartNanos = 0;
        long descriptorGrowth = 0;
        for (int cycle = 1; cycle <= cycles; cycle++)
        {
            // every draw is made in every cycle, so a seed replays the same choices
            final int delay = MIN_KILL_DELAY_MS + random.nextInt(MAX_KILL_DELAY_MS - MIN_KILL_DELAY_MS);
            final boolean killRecovery = random.nextInt(RECOVERY_KILL_ONE_IN) == 0;
            final int recoveryDelay = MIN_RECOVERY_KILL_DELAY_MS + random.nextInt(MAX_RECOVERY_KILL_DELAY_MS - MIN_RECOVERY_KILL_DELAY_MS);
            clients.forEach(client -> client.start(random.nextLong()));
            LanyardHost.sleep(delay);
            clients.forEach(SandboxChurn::killing);
            killsMidRequest += clients.stream().anyMatch(SandboxChurn::isMidRequest) ? 1 : 0;
            host.kill9();
            clients.forEach(SandboxChurn::awaitEnd);
            if (killRecovery)
            {
                startAndKill(recoveryDelay);
                killsInRecovery++;
            }

            final long restart = System.nanoTime();
            host.start();
            restartNanos += System.nanoTime() - restart;
            final WiringAudit.Findings findings = audit.check();
            final List<String> problems = new ArrayList<>(findings.problems());
            clients.forEach(client -> problems.addAll(client.settle(findings.networksByName())));
            descriptorGrowth = Math.max(descriptorGrowth, findings.descriptorGrowth());
            if (!problems.isEmpty())
            {
                fail("cycle " + cycle + " of seed " + seed + ", killed " + delay + " ms into the churn" +
                    (killRecovery ? " and " + recoveryDelay + " ms into the next start" : "") + ":\n  " +
                    String.join("\n  ", problems) + "\n--- daemon log (last starts) ---\n" + tail(host.log(), 80));
            }
        }

        final String log = host.log();
        System.out.printf("CRASHLOOP %d cycles in %.0f s (seed %d): %d requests acknowledged; %d kills landed mid-request, " +
                "%d more during a restart; requests cut off: %d found done, %d undone or never received; recovered: " +
                "%d half-made sandboxes undone, %d removals finished, %d connects/disconnects settled; restart %.1f s on average; " +
                "descriptors: %d a sandbox, %d an endpoint besides its TAP, at most %d more than at the first start; " +
                "0 inconsistencies%n",
            cycles, (System.nanoTime() - started) / 1e9, seed, clients.stream().mapToInt(SandboxChurn::acknowledged).sum(),
            killsMidRequest, killsInRecovery, clients.stream().mapToInt(SandboxChurn::cutsDone).sum(),
            clients.stream().mapToInt(SandboxChurn::cutsUndone).sum(), count(log, "undoing the half-made sandbox"),
            count(log, "finishing the removal of sandbox"), count(log, "finishing the interrupted"),
            restartNanos / 1e9 / cycles, audit.perSandbox(), audit.perEndpoint(), descriptorGrowth);
    }

    /** Starts a daemon and kills it {@code delayMillis} later: while it starts, restores, or has just begun to serve. */
    private static void startAndKill(final int delayMillis)
    {
        final Process daemon = host.startDaemon(List.of());
        LanyardHost.sleep(delayMillis);
        daemon.destroyForcibly();
        try
        {
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
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
        final ObjectNode state = StoredState.read(host.stateDir);
        for (final JsonNode sandbox : state.get("sandboxes"))
        {
            final String name = sandbox.get("name").asText();
            if (name.startsWith("half"))
            {
                ((ObjectNode)sandbox).put("state", "halfgone".equals(name) ? "removing" : "creating");
            }
        }
        StoredState.write(host.stateDir, state);

        host.start();

        assertTrue(LanyardHost.eventually(Duration.ofSeconds(5), () -> ProcessHandle.of(removedCommand).isEmpty() &&
            ProcessHandle.of(unrecordedCommand).isEmpty()), "the processes inside are ended: " +
            ProcessHandle.of(removedCommand) + ", " + ProcessHandle.of(unrecordedCommand));
        assertFalse(host.namespaces.existing().contains(host.prefix() + "halfgone"));
        assertFalse(host.namespaces.existing().contains(host.prefix() + "halfborn"));
        assertEquals(404, new ApiClient(host.socket).get("/sandboxes/halfborn").status());
    }

    private static int count(final String text, final String phrase)
    {
        int count = 0;
        for (int at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + 1))
        {
            count++;
        }
        return count;
    }

    private static String tail(final String text, final int lines)
    {
        final List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
