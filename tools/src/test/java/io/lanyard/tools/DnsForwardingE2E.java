package io.lanyard.tools;

import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded DNS forwarding names that are no container's to real resolvers, and relaying
 * what they say: the resolvers are dnsmasq (answers, NXDOMAIN, REFUSED, answers too large for
 * UDP) and two small Python responders (SERVFAIL, REFUSED), all in the outside namespace, each
 * logging the queries it got, so a test sees which upstream was asked and over which transport.
 *
 * <pre>
 *   PREFIX-host (lanyardd --resolv-conf FILE, uplink up0 ── out0 198.51.100.1 in PREFIX-outside)
 *     dns0 192.0.2.2/24 ── veth ── dns0 in PREFIX-outside:
 *                                    192.0.2.1 dnsmasq "primary": ext.test → 203.0.113.7, nx.test NXDOMAIN,
 *                                              many.big.test 100 A records, anything else REFUSED
 *                                    192.0.2.3 SERVFAIL to everything
 *                                    192.0.2.4 dnsmasq "secondary": ext.test → 203.0.113.9, second.test → 203.0.113.8
 *                                    192.0.2.5 REFUSED to everything
 * </pre>
 *
 * <p>The daemon forwards from its own namespace, whose kernel has no address on the uplink (the
 * dataplane owns it), so the resolvers sit on a link of the host's own, as a real host's do. The
 * host's resolver configuration lists {@code 127.0.0.11} first, which must never be asked, then
 * the primary. One daemon serves the class; each test has its own sandboxes, names and networks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DnsForwardingE2E
{
    private static final String PRIMARY = "192.0.2.1";
    private static final String HOST_SIDE = "192.0.2.2";
    private static final String SERVFAILING = "192.0.2.3";
    private static final String SECONDARY = "192.0.2.4";
    private static final String REFUSING = "192.0.2.5";
    private static final int RCODE_SERVFAIL = 2;
    private static final int RCODE_REFUSED = 5;
    private static final int MANY = 100;

    /**
     * {@code ADDRESS RCODE}: answers every UDP query to ADDRESS:53 with RCODE, echoing the
     * question and nothing else, and prints {@code query NAME} for each; {@code ready} once bound.
     */
    private static final String FAILING_RESOLVER = String.join("\n",
        "import socket, sys",
        "address, rcode = sys.argv[1], int(sys.argv[2])",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "s.bind((address, 53))",
        "print('ready', flush=True)",
        "while True:",
        "    q, peer = s.recvfrom(4096)",
        "    if len(q) < 12:",
        "        continue",
        "    i, labels = 12, []",
        "    while i < len(q) and q[i]:",
        "        labels.append(q[i + 1:i + 1 + q[i]].decode(errors='replace'))",
        "        i += 1 + q[i]",
        "    print('query ' + '.'.join(labels), flush=True)",
        "    flags = 0x8000 | ((q[2] << 8) & 0x7900) | 0x80 | rcode",
        "    s.sendto(q[:2] + flags.to_bytes(2, 'big') + bytes([0, 1, 0, 0, 0, 0, 0, 0]) + q[12:i + 5], peer)");

    private LanyardHost host;
    private Path resolvConf;
    private Dnsmasq primary;
    private Dnsmasq secondary;
    private Path servfailLog;
    private Path refusedLog;

    @BeforeAll
    void setUp() throws IOException
    {
        Privileges.requireNetAdmin("ip", "nsenter", "dig", "getent", "dnsmasq", "python3");
        resolvConf = Files.createTempFile("lanyard-dns-resolv", ".conf");
        Files.writeString(resolvConf, String.join("\n",
            "search corp.example.test",
            "nameserver 127.0.0.11",
            "nameserver " + PRIMARY,
            ""), StandardCharsets.UTF_8);
        host = new LanyardHost("dfw", "--resolv-conf", resolvConf.toString()).withUplink();
        final String outside = host.outsideNetns;
        Shell.check("ip", "-n", outside, "link", "add", "dns0", "type", "veth", "peer", "name", "dns0", "netns", host.hostNetns);
        host.inOutside("sysctl", "-qw", "net.ipv6.conf.dns0.disable_ipv6=1").assertOk();
        host.inHost("sysctl", "-qw", "net.ipv6.conf.dns0.disable_ipv6=1").assertOk();
        for (final String address : List.of(PRIMARY, SERVFAILING, SECONDARY, REFUSING))
        {
            Shell.check("ip", "-n", outside, "addr", "add", address + "/24", "dev", "dns0");
        }
        Shell.check("ip", "-n", outside, "link", "set", "dns0", "up");
        Shell.check("ip", "-n", host.hostNetns, "addr", "add", HOST_SIDE + "/24", "dev", "dns0");
        Shell.check("ip", "-n", host.hostNetns, "link", "set", "dns0", "up");
        host.start();

        final List<String> primaryOptions = new ArrayList<>(List.of("--address=/ext.test/203.0.113.7", "--address=/nx.test/"));
        for (int i = 1; i <= MANY; i++)
        {
            primaryOptions.add("--host-record=many.big.test,10.99." + (i / 256) + "." + (i % 256));
        }
        primary = Dnsmasq.start(host.namespaces, outside, PRIMARY, host.dir, primaryOptions.toArray(String[]::new));
        secondary = Dnsmasq.start(host.namespaces, outside, SECONDARY, host.dir, "--address=/ext.test/203.0.113.9",
            "--address=/second.test/203.0.113.8");
        servfailLog = failingResolver(SERVFAILING, RCODE_SERVFAIL);
        refusedLog = failingResolver(REFUSING, RCODE_REFUSED);
        // the daemon's namespace reaches the resolvers on its own link
        host.inHost("dig", "+tries=1", "+time=2", "@" + PRIMARY, "probe.ext.test").assertOk();
    }

    @AfterAll
    void tearDown() throws IOException
    {
        if (primary != null)
        {
            primary.close();
        }
        if (secondary != null)
        {
            secondary.close();
        }
        if (host != null)
        {
            host.close();
        }
        if (resolvConf != null)
        {
            Files.deleteIfExists(resolvConf);
        }
    }

    @Test
    void shouldForwardOtherNamesToTheHostsResolverSkipping127011AndRelayItsAnswer()
    {
        host.cli("network", "create", "--subnet", "10.90.0.0/24", "fwd").ok();
        host.cli("run", "-d", "--net", "fwd", "--name", "asker").ok();
        final long forwarded = counter("forwarded");
        final long relayed = counter("relayed");
        final long timeouts = counter("upstream_timeouts");
        final long failures = counter("upstream_failures");

        final long start = System.nanoTime();
        final Dig dig = Dig.in(host, "asker", "www.ext.test");
        final Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals("NOERROR", dig.status(), dig.output());
        assertEquals(List.of("203.0.113.7"), dig.addresses(), "the primary's answer: " + dig.output());
        assertTrue(dig.server().startsWith("127.0.0.11#53"), dig.server());
        assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "127.0.0.11, listed first, was not asked (that costs 4 s): " + took);
        assertEquals(1, forwarded(primary, "www.ext.test"), primary.log());
        assertEquals(0, secondary.queries("www.ext.test"));
        assertEquals(1, counter("forwarded") - forwarded);
        assertEquals(1, counter("relayed") - relayed);
        assertEquals(0, counter("upstream_timeouts") - timeouts);
        assertEquals(0, counter("upstream_failures") - failures);

        final String getent = host.inSandbox("asker", "getent", "hosts", "api.ext.test").assertOk().output();
        assertTrue(getent.startsWith("203.0.113.7 "), "glibc's resolver gets it too: " + getent);
        final String stats = host.cli("stats").ok().out();
        final String last = stats.lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("dns: queries=") && last.contains(" forwarded=") && last.contains(" tcp_fallbacks="), stats);
    }

    @Test
    void shouldRelayNxdomainAsItIsWithoutAskingTheNextUpstream()
    {
        host.cli("network", "create", "--subnet", "10.91.0.0/24", "nxnet").ok();
        host.cli("run", "-d", "--net", "nxnet", "--name", "nxasker", "--dns", PRIMARY, "--dns", SECONDARY).ok();
        final long failures = counter("upstream_failures");

        final Dig dig = Dig.in(host, "nxasker", "nothing.nx.test");
        assertEquals("NXDOMAIN", dig.status(), dig.output());
        assertTrue(dig.answers().isEmpty(), dig.output());
        assertEquals(1, forwarded(primary, "nothing.nx.test"));
        LanyardHost.sleep(300);
        assertEquals(0, secondary.queries("nothing.nx.test"), "NXDOMAIN is final: " + secondary.log());
        assertEquals(0, counter("upstream_failures") - failures);
        assertEquals(2, host.inSandbox("nxasker", "getent", "hosts", "other.nx.test").status(), "glibc: not found");
    }

    @Test
    void shouldMoveOnFromServfailAndRefusedToTheNextUpstreamAndAskAtMostThree()
    {
        host.cli("network", "create", "--subnet", "10.92.0.0/24", "failnet").ok();
        host.cli("run", "-d", "--net", "failnet", "--name", "onward", "--dns", SERVFAILING, "--dns", PRIMARY, "--dns", SECONDARY).ok();
        final long failures = counter("upstream_failures");

        final Dig dig = Dig.in(host, "onward", "db.second.test");
        assertEquals(List.of("203.0.113.8"), dig.addresses(), "SERVFAIL, then dnsmasq's REFUSED, then the answer: " + dig.output());
        assertEquals(1, logged(servfailLog, "db.second.test"));
        assertEquals(1, primary.queries("db.second.test"), primary.log());
        assertEquals(1, secondary.queries("db.second.test"));
        assertEquals(2, counter("upstream_failures") - failures);

        host.cli("run", "-d", "--net", "failnet", "--name", "skipper", "--dns", "127.0.0.11", "--dns", SERVFAILING, "--dns", REFUSING,
            "--dns", SECONDARY).ok();
        final Dig skipped = Dig.in(host, "skipper", "cache.second.test");
        assertEquals(List.of("203.0.113.8"), skipped.addresses(), "127.0.0.11 is dropped and does not count: " + skipped.output());
        assertEquals(1, logged(refusedLog, "cache.second.test"));

        host.cli("run", "-d", "--net", "failnet", "--name", "fourth", "--dns", SERVFAILING, "--dns", REFUSING, "--dns", PRIMARY,
            "--dns", SECONDARY).ok();
        final long servfails = counter("servfail");
        final Dig exhausted = Dig.in(host, "fourth", "queue.second.test");
        assertEquals("SERVFAIL", exhausted.status(), "all three failed: " + exhausted.output());
        assertEquals(1, primary.queries("queue.second.test"), "the third was asked");
        LanyardHost.sleep(300);
        assertEquals(0, secondary.queries("queue.second.test"), "a fourth never is");
        assertEquals(1, counter("servfail") - servfails);
    }

    @Test
    void shouldRetryATruncatedAnswerOverTcpAndFitWhatItRelaysToTheClientsUdpLimit()
    {
        host.cli("network", "create", "--subnet", "10.93.0.0/24", "bignet").ok();
        host.cli("run", "-d", "--net", "bignet", "--name", "bulk").ok();
        final long fallbacks = counter("tcp_fallbacks");
        final long tcpBefore = primary.tcpQueries("many.big.test");

        // a client that takes 4096 bytes over UDP: the primary's own limit (1232) truncates, the
        // embedded DNS asks it again over TCP and relays the whole answer over UDP
        final Dig large = Dig.in(host, "bulk", "+bufsize=4096", "many.big.test");
        assertEquals(MANY, large.addresses().size(), large.output());
        assertTrue(large.server().endsWith("(UDP)"), large.server());
        assertTrue(large.size() > 1232, "more than the primary sends over UDP: " + large.size());
        assertEquals(1, counter("tcp_fallbacks") - fallbacks);
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(2), () -> primary.tcpQueries("many.big.test") == tcpBefore + 1),
            "the primary was asked over TCP:\n" + primary.log());

        // a client without EDNS takes 512 bytes: it gets TC and asks the embedded DNS over TCP itself
        final Dig truncated = Dig.in(host, "bulk", "+noedns", "+ignore", "many.big.test");
        assertTrue(truncated.flags().contains("tc"), "TC for an answer larger than 512 bytes: " + truncated.output());
        assertTrue(truncated.size() > 0 && truncated.size() <= 512, "no UDP message over 512 bytes: " + truncated.output());
        final Dig retried = Dig.in(host, "bulk", "+noedns", "many.big.test");
        assertEquals(MANY, retried.addresses().size(), retried.output());
        assertTrue(retried.server().endsWith("(TCP)"), "the client retried over TCP: " + retried.output());
        final Dig edns = Dig.in(host, "bulk", "+bufsize=1232", "many.big.test");
        assertEquals(MANY, edns.addresses().size(), edns.output());
        assertTrue(edns.server().endsWith("(TCP)"), "1232 bytes is too small as well: " + edns.output());

        final String getent = host.inSandbox("bulk", "getent", "ahostsv4", "many.big.test").assertOk().output();
        assertEquals(MANY, getent.lines().filter(l -> l.contains("STREAM")).count(), "glibc's resolver gets all of them: " + getent);
    }

    @Test
    void shouldForwardToRunDnsInsteadOfTheHostsResolvers()
    {
        host.cli("network", "create", "--subnet", "10.94.0.0/24", "ownnet").ok();
        host.cli("run", "-d", "--net", "ownnet", "--name", "picky", "--dns", SECONDARY).ok();
        host.cli("run", "-d", "--net", "ownnet", "--name", "usual").ok();

        assertEquals(List.of("203.0.113.9"), Dig.in(host, "picky", "mine.ext.test").addresses(), "the secondary's answer");
        assertEquals(0, primary.queries("mine.ext.test"), "the host's resolvers are not asked");
        assertEquals(List.of("203.0.113.7"), Dig.in(host, "usual", "mine.ext.test").addresses(), "the primary's, for the other");
        assertEquals(List.of("10.94.0.3"), Dig.in(host, "picky", "usual").addresses(), "container names stay internal");
        assertEquals(0, secondary.queries("usual"), secondary.log());
    }

    @Test
    void shouldAnswerServfailForOtherNamesWhenNoNetworkOfTheSandboxHasAWayOut()
    {
        host.cli("network", "create", "--internal", "--subnet", "10.95.0.0/24", "sealed").ok();
        host.cli("network", "create", "--subnet", "10.96.0.0/24", "open").ok();
        host.cli("run", "-d", "--net", "sealed", "--name", "hermit").ok();
        host.cli("run", "-d", "--net", "sealed", "--name", "neighbour").ok();
        host.cli("run", "-d", "--net", "open", "--name", "traveller").ok();

        final Dig sealed = Dig.in(host, "hermit", "out.ext.test");
        assertEquals("SERVFAIL", sealed.status(), sealed.output());
        assertEquals(0, primary.queries("out.ext.test"), "not forwarded at all");
        assertEquals(List.of("10.95.0.3"), Dig.in(host, "hermit", "neighbour").addresses(), "names of the internal network still resolve");
        assertEquals(List.of("203.0.113.7"), Dig.in(host, "traveller", "out.ext.test").addresses());

        host.cli("network", "connect", "open", "hermit").ok();
        assertEquals(List.of("203.0.113.7"), Dig.in(host, "hermit", "out.ext.test").addresses(), "one network with a way out is enough");
        host.cli("network", "disconnect", "open", "hermit").ok();
        assertNotEquals(List.of("203.0.113.7"), Dig.in(host, "hermit", "back.ext.test").addresses());
        assertFalse(Dig.in(host, "hermit", "back.ext.test").resolved(), "sealed again");
    }

    /** How many queries the resolver got for {@code name}, once its log shows at least one. */
    private static long forwarded(final Dnsmasq resolver, final String name)
    {
        LanyardHost.eventually(Duration.ofSeconds(2), () -> resolver.queries(name) > 0);
        return resolver.queries(name);
    }

    private static long logged(final Path log, final String name)
    {
        LanyardHost.eventually(Duration.ofSeconds(2), () -> LanyardHost.readQuietly(log).contains("query " + name + "\n"));
        return LanyardHost.readQuietly(log).lines().filter(l -> l.equals("query " + name)).count();
    }

    /** A DNS counter of the daemon's {@code GET /stats}. */
    private long counter(final String name)
    {
        return host.get("/stats").path("Dns").path(name).asLong(-1);
    }

    private Path failingResolver(final String address, final int rcode)
    {
        final Path log = host.dir.resolve("resolver-" + address + ".log");
        final Process process = host.namespaces.spawn(host.outsideNetns, log, "python3", "-c", FAILING_RESOLVER, address,
            Integer.toString(rcode));
        PythonPrograms.awaitReady(log, process::isAlive);
        return log;
    }
}
