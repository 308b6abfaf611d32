package io.lanyard.tools;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's real podman (4.3, CNI backend) puts its containers on a Lanyard network through
 * {@code tools/bin/lanyard-cni}. podman runs in a namespace of the test's own beside the
 * daemon's (podman binds each published host port itself to reserve it, which would collide
 * with Lanyard's userland proxy in the daemon's namespace), with a {@code containers.conf}, CNI configuration directory, storage and run directories all
 * of the test's own; its image is a busybox-static root file system imported locally.
 */
class PodmanE2E
{
    private static final Path TOOLS_BIN = Path.of(System.getenv().getOrDefault("LANYARD_HOME", "tools")).toAbsolutePath()
        .resolve("bin");
    private static final String IMAGE = "localhost/lanyard-busybox:test";
    private static LanyardHost host;
    private static Path dir;
    private static String network;
    /** Where podman runs: not the daemon's namespace, since podman holds every published host port open itself. */
    private static String runtimeNetns;
    /** podman state outside its --root/--runroot (libcni's result cache) that did not exist before the test. */
    private static final List<Path> MADE = new ArrayList<>();

    @BeforeAll
    static void startDaemonAndPodman() throws IOException
    {
        Privileges.requireNetAdmin("ip", "nsenter", "podman", "busybox");
        for (final Path shared : List.of(Path.of("/var/lib/cni"), Path.of("/run/containers"), Path.of("/var/lib/containers")))
        {
            if (!Files.exists(shared))
            {
                MADE.add(shared);
            }
        }
        host = new LanyardHost("pm").start();
        runtimeNetns = host.namespaces.add("runtime");
        dir = Files.createTempDirectory("lyp"); // short: podman refuses a run root of more than 50 characters
        network = host.prefix() + "net";
        Files.createDirectories(dir.resolve("net"));
        Files.writeString(dir.resolve("containers.conf"), String.join("\n",
            "[containers]",
            "default_ulimits = [\"nofile=20000:20000\", \"nproc=4096:4096\"]",
            "[engine]",
            "cgroup_manager = \"cgroupfs\"",
            "runtime = \"runc\"", // crun refuses this VM's hybrid cgroup hierarchy
            "events_logger = \"file\"",
            "[network]",
            "network_backend = \"cni\"",
            "network_config_dir = \"" + dir.resolve("net") + "\"",
            "cni_plugin_dirs = [\"" + TOOLS_BIN + "\", \"/usr/lib/cni\"]",
            ""));
        Files.writeString(dir.resolve("net").resolve(network + ".conflist"),
            "{\"cniVersion\": \"1.0.0\", \"name\": \"" + network + "\", \"plugins\": [{\"type\": \"lanyard-cni\", " +
                "\"network\": \"" + network + "\", \"socket\": \"" + host.socket + "\", " +
                "\"ipam\": {\"ranges\": [[{\"subnet\": \"10.77.0.0/24\", \"gateway\": \"10.77.0.1\"}]]}, " +
                "\"capabilities\": {\"aliases\": true, \"portMappings\": true}}]}\n");

        final Path root = dir.resolve("image");
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("www"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("tmp"));
        Files.copy(Path.of(Shell.check("sh", "-c", "command -v busybox").output().strip()), root.resolve("bin/busybox"));
        for (final String applet : List.of("sh", "ping", "ip", "sleep", "cat", "nslookup", "httpd", "wget", "ls"))
        {
            Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Files.writeString(root.resolve("www/index.html"), "served by podman through lanyard\n");
        Shell.check("sh", "-c", "tar -C " + root + " -c . | " + String.join(" ", podmanCommand()) +
            " import -c 'CMD [\"/bin/sh\"]' - " + IMAGE);
    }

    @AfterAll
    static void stopAll()
    {
        if (host != null)
        {
            Shell.run(podman("rm", "-f", "-a", "-t", "0"));
            Shell.run(podman("system", "reset", "-f"));
            host.close();
        }
        if (dir != null)
        {
            Shell.run(List.of("sh", "-c", "umount -R " + dir + "/root/overlay 2>/dev/null; true"));
            Namespaces.deleteTree(dir);
        }
        for (final Path made : MADE)
        {
            Namespaces.deleteTree(made);
        }
    }

    private static List<String> podmanCommand()
    {
        return List.of("env", "CONTAINERS_CONF=" + dir.resolve("containers.conf"), "nsenter", "--net=/run/netns/" + runtimeNetns,
            "podman", "--root", dir.resolve("root").toString(), "--runroot", dir.resolve("run").toString(),
            "--tmpdir", dir.resolve("tmp").toString(), "--cgroup-manager", "cgroupfs");
    }

    private static List<String> podman(final String... args)
    {
        final List<String> command = new ArrayList<>(podmanCommand());
        command.addAll(List.of(args));
        return command;
    }

    private static Shell.Result ok(final String... args)
    {
        return Shell.run(podman(args)).assertOk();
    }

    @Test
    void shouldPingAndResolveBetweenTwoContainersPublishAPortAndLeaveNothingBehind()
    {
        ok("run", "-d", "--name", "pa", "--network", network, IMAGE, "sleep", "600");
        ok("run", "-d", "--name", "pb", "--network", network, "-p", "8090:80", IMAGE, "httpd", "-f", "-p", "80", "-h", "/www");

        final String addressB = ok("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + network + "\").IPAddress}}", "pb")
            .output().strip();
        assertTrue(addressB.startsWith("10.77.0."), addressB);
        ok("exec", "pa", "ping", "-c", "1", "-W", "2", addressB);
        final String lookup = ok("exec", "pa", "nslookup", "pb", "127.0.0.11").output();
        assertTrue(lookup.contains(addressB), lookup);
        ok("exec", "pa", "ping", "-c", "1", "-W", "2", "pb");

        final String ps = host.cli("ps").ok().out();
        assertEquals(2, ps.lines().filter(l -> l.contains("10.77.0.")).count(), ps);
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> host.inHost("python3", "-c",
            "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:8090/', timeout=2).read().decode())")
            .output().contains("served by podman through lanyard")), "the published port reaches the container");

        ok("rm", "-f", "-t", "0", "pa", "pb");
        assertFalse(host.cli("ps").ok().out().contains("10.77.0."), "podman rm leaves nothing in Lanyard");
        assertTrue(host.cli("network", "inspect", network).ok().out().contains("\"Containers\": {}"));
        assertTrue(host.inHost("python3", "-c", "import socket;socket.create_connection(('127.0.0.1',8090),2)").status() != 0,
            "the published port is released");
    }
}
