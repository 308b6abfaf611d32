package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lanyard under test in the single-host scenarios: one {@link LanyardDaemon} in a "host"
 * namespace of the run, with the run's prefix as its sandbox prefix. Sandboxes on the default
 * bridge are created through the API, as {@code lanyard run -d} would, when a scenario first
 * asks for them.
 *
 * <p>With an uplink (the NAT and DNS scenarios), the host namespace also holds {@code up0}, one
 * end of a veth pair to the {@link OutsideNetwork} in {@code PREFIX-out}, with no address of the
 * kernel's, and the daemon is started with {@code --uplink up0 --uplink-ip 198.51.100.2/24
 * --uplink-gateway 198.51.100.1} before the caller's flags. For the DNS scenario the host also
 * gets a route of its own to the upstream resolver and the daemon a {@code --resolv-conf} naming
 * it (see {@link LanyardDns#prepareHost}).
 *
 * <pre>
 *   PREFIX-c1 ── TAP ┐                    PREFIX-host: lanyardd
 *   PREFIX-c2 ── TAP ┴ default bridge     up0 (no address; Lanyard's 198.51.100.2) ── eth0 198.51.100.1/24  PREFIX-out
 * </pre>
 */
final class LanyardSide
{
    static final String LABEL = "Lanyard";

    private final LanyardDaemon daemon;
    private final List<String> ownFlags;
    private final String hostNetns;
    private final String outsideNetns;
    private final Map<String, JsonNode> sandboxes = new HashMap<>();

    private LanyardSide(final LanyardDaemon daemon, final List<String> ownFlags, final String hostNetns, final String outsideNetns)
    {
        this.daemon = daemon;
        this.ownFlags = ownFlags;
        this.hostNetns = hostNetns;
        this.outsideNetns = outsideNetns;
    }

    /**
     * @param home        the {@code tools} directory holding {@code bin/lanyardd}.
     * @param daemonFlags extra flags for the daemon ({@code --pipeline inline}, ...).
     * @param withUplink  whether to build the outside network and give the daemon its uplink.
     * @param withDns     whether to prepare the DNS scenario's upstream route and resolver
     *                    configuration; needs the uplink.
     */
    static LanyardSide start(final Workspace workspace, final Path home, final List<String> daemonFlags, final boolean withUplink,
        final boolean withDns)
    {
        if (withDns && !withUplink)
        {
            throw new IllegalArgumentException("the DNS scenario's upstream is beyond the uplink");
        }
        final String host = workspace.addNamespace("host");
        final List<String> ownFlags = new ArrayList<>();
        String outside = null;
        if (withUplink)
        {
            outside = OutsideNetwork.build(workspace, "out", host);
            ownFlags.addAll(List.of("--uplink", OutsideNetwork.ROUTER_INTERFACE,
                "--uplink-ip", OutsideNetwork.MASQUERADE_ADDRESS + "/" + OutsideNetwork.PREFIX_LENGTH,
                "--uplink-gateway", OutsideNetwork.SERVER_ADDRESS));
        }
        if (withDns)
        {
            ownFlags.addAll(LanyardDns.prepareHost(workspace, host, outside));
        }
        final List<String> flags = new ArrayList<>(ownFlags);
        flags.addAll(daemonFlags);
        final LanyardDaemon daemon = LanyardDaemon.start(workspace, home, "host", host, workspace.prefix(), flags);
        return new LanyardSide(daemon, List.copyOf(ownFlags), host, outside);
    }

    /** The flags the daemon was started with before the caller's: the uplink's, if it has one, and the DNS scenario's. */
    List<String> ownFlags()
    {
        return ownFlags;
    }

    LanyardDaemon daemon()
    {
        return daemon;
    }

    /** The namespace the daemon runs in. */
    String hostNetns()
    {
        return hostNetns;
    }

    /** The namespace beyond the uplink; null without one. */
    String outsideNetns()
    {
        return outsideNetns;
    }

    /** The bridge scenario: sandbox {@code c1} to sandbox {@code c2}, both on the default bridge. */
    Endpoints bridgeEndpoints()
    {
        final JsonNode first = sandbox("c1");
        final JsonNode second = sandbox("c2");
        return new Endpoints(LABEL, first.path("Netns").asText(), second.path("Netns").asText(),
            LanyardDaemon.address(second, null), LanyardDaemon.address(first, null));
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
            sandbox = daemon.createSandbox(name, null);
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
        daemon.checkAlive();
    }

    /** The daemon's counters ({@code GET /stats}), or null if it does not answer. */
    JsonNode stats()
    {
        return daemon.stats();
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
