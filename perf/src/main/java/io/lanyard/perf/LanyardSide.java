package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.control.api.ApiClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lanyard under test: {@code lanyardd} started through {@code tools/bin/lanyardd} inside a
 * "host" namespace of the run (with {@code nsenter}), its socket, state and counters in the
 * run's temporary directory and the run's prefix as its sandbox prefix, so the sandboxes it
 * makes are the run's namespaces too. Two sandboxes on the default bridge are created through
 * the API, as {@code lanyard run -d} would.
 */
final class LanyardSide
{
    static final String LABEL = "Lanyard";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOG_TAIL_LINES = 20;

    private final Workspace workspace;
    private final Process daemon;
    private final Path log;
    private final ApiClient api;
    private final Endpoints endpoints;

    private LanyardSide(final Workspace workspace, final Process daemon, final Path log, final ApiClient api, final Endpoints endpoints)
    {
        this.workspace = workspace;
        this.daemon = daemon;
        this.log = log;
        this.api = api;
        this.endpoints = endpoints;
    }

    /**
     * @param home        the {@code tools} directory holding {@code bin/lanyardd} and the built jars.
     * @param daemonFlags extra flags for the daemon ({@code --pipeline inline}, ...).
     */
    static LanyardSide start(final Workspace workspace, final Path home, final List<String> daemonFlags)
    {
        final Path script = home.resolve("bin/lanyardd");
        if (!Files.isExecutable(script) || !Files.isDirectory(home.resolve("target/lib")))
        {
            throw new PerfException("no built lanyardd at " + script + "; run: mvn -q package -DskipTests");
        }
        final String host = workspace.addNamespace("host");
        final Path socket = workspace.dir().resolve("lanyard.sock");
        final Path log = workspace.dir().resolve("lanyardd.log");
        final List<String> command = new ArrayList<>(List.of(script.toString(),
            "--socket", socket.toString(),
            "--state-dir", workspace.dir().resolve("state").toString(),
            "--sandbox-prefix", workspace.prefix()));
        command.addAll(daemonFlags);
        final Process daemon = workspace.spawn(Workspace.inNamespace(host, command), log);
        final ApiClient api = new ApiClient(socket);
        final LanyardSide starting = new LanyardSide(workspace, daemon, log, api, null);
        starting.awaitReady(socket);

        final JsonNode first = starting.createSandbox("c1");
        final JsonNode second = starting.createSandbox("c2");
        final Endpoints endpoints = new Endpoints(LABEL, first.path("Netns").asText(), second.path("Netns").asText(),
            address(second));
        return new LanyardSide(workspace, daemon, log, api, endpoints);
    }

    Endpoints endpoints()
    {
        return endpoints;
    }

    long daemonPid()
    {
        return daemon.pid();
    }

    /** Fails the run, with the end of the daemon's log, if the daemon is gone. */
    void checkAlive()
    {
        if (!daemon.isAlive() && !workspace.isClosed())
        {
            throw new PerfException("lanyardd exited " + daemon.exitValue() + " during the run:\n" + logTail());
        }
    }

    /** The daemon's counters ({@code GET /stats}), or null if it does not answer. */
    JsonNode stats()
    {
        try
        {
            final ApiClient.Response response = api.get("/stats");
            return response.isSuccess() ? response.json() : null;
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }

    String logTail()
    {
        try
        {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        }
        catch (final IOException ex)
        {
            return "(no daemon log)";
        }
    }

    private void awaitReady(final Path socket)
    {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (!daemon.isAlive())
            {
                throw new PerfException("lanyardd exited " + daemon.exitValue() + " at start:\n" + logTail());
            }
            if (Files.exists(socket))
            {
                try
                {
                    if (api.get("/_ping").isSuccess())
                    {
                        return;
                    }
                }
                catch (final ApiClient.DaemonUnreachableException ex)
                {
                    // not listening yet
                }
            }
            sleep(100);
        }
        throw new PerfException("lanyardd did not answer within " + START_TIMEOUT.toSeconds() + " s:\n" + logTail());
    }

    private JsonNode createSandbox(final String name)
    {
        final ApiClient.Response created = api.post("/sandboxes", Map.of("Name", name, "Detach", true));
        if (!created.isSuccess())
        {
            throw new PerfException("lanyardd could not create sandbox " + name + ": " + created.errorMessage());
        }
        final ApiClient.Response inspected = api.get("/sandboxes/" + name);
        if (!inspected.isSuccess())
        {
            throw new PerfException("lanyardd does not show sandbox " + name + ": " + inspected.errorMessage());
        }
        final JsonNode sandbox = inspected.json();
        if (sandbox.path("Netns").asText().isEmpty() || address(sandbox).isEmpty())
        {
            throw new PerfException("sandbox " + name + " has no namespace or address: " + sandbox);
        }
        if (!sandbox.path("Netns").asText().startsWith(workspace.prefix()))
        {
            throw new PerfException("sandbox " + name + " is in namespace " + sandbox.path("Netns").asText() +
                ", not under the run's prefix " + workspace.prefix());
        }
        return sandbox;
    }

    private static String address(final JsonNode sandbox)
    {
        return sandbox.path("Networks").path("bridge").path("IPAddress").asText();
    }

    static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new PerfException("interrupted");
        }
    }
}
