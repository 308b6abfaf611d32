package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.api.IpamConfig;
import io.lanyard.client.api.NetworkCreateRequest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lanyard under test in the overlay scenario: two hosts on an {@link Underlay}, an etcd in the
 * first host's namespace as the cluster store, and one {@link LanyardDaemon} per host started
 * with {@code --store etcd://192.0.2.11:2379 --advertise-addr HOST_ADDRESS --vxlan-port 4789}
 * before the caller's flags. Through the first daemon's API, as {@code lanyard network create
 * --driver overlay --subnet 10.30.0.0/24 perfnet} would, the overlay network is created once for
 * the cluster; then a sandbox joins it on each host, as {@code lanyard run -d --net perfnet}
 * would. Lanyard chooses the containers' MTU itself (the underlay's less 50 bytes); the run
 * fails unless it is the {@value Underlay#OVERLAY_MTU} the Linux side uses, so both sides carry
 * the same segments.
 *
 * <p>More networks may be made on the same hosts ({@link #addNetwork}), as the interop
 * measurement does for a network whose far end is a kernel VTEP ({@link OverlayInterop}).
 *
 * <pre>
 *   PREFIX-h1-c1 ── TAP ─ lanyardd, etcd ─ ul0 192.0.2.11  PREFIX-h1
 *                                           │ PREFIX-ul
 *   PREFIX-h2-c2 ── TAP ─ lanyardd ─────── ul0 192.0.2.12  PREFIX-h2
 * </pre>
 */
final class LanyardOverlay
{
    static final String NETWORK = "perfnet";
    static final String SUBNET = "10.30.0.0/24";
    static final String DRIVER = "overlay";
    private static final String EACH_HOST_ADDRESS = "192.0.2.1X";
    private static final Duration NETWORK_VISIBLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern MTU = Pattern.compile("\\bmtu ([0-9]+)\\b");

    private final Underlay underlay;
    private final Etcd etcd;
    private final List<LanyardDaemon> daemons;
    private final Endpoints endpoints;

    private LanyardOverlay(final Underlay underlay, final Etcd etcd, final List<LanyardDaemon> daemons, final Endpoints endpoints)
    {
        this.underlay = underlay;
        this.etcd = etcd;
        this.daemons = List.copyOf(daemons);
        this.endpoints = endpoints;
    }

    /**
     * Builds the underlay, starts etcd and the daemons, creates the network and a sandbox on each
     * host.
     *
     * @param home        the {@code tools} directory holding {@code bin/lanyardd}.
     * @param daemonFlags extra flags for both daemons ({@code --pipeline inline}, ...).
     */
    static LanyardOverlay start(final Workspace workspace, final Path home, final List<String> daemonFlags)
    {
        final Underlay underlay = Underlay.build(workspace, "ul", List.of("h1", "h2"));
        final Underlay.Host storeHost = underlay.hosts().get(0);
        final Etcd etcd = Etcd.start(workspace, storeHost.netns(), storeHost.address());

        final List<LanyardDaemon> daemons = new ArrayList<>();
        for (int i = 0; i < underlay.hosts().size(); i++)
        {
            final Underlay.Host host = underlay.hosts().get(i);
            final String name = "h" + (i + 1);
            final List<String> flags = new ArrayList<>(overlayFlags(etcd.storeAddress(), host.address()));
            flags.addAll(daemonFlags);
            daemons.add(LanyardDaemon.start(workspace, home, name, host.netns(), workspace.prefix() + name + "-", flags));
        }

        createNetwork(daemons.get(0), networkCreateRequest(NETWORK, SUBNET, Map.of()));
        final JsonNode client = join(workspace, daemons.get(0), NETWORK, "c1");
        final JsonNode server = join(workspace, daemons.get(1), NETWORK, "c2");
        final Endpoints endpoints = new Endpoints(LanyardSide.LABEL, client.path("Netns").asText(), server.path("Netns").asText(),
            LanyardDaemon.address(server, NETWORK), LanyardDaemon.address(client, NETWORK));
        return new LanyardOverlay(underlay, etcd, daemons, endpoints);
    }

    /** The flags that make a daemon a host of the overlay, before the caller's. */
    static List<String> overlayFlags(final String store, final String advertiseAddress)
    {
        return List.of("--store", store, "--advertise-addr", advertiseAddress, "--vxlan-port", Integer.toString(Underlay.VXLAN_PORT));
    }

    /**
     * One more overlay network for the cluster, made through the first host's daemon as {@code
     * lanyard network create --driver overlay --subnet SUBNET --opt KEY=VALUE... NAME} would, and
     * sandbox {@code sandbox} on it on the first host (with the MTU check of the scenario's own).
     *
     * @return the sandbox's inspection.
     */
    JsonNode addNetwork(final Workspace workspace, final String network, final String subnet, final Map<String, String> options,
        final String sandbox)
    {
        createNetwork(daemons.get(0), networkCreateRequest(network, subnet, options));
        return join(workspace, daemons.get(0), network, sandbox);
    }

    /** The network between the hosts; more hosts may join it. */
    Underlay underlay()
    {
        return underlay;
    }

    /** Sandbox {@code c1} on the first host to sandbox {@code c2} on the second, across the overlay. */
    Endpoints endpoints()
    {
        return endpoints;
    }

    /** For the progress line: the processes, and the overlay flags the daemons got. */
    String describe()
    {
        final StringBuilder description = new StringBuilder();
        for (final LanyardDaemon daemon : daemons)
        {
            description.append("lanyardd ").append(daemon.name()).append(" pid ").append(daemon.pid()).append(", ");
        }
        return description.append("etcd pid ").append(etcd.pid()).append("; with ").append(String.join(" ", flags())).toString();
    }

    /** The flags the daemons got before the caller's, each host's own address shown as {@value #EACH_HOST_ADDRESS}. */
    List<String> flags()
    {
        return overlayFlags(etcd.storeAddress(), EACH_HOST_ADDRESS);
    }

    /** Fails the run if etcd or a daemon is gone. */
    void checkAlive()
    {
        etcd.checkAlive();
        daemons.forEach(LanyardDaemon::checkAlive);
    }

    /** Each daemon's counters by its name; null for one that does not answer. */
    Map<String, JsonNode> stats()
    {
        final Map<String, JsonNode> stats = new LinkedHashMap<>();
        daemons.forEach(daemon -> stats.put(daemon.name(), daemon.stats()));
        return stats;
    }

    /** {@code lanyard network create --driver overlay --subnet SUBNET [--opt KEY=VALUE]... NAME}: the body the CLI sends. */
    static NetworkCreateRequest networkCreateRequest(final String network, final String subnet, final Map<String, String> options)
    {
        return new NetworkCreateRequest(network, DRIVER, List.of(new IpamConfig(subnet, null, null, Map.of())), false, false,
            options, Map.of());
    }

    private static void createNetwork(final LanyardDaemon daemon, final NetworkCreateRequest request)
    {
        final ApiClient.Response created = daemon.api().post("/networks/create", request);
        if (!created.isSuccess())
        {
            throw new PerfException("lanyardd " + daemon.name() + " could not create overlay network " + request.name() + ": " +
                created.errorMessage());
        }
    }

    /**
     * Waits (boundedly) until the daemon knows the network from the store, creates a sandbox on it
     * and checks the sandbox's MTU.
     */
    private static JsonNode join(final Workspace workspace, final LanyardDaemon daemon, final String network, final String sandbox)
    {
        final long deadline = System.nanoTime() + NETWORK_VISIBLE_TIMEOUT.toNanos();
        while (!daemon.api().get("/networks/" + network).isSuccess() && System.nanoTime() < deadline)
        {
            daemon.checkAlive();
            LanyardSide.sleep(100);
        }
        // if the daemon still does not list it, the run request says why
        final JsonNode view = daemon.createSandbox(sandbox, network);
        final String netns = view.path("Netns").asText();
        final String reported = view.path("Networks").path(network).path("Interface").asText();
        final String device = reported.isEmpty() ? "eth0" : reported;
        final Exec.Result link = workspace.run(List.of("ip", "-n", netns, "-o", "link", "show", "dev", device), Duration.ofSeconds(30));
        final int mtu = link.ok() ? mtu(link.stdout()) : -1;
        if (mtu != Underlay.OVERLAY_MTU)
        {
            throw new PerfException("sandbox " + sandbox + " on lanyardd " + daemon.name() + " has MTU " + (mtu < 0 ? "(unknown: " +
                link.describe() + ")" : mtu) + " on its overlay interface, not " + Underlay.OVERLAY_MTU +
                " (the underlay's " + Underlay.MTU + " less VXLAN's 50), which the Linux side uses");
        }
        return view;
    }

    /** The MTU in the output of {@code ip -o link show}, or -1 if there is none. */
    static int mtu(final String ipLinkOutput)
    {
        final Matcher mtu = MTU.matcher(ipLinkOutput);
        return mtu.find() ? Integer.parseInt(mtu.group(1)) : -1;
    }
}
