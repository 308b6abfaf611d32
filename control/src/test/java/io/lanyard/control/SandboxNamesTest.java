package io.lanyard.control;

import io.lanyard.control.dns.DnsCounters;
import io.lanyard.control.dns.DnsScope;
import io.lanyard.control.dns.EmbeddedDns;
import io.lanyard.control.dns.NameTable;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.sandbox.EtcFiles;
import io.lanyard.forwarding.addr.Ipv4Address;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.defaultBridge;
import static io.lanyard.control.ModelFixtures.endpoint;
import static io.lanyard.control.ModelFixtures.internalBridge;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hosts and resolv.conf a sandbox gets, what its embedded DNS resolves through, and the names the DNS answers. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SandboxNamesTest
{
    @TempDir
    Path tempDir;

    private final NetworkTable networks = new NetworkTable();
    private final SandboxTable sandboxes = new SandboxTable();
    private final Network bridge = defaultBridge();
    private final Network front = bridge("front", "172.18.0.0/16");
    private final Network back = internalBridge("back", "172.19.0.0/16");
    private final LegacyLinks links = new LegacyLinks(networks, sandboxes,
        new SandboxWiring(networks, null, null, null, ControlPlane.Routing.NONE), null);
    private EtcFiles etcFiles;
    private EmbeddedDns dns;

    @BeforeEach
    void writeTheHostsResolvConf() throws IOException
    {
        networks.put(bridge);
        networks.put(front);
        networks.put(back);
        final Path resolvConf = tempDir.resolve("resolv.conf");
        Files.writeString(resolvConf, "search example.org\nnameserver 192.0.2.53\nnameserver 127.0.0.11\nnameserver 2001:db8::53\n");
        etcFiles = new EtcFiles(tempDir.resolve("etc-netns"), resolvConf);
    }

    @AfterEach
    void closeTheDns()
    {
        if (dns != null)
        {
            dns.close();
        }
    }

    private SandboxNames withoutDns()
    {
        return new SandboxNames(networks, sandboxes, new GuestPorts(networks, null, null, null), links, etcFiles, null, null);
    }

    private SandboxNames withDns()
    {
        dns = new EmbeddedDns(new NameTable(), new DnsCounters());
        return new SandboxNames(networks, sandboxes, new GuestPorts(networks, null, null, null), links, etcFiles, dns, null);
    }

    private Sandbox put(final Sandbox sandbox)
    {
        sandboxes.put(sandbox);
        return sandbox;
    }

    private String file(final Sandbox sandbox, final String name) throws IOException
    {
        return Files.readString(etcFiles.directory(sandbox.netns()).resolve(name));
    }

    @Test
    void shouldWriteTheSandboxsOwnAddressesThenItsLinksAndTheHostsResolvers() throws IOException
    {
        final Sandbox db = put(sandbox('2', "db", endpoint("e2", bridge, "eth0", "172.17.0.3")));
        final Sandbox web = put(sandbox('1', "web", Sandbox.READY, List.of(endpoint("e1", bridge, "eth0", "172.17.0.2"),
            endpoint("e3", front, "eth1", "172.18.0.2").withState(Endpoint.CONNECTING)), List.of("db:data")));

        withoutDns().write(web);

        assertTrue(file(web, "hosts").endsWith("ff02::2\tip6-allrouters\n172.17.0.2\t" + web.shortId() + "\n172.17.0.3\tdata " +
            db.shortId() + " db\n"), file(web, "hosts"));
        assertEquals("search example.org\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n", file(web, "resolv.conf"));
    }

    @Test
    void shouldWriteASandboxsOwnResolversAndNothingForOneOnTheHostsNetwork() throws IOException
    {
        final Sandbox own = new Sandbox("1".repeat(64), "own", "lytunit-own", ModelFixtures.CREATED, Sandbox.READY, List.of(), null,
            null, null, List.of(endpoint("e1", bridge, "eth0", "172.17.0.2")), List.of(), List.of("198.51.100.53"), List.of());
        final Sandbox onHost = new Sandbox("2".repeat(64), "onhost", null, ModelFixtures.CREATED, Sandbox.READY, List.of(), null, null,
            null, List.of());

        withoutDns().write(own);
        withoutDns().write(onHost);

        assertEquals("search example.org\nnameserver 198.51.100.53\n", file(own, "resolv.conf"));
        try (java.util.stream.Stream<Path> written = Files.list(tempDir.resolve("etc-netns")))
        {
            assertEquals(List.of("lytunit-own"), written.map(p -> p.getFileName().toString()).toList(), "none for the host's network");
        }
    }

    @Test
    void shouldRemoveTheFilesOfASandboxThatGoes() throws IOException
    {
        final Sandbox web = put(sandbox('1', "web", endpoint("e1", bridge, "eth0", "172.17.0.2")));
        withoutDns().write(web);

        withoutDns().forget(web);

        assertFalse(Files.exists(etcFiles.directory(web.netns())));
    }

    @Test
    void shouldResolveThroughTheEmbeddedDnsOnlyOnUserDefinedNetworks()
    {
        final SandboxNames names = withDns();
        final Sandbox onBridge = sandbox('1', "c1", endpoint("e1", bridge, "eth0", "172.17.0.2"));
        final Sandbox internalOnly = sandbox('2', "c2", endpoint("e2", back, "eth0", "172.19.0.2"));
        final Sandbox linked = new Sandbox("3".repeat(64), "c3", "lytunit-c3", ModelFixtures.CREATED, Sandbox.READY, List.of(), null,
            null, null, List.of(endpoint("e3", bridge, "eth0", "172.17.0.3"), endpoint("e4", back, "eth1", "172.19.0.3"),
            endpoint("e5", front, "eth2", "172.18.0.3")), List.of(), List.of(), List.of("db:data"));

        assertNull(names.scope(onBridge), "the default bridge has no embedded DNS");
        assertEquals(new DnsScope(Set.of(back.id()), Map.of(), List.of(new InetSocketAddress("192.0.2.53", EmbeddedDns.PORT)), false),
            names.scope(internalOnly), "the host's IPv4 resolvers but itself; no way out from an internal network");
        assertEquals(new DnsScope(Set.of(back.id(), front.id()), Map.of("data", "db"),
            List.of(new InetSocketAddress("192.0.2.53", EmbeddedDns.PORT)), true), names.scope(linked));
        assertNull(withoutDns().scope(internalOnly), "no scope without an embedded DNS");
    }

    @Test
    void shouldTellTheEmbeddedDnsTheNamesOfSettledSandboxesOnUserDefinedNetworks()
    {
        final SandboxNames names = withDns();
        final Endpoint web = new Endpoint("e1", front.id(), "eth0", "172.18.0.2", 16, "02:42:ac:12:00:02", List.of("www"), null);
        final Sandbox webSandbox = put(sandbox('1', "web", web));
        put(sandbox('2', "plain", endpoint("e2", bridge, "eth0", "172.17.0.2")));
        put(sandbox('3', "leaving", Sandbox.REMOVING, List.of(endpoint("e3", front, "eth0", "172.18.0.3")), List.of()));
        put(sandbox('4', "joining", endpoint("e4", front, "eth0", "172.18.0.4").withState(Endpoint.CONNECTING)));

        names.refresh();

        final Random random = new Random(1);
        final NameTable table = dns.names();
        final int address = Ipv4Address.parse("172.18.0.2");
        assertEquals(List.of(address), table.resolve(Set.of(front.id()), "web", random));
        assertEquals(List.of(address), table.resolve(Set.of(front.id()), "www", random));
        assertEquals(List.of(address), table.resolve(Set.of(front.id()), webSandbox.shortId(), random));
        assertFalse(table.isKnown(Set.of(bridge.id()), "plain"), "the default bridge has no names");
        assertFalse(table.isKnown(Set.of(front.id()), "leaving"));
        assertFalse(table.isKnown(Set.of(front.id()), "joining"));
    }

    @Test
    void shouldFollowEveryChangeOfTheModelAtTheNextRefresh()
    {
        final SandboxNames names = withDns();
        final Random random = new Random(1);
        final NameTable table = dns.names();
        final Sandbox web = put(sandbox('1', "web", new Endpoint("e1", front.id(), "eth0", "172.18.0.2", 16, "02:42:ac:12:00:02",
            List.of("www"), null)));
        put(sandbox('2', "db", new Endpoint("e2", front.id(), "eth0", "172.18.0.3", 16, "02:42:ac:12:00:03", List.of(), null)));
        names.refresh();
        assertEquals(List.of(Ipv4Address.parse("172.18.0.2")), table.resolve(Set.of(front.id()), "www", random));

        // a changed sandbox (a new record) has its names changed; the unchanged one keeps its own
        sandboxes.put(web.withEndpoints(List.of(new Endpoint("e1", front.id(), "eth0", "172.18.0.2", 16, "02:42:ac:12:00:02",
            List.of("api"), null))));
        names.refresh();
        assertFalse(table.isKnown(Set.of(front.id()), "www"), "an alias it no longer has");
        assertTrue(table.isKnown(Set.of(front.id()), "api"));
        assertTrue(table.isKnown(Set.of(front.id()), "web"));
        assertEquals(List.of(Ipv4Address.parse("172.18.0.3")), table.resolve(Set.of(front.id()), "db", random));

        // a sandbox going, then one marked removing
        sandboxes.remove(web.id());
        names.refresh();
        assertFalse(table.isKnown(Set.of(front.id()), "web"));
        assertFalse(table.isKnown(Set.of(front.id()), "api"));
        assertEquals(Optional.empty(), table.reverse(Set.of(front.id()), Ipv4Address.parse("172.18.0.2")));
        sandboxes.put(sandboxes.byId(sandbox('2', "db").id()).withState(Sandbox.REMOVING));
        names.refresh();
        assertFalse(table.isKnown(Set.of(front.id()), "db"));

        // a new network does not lose anyone's names
        put(sandbox('3', "cache", new Endpoint("e3", front.id(), "eth0", "172.18.0.4", 16, "02:42:ac:12:00:04", List.of(), null)));
        names.refresh();
        networks.put(bridge("side", "172.20.0.0/16"));
        names.refresh();
        assertEquals(List.of(Ipv4Address.parse("172.18.0.4")), table.resolve(Set.of(front.id()), "cache", random));
        assertFalse(table.isKnown(Set.of(front.id()), "db"));
    }
}
