package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.api.NetworkCreateRequest;
import io.lanyard.client.api.RunRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code lanyardd} of the run: started through {@code tools/bin/lanyardd} inside a namespace
 * of the run (with {@code nsenter}), its socket ({@code NAME.sock}), state ({@code state-NAME})
 * and log ({@code lanyardd-NAME.log}) in the run's temporary directory, and a sandbox prefix
 * under the run's prefix, so the sandboxes it makes are the run's namespaces too. Sandboxes are
 * created through the API, as {@code lanyard run -d} would.
 */
final class LanyardDaemon
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOG_TAIL_LINES = 20;

    private final Workspace workspace;
    private final String name;
    private final Process process;
    private final Path log;
    private final ApiClient api;
    private final String sandboxPrefix;

    private LanyardDaemon(final Workspace workspace, final String name, final Process process, final Path log, final ApiClient api,
        final String sandboxPrefix)
    {
        this.workspace = workspace;
        this.name = name;
        this.process = process;
        this.log = log;
        this.api = api;
        this.sandboxPrefix = sandboxPrefix;
    }

    /**
     * Starts the daemon and waits until its API answers.
     *
     * @param home          the {@code tools} directory holding {@code bin/lanyardd}; the daemon's jars are
     *                      {@code ../control/target/lib}.
     * @param name          names its files and appears in messages ({@code host}, {@code h1}, ...).
     * @param netns         the namespace it runs in.
     * @param sandboxPrefix its {@code --sandbox-prefix}; must start with the run's prefix.
     * @param flags         every flag beyond socket, state directory and sandbox prefix.
     */
    static LanyardDaemon start(final Workspace workspace, final Path home, final String name, final String netns,
        final String sandboxPrefix, final List<String> flags)
    {
        final Path script = home.resolve("bin/lanyardd");
        if (!Files.isExecutable(script) || !Files.isDirectory(home.resolve("../control/target/lib")))
        {
            throw new PerfException("no built lanyardd at " + script + "; run: mvn -q package -DskipTests");
        }
        if (!sandboxPrefix.startsWith(workspace.prefix()))
        {
            throw new IllegalArgumentException("sandbox prefix " + sandboxPrefix + " is not under " + workspace.prefix());
        }
        final Path socket = workspace.dir().resolve(name + ".sock");
        final Path log = workspace.dir().resolve("lanyardd-" + name + ".log");
        final List<String> command = new ArrayList<>(List.of(script.toString(),
            "--socket", socket.toString(),
            "--state-dir", workspace.dir().resolve("state-" + name).toString(),
            "--sandbox-prefix", sandboxPrefix));
        command.addAll(flags);
        final Process process = workspace.spawn(Workspace.inNamespace(netns, command), log);
        final LanyardDaemon daemon = new LanyardDaemon(workspace, name, process, log, new ApiClient(socket), sandboxPrefix);
        daemon.awaitReady(socket);
        return daemon;
    }

    String name()
    {
        return name;
    }

    long pid()
    {
        return process.pid();
    }

    ApiClient api()
    {
        return api;
    }

    /** Fails the run, with the end of the daemon's log, if the daemon is gone. */
    void checkAlive()
    {
        if (!process.isAlive() && !workspace.isClosed())
        {
            throw new PerfException("lanyardd " + name + " exited " + process.exitValue() + " during the run:\n" + logTail());
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

    private String logTail()
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

    /**
     * Creates a sandbox with no command ({@code lanyard run -d --name NAME [--net NETWORK]}) and
     * returns its inspection, checked to have a namespace under the run's prefix and an address
     * on the network.
     *
     * @param network the network's name, or null for the default bridge.
     */
    JsonNode createSandbox(final String sandbox, final String network)
    {
        return createSandbox(sandbox, network, List.of());
    }

    /**
     * As {@link #createSandbox(String, String)}, with network aliases ({@code run --network-alias}),
     * for a user-defined network.
     */
    JsonNode createSandbox(final String sandbox, final String network, final List<String> aliases)
    {
        final RunRequest request = RunRequest.detached(sandbox, network).withAliases(aliases);
        final ApiClient.Response created = api.post("/sandboxes", request);
        if (!created.isSuccess())
        {
            throw new PerfException("lanyardd " + name + " could not create sandbox " + sandbox + ": " + created.errorMessage());
        }
        final ApiClient.Response inspected = api.get("/sandboxes/" + sandbox);
        if (!inspected.isSuccess())
        {
            throw new PerfException("lanyardd " + name + " does not show sandbox " + sandbox + ": " + inspected.errorMessage());
        }
        final JsonNode view = inspected.json();
        final String netns = view.path("Netns").asText();
        if (netns.isEmpty() || address(view, network).isEmpty())
        {
            throw new PerfException("sandbox " + sandbox + " has no namespace or address: " + view);
        }
        if (!netns.startsWith(sandboxPrefix))
        {
            throw new PerfException("sandbox " + sandbox + " is in namespace " + netns + ", not under the daemon's prefix " + sandboxPrefix);
        }
        return view;
    }

    /**
     * Creates a user-defined bridge network ({@code lanyard network create --subnet SUBNET NAME}),
     * whose sandboxes get the embedded DNS.
     */
    void createNetwork(final String network, final String subnet)
    {
        final ApiClient.Response created = api.post("/networks/create", NetworkCreateRequest.withSubnet(network, "bridge", subnet));
        if (!created.isSuccess())
        {
            throw new PerfException("lanyardd " + name + " could not create network " + network + ": " + created.errorMessage());
        }
    }

    /** A sandbox's address on a network (null: the default bridge), from its inspection; empty if it has none. */
    static String address(final JsonNode sandbox, final String network)
    {
        return sandbox.path("Networks").path(network == null ? "bridge" : network).path("IPAddress").asText();
    }

    private void awaitReady(final Path socket)
    {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new PerfException("lanyardd " + name + " exited " + process.exitValue() + " at start:\n" + logTail());
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
            LanyardSide.sleep(100);
        }
        throw new PerfException("lanyardd " + name + " did not answer within " + START_TIMEOUT.toSeconds() + " s:\n" + logTail());
    }
}
