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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's real dockerd (20.10) uses {@code lanyardd --docker-plugin} as its network and IPAM
 * driver. dockerd runs in the daemon's namespace (it moves the TAP Lanyard hands it at
 * {@code Join} from there into the container), entered with {@code nsenter --net} (not
 * {@code ip netns exec}, which remounts {@code /sys} and hides the cgroups), with a data root, exec
 * root, socket, pid file, configuration file and trust key of the test's own, and neither
 * iptables nor a default bridge. It finds the plugin through a spec file with a name unique to
 * the run; its image is a busybox-static root file system imported locally.
 */
class DockerE2E
{
    private static final Path PLUGIN_SPECS = Path.of("/etc/docker/plugins");
    private static final String IMAGE = "lanyard-busybox:test";
    /** Debian's client, which /usr/local/bin's newer one may shadow on the PATH. */
    private static final String DOCKER = Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";
    /** Docker's shared directories that did not exist before the test (dockerd and containerd make them whatever their roots). */
    private static final List<Path> MADE = new ArrayList<>();

    private static LanyardHost host;
    private static Path dir;
    private static Path spec;
    private static String driver;
    private static Process dockerd;
    private static int dockerdStarts;

    @BeforeAll
    static void startLanyardAndDockerd() throws IOException
    {
        Privileges.requireNetAdmin("ip", "nsenter", "dockerd", "containerd", "runc", "docker", "busybox");
        for (final Path shared : List.of(Path.of("/etc/docker"), PLUGIN_SPECS, Path.of("/run/docker"), Path.of("/run/containerd")))
        {
            if (!Files.exists(shared))
            {
                MADE.add(shared);
            }
        }
        dir = Files.createTempDirectory("lyd"); // short: containerd's sockets under the exec root must fit a socket path
        final Path pluginSocket = dir.resolve("plugin.sock");
        host = new LanyardHost("dk", "--docker-plugin", pluginSocket.toString()).withUplink().start();
        driver = "lanyard-e2e-" + host.prefix().replaceAll("[^a-z0-9]", "") + ThreadLocalRandom.current().nextInt(1_000_000);
        Files.createDirectories(PLUGIN_SPECS);
        spec = PLUGIN_SPECS.resolve(driver + ".spec");
        Files.writeString(spec, "unix://" + pluginSocket + "\n");
        Files.writeString(dir.resolve("daemon.json"), "{\"deprecated-key-path\": \"" + dir.resolve("key.json") + "\"}\n");
        startDockerd();

        final Path root = dir.resolve("image");
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("tmp"));
        Files.copy(Path.of(Shell.check("sh", "-c", "command -v busybox").output().strip()), root.resolve("bin/busybox"));
        for (final String applet : List.of("sh", "ping", "ip", "sleep", "cat", "nslookup", "ls"))
        {
            Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Shell.check("sh", "-c", "tar -C " + root + " -c . | " + DOCKER + " -H unix://" + dir.resolve("docker.sock") +
            " import -c 'CMD [\"/bin/sh\"]' - " + IMAGE);
    }

    private static void startDockerd()
    {
        dockerd = host.spawn(List.of("nsenter", "--net=/run/netns/" + host.hostNetns, "--", "dockerd",
            "--config-file", dir.resolve("daemon.json").toString(), "--data-root", dir.resolve("data").toString(),
            "--exec-root", dir.resolve("exec").toString(), "-H", "unix://" + dir.resolve("docker.sock"),
            "--pidfile", dir.resolve("docker.pid").toString(), "--iptables=false", "--ip6tables=false", "--bridge=none"),
            dir.resolve("dockerd-" + (++dockerdStarts) + ".log"));
        if (!LanyardHost.eventually(Duration.ofSeconds(60), () -> dockerd.isAlive() && docker("version").status() == 0))
        {
            throw new AssertionError("dockerd did not answer:\n" + LanyardHost.readQuietly(dir.resolve("dockerd-" + dockerdStarts + ".log")));
        }
    }

    /** SIGTERM and wait: dockerd stops its containers (calling the plugin's Leave and DeleteEndpoint) before it exits. */
    private static void stopDockerd()
    {
        if (dockerd != null && dockerd.isAlive())
        {
            dockerd.destroy();
            try
            {
                if (!dockerd.waitFor(60, TimeUnit.SECONDS))
                {
                    dockerd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    @AfterEach
    void removeContainersAndNetworks()
    {
        if (dockerd != null && dockerd.isAlive())
        {
            Shell.run(List.of("sh", "-c", DOCKER + " -H unix://" + dir.resolve("docker.sock") + " rm -f $(" + DOCKER + " -H unix://" +
                dir.resolve("docker.sock") + " ps -aq) 2>/dev/null; true"));
            Shell.run(List.of("sh", "-c", DOCKER + " -H unix://" + dir.resolve("docker.sock") + " network prune -f"));
        }
    }

    @AfterAll
    static void stopAll()
    {
        stopDockerd();
        if (dir != null)
        {
            // what is left of dockerd's own children (containerd, shims) runs with our directories in its arguments
            ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(line -> line.contains(dir.toString())).orElse(false))
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .forEach(ProcessHandle::destroyForcibly);
            Shell.run(List.of("sh", "-c", "umount -R " + dir.resolve("exec") + " 2>/dev/null; umount -R " + dir.resolve("data") +
                " 2>/dev/null; true"));
        }
        if (spec != null)
        {
            Shell.run(List.of("rm", "-f", spec.toString()));
        }
        if (host != null)
        {
            host.close();
        }
        if (dir != null)
        {
            Namespaces.deleteTree(dir);
        }
        for (final Path made : MADE)
        {
            Namespaces.deleteTree(made);
        }
    }

    private static Shell.Result docker(final String... args)
    {
        // a call that hangs (a driver that never answers) fails the test instead of holding the build
        final List<String> command = new ArrayList<>(List.of("timeout", "120", DOCKER, "-H", "unix://" + dir.resolve("docker.sock")));
        command.addAll(List.of(args));
        return Shell.run(command);
    }

    private static String ok(final String... args)
    {
        return docker(args).assertOk().output().strip();
    }

    private static String addressOf(final String container)
    {
        return ok("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container);
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

        ok("run", "-d", "--name", "da", "--network", "dnet", IMAGE, "sleep", "600");
        ok("run", "-d", "--name", "db", "--network", "dnet", IMAGE, "sleep", "600");
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
        ok("run", "-d", "--name", "dx", "--network", "dshared", IMAGE, "sleep", "600");
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
        ok("run", "-d", "--restart", "always", "--name", "ka", "--network", "dkeep", IMAGE, "sleep", "600");
        ok("run", "-d", "--restart", "always", "--name", "kb", "--network", "dkeep", IMAGE, "sleep", "600");
        ok("exec", "ka", "ping", "-c", "1", "-W", "2", "kb");

        stopDockerd();
        startDockerd();
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
