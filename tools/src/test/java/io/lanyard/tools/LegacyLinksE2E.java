package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
 * Legacy links ({@code lanyard run --link NAME[:ALIAS]}) seen from inside the containers, with the
 * tools a user would reach for: {@code cat /etc/hosts}, {@code getent hosts}, {@code ping} and
 * {@code dig}. Every daemon reads a resolv.conf of the test's own that names no nameserver, so
 * no lookup ever reaches the machine's resolver: the embedded DNS has no upstream and answers
 * SERVFAIL at once for what it does not know, and a default-bridge container is only asked for
 * names (and, by {@code ping}, addresses) its hosts file holds.
 */
class LegacyLinksE2E
{
    private static final String HOST_RESOLV_CONF = "# LegacyLinksE2E: no nameserver, nothing leaves the test\noptions timeout:1 attempts:1\n";

    @TempDir
    Path temporary;
    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "getent", "dig");
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void shouldGiveTheLinkingContainerAHostsEntryForTheTargetItsAliasAndShortIdOnly()
    {
        start("lk");
        host.cli("run", "-d", "--name", "container1").ok();
        host.cli("run", "-d", "--name", "container2", "--link", "container1:db").ok();
        final String short1 = shortId("container1");

        final String hosts = hosts("container2");
        assertTrue(hosts.lines().anyMatch(l -> l.equals("172.17.0.2\tdb " + short1 + " container1")), hosts);
        assertTrue(hosts.lines().anyMatch(l -> l.equals("172.17.0.3\t" + shortId("container2"))), "its own line stays: " + hosts);
        for (final String name : List.of("db", "container1", short1))
        {
            final String resolved = host.inSandbox("container2", "getent", "hosts", name).assertOk().output();
            assertTrue(resolved.startsWith("172.17.0.2 "), name + " → " + resolved);
        }
        final LanyardHost.Result ping = host.cli("exec", "container2", "--", "ping", "-c", "1", "-W", "2", "db").ok();
        assertTrue(ping.out().contains("from 172.17.0.2") || ping.out().contains("(172.17.0.2)"), ping.out());
        assertTrue(ping.out().contains("1 received"), ping.out());

        final String targets = hosts("container1");
        assertFalse(names(targets).contains("db") || names(targets).contains("container2") || targets.contains("172.17.0.3"),
            "a link is one way: the target learns nothing\n" + targets);
        assertEquals(2, host.inSandbox("container1", "getent", "-s", "files", "hosts", "db").status(), "db is not in container1's files");

        host.cli("run", "-d", "--name", "container3", "--link", "container1").ok();
        final String plain = hosts("container3");
        assertTrue(plain.lines().anyMatch(l -> l.equals("172.17.0.2\tcontainer1 " + short1)), "without an alias, the name itself:\n" + plain);
        assertFalse(names(plain).contains("db"), plain);
        host.inSandbox("container3", "ping", "-c", "1", "-W", "2", "container1").assertOk();
        assertEquals(List.of("container1:container1"), links("container3"));
        assertEquals(List.of("container1:db"), links("container2"));
    }

    @Test
    void shouldDropTheEntryWhenTheTargetGoesAndFollowItsNameToANewAddress()
    {
        start("lr");
        host.cli("run", "-d", "--name", "container1").ok();
        host.cli("run", "-d", "--name", "container2", "--link", "container1:db", "--", "sleep", "600").ok();
        final String oldShort = shortId("container1");
        final String command = host.get("/sandboxes/container2").get("Pid").asText();
        assertTrue(seenByCommand(command, "getent", "hosts", "db").assertOk().output().startsWith("172.17.0.2 "));

        host.cli("rm", "-f", "container1").ok();
        final String without = hosts("container2");
        assertFalse(names(without).contains("db") || names(without).contains("container1") || names(without).contains(oldShort), without);
        assertEquals(2, host.inSandbox("container2", "getent", "-s", "files", "hosts", "db").status());
        assertEquals(2, seenByCommand(command, "getent", "-s", "files", "hosts", "db").status(),
            "the command already running sees the entry go too");

        host.cli("run", "-d", "--name", "squatter").ok();
        assertEquals("172.17.0.2", address("squatter"), "the old address is taken by another container");
        host.cli("run", "-d", "--name", "container1").ok();
        assertEquals("172.17.0.4", address("container1"));
        final String newShort = shortId("container1");
        assertNotEquals(oldShort, newShort);

        final String rewritten = hosts("container2");
        assertTrue(rewritten.lines().anyMatch(l -> l.equals("172.17.0.4\tdb " + newShort + " container1")), rewritten);
        assertFalse(rewritten.contains("172.17.0.2\t") || rewritten.contains(oldShort), "the old entry is gone:\n" + rewritten);
        assertTrue(host.inSandbox("container2", "getent", "hosts", "db").assertOk().output().startsWith("172.17.0.4 "));
        assertEquals(rewritten, seenByCommand(command, "cat", "/etc/hosts").assertOk().output(),
            "and the new one: it must not go on reaching the squatter at the old address");
        final LanyardHost.Result ping = host.cli("exec", "container2", "--", "ping", "-c", "1", "-W", "2", "db").ok();
        assertTrue(ping.out().contains("172.17.0.4"), ping.out());
        assertFalse(ping.out().contains("172.17.0.2"), ping.out());

        // the entry is the target's on the default bridge: it goes and comes back with that endpoint
        host.cli("network", "disconnect", "bridge", "container1").ok();
        assertFalse(names(hosts("container2")).contains("db"), hosts("container2"));
        host.cli("network", "connect", "bridge", "container1").ok();
        final String back = address("container1");
        assertTrue(hosts("container2").lines().anyMatch(l -> l.equals(back + "\tdb " + newShort + " container1")), hosts("container2"));
        host.inSandbox("container2", "ping", "-c", "1", "-W", "2", "db").assertOk();
    }

    @Test
    void shouldOpenIccOffBetweenTheLinkedPairOnlyAndCloseItWhenEitherGoes()
    {
        start("li", "--icc=false");
        host.cli("run", "-d", "--name", "a").ok();
        host.cli("run", "-d", "--name", "b").ok();
        host.cli("run", "-d", "--name", "c", "--link", "a:alias").ok();
        final String a = address("a");
        final String b = address("b");
        final String c = address("c");
        final int cPort = port("c");

        reaches("c", "alias");
        reaches("c", a);
        reaches("a", c);
        blocked("b", a);
        blocked("b", c);
        blocked("a", b);
        blocked("c", b);
        final String stats = host.cli("stats").ok().out();
        assertTrue(stats.lines().anyMatch(l -> l.matches("\\d+\\s+b\\s+eth0\\s+.*icc=[1-9]\\d*.*")), "b's refused echoes, as stats shows them:\n" + stats);
        host.inSandbox("b", "ping", "-n", "-c", "1", "-W", "2", "172.17.0.1").assertOk();

        host.cli("rm", "-f", "c").ok();
        host.cli("run", "-d", "--name", "c").ok();
        assertEquals(c, address("c"), "the new c has the old one's address");
        assertEquals(cPort, port("c"), "and its switch port: the test is about what a reused port inherits");
        // c speaks first: a still has c's (same) MAC in its neighbour cache, but the switch must
        // know the new port behind it, or a's echo would just be flooded to the host side
        blocked("c", a);
        blocked("a", c);

        // the other way round: the target goes and a stranger takes its address and port
        host.cli("rm", "-f", "c").ok();
        host.cli("run", "-d", "--name", "c", "--link", "a:alias").ok();
        reaches("c", "alias");
        final int aPort = port("a");
        host.cli("rm", "-f", "a").ok();
        host.cli("run", "-d", "--name", "stranger").ok();
        assertEquals(a, address("stranger"));
        assertEquals(aPort, port("stranger"));
        blocked("stranger", c);
        blocked("c", a);
        host.cli("run", "-d", "--name", "a").ok();
        final String newA = address("a");
        assertNotEquals(a, newA);
        reaches("c", "alias");
        reaches("a", c);
        blocked("c", address("stranger"));
    }

    @Test
    void shouldRefuseBadLinksWithOneLineAndCreateNothing()
    {
        start("lx");
        host.cli("network", "create", "--subnet", "10.72.0.0/24", "net1").ok();
        host.cli("run", "-d", "--net", "net1", "--name", "x").ok();
        host.cli("run", "-d", "--name", "container1").ok();
        final String before = snapshot();
        final List<String> namespaces = host.namespaces.existing();

        assertRefused(host.cli("run", "-d", "--name", "y", "--link", "x"), "Cannot link to /x, as it does not belong to the default network");
        assertRefused(host.cli("run", "-d", "--name", "y", "--link", "x:alias"), "Cannot link to /x, as it does not belong to the default network");
        assertRefused(host.cli("run", "-d", "--name", "y", "--link", "ghost"), "No such container: ghost");
        assertRefused(host.cli("run", "-d", "--name", "y", "--net", "net1", "--link", "ghost:g"), "No such container: ghost");
        assertRefused(host.cli("run", "-d", "--name", "y", "--net", "host", "--link", "container1"), "--link cannot be used with the host network");
        assertRefused(host.cli("run", "-d", "--name", "y", "--net", "none", "--link", "container1"), "--link cannot be used with the none network");
        assertRefused(host.cli("run", "-d", "--name", "y", "--link", "container1:b:c"), "invalid link");
        assertRefused(host.cli("run", "-d", "--name", "y", "--link", "container1:"), "invalid link");
        assertRefused(host.cli("run", "-d", "--name", "y", "--link", "container1:db", "--link", "container1:DB"), "is given twice");

        assertEquals(before, snapshot(), "nothing created");
        assertEquals(namespaces, host.namespaces.existing(), "no namespace made");
        assertFalse(Files.exists(Path.of("/etc/netns", host.prefix() + "y")), "no /etc/netns files");
        host.cli("run", "-d", "--name", "y", "--link", "container1:db").ok();
    }

    @Test
    void shouldResolveTheAliasOnAUserDefinedNetworkForTheLinkingContainerOnly()
    {
        start("lu");
        host.cli("network", "create", "--subnet", "10.71.0.0/24", "net1").ok();
        host.cli("run", "-d", "--net", "net1", "--name", "target").ok();
        host.cli("run", "-d", "--net", "net1", "--name", "linker", "--link", "target:tgt").ok();
        host.cli("run", "-d", "--net", "net1", "--name", "other").ok();
        assertEquals("10.71.0.2", address("target"));

        assertEquals("10.71.0.2", dig("linker", "tgt"));
        assertTrue(host.inSandbox("linker", "getent", "hosts", "tgt").assertOk().output().startsWith("10.71.0.2 "));
        host.inSandbox("linker", "ping", "-n", "-c", "1", "-W", "2", "tgt").assertOk();
        assertFalse(names(hosts("linker")).contains("tgt"), "on a user-defined network the alias is the DNS's, not a hosts entry");

        assertEquals("10.71.0.2", dig("other", "target"), "the target's own name resolves for everyone on net1");
        assertEquals("", dig("other", "tgt"), "but the alias only for the container that linked");
        assertNotEquals(0, host.inSandbox("other", "getent", "hosts", "tgt").status());

        host.cli("rm", "-f", "target").ok();
        assertEquals("", dig("linker", "tgt"), "the alias goes with the target");
        host.cli("run", "-d", "--net", "net1", "--name", "squatter").ok();
        assertEquals("10.71.0.2", address("squatter"));
        host.cli("run", "-d", "--net", "net1", "--name", "target").ok();
        assertEquals("10.71.0.5", address("target"));
        assertEquals("10.71.0.5", dig("linker", "tgt"), "the alias follows the target's name");
        assertTrue(host.inSandbox("linker", "getent", "hosts", "tgt").assertOk().output().startsWith("10.71.0.5 "));
        assertEquals("", dig("other", "tgt"));
    }

    @Test
    void shouldKeepTheHostsEntryAndTheOpenPairAcrossAnOrderlyStopAndACrash()
    {
        start("lp", "--icc=false");
        host.cli("run", "-d", "--name", "container1").ok();
        host.cli("run", "-d", "--name", "container2", "--link", "container1:db").ok();
        host.cli("run", "-d", "--name", "stranger").ok();
        final String short1 = shortId("container1");
        reaches("container2", "db");
        reaches("container1", address("container2"));
        blocked("stranger", address("container1"));

        for (final String signal : List.of("SIGTERM", "SIGKILL"))
        {
            if ("SIGKILL".equals(signal))
            {
                host.kill9();
            }
            else
            {
                host.terminate();
            }
            host.start();

            final String hosts = hosts("container2");
            assertTrue(hosts.lines().anyMatch(l -> l.equals("172.17.0.2\tdb " + short1 + " container1")), signal + ":\n" + hosts);
            assertEquals(List.of("container1:db"), links("container2"), signal);
            reaches("container2", "db");
            reaches("container1", address("container2"));
            blocked("stranger", address("container1"));
            blocked("stranger", address("container2"));
        }

        host.cli("rm", "-f", "container1").ok();
        final String after = hosts("container2");
        assertFalse(names(after).contains("db"), "the restored link still follows its target:\n" + after);
    }

    /** Starts a daemon reading the test's own resolv.conf ({@link #HOST_RESOLV_CONF}). */
    private void start(final String label, final String... flags)
    {
        final Path resolvConf = temporary.resolve("resolv.conf");
        try
        {
            Files.writeString(resolvConf, HOST_RESOLV_CONF, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        final List<String> all = new ArrayList<>(List.of(flags));
        all.addAll(List.of("--resolv-conf", resolvConf.toString()));
        host = new LanyardHost(label, all.toArray(String[]::new)).start();
    }

    private String hosts(final String sandbox)
    {
        return host.inSandbox(sandbox, "cat", "/etc/hosts").assertOk().output();
    }

    /** Runs a command as the sandbox's background command {@code pid} sees the world: its mounts (its /etc/hosts) and network. */
    private static Shell.Result seenByCommand(final String pid, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("nsenter", "-t", pid, "-m", "-n", "--"));
        full.addAll(List.of(command));
        return Shell.run(full);
    }

    /** Every name a hosts file gives, whatever its address. */
    private static List<String> names(final String hosts)
    {
        final List<String> names = new ArrayList<>();
        for (final String line : hosts.lines().toList())
        {
            final String[] words = line.trim().split("\\s+");
            names.addAll(List.of(words).subList(Math.min(1, words.length), words.length));
        }
        return names;
    }

    private String shortId(final String sandbox)
    {
        return host.get("/sandboxes/" + sandbox).get("Id").asText().substring(0, 12);
    }

    private List<String> links(final String sandbox)
    {
        final List<String> links = new ArrayList<>();
        host.get("/sandboxes/" + sandbox).get("Links").forEach(l -> links.add(l.asText()));
        return links;
    }

    /** The sandbox's address on its only network. */
    private String address(final String sandbox)
    {
        final JsonNode networks = host.get("/sandboxes/" + sandbox).get("Networks");
        assertEquals(1, networks.size(), networks.toString());
        return networks.elements().next().get("IPAddress").asText();
    }

    /** The switch port behind the sandbox's eth0. */
    private int port(final String sandbox)
    {
        for (final JsonNode port : host.get("/stats").path("Ports"))
        {
            if (port.path("Sandbox").asText().equals(sandbox) && "eth0".equals(port.path("Interface").asText()))
            {
                return port.path("Port").asInt();
            }
        }
        throw new AssertionError("no port for " + sandbox);
    }

    /** Every {@code icc} drop of the switch, whichever port counted it. */
    private long iccDrops()
    {
        long total = 0;
        for (final JsonNode port : host.get("/stats").path("Ports"))
        {
            total += port.path("Drops").path("icc").asLong(0);
        }
        return total;
    }

    private void reaches(final String from, final String to)
    {
        final Shell.Result ping = host.inSandbox(from, "ping", "-n", "-c", "1", "-W", "2", to);
        assertEquals(0, ping.status(), from + " should reach " + to + ":\n" + ping.output() + "\n" + host.get("/stats").toPrettyString());
    }

    /**
     * The echo does not get through, and the switch says it was its ICC rule that dropped it: an
     * echo lost some other way (flooded to the host side alone, for a MAC the switch has not
     * learned) would prove nothing about which pairs are open.
     */
    private void blocked(final String from, final String to)
    {
        final long before = iccDrops();
        final Shell.Result ping = host.inSandbox(from, "ping", "-n", "-c", "1", "-W", "1", to);
        assertNotEquals(0, ping.status(), from + " should not reach " + to + ":\n" + ping.output());
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(2), () -> iccDrops() > before),
            from + " → " + to + " was not dropped as icc (" + before + " → " + iccDrops() + ")\n" + host.get("/stats").toPrettyString());
    }

    /** The A records {@code dig +short} gets for {@code name} from the sandbox's resolver (127.0.0.11), one per line. */
    private String dig(final String sandbox, final String name)
    {
        return host.inSandbox(sandbox, "dig", "+short", "+time=2", "+tries=1", name).assertOk().output().trim();
    }

    /** What a refused request must leave as it was: the sandboxes and the default bridge's and net1's members. */
    private String snapshot()
    {
        return host.cli("ps").ok().out() + host.cli("network", "inspect", "bridge").ok().out() +
            host.cli("network", "inspect", "net1").ok().out();
    }

    private static void assertRefused(final LanyardHost.Result result, final String message)
    {
        assertNotEquals(0, result.status(), "refused");
        assertEquals(1, result.err().trim().lines().count(), "one line: " + result.err());
        assertTrue(result.err().contains(message), result.err());
    }
}
