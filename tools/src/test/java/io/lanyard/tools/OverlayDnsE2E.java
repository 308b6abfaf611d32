package io.lanyard.tools;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded DNS on an overlay network ({@link OverlayTestbed}): a container resolves the
 * containers of other hosts that share the overlay, by the names their hosts published to the
 * cluster store, until they leave. Propagation goes through etcd, so the tests wait for it.
 *
 * <p>The hosts' resolver configuration names a dnsmasq on the underlay's gateway (beside etcd),
 * which every host's namespace reaches, so a container with a way out could resolve other names
 * through it: one on an overlay alone must not.
 */
class OverlayDnsE2E
{
    private static final Duration CONVERGE = Duration.ofSeconds(20);

    private OverlayTestbed testbed;
    private Path dir;
    private Path resolvConf;
    private Dnsmasq upstream;

    @BeforeEach
    void setUp() throws IOException
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "dig", "dnsmasq", "etcd", "bash");
        dir = Files.createTempDirectory("lanyard-overlay-dns");
        resolvConf = dir.resolve("resolv.conf");
        Files.writeString(resolvConf, "nameserver " + OverlayTestbed.UNDERLAY_GATEWAY + "\n", StandardCharsets.UTF_8);
        testbed = new OverlayTestbed("dov");
        upstream = Dnsmasq.start(testbed.underlay, testbed.underlayNetns, OverlayTestbed.UNDERLAY_GATEWAY, dir,
            "--address=/ext.test/203.0.113.7");
    }

    @AfterEach
    void tearDown()
    {
        if (upstream != null)
        {
            upstream.close();
        }
        if (testbed != null)
        {
            testbed.close();
        }
        Namespaces.deleteTree(dir);
    }

    @Test
    void shouldResolveContainersOfAnotherHostOnAnOverlayUntilTheyAreRemoved()
    {
        final LanyardHost a = testbed.addHost(1, "--resolv-conf", resolvConf.toString());
        final LanyardHost b = testbed.addHost(2, "--resolv-conf", resolvConf.toString());
        a.cli("network", "create", "--driver", "overlay", "--subnet", "10.79.0.0/24", "spread").ok();
        a.cli("run", "-d", "--net", "spread", "--name", "near").ok();
        final String[] farId = new String[1];
        assertTrue(LanyardHost.eventually(CONVERGE, () ->
        {
            final LanyardHost.Result run = b.cli("run", "-d", "--net", "spread", "--name", "far", "--network-alias", "remote-db");
            farId[0] = run.out().trim();
            return run.status() == 0;
        }), "the network reached host 2:\n" + b.log());
        // near: 10.79.0.2 on host 1; far: 10.79.0.3 on host 2

        for (final String name : List.of("far", "remote-db", "far.spread"))
        {
            assertTrue(LanyardHost.eventually(CONVERGE, () -> Dig.in(a, "near", name).addresses().equals(List.of("10.79.0.3"))),
                name + " from host 1: " + Dig.in(a, "near", name).output());
        }
        assertEquals(List.of("10.79.0.3"), Dig.in(a, "near", farId[0].substring(0, 12)).addresses(), "the short ID too");
        assertEquals(List.of(new Dig.Answer("3.0.79.10.in-addr.arpa.", 600, "PTR", "far.spread.")),
            Dig.in(a, "near", "-x", "10.79.0.3").answers());
        assertTrue(LanyardHost.eventually(CONVERGE, () -> Dig.in(b, "far", "near").addresses().equals(List.of("10.79.0.2"))),
            "and back from host 2");
        assertTrue(a.cli("exec", "near", "--", "ping", "-c", "1", "-W", "2", "remote-db").out().contains("1 received"),
            "ping by alias across hosts");
        assertEquals(List.of("203.0.113.7"), Dig.in(a, "near", "www.ext.test").addresses(),
            "a container on an overlay has its way out (lanyard_gwbridge), so other names are forwarded");
        a.cli("network", "create", "--driver", "overlay", "--internal", "--subnet", "10.81.0.0/24", "inward").ok();
        a.cli("run", "-d", "--net", "inward", "--name", "inside").ok();
        final long forwarded = upstream.queries("www.ext.test");
        assertEquals("SERVFAIL", Dig.in(a, "inside", "www.ext.test").status(), "an internal overlay alone has no way out");
        assertEquals(forwarded, upstream.queries("www.ext.test"), "so nothing is forwarded for it");
        a.cli("network", "create", "--subnet", "10.80.0.0/24", "local").ok();
        a.cli("run", "-d", "--net", "local", "--name", "beside").ok();
        assertEquals(List.of("203.0.113.7"), Dig.in(a, "beside", "www.ext.test").addresses(), "a bridge network has one");

        b.cli("rm", "-f", "far").ok();
        assertTrue(LanyardHost.eventually(CONVERGE, () -> !Dig.in(a, "near", "far").resolved() && !Dig.in(a, "near", "remote-db").resolved()),
            "a removed container stops resolving on the other host: " + Dig.in(a, "near", "far").output());
    }
}
