package io.lanyard.tools;

import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded DNS as containers use it, through the clients of a real system: {@code dig},
 * glibc's resolver ({@code getent hosts}) and {@code ping NAME}, all reading the
 * {@code resolv.conf} the daemon wrote for the sandbox.
 *
 * <p>The daemons read a resolver configuration of the test's ({@code --resolv-conf}), never the
 * machine's, whose nameserver {@value #UNREACHABLE_RESOLVER} no route of the daemon's namespace
 * reaches: a name that is no container's then fails at once (SERVFAIL) and nothing leaves the
 * test's namespaces. Forwarding to upstreams that answer is {@link DnsForwardingE2E}'s part.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedDnsE2E
{
    private static final String UNREACHABLE_RESOLVER = "192.0.2.53";
    private static final String HOST_RESOLV_CONF = String.join("\n",
        "# the test's stand-in for the host's /etc/resolv.conf",
        "search corp.example.test",
        "nameserver " + UNREACHABLE_RESOLVER,
        "options ndots:2 timeout:1",
        "");

    /** The daemon most tests share, each with networks and containers of its own. */
    private LanyardHost host;
    /** A test's own daemon, when it needs another configuration, and its resolver configuration. */
    private LanyardHost own;
    private Path ownResolvConf;
    private Path resolvConf;

    @BeforeAll
    void startSharedDaemon() throws IOException
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "dig", "getent");
        resolvConf = Files.createTempFile("lanyard-dns-resolv", ".conf");
        Files.writeString(resolvConf, HOST_RESOLV_CONF, StandardCharsets.UTF_8);
        host = new LanyardHost("dns", "--resolv-conf", resolvConf.toString()).start();
    }

    @AfterEach
    void closeOwnDaemons() throws IOException
    {
        if (own != null)
        {
            own.close();
            own = null;
        }
        if (ownResolvConf != null)
        {
            Files.deleteIfExists(ownResolvConf);
            ownResolvConf = null;
        }
    }

    @AfterAll
    void stopSharedDaemon() throws IOException
    {
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
    void shouldResolveNameAliasesShortIdAndNameDotNetworkWithDigGetentAndPing()
    {
        host.cli("network", "create", "--subnet", "10.70.0.0/24", "appnet").ok();
        final String webId = host.cli("run", "-d", "--net", "appnet", "--name", "web", "--network-alias", "frontend").ok().out().trim();
        host.cli("run", "-d", "--net", "appnet", "--name", "client").ok();
        host.cli("network", "create", "--subnet", "10.71.0.0/24", "backnet").ok();
        host.cli("network", "connect", "--alias", "edge", "backnet", "web").ok();
        // web: 10.70.0.2 on appnet, 10.71.0.2 on backnet; client: 10.70.0.3 on appnet only

        for (final String name : List.of("web", "frontend", webId.substring(0, 12), "web.appnet", "frontend.appnet", "WEB.AppNet."))
        {
            final Dig dig = Dig.in(host, "client", name);
            assertEquals("NOERROR", dig.status(), dig.output());
            assertEquals(List.of(new Dig.Answer(name.endsWith(".") ? name : name + ".", 600, "A", "10.70.0.2")), dig.answers(),
                "one A record, TTL 600, the address on the network they share only: " + dig.output());
            assertTrue(dig.flags().contains("aa"), "authoritative: " + dig.output());
            assertTrue(dig.server().startsWith("127.0.0.11#53"), "asked through resolv.conf: " + dig.server());
        }
        assertFalse(Dig.in(host, "client", "edge").resolved(), "an alias given on backnet, where client is not");
        assertFalse(Dig.in(host, "client", "web.backnet").resolved(), "client is not on backnet");
        final Dig tcp = Dig.in(host, "client", "+tcp", "frontend");
        assertEquals(List.of("10.70.0.2"), tcp.addresses(), tcp.output());
        assertTrue(tcp.server().endsWith("(TCP)"), tcp.server());

        assertEquals(List.of("10.70.0.2", "frontend"), getent("client", "frontend"), "glibc's resolver");
        assertEquals(List.of("10.70.0.2", "web.appnet"), getent("client", "web.appnet"));
        final String ping = host.cli("exec", "client", "--", "ping", "-c", "1", "-W", "2", "web").ok().out();
        assertTrue(ping.startsWith("PING web (10.70.0.2)"), ping);
        assertTrue(ping.contains("1 received"), ping);
        final String self = host.inSandbox("client", "ping", "-c", "1", "-W", "2", "client.appnet").assertOk().output();
        assertTrue(self.startsWith("PING client.appnet (10.70.0.3)"), "a container resolves itself: " + self);
    }

    @Test
    void shouldResolveAliasesGivenByNetworkConnectOnTheNetworkJoinedOnly()
    {
        host.cli("network", "create", "--subnet", "10.72.0.0/24", "front").ok();
        host.cli("network", "create", "--subnet", "10.73.0.0/24", "back").ok();
        host.cli("run", "-d", "--net", "front", "--name", "api").ok();
        host.cli("run", "-d", "--net", "back", "--name", "db").ok();
        host.cli("network", "connect", "--alias", "gateway", "--alias", "Edge", "back", "api").ok();
        // api: 10.72.0.2 on front, 10.73.0.3 on back; db: 10.73.0.2 on back

        assertEquals(List.of("10.73.0.3"), Dig.in(host, "db", "gateway").addresses());
        assertEquals(List.of("10.73.0.3"), Dig.in(host, "db", "edge").addresses(), "aliases match without regard to case");
        assertEquals(List.of("10.73.0.3"), Dig.in(host, "db", "gateway.back").addresses());
        assertEquals(List.of("10.73.0.3"), Dig.in(host, "db", "api").addresses(), "the container name on the network it joined");
        assertEquals(List.of("10.73.0.3"), Dig.in(host, "db", "api.back").addresses());
        assertFalse(Dig.in(host, "db", "api.front").resolved(), "db is not on front");
        assertEquals(List.of("10.73.0.2"), Dig.in(host, "api", "db").addresses(), "the joiner resolves the network's names");
        assertEquals(List.of("10.72.0.2"), Dig.in(host, "api", "api.front").addresses());
        assertFalse(Dig.in(host, "api", "gateway.front").resolved(), "an alias belongs to the network it was given on");
        assertEquals(List.of("10.73.0.3", "gateway"), getent("api", "gateway"));
    }

    @Test
    void shouldWriteResolvConfForTheEmbeddedDnsOnUserDefinedNetworksAndTheHostsCopyElsewhere() throws IOException
    {
        ownResolvConf = Files.createTempFile("lanyard-dns-resolv", ".conf");
        Files.writeString(ownResolvConf, String.join("\n",
            "# the test's stand-in for the host's /etc/resolv.conf",
            "search corp.example.test",
            "nameserver " + UNREACHABLE_RESOLVER,
            "nameserver 127.0.0.53",
            "options ndots:2 timeout:1",
            ""), StandardCharsets.UTF_8);
        own = new LanyardHost("dnr", "--resolv-conf", ownResolvConf.toString()).start();
        own.cli("network", "create", "usernet").ok();
        own.cli("run", "-d", "--net", "usernet", "--name", "onuser").ok();
        own.cli("run", "-d", "--name", "onbridge").ok();
        own.cli("run", "-d", "--name", "withdns", "--dns", "198.51.100.53", "--dns", "203.0.113.53").ok();
        own.cli("run", "-d", "--net", "usernet", "--name", "userdns", "--dns", "198.51.100.53").ok();
        own.cli("run", "-d", "--net", "none", "--name", "nonet").ok();

        final String user = own.cli("exec", "onuser", "--", "cat", "/etc/resolv.conf").ok().out();
        assertEquals(List.of("127.0.0.11"), nameservers(user), user);
        assertTrue(user.contains("search corp.example.test\n"), "the host's search line: " + user);
        assertTrue(options(user).containsAll(Set.of("ndots:0", "timeout:1")) && !options(user).contains("ndots:2"),
            "ndots:0 instead of the host's, the host's other options kept: " + user);
        assertTrue(user.contains("# ExtServers: [" + UNREACHABLE_RESOLVER + " 127.0.0.53]"),
            "the host's resolvers are the upstreams, loopback too (the daemon's namespace asks them): " + user);

        final String bridge = own.inSandbox("onbridge", "cat", "/etc/resolv.conf").assertOk().output();
        assertEquals(List.of(UNREACHABLE_RESOLVER), nameservers(bridge), "a copy of the host's, loopback dropped: " + bridge);
        assertTrue(bridge.contains("search corp.example.test\n") && options(bridge).equals(Set.of("ndots:2", "timeout:1")), bridge);
        assertEquals(bridge, own.inSandbox("nonet", "cat", "/etc/resolv.conf").assertOk().output(), "none gets the host's copy too");

        final String withDns = own.inSandbox("withdns", "cat", "/etc/resolv.conf").assertOk().output();
        assertEquals(List.of("198.51.100.53", "203.0.113.53"), nameservers(withDns), withDns);
        assertTrue(withDns.contains("search corp.example.test\n"), withDns);

        final String userDns = own.inSandbox("userdns", "cat", "/etc/resolv.conf").assertOk().output();
        assertEquals(List.of("127.0.0.11"), nameservers(userDns), userDns);
        assertTrue(userDns.contains("# ExtServers: [198.51.100.53]"), "run --dns replaces the host's upstreams: " + userDns);

        // a sandbox switches with its networks: connect gives it the embedded DNS, disconnect takes it away
        own.cli("network", "connect", "usernet", "onbridge").ok();
        assertEquals(List.of("127.0.0.11"), nameservers(own.inSandbox("onbridge", "cat", "/etc/resolv.conf").output()));
        final Dig joined = Dig.in(own, "onbridge", "onuser");
        assertEquals(1, joined.addresses().size(), joined.output());
        own.cli("network", "disconnect", "usernet", "onbridge").ok();
        assertEquals(bridge, own.inSandbox("onbridge", "cat", "/etc/resolv.conf").output());
        final Dig gone = Dig.in(own, "onbridge", "@127.0.0.11", "onuser");
        assertEquals(null, gone.status(), "nothing listens on 127.0.0.11 there any more: " + gone.output());
    }

    @Test
    void shouldResolveOnlyNamesOfTheNetworksTheAskingSandboxIsOn()
    {
        host.cli("network", "create", "--subnet", "10.74.0.0/24", "left").ok();
        host.cli("network", "create", "--subnet", "10.75.0.0/24", "right").ok();
        host.cli("run", "-d", "--net", "left", "--name", "alpha").ok();
        host.cli("run", "-d", "--net", "right", "--name", "beta", "--network-alias", "bee").ok();
        host.cli("run", "-d", "--name", "elder").ok();
        // dig reads a lone "a" as a type, so no one-letter names
        // alpha: 10.74.0.2; beta: 10.75.0.2

        for (final String name : List.of("beta", "bee", "beta.right", "elder"))
        {
            final Dig dig = Dig.in(host, "alpha", name);
            assertFalse(dig.resolved(), name + " is on no network of alpha's: " + dig.output());
            assertEquals("SERVFAIL", dig.status(), "a name that is no container's goes upstream, and none answers: " + dig.output());
        }
        assertNotEquals(0, host.inSandbox("alpha", "getent", "hosts", "beta").status());

        host.cli("network", "connect", "right", "alpha").ok();
        assertEquals(List.of("10.75.0.2"), Dig.in(host, "alpha", "bee").addresses(), "at once after connect");
        assertEquals(List.of("10.75.0.3"), Dig.in(host, "beta", "alpha").addresses(), "beta sees alpha's address on right, not on left");

        host.cli("network", "disconnect", "right", "alpha").ok();
        assertFalse(Dig.in(host, "alpha", "beta").resolved(), "at once after disconnect");
        assertFalse(Dig.in(host, "beta", "alpha").resolved(), "and the other way round");

        host.cli("network", "connect", "right", "alpha").ok();
        host.cli("run", "-d", "--net", "right", "--name", "gamma", "--network-alias", "bee").ok();
        assertEquals(Set.of("10.75.0.2", "10.75.0.4"), Set.copyOf(Dig.in(host, "alpha", "bee").addresses()));
        host.cli("rm", "-f", "beta").ok();
        assertEquals(List.of("10.75.0.4"), Dig.in(host, "alpha", "bee").addresses(), "a removed container's alias at once");
        assertFalse(Dig.in(host, "alpha", "beta").resolved(), "its name at once");
        host.cli("network", "disconnect", "right", "gamma").ok();
        assertFalse(Dig.in(host, "alpha", "bee").resolved(), "nor one that left the network");
    }

    @Test
    void shouldAnswerEveryAddressOfASharedAliasInAChangingOrder()
    {
        host.cli("network", "create", "--subnet", "10.76.0.0/24", "pool").ok();
        for (final String name : List.of("w1", "w2", "w3"))
        {
            host.cli("run", "-d", "--net", "pool", "--name", name, "--network-alias", "workers").ok();
        }
        host.cli("run", "-d", "--net", "pool", "--name", "lb").ok();

        final Set<String> firsts = new HashSet<>();
        for (int i = 0; i < 20; i++)
        {
            final Dig dig = Dig.in(host, "lb", "workers");
            assertEquals(Set.of("10.76.0.2", "10.76.0.3", "10.76.0.4"), Set.copyOf(dig.addresses()), dig.output());
            assertEquals(3, dig.answers().size(), "each address once: " + dig.output());
            firsts.add(dig.addresses().get(0));
        }
        assertTrue(firsts.size() > 1, "the order changes between answers (round robin), first addresses seen: " + firsts);
        final String getent = host.inSandbox("lb", "getent", "ahostsv4", "workers").assertOk().output();
        assertTrue(getent.contains("10.76.0.2 ") && getent.contains("10.76.0.3 ") && getent.contains("10.76.0.4 "), getent);
    }

    @Test
    void shouldAnswerPtrWithNameDotNetworkAndOtherTypesOfAContainerNameWithNoRecords()
    {
        host.cli("network", "create", "--subnet", "10.77.0.0/24", "dbnet").ok();
        host.cli("run", "-d", "--net", "dbnet", "--name", "pg", "--network-alias", "postgres").ok();
        host.cli("run", "-d", "--net", "dbnet", "--name", "app").ok();

        final Dig ptr = Dig.in(host, "app", "-x", "10.77.0.2");
        assertEquals("NOERROR", ptr.status(), ptr.output());
        assertEquals(List.of(new Dig.Answer("2.0.77.10.in-addr.arpa.", 600, "PTR", "pg.dbnet.")), ptr.answers(), ptr.output());
        final Dig own = Dig.in(host, "app", "-x", "10.77.0.3");
        assertEquals(List.of(new Dig.Answer("3.0.77.10.in-addr.arpa.", 600, "PTR", "app.dbnet.")), own.answers(), own.output());
        final Dig unknown = Dig.in(host, "app", "-x", "10.77.0.99");
        assertFalse(unknown.resolved(), "an address that is no container's goes upstream: " + unknown.output());

        for (final String type : List.of("AAAA", "MX", "TXT"))
        {
            final Dig dig = Dig.in(host, "app", type, "postgres");
            assertEquals("NOERROR", dig.status(), type + ": the name exists: " + dig.output());
            assertTrue(dig.answers().isEmpty(), type + ": it has no such record: " + dig.output());
            assertTrue(dig.flags().contains("aa"), dig.output());
        }
        final String getent = host.inSandbox("app", "getent", "ahosts", "pg").assertOk().output();
        assertTrue(getent.startsWith("10.77.0.2 "), "an IPv4-and-IPv6 lookup gets the A record only: " + getent);
    }

    @Test
    void shouldRefuseNetworkAliasesOnTheDefaultBridge()
    {
        final LanyardHost.Result refused = host.cli("run", "-d", "--network-alias", "db", "--name", "aliased");
        assertNotEquals(0, refused.status());
        assertEquals(1, refused.err().trim().lines().count(), refused.err());
        assertTrue(refused.err().contains("network-scoped alias is supported only for containers in user defined networks"), refused.err());
        host.cli("network", "create", "--subnet", "10.81.0.0/24", "elsewhere").ok();
        host.cli("run", "-d", "--net", "elsewhere", "--name", "joiner").ok();
        final LanyardHost.Result connect = host.cli("network", "connect", "--alias", "db", "bridge", "joiner");
        assertNotEquals(0, connect.status(), "nor by connect");
        assertTrue(connect.err().contains("network-scoped alias is supported only for containers in user defined networks"), connect.err());
        assertFalse(host.inSandbox("joiner", "ip", "link").output().contains("eth1"), "not connected");
        assertFalse(host.cli("ps").ok().out().contains("aliased"), "nothing made");
    }

    @Test
    void shouldKeepResolvingInExistingSandboxesAfterTheDaemonRestarts()
    {
        host.cli("network", "create", "--subnet", "10.78.0.0/24", "stay").ok();
        host.cli("run", "-d", "--net", "stay", "--name", "one", "--network-alias", "first").ok();
        host.cli("run", "-d", "--net", "stay", "--name", "two").ok();
        assertEquals(List.of("10.78.0.2"), Dig.in(host, "two", "first").addresses());

        host.terminate();
        final Dig down = Dig.in(host, "two", "+time=1", "first");
        assertEquals(null, down.status(), "no answer while the daemon is down: " + down.output());
        host.start();

        assertEquals(List.of("10.78.0.2"), Dig.in(host, "two", "first").addresses(), "the UDP socket is open in the sandbox again");
        assertEquals(List.of("10.78.0.3"), Dig.in(host, "one", "+tcp", "two.stay").addresses(), "the TCP listener too");
        assertEquals(List.of("10.78.0.2", "one"), getent("two", "one"));
        host.cli("run", "-d", "--net", "stay", "--name", "three").ok();
        assertEquals(List.of("10.78.0.4"), Dig.in(host, "one", "three").addresses(), "and new names are known");
    }

    /** {@code getent hosts NAME} in the sandbox: the address and name glibc's resolver gave, or the empty list. */
    private List<String> getent(final String sandbox, final String name)
    {
        final String output = host.inSandbox(sandbox, "getent", "hosts", name).output().trim();
        return output.isEmpty() ? List.of() : List.of(output.split("\\s+"));
    }

    private static List<String> nameservers(final String resolvConf)
    {
        return resolvConf.lines().filter(l -> l.startsWith("nameserver ")).map(l -> l.substring("nameserver ".length()).trim()).toList();
    }

    private static Set<String> options(final String resolvConf)
    {
        final Set<String> options = new HashSet<>();
        resolvConf.lines().filter(l -> l.startsWith("options ")).forEach(l -> options.addAll(List.of(l.substring(8).trim().split("\\s+"))));
        return options;
    }
}
