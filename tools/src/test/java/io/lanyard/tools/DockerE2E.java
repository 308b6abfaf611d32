package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's real dockerd (20.10) uses {@code lanyardd --docker-plugin} as its network and IPAM
 * driver ({@link Dockerd}: in the daemon's namespace, with state of the test's own).
 */
class DockerE2E
{
    private static LanyardHost host;
    private static Path dir;
    private static Dockerd docker;
    private static String driver;

    @BeforeAll
    static void startLanyardAndDockerd() throws IOException
    {
        Privileges.requireNetAdmin(Dockerd.TOOLS);
        dir = Dockerd.newDirectory();
        final Path pluginSocket = dir.resolve("plugin.sock");
        host = new LanyardHost("dk", "--docker-plugin", pluginSocket.toString()).withUplink().start();
        docker = new Dockerd(host, dir, pluginSocket);
        driver = docker.driver;
    }

    @AfterEach
    void removeContainersAndNetworks()
    {
        docker.clear();
    }

    @AfterAll
    static void stopAll()
    {
        if (docker != null)
        {
            docker.close();
        }
        if (host != null)
        {
            host.close();
        }
        if (dir != null)
        {
            Namespaces.deleteTree(dir);
        }
    }

    private static Shell.Result docker(final String... args)
    {
        return docker.run(args);
    }

    private static String ok(final String... args)
    {
        return docker.ok(args);
    }

    private static String addressOf(final String container)
    {
        return docker.addressOf(container);
    }

    /** The interfaces of the daemon's namespace that are neither its own (lanyard0, up0, lo) nor a network's host port (ly-). */
    private static List<String> strayInterfaces()
    {
        return host.inHost("ip", "-o", "link", "show").assertOk().output().lines()
            .map(line -> line.split(": ")[1].split("@")[0])
            .filter(name -> !name.equals("lo") && !name.equals("lanyard0") && !name.equals(LanyardHost.UPLINK_DEVICE) &&
                !name.startsWith("ly-"))
            .toList();
    }

    @Test
    void shouldPingBetweenContainersAndOutsideThroughLanyardAndLeaveNothingBehind() throws IOException
    {
        final String id = ok("network", "create", "-d", driver, "--ipam-driver", driver, "--subnet", "10.78.0.0/24", "dnet");
        final String lanyardNetwork = "docker-" + id.substring(0, 12);
        assertTrue(host.cli("network", "ls").ok().out().contains(lanyardNetwork), "Docker's network is a Lanyard network");

        ok("run", "-d", "--name", "da", "--network", "dnet", Dockerd.IMAGE, "sleep", "600");
        ok("run", "-d", "--name", "db", "--network", "dnet", Dockerd.IMAGE, "sleep", "600");
        final String addressA = addressOf("da");
        final String addressB = addressOf("db");
        assertTrue(addressA.startsWith("10.78.0.") && addressB.startsWith("10.78.0."), addressA + " " + addressB);
        assertNotEquals(addressA, addressB);
        ok("exec", "da", "ping", "-c", "2", "-W", "2", addressB);
        ok("exec", "db", "ping", "-c", "1", "-W", "2", "da");
        // the outside host has no route to 10.78.0.0/24: only Lanyard's masquerade brings the replies back
        ok("exec", "da", "ping", "-c", "2", "-W", "2", LanyardHost.OUTSIDE_ADDRESS);
        final JsonNode members = Json.MAPPER.readTree(host.cli("network", "inspect", lanyardNetwork).ok().out()).get(0).path("Containers");
        assertEquals(2, members.size(), members.toPrettyString());
        assertEquals(List.of(), strayInterfaces(), "both TAPs are inside the containers");

        ok("network", "disconnect", "dnet", "db");
        assertEquals(1, Json.MAPPER.readTree(host.cli("network", "inspect", lanyardNetwork).ok().out()).get(0).path("Containers").size());
        ok("rm", "-f", "da", "db");
        assertFalse(host.cli("ps").ok().out().contains("10.78.0."), "docker rm -f leaves no sandbox in Lanyard");
        ok("network", "rm", "dnet");
        assertFalse(host.cli("network", "ls").ok().out().contains(lanyardNetwork), "docker network rm removes the Lanyard network");
        assertEquals(List.of(), strayInterfaces(), "no TAP is left in the daemon's namespace");
    }

