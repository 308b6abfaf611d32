package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.tap.NamespaceThread;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The DNS scenario: the embedded DNS of the single-host daemon ({@link LanyardSide}, with its
 * uplink) as a container on a user-defined network uses it, against dnsmasq asked directly.
 *
 * <p>Through the API, as {@code lanyard network create --subnet 10.53.0.0/24 dnsnet} and
 * {@code lanyard run -d --net dnsnet [--network-alias web] NAME} would, it creates the network, a
 * client container {@code d0} and three named containers {@code d1..d3} sharing the alias
 * {@code web}. From sockets made inside the client's namespace ({@link DnsLoad}) it asks:
 * <ul>
 *   <li><b>container names</b> — {@code d1}, {@code d2}, {@code d3}, {@code web} (three
 *       addresses), {@code d1.dnsnet} and {@code d2}'s short ID, in turn — of the embedded DNS at
 *       127.0.0.11, and of a dnsmasq in the same namespace at 127.0.0.12 that holds the same
 *       names ({@code --host-record}, TTL 600 as Lanyard's): the same client, loopback, and
 *       answers of the same size on both sides;</li>
 *   <li><b>an outside name</b> ({@code www.ext.test} and two more of {@code ext.test}) of the
 *       embedded DNS, which forwards it to the upstream — a dnsmasq at 198.51.100.1 in the
 *       outside namespace that answers {@code ext.test} itself ({@code --address}) — and of that
 *       dnsmasq directly, from the same client, the way the container's own packets go: through
 *       Lanyard's switch and masquerade on the uplink.</li>
 * </ul>
 *
 * <p>The embedded DNS forwards from the daemon's namespace, whose kernel has no address on the
 * uplink (only Lanyard answers there), as a real host reaches its resolvers over a network of its
 * own. So the host namespace gets one: {@value #HOST_LINK} ({@value #HOST_LINK_ADDRESS}/24), a veth
 * to {@value #OUTSIDE_LINK} ({@value #OUTSIDE_LINK_ADDRESS}/24) in the outside namespace, and a
 * route to the upstream through it; the daemon's {@code --resolv-conf} is a file of the run
 * naming only that upstream, so nothing is ever forwarded to the machine's own resolver. The
 * upstream is also asked directly from the host namespace: that is the forwarder's own path, so
 * the forwarded latency less this one is what the hop through 127.0.0.11 costs by itself.
 *
 * <pre>
 *   PREFIX-d0: load sockets; dnsmasq 127.0.0.12     PREFIX-host: lanyardd (127.0.0.11 in each container)
 *     └ TAP ─ dnsnet 10.53.0.0/24 ─ (NAT) ─ up0 (Lanyard's 198.51.100.2) ─── eth0  198.51.100.1/24 ┐ PREFIX-out:
 *   PREFIX-d1..d3 ┘                        own0 192.0.2.2/24 (the kernel's) ─ host0 192.0.2.1/24  ┘ dnsmasq 198.51.100.1:53
 * </pre>
 */
final class LanyardDns
{
    static final String PEER_LABEL = "dnsmasq direct";
    static final String NETWORK = "dnsnet";
    static final String SUBNET = "10.53.0.0/24";
    static final String ALIAS = "web";
    static final String CLIENT = "d0";
    static final List<String> CONTAINERS = List.of("d1", "d2", "d3");
    static final String EMBEDDED_ADDRESS = "127.0.0.11";
    static final String PEER_ADDRESS = "127.0.0.12";
    static final String UPSTREAM_ADDRESS = OutsideNetwork.SERVER_ADDRESS;
    static final String OUTSIDE_DOMAIN = "ext.test";
    static final String OUTSIDE_ANSWER = "203.0.113.7";
    static final List<String> OUTSIDE_NAMES = List.of("www." + OUTSIDE_DOMAIN, "api." + OUTSIDE_DOMAIN, OUTSIDE_DOMAIN);
    static final String HOST_LINK = "own0";
    static final String HOST_LINK_ADDRESS = "192.0.2.2";
    static final String OUTSIDE_LINK = "host0";
    static final String OUTSIDE_LINK_ADDRESS = "192.0.2.1";
    /** Queries outstanding in the rate measurements. */
    static final int IN_FLIGHT = 32;
    /** The pause after each answer in the latency measurements. */
    static final Duration GAP = Duration.ofMillis(1);
    private static final int DNS_PORT = 53;
    private static final int LINK_PREFIX_LENGTH = 24;
    private static final int SHORT_ID_LENGTH = 12;
    private static final int CHECK_ATTEMPTS = 10;
    /**
     * Before the first round, each socket asks at full rate for this long, so the daemon's JIT,
     * ARP and NAT entries settle (the resolver's path is netty's codec and collections: on a busy
     * machine C2 takes seconds to get to it).
     */
    private static final Duration WARM_UP = Duration.ofSeconds(3);

    /**
     * What one side measured in a round.
     *
     * @param namesRate       container names, {@value #IN_FLIGHT} in flight.
     * @param namesLatency    container names, one at a time.
     * @param outsideRate     the outside name, {@value #IN_FLIGHT} in flight: forwarded (Lanyard), or straight to the upstream (peer).
     * @param outsideLatency  the outside name, one at a time.
     * @param hostLatency     the peer only (null for Lanyard): the upstream asked from the host namespace, the forwarder's path.
     */
    record Side(DnsLoad.Result namesRate, DnsLoad.Result namesLatency, DnsLoad.Result outsideRate, DnsLoad.Result outsideLatency,
        DnsLoad.Result hostLatency)
    {
        /** Queries of the round that got no good answer (lost or answered with an error). */
        long unanswered()
        {
            return Stream.of(namesRate, namesLatency, outsideRate, outsideLatency, hostLatency)
                .filter(result -> result != null).mapToLong(DnsLoad.Result::unanswered).sum();
        }
    }

    static final List<Report.Metric<Side>> METRICS = List.of(
        Report.Metric.<Side>of("container names: queries/s (" + IN_FLIGHT + " in flight)", "namesQps",
            side -> side.namesRate().queriesPerSecond(), Report.Better.HIGHER, "%.0f").perRound("names %6.0f q/s"),
        Report.Metric.<Side>of("container names: latency p50 (ms)", "namesP50Ms",
            side -> side.namesLatency().percentileMillis(50), Report.Better.LOWER, "%.3f").perRound("p50 %.3f ms"),
        Report.Metric.<Side>of("container names: latency p99 (ms)", "namesP99Ms",
            side -> side.namesLatency().percentileMillis(99), Report.Better.LOWER, "%.3f"),
        Report.Metric.<Side>of("outside name: queries/s (" + IN_FLIGHT + " in flight)", "outsideQps",
            side -> side.outsideRate().queriesPerSecond(), Report.Better.HIGHER, "%.0f").perRound("outside %6.0f q/s"),
        Report.Metric.<Side>of("outside name: latency p50 (ms)", "outsideP50Ms",
            side -> side.outsideLatency().percentileMillis(50), Report.Better.LOWER, "%.3f").perRound("p50 %.3f ms"),
        Report.Metric.<Side>of("outside name: latency p99 (ms)", "outsideP99Ms",
            side -> side.outsideLatency().percentileMillis(99), Report.Better.LOWER, "%.3f"),
        Report.Metric.<Side>difference("forwarding adds, p50 (ms)", "forwardingAddsP50Ms",
            side -> side.outsideLatency().percentileMillis(50), side -> side.outsideLatency().percentileMillis(50), "%+.3f"),
        Report.Metric.<Side>difference("forwarding adds, p99 (ms)", "forwardingAddsP99Ms",
            side -> side.outsideLatency().percentileMillis(99), side -> side.outsideLatency().percentileMillis(99), "%+.3f"),
        Report.Metric.<Side>ofPeer("upstream from the host ns: p50 (ms)", "hostP50Ms",
            side -> side.hostLatency().percentileMillis(50), "%.3f"),
        Report.Metric.<Side>ofPeer("upstream from the host ns: p99 (ms)", "hostP99Ms",
            side -> side.hostLatency().percentileMillis(99), "%.3f"),
        Report.Metric.<Side>difference("forwarding adds to the host ns, p50 (ms)", "forwardingOverHostP50Ms",
            side -> side.outsideLatency().percentileMillis(50), side -> side.hostLatency().percentileMillis(50), "%+.3f"),
        Report.Metric.<Side>difference("forwarding adds to the host ns, p99 (ms)", "forwardingOverHostP99Ms",
            side -> side.outsideLatency().percentileMillis(99), side -> side.hostLatency().percentileMillis(99), "%+.3f"),
        Report.Metric.<Side>of("queries unanswered", "unanswered", side -> side.unanswered(), Report.Better.NEITHER, "%.0f"));

    private final List<Dnsmasq> servers;
    private final DnsLoad lanyardNames;
    private final DnsLoad peerNames;
    private final DnsLoad lanyardOutside;
    private final DnsLoad peerOutside;
    private final DnsLoad hostOutside;
    private final int seconds;
    private final int queries;

    private LanyardDns(final List<Dnsmasq> servers, final List<DnsLoad> loads, final int seconds, final int queries)
    {
        this.servers = List.copyOf(servers);
        this.lanyardNames = loads.get(0);
        this.peerNames = loads.get(1);
        this.lanyardOutside = loads.get(2);
        this.peerOutside = loads.get(3);
        this.hostOutside = loads.get(4);
        this.seconds = seconds;
        this.queries = queries;
    }

    /**
     * Before the daemon starts: the host namespace's own link and route to the upstream, and the
     * resolver configuration the daemon forwards by.
     *
     * @return the daemon flags that go with it: {@code --resolv-conf FILE}.
     */
    static List<String> prepareHost(final Workspace workspace, final String hostNetns, final String outsideNetns)
    {
        Exec.check(List.of("ip", "-n", hostNetns, "link", "add", HOST_LINK, "type", "veth", "peer", "name", OUTSIDE_LINK, "netns", outsideNetns));
        Exec.check(Workspace.inNamespace(hostNetns, List.of("sysctl", "-qw", "net.ipv6.conf." + HOST_LINK + ".disable_ipv6=1")));
        Exec.check(Workspace.inNamespace(outsideNetns, List.of("sysctl", "-qw", "net.ipv6.conf." + OUTSIDE_LINK + ".disable_ipv6=1")));
        Exec.check(List.of("ip", "-n", hostNetns, "addr", "add", HOST_LINK_ADDRESS + "/" + LINK_PREFIX_LENGTH, "dev", HOST_LINK));
        Exec.check(List.of("ip", "-n", outsideNetns, "addr", "add", OUTSIDE_LINK_ADDRESS + "/" + LINK_PREFIX_LENGTH, "dev", OUTSIDE_LINK));
        Exec.check(List.of("ip", "-n", hostNetns, "link", "set", HOST_LINK, "up"));
        Exec.check(List.of("ip", "-n", outsideNetns, "link", "set", OUTSIDE_LINK, "up"));
        Exec.check(List.of("ip", "-n", hostNetns, "route", "add", UPSTREAM_ADDRESS + "/32", "via", OUTSIDE_LINK_ADDRESS, "dev", HOST_LINK));
        final Path resolvConf = workspace.writeFile("resolv.conf",
            "# lanyard-perf: the DNS scenario's upstream, in the run's outside namespace\nnameserver " + UPSTREAM_ADDRESS + "\n");
        return List.of("--resolv-conf", resolvConf.toString());
    }

    /**
     * Builds the scenario on the daemon (its network and containers), starts both dnsmasqs,
     * opens the load's sockets, checks every name resolves to the right addresses on every path,
     * and warms them all up.
     *
     * @param seconds how long each rate measurement lasts.
     * @param queries how many queries each latency measurement asks.
     */
    static LanyardDns start(final Workspace workspace, final LanyardSide lanyard, final int seconds, final int queries)
    {
        final LanyardDaemon daemon = lanyard.daemon();
        daemon.createNetwork(NETWORK, SUBNET);
        final String client = daemon.createSandbox(CLIENT, NETWORK).path("Netns").asText();
        final Map<String, List<String>> expected = new LinkedHashMap<>();
        final List<String> hostRecords = new ArrayList<>();
        final List<String> aliasAddresses = new ArrayList<>();
        for (final String name : CONTAINERS)
        {
            final JsonNode view = daemon.createSandbox(name, NETWORK, List.of(ALIAS));
            final String address = LanyardDaemon.address(view, NETWORK);
            final String shortId = view.path("Id").asText().substring(0, SHORT_ID_LENGTH);
            expected.put(name, List.of(address));
            if (name.equals(CONTAINERS.get(0)))
            {
                expected.put(name + "." + NETWORK, List.of(address));
            }
            if (name.equals(CONTAINERS.get(1)))
            {
                expected.put(shortId, List.of(address));
            }
            aliasAddresses.add(address);
            hostRecords.add("--host-record=" + String.join(",", name, name + "." + NETWORK, shortId, ALIAS, address));
        }
        expected.put(ALIAS, List.copyOf(aliasAddresses));

        final List<String> peerFlags = new ArrayList<>(hostRecords);
        peerFlags.add("--local-ttl=600");
        final List<Dnsmasq> servers = List.of(
            Dnsmasq.start(workspace, "upstream", lanyard.outsideNetns(), UPSTREAM_ADDRESS,
                List.of("--address=/" + OUTSIDE_DOMAIN + "/" + OUTSIDE_ANSWER)),
            Dnsmasq.start(workspace, "names", client, PEER_ADDRESS, peerFlags));

        final List<String> names = List.copyOf(expected.keySet());
        final List<DnsLoad> loads = new ArrayList<>();
        try (NamespaceThread inside = new NamespaceThread())
        {
            loads.add(DnsLoad.open(inside, client, server(EMBEDDED_ADDRESS), names, "Lanyard's embedded DNS " + EMBEDDED_ADDRESS + " in " + client));
            loads.add(DnsLoad.open(inside, client, server(PEER_ADDRESS), names, "dnsmasq " + PEER_ADDRESS + " in " + client));
            loads.add(DnsLoad.open(inside, client, server(EMBEDDED_ADDRESS), OUTSIDE_NAMES,
                "Lanyard's embedded DNS " + EMBEDDED_ADDRESS + " in " + client + " forwarding"));
            loads.add(DnsLoad.open(inside, client, server(UPSTREAM_ADDRESS), OUTSIDE_NAMES,
                "upstream dnsmasq " + UPSTREAM_ADDRESS + " from " + client + " through Lanyard's NAT"));
            loads.add(DnsLoad.open(inside, lanyard.hostNetns(), server(UPSTREAM_ADDRESS), OUTSIDE_NAMES,
                "upstream dnsmasq " + UPSTREAM_ADDRESS + " from " + lanyard.hostNetns()));
        }
        final Map<String, List<String>> outside = new LinkedHashMap<>();
        OUTSIDE_NAMES.forEach(name -> outside.put(name, List.of(OUTSIDE_ANSWER)));
        check(loads.get(0), expected);
        check(loads.get(1), expected);
        for (final DnsLoad load : loads.subList(2, loads.size()))
        {
            check(load, outside);
        }
        for (final DnsLoad load : loads)
        {
            final DnsLoad.Result warmUp = load.closedLoop(IN_FLIGHT, WARM_UP);
            if (warmUp.answered() == 0)
            {
                throw new PerfException("no answers while warming up " + load.description());
            }
        }
        return new LanyardDns(servers, loads, seconds, queries);
    }

    /** How each side is measured, one line for the report. */
    String method()
    {
        return "UDP A queries: " + seconds + " s with " + IN_FLIGHT + " in flight (rate), then " + queries + " one at a time, " +
            GAP.toMillis() + " ms apart (latency).  Peer: dnsmasq asked directly, at " + PEER_ADDRESS +
            " in the container with the same names, and the upstream itself through Lanyard's NAT";
    }

    /** For the progress line: the two dnsmasqs. */
    String describe()
    {
        return "dnsmasq pids " + servers.get(0).pid() + " (upstream " + UPSTREAM_ADDRESS + "), " + servers.get(1).pid() + " (" + PEER_ADDRESS +
            " in " + CLIENT + ")";
    }

    /** Fails the run if either dnsmasq is gone. */
    void checkAlive()
    {
        servers.forEach(Dnsmasq::checkAlive);
    }

    /** One side's measurements: Lanyard's embedded DNS, or dnsmasq asked directly. */
    Side measure(final boolean lanyard)
    {
        final DnsLoad names = lanyard ? lanyardNames : peerNames;
        final DnsLoad outside = lanyard ? lanyardOutside : peerOutside;
        final Duration rate = Duration.ofSeconds(seconds);
        return new Side(names.closedLoop(IN_FLIGHT, rate), names.paced(queries, GAP), outside.closedLoop(IN_FLIGHT, rate),
            outside.paced(queries, GAP), lanyard ? null : hostOutside.paced(queries, GAP));
    }

    /**
     * Asks for every name (several times over for the first, while ARP, masquerade and the
     * daemon's listener settle) and fails the run unless each answer holds exactly the addresses
     * expected.
     */
    static void check(final DnsLoad load, final Map<String, List<String>> expected)
    {
        PerfException last = null;
        for (int attempt = 0; attempt < CHECK_ATTEMPTS; attempt++)
        {
            try
            {
                checkEveryName(load, expected);
                return;
            }
            catch (final PerfException ex)
            {
                last = ex;
                LanyardSide.sleep(500);
            }
        }
        throw last;
    }

    /** {@code expected} holds the load's names in the order it was opened with. */
    private static void checkEveryName(final DnsLoad load, final Map<String, List<String>> expected)
    {
        int index = 0;
        for (final Map.Entry<String, List<String>> name : expected.entrySet())
        {
            final List<String> answer = new ArrayList<>(load.ask(index++));
            final List<String> wanted = new ArrayList<>(name.getValue());
            answer.sort(null);
            wanted.sort(null);
            if (!answer.equals(wanted))
            {
                throw new PerfException(load.description() + ": " + name.getKey() + " resolves to " + answer + ", not " + wanted);
            }
        }
    }

    private static InetSocketAddress server(final String address)
    {
        return new InetSocketAddress(address, DNS_PORT);
    }
}
