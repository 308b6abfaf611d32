package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.control.api.ApiClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lanyard under test: {@code lanyardd} started through {@code tools/bin/lanyardd} inside a
 * "host" namespace of the run (with {@code nsenter}), its socket, state and counters in the
 * run's temporary directory and the run's prefix as its sandbox prefix, so the sandboxes it
 * makes are the run's namespaces too. Sandboxes on the default bridge are created through the
 * API, as {@code lanyard run -d} would, when a scenario first asks for them.
 *
 * <p>With an uplink (the NAT scenario), the host namespace also holds {@code up0}, one end of a
 * veth pair to the {@link OutsideNetwork} in {@code PREFIX-out}, with no address of the kernel's,
 * and the daemon is started with {@code --uplink up0 --uplink-ip 198.51.100.2/24
 * --uplink-gateway 198.51.100.1} before the caller's flags.
 *
 * <pre>
 *   PREFIX-c1 ── TAP ┐                    PREFIX-host: lanyardd
 *   PREFIX-c2 ── TAP ┴ default bridge     up0 (no address; Lanyard's 198.51.100.2) ── eth0 198.51.100.1/24  PREFIX-out
 * </pre>
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
    private final List<String> flags;
    private final String outsideNetns;
    private final Map<String, JsonNode> sandboxes = new HashMap<>();

    private LanyardSide(final Workspace workspace, final Process daemon, final Path log, final ApiClient api,
        final List<String> flags, final String outsideNetns)
    {
        this.workspace = workspace;
        this.daemon = daemon;
        this.log = log;
        this.api = api;
        this.flags = flags;
        this.outsideNetns = outsideNetns;
    }

    /**
     * @param home        the {@code tools} directory holding {@code bin/lanyardd} and the built jars.
     * @param daemonFlags extra flags for the daemon ({@code --pipeline inline}, ...).
     * @param withUplink  whether to build the outside network and give the daemon its uplink.
     */
    static LanyardSide start(final Workspace workspace, final Path home, final List<String> daemonFlags, final boolean withUplink)
    {
        final Path script = home.resolve("bin/lanyardd");
        if (!Files.isExecutable(script) || !Files.isDirectory(home.resolve("target/lib")))
        {
            throw new PerfException("no built lanyardd at " + script + "; run: mvn -q package -DskipTests");
        }
        final String host = workspace.addNamespace("host");
        final List<String> flags = new ArrayList<>();
        String outside = null;
        if (withUplink)
        {
            outside = OutsideNetwork.build(workspace, "out", host);
            flags.addAll(List.of("--uplink", OutsideNetwork.ROUTER_INTERFACE,
                "--uplink-ip", OutsideNetwork.MASQUERADE_ADDRESS + "/" + OutsideNetwork.PREFIX_LENGTH,
                "--uplink-gateway", OutsideNetwork.SERVER_ADDRESS));
        }
        flags.addAll(daemonFlags);

        final Path socket = workspace.dir().resolve("lanyard.sock");
        final Path log = workspace.dir().resolve("lanyardd.log");
        final List<String> command = new ArrayList<>(List.of(script.toString(),
            "--socket", socket.toString(),
            "--state-dir", workspace.dir().resolve("state").toString(),
            "--sandbox-prefix", workspace.prefix()));
        command.addAll(flags);
        final Process daemon = workspace.spawn(Workspace.inNamespace(host, command), log);
        final LanyardSide side = new LanyardSide(workspace, daemon, log, new ApiClient(socket), List.copyOf(flags), outside);
        side.awaitReady(socket);
        return side;
    }

    /** Every flag the daemon was started with beyond socket, state and prefix: the uplink's, then the caller's. */
    List<String> flags()
    {
        return flags;
    }

    /** The bridge scenario: sandbox {@code c1} to sandbox {@code c2}, both on the default bridge. */
    Endpoints bridgeEndpoints()
    {
        final JsonNode first = sandbox("c1");
        final JsonNode second = sandbox("c2");
        return new Endpoints(LABEL, first.path("Netns").asText(), second.path("Netns").asText(), address(second), address(first));
    }

    /** The NAT scenario: sandbox {@code c1} to the server in the outside namespace, through the uplink. */
    Endpoints natEndpoints()
    {
        if (outsideNetns == null)
        {
            throw new IllegalStateException("the daemon was started without an uplink");
        }
        final JsonNode client = sandbox("c1");
        return new Endpoints(LABEL, client.path("Netns").asText(), outsideNetns, OutsideNetwork.SERVER_ADDRESS,
            OutsideNetwork.MASQUERADE_ADDRESS);
    }

    private JsonNode sandbox(final String name)
    {
        JsonNode sandbox = sandboxes.get(name);
        if (sandbox == null)
        {
            sandbox = createSandbox(name);
            sandboxes.put(name, sandbox);
        }
        return sandbox;
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
