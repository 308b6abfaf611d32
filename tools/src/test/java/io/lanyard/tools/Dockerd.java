package io.lanyard.tools;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real dockerd (20.10) beside a test's {@code lanyardd --docker-plugin}, in the daemon's
 * network namespace (Docker moves the TAP Lanyard hands it at {@code Join} from there into the
 * container), entered with {@code nsenter --net} (not {@code ip netns exec}, which remounts
 * {@code /sys} and hides the cgroups). Its data root, exec root, socket, pid file, configuration
 * file and trust key are the test's own, with neither iptables nor a default bridge; it finds
 * the plugin through a spec file whose name is unique to the run, and its one image is a
 * busybox-static root file system imported locally. {@link #close()} removes all of it, and
 * the shared directories dockerd makes (/run/docker, /run/containerd) if they were not there.
 */
final class Dockerd implements AutoCloseable
{
    static final Path PLUGIN_SPECS = Path.of("/etc/docker/plugins");
    static final String IMAGE = "lanyard-busybox:test";
    /** Debian's client, which /usr/local/bin's newer one may shadow on the PATH. */
    static final String DOCKER = Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";
    /** What must be on the PATH, for {@code Privileges.requireNetAdmin}. */
    static final String[] TOOLS = {"ip", "nsenter", "dockerd", "containerd", "runc", "docker", "busybox", "timeout"};

    private final LanyardHost host;
    /** The driver's name: its spec file's. */
    final String driver;
    final Path dir;
    private final Path spec;
    private final List<Path> made = new ArrayList<>();
    private Process dockerd;
    private int starts;

    /** Names the plugin at {@code pluginSocket} with a spec file and starts dockerd in {@code host}'s namespace. */
    Dockerd(final LanyardHost host, final Path dir, final Path pluginSocket) throws IOException
    {
        this.host = host;
        this.dir = dir;
        for (final Path shared : List.of(Path.of("/etc/docker"), PLUGIN_SPECS, Path.of("/run/docker"), Path.of("/run/containerd")))
        {
            if (!Files.exists(shared))
            {
                made.add(shared);
            }
        }
        driver = "lanyard-e2e-" + host.prefix().replaceAll("[^a-z0-9]", "") + ThreadLocalRandom.current().nextInt(1_000_000);
        Files.createDirectories(PLUGIN_SPECS);
        spec = PLUGIN_SPECS.resolve(driver + ".spec");
        Files.writeString(spec, "unix://" + pluginSocket + "\n");
        Files.writeString(dir.resolve("daemon.json"), "{\"deprecated-key-path\": \"" + dir.resolve("key.json") + "\"}\n");
        start();
        importImage();
    }

    /**
     * A directory for one dockerd and its plugin socket: short, since containerd's sockets under
     * the exec root must fit a socket path.
     */
    static Path newDirectory() throws IOException
    {
        return Files.createTempDirectory("lyd");
    }

    void start()
    {
        dockerd = host.spawn(List.of("nsenter", "--net=/run/netns/" + host.hostNetns, "--", "dockerd",
            "--config-file", dir.resolve("daemon.json").toString(), "--data-root", dir.resolve("data").toString(),
            "--exec-root", dir.resolve("exec").toString(), "-H", "unix://" + dir.resolve("docker.sock"),
            "--pidfile", dir.resolve("docker.pid").toString(), "--iptables=false", "--ip6tables=false", "--bridge=none"),
            dir.resolve("dockerd-" + (++starts) + ".log"));
        if (!LanyardHost.eventually(Duration.ofSeconds(60), () -> dockerd.isAlive() && run("version").status() == 0))
        {
            throw new AssertionError("dockerd did not answer:\n" + LanyardHost.readQuietly(dir.resolve("dockerd-" + starts + ".log")));
        }
    }

    /** SIGTERM and wait: dockerd stops its containers (calling the plugin's Leave and DeleteEndpoint) before it exits. */
    void stop()
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

    private void importImage() throws IOException
    {
        final Path root = dir.resolve("image");
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("tmp"));
        Files.copy(Path.of(Shell.check("sh", "-c", "command -v busybox").output().strip()), root.resolve("bin/busybox"));
        for (final String applet : List.of("sh", "ping", "ip", "sleep", "cat", "nslookup", "ls", "httpd"))
        {
            Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Files.createDirectories(root.resolve("www"));
        Files.writeString(root.resolve("www/index.html"), "served by dockerd through lanyard\n");
        Shell.check("sh", "-c", "tar -C " + root + " -c . | " + DOCKER + " -H unix://" + dir.resolve("docker.sock") +
            " import -c 'CMD [\"/bin/sh\"]' - " + IMAGE);
    }

    /** {@code docker ARGS} against this dockerd; a call that hangs fails after two minutes instead of holding the build. */
    Shell.Result run(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("timeout", "120", DOCKER, "-H", "unix://" + dir.resolve("docker.sock")));
        command.addAll(List.of(args));
        return Shell.run(command);
    }

    /** {@code docker ARGS}, which must succeed; its output, stripped. */
    String ok(final String... args)
    {
        return run(args).assertOk().output().strip();
    }

    String addressOf(final String container)
    {
        return ok("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container);
    }

    /** Removes every container and every network without one, as between two tests. */
    void clear()
    {
        if (dockerd != null && dockerd.isAlive())
        {
            final String docker = "timeout 120 " + DOCKER + " -H unix://" + dir.resolve("docker.sock");
            Shell.run(List.of("sh", "-c", docker + " rm -f $(" + docker + " ps -aq) 2>/dev/null; " + docker + " network prune -f; true"));
        }
    }

    @Override
    public void close()
    {
        stop();
        // what is left of dockerd's own children (containerd, shims) runs with our directory in its arguments
        ProcessHandle.allProcesses()
            .filter(p -> p.info().commandLine().map(line -> line.contains(dir.toString())).orElse(false))
            .filter(p -> p.pid() != ProcessHandle.current().pid())
            .forEach(ProcessHandle::destroyForcibly);
        Shell.run(List.of("sh", "-c", "umount -R " + dir.resolve("exec") + " 2>/dev/null; umount -R " + dir.resolve("data") +
            " 2>/dev/null; true"));
        Shell.run(List.of("rm", "-f", spec.toString()));
        for (final Path path : made)
        {
            Namespaces.deleteTree(path);
        }
    }
}