    @Test
    void shouldPublishAContainersPortAndReleaseItWithTheContainer()
    {
        ok("network", "create", "-d", driver, "--ipam-driver", driver, "--subnet", "10.76.0.0/24", "dweb");
        ok("run", "-d", "--name", "web", "--network", "dweb", "-p", "8090:80", Dockerd.IMAGE, "httpd", "-f", "-p", "80", "-h", "/www");
        final String fetch = "import urllib.request;print(urllib.request.urlopen('http://%s:8090/', timeout=2).read().decode())";
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(20), () -> host.inHost("python3", "-c", String.format(fetch, "127.0.0.1"))
            .output().contains("served by dockerd through lanyard")), "the host reaches the published port");
        assertTrue(host.inOutside("python3", "-c", String.format(fetch, LanyardHost.UPLINK_ADDRESS)).output()
            .contains("served by dockerd through lanyard"), "so does the outside, through the uplink");
        assertTrue(host.cli("ps").ok().out().contains("8090->80/tcp"), host.cli("ps").out());

        ok("rm", "-f", "web");
        assertTrue(host.inHost("python3", "-c", "import socket;socket.create_connection(('127.0.0.1',8090),2)").status() != 0,
            "the port is released with the container");
        ok("network", "rm", "dweb");
    }

    @Test
    void shouldJoinAnExistingLanyardNetworkAndLeaveItThere()
    {
        host.cli("network", "create", "--subnet", "10.79.0.0/24", "shared").ok();
        host.cli("run", "-d", "--name", "lx", "--net", "shared").ok();
        assertTrue(host.cli("network", "inspect", "shared").ok().out().contains("10.79.0.2"));

        final String refused = docker("network", "create", "-d", driver, "--subnet", "10.90.0.0/24", "-o", "com.lanyard.network=shared",
            "wrong").output();
        assertTrue(refused.contains("Lanyard network shared has subnet 10.79.0.0/24, not 10.90.0.0/24"), "the plugin's error reaches " +
            "the user verbatim: " + refused);
        assertFalse(ok("network", "ls").contains("wrong"));

        ok("network", "create", "-d", driver, "--ipam-driver", driver, "--ipam-opt", "com.lanyard.network=shared",
            "--subnet", "10.79.0.0/24", "dshared");
        ok("run", "-d", "--name", "dx", "--network", "dshared", Dockerd.IMAGE, "sleep", "600");
        assertEquals("10.79.0.3", addressOf("dx"), "the next address after the Lanyard sandbox's");
        ok("exec", "dx", "ping", "-c", "2", "-W", "2", "10.79.0.2");
        host.inSandbox("lx", "ping", "-c", "1", "-W", "2", "10.79.0.3").assertOk();

        ok("rm", "-f", "dx");
        ok("network", "rm", "dshared");
        final String after = host.cli("network", "inspect", "shared").ok().out();
        assertTrue(after.contains("10.79.0.2") && !after.contains("10.79.0.3"), "the Lanyard network stays, with its own sandbox:\n" +
            after);
        host.cli("rm", "-f", "lx").ok();
        host.cli("network", "rm", "shared").ok();
    }

    @Test
    void shouldKeepContainersConnectedAcrossDockerdAndLanyarddRestarts()
    {
        ok("network", "create", "-d", driver, "--ipam-driver", driver, "--subnet", "10.77.8.0/24", "dkeep");
        ok("run", "-d", "--restart", "always", "--name", "ka", "--network", "dkeep", Dockerd.IMAGE, "sleep", "600");
        ok("run", "-d", "--restart", "always", "--name", "kb", "--network", "dkeep", Dockerd.IMAGE, "sleep", "600");
        ok("exec", "ka", "ping", "-c", "1", "-W", "2", "kb");

        docker.stop();
        docker.start();
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(30), () -> docker("ps", "-q").output().lines().count() == 2),
            "both containers came back: " + docker("ps", "-a").output());
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> docker("exec", "ka", "ping", "-c", "1", "-W", "1", "kb")
            .status() == 0), "connected again after dockerd restarted");
        ok("exec", "kb", "ping", "-c", "1", "-W", "2", LanyardHost.OUTSIDE_ADDRESS);

        // a crash of lanyardd: the TAPs stay in the containers, the restarted daemon finds them there by MAC
        host.kill9();
        host.start();
        ok("exec", "ka", "ping", "-c", "2", "-W", "2", addressOf("kb"));
        assertEquals(List.of(), strayInterfaces(), "the restarted daemon made no new TAPs of its own");
    }
}
