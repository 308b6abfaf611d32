package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lanyard attach}/{@code detach}: namespaces Lanyard did not make (here made with
 * {@code ip netns add} and {@code unshare}, as a runtime would) get endpoints with everything a
 * sandbox's has, and lose them again, without the namespace itself being touched.
 */
class AttachE2E
{
    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "unshare", "dig", "python3");
        host = new LanyardHost("at").withUplink().start();
        host.cli("network", "create", "--subnet", "10.80.0.0/24", "app").ok();
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    /** A namespace of the test's own, as a runtime makes one: {@code /run/netns/PREFIX+name}. */
    private Path container(final String name)
    {
        return Path.of("/run/netns", host.namespaces.add(name));
    }

    private LanyardHost.Result attach(final String name, final Path netns, final String... more)
    {
        final List<String> args = new java.util.ArrayList<>(List.of("attach", "--name", name, "--netns", netns.toString()));
        args.addAll(List.of(more));
        return host.cli(args.toArray(String[]::new));
    }

    @Test
    void shouldGiveTwoForeignNamespacesAddressesNamesAndAPathToEachOtherAndOut()
    {
        final Path a = container("a");
        final Path b = container("b");
        attach("alpha", a, "--net", "app").ok();
        attach("beta", b, "--net", "app", "--ifname", "net0", "--ip", "10.80.0.50", "--network-alias", "db").ok();

        final String addressA = host.inSandbox("a", "ip", "-o", "-4", "addr", "show", "eth0").assertOk().output();
        assertTrue(addressA.contains("inet 10.80.0.2/24"), addressA);
        assertTrue(host.inSandbox("b", "ip", "-o", "-4", "addr", "show", "net0").output().contains("inet 10.80.0.50/24"));
        assertTrue(host.inSandbox("a", "ip", "route").output().contains("default via 10.80.0.1 dev eth0"));
        host.inSandbox("a", "ping", "-c", "1", "-W", "2", "10.80.0.50").assertOk();

        for (final String name : List.of("beta", "db"))
        {
            final Dig dig = Dig.in(host, "a", "@127.0.0.11", name);
            assertEquals(List.of(new Dig.Answer(name + ".", 600, "A", "10.80.0.50")), dig.answers(), dig.output());
        }
        host.inSandbox("a", "ping", "-c", "1", "-W", "2", LanyardHost.OUTSIDE_ADDRESS).assertOk();

        final JsonNode members = inspect("app").get("Containers");
        assertEquals(2, members.size(), members.toString());
        final String ps = host.cli("ps").ok().out();
        assertTrue(ps.contains("alpha") && ps.contains("beta"), ps);
    }

    @Test
    void shouldAnswerTheSameToARepeatedAttachAndAddASecondNetworkUnderItsOwnName()
    {
        final Path a = container("a");
        host.cli("network", "create", "--subnet", "10.81.0.0/24", "back").ok();
        final String id = attach("alpha", a, "--net", "app").ok().out().trim();
        final String index = host.inSandbox("a", "cat", "/sys/class/net/eth0/ifindex").output();

        assertEquals(id, attach("alpha", a, "--net", "app").ok().out().trim());
        assertEquals(index, host.inSandbox("a", "cat", "/sys/class/net/eth0/ifindex").output(), "the same interface, not a new one");
        assertEquals(id, attach("alpha", a, "--net", "back", "--ifname", "eth1").ok().out().trim());
        assertTrue(host.inSandbox("a", "ip", "-o", "-4", "addr", "show", "eth1").output().contains("inet 10.81.0.2/24"));
        assertEquals("10.81.0.2/24", inspect("back").at("/Containers/" + id + "/IPv4Address").asText());

        host.cli("detach", "--name", "alpha", "--net", "back").ok();
        assertFalse(host.inSandbox("a", "ip", "link").output().contains("eth1"));
        assertTrue(host.inSandbox("a", "ip", "link").output().contains("eth0"), "the other network stays");
        host.cli("detach", "--name", "alpha").ok();
        host.cli("detach", "--name", "alpha").ok();
        host.cli("detach", "--name", "never-attached", "--net", "no-such-network").ok();
        assertFalse(host.inSandbox("a", "ip", "link").output().contains("eth0"));
        assertTrue(host.namespaces.existing().contains(host.prefix() + "a"), "the namespace is its owner's: it stays");
        assertEquals(0, inspect("app").get("Containers").size());
        assertFalse(host.cli("ps").ok().out().contains("alpha"));
    }

    @Test
    void shouldRefuseWithOneLineAndChangeNothing()
    {
        final Path a = container("a");
        host.inSandbox("a", "ip", "link", "add", "taken0", "type", "veth", "peer", "name", "taken1").assertOk();
        host.cli("run", "-d", "--name", "native").ok();

        final Path nativeNetns = Path.of("/run/netns/" + host.prefix() + "native");
        assertRefused("network namespace " + nativeNetns + " is already the namespace of sandbox native",
            attach("alpha", nativeNetns, "--net", "app"));
        assertRefused("network namespace " + nativeNetns + " is already the namespace of sandbox native",
            attach("alpha", nativeNetns, "--net", "app", "--ifname", "eth7"));
        assertRefused("network namespace /run/netns/" + host.prefix() + "gone does not exist",
            attach("alpha", Path.of("/run/netns/" + host.prefix() + "gone"), "--net", "app"));
        assertRefused("interface taken0 already exists in network namespace " + a,
            attach("alpha", a, "--net", "app", "--ifname", "taken0"));
        assertRefused("cannot attach to the host network", attach("alpha", a, "--net", "host"));
        assertRefused("cannot attach to the none network", attach("alpha", a, "--net", "none"));
        assertRefused("network nope not found", attach("alpha", a, "--net", "nope"));
        assertRefused("invalid network namespace \"relative/ns\"", attach("alpha", Path.of("relative/ns"), "--net", "app"));
        assertRefused("invalid interface name \"a/b\"", attach("alpha", a, "--net", "app", "--ifname", "a/b"));
        assertRefused("invalid interface name \"sixteen-chars-xx\"", attach("alpha", a, "--net", "app", "--ifname", "sixteen-chars-xx"));
        assertRefused("is the daemon's own", attach("alpha", Path.of("/run/netns/" + host.hostNetns), "--net", "app"));
        assertRefused("The container name \"/native\" is already in use", attach("native", a, "--net", "app"));
        assertRefused("was not attached but run by Lanyard", host.cli("detach", "--name", "native"));

        assertEquals(0, inspect("app").get("Containers").size());
        assertEquals(List.of("lo", "taken0", "taken1"), host.interfaces("a").stream().sorted().toList());
        attach("alpha", a, "--net", "app").ok();
        assertRefused("network namespace " + a + " is already attached as alpha", attach("other", a, "--net", "app"));
        assertTrue(host.inSandbox("a", "ip", "-o", "-4", "addr").output().contains("inet 10.80.0.2/24"), "the first free address");
    }

    @Test
    void shouldAttachANamespaceWithoutLoopbackAddressesAndOnlyLoseItsEmbeddedDns()
    {
        // as runtimes leave a namespace before they configure it: nowhere to bind 127.0.0.11 yet
        final Path a = container("a");
        Shell.check("ip", "-n", host.prefix() + "a", "addr", "flush", "dev", "lo");
        Shell.check("ip", "-n", host.prefix() + "a", "link", "set", "lo", "down");
        attach("alpha", a, "--net", "app").ok();
        host.inSandbox("a", "ping", "-c", "1", "-W", "2", "10.80.0.1").assertOk();
        assertTrue(host.log().contains("sandbox alpha has no embedded DNS"), host.log());
        host.cli("detach", "--name", "alpha").ok();
        assertEquals(0, inspect("app").get("Containers").size());
    }

    @Test
    void shouldAttachAProcessNamespaceByPathAndPublishAPortOfIt() throws Exception
    {
        final Process holder = new ProcessBuilder("unshare", "--net", "--", "sleep", "600").start();
        try
        {
            final Path netns = Path.of("/proc/" + holder.pid() + "/ns/net");
            assertTrue(LanyardHost.eventually(Duration.ofSeconds(5), () -> !isOwnNamespace(netns)), "unshare made its namespace");
            Shell.check("nsenter", "--net=" + netns, "ip", "link", "set", "lo", "up");
            attach("web", netns, "--net", "app", "-p", "8088:80").ok();
            final Path served = Files.createTempDirectory(host.dir, "www");
            Files.writeString(served.resolve("index.html"), "attached\n");
            final Process server = new ProcessBuilder("nsenter", "--net=" + netns, "--", "python3", "-m", "http.server", "80",
                "--bind", "10.80.0.2", "--directory", served.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                // the server first answers inside its namespace (a loaded CI machine starts python slowly), then through the port
                assertTrue(LanyardHost.eventually(Duration.ofSeconds(30), () -> Shell.run(List.of("nsenter", "--net=" + netns, "python3",
                    "-c", "import socket;socket.create_connection(('10.80.0.2',80),2)")).status() == 0), "the server listens");
                final String[] last = {""};
                assertTrue(LanyardHost.eventually(Duration.ofSeconds(20), () -> (last[0] = host.inHost("python3", "-c",
                    "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:8088/', timeout=2).read().decode())")
                    .output()).contains("attached")), () -> "the published port reaches the attached namespace: " + last[0] + "\n" +
                    host.log());
            }
            finally
            {
                server.destroyForcibly();
                server.waitFor();
            }
            host.cli("detach", "--name", "web").ok();
            assertTrue(host.inHost("python3", "-c", "import socket;socket.create_connection(('127.0.0.1',8088),2)").status() != 0,
                "the port is released with the last endpoint");
        }
        finally
        {
            holder.destroyForcibly();
            holder.waitFor();
        }
    }

    @Test
    void shouldKeepAttachedNamespacesAcrossARestartAndForgetOnesThatDiedMeanwhile()
    {
        final Path a = container("a");
        final Path b = container("b");
        attach("alpha", a, "--net", "app").ok();
        attach("beta", b, "--net", "app").ok();
        final String index = host.inSandbox("a", "cat", "/sys/class/net/eth0/ifindex").output();
        host.kill9();
        Shell.check("ip", "netns", "delete", host.prefix() + "b");
        host.start();

        assertEquals(index, host.inSandbox("a", "cat", "/sys/class/net/eth0/ifindex").output(), "re-attached, not recreated");
        final String ps = host.cli("ps").ok().out();
        assertTrue(ps.contains("alpha"), ps);
        assertFalse(ps.contains("beta"), "its namespace died with the daemon down: " + ps);
        final Path c = container("c");
        attach("gamma", c, "--net", "app").ok();
        assertTrue(host.inSandbox("c", "ip", "-o", "-4", "addr").output().contains("inet 10.80.0.3/24"), "beta's address is free");
        host.inSandbox("c", "ping", "-c", "1", "-W", "2", "10.80.0.2").assertOk();
    }

    private boolean isOwnNamespace(final Path netns)
    {
        try
        {
            return Files.isSameFile(netns, Path.of("/proc/self/ns/net"));
        }
        catch (final IOException ex)
        {
            return true;
        }
    }

    private static void assertRefused(final String expected, final LanyardHost.Result result)
    {
        assertEquals(1, result.status(), result.toString());
        assertTrue(result.err().contains(expected), "expected \"" + expected + "\" in: " + result.err());
        assertEquals(1, result.err().strip().lines().count(), "one line: " + result.err());
    }

    private JsonNode inspect(final String network)
    {
        try
        {
            return Json.MAPPER.readTree(host.cli("network", "inspect", network).ok().out()).get(0);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
