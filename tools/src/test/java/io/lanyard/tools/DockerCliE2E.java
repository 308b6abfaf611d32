package io.lanyard.tools;

import io.lanyard.client.BuildInfo;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Docker's own CLI as a client of lanyardd: Debian's {@code /usr/bin/docker} (20.10, API 1.41)
 * with {@code DOCKER_HOST=unix://} the test daemon's socket and a configuration directory of the
 * test's own, so no real Docker installation is used or touched (no dockerd is started).
 * {@code network create/ls/prune}, {@code ps} listing a {@code lanyard run -d} sandbox and an
 * attached namespace, {@code events} live and over a past window, {@code info} and
 * {@code version}. The newer client at {@code /usr/local/bin/docker}, where there is one, gets
 * the read-only commands too.
 */
class DockerCliE2E
{
    private static final Path DOCKER = Path.of("/usr/bin/docker");
    private static final Path NEWER_DOCKER = Path.of("/usr/local/bin/docker");

    private LanyardHost host;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "nsenter");
        if (!Files.isExecutable(DOCKER))
        {
            if (Privileges.required())
            {
                fail("end-to-end test cannot run: needs " + DOCKER + " (package docker.io) (LANYARD_E2E_REQUIRED=1 forbids skipping)");
            }
            org.junit.jupiter.api.Assumptions.abort("end-to-end test skipped: needs " + DOCKER + " (package docker.io)");
        }
        host = new LanyardHost("dk").start();
    }

    @AfterEach
    void tearDown()
    {
        for (final Process process : started)
        {
            process.destroyForcibly();
        }
        if (host != null)
        {
            host.close();
        }
    }

    private record Result(int status, String out, String err)
    {
        Result ok()
        {
            if (status != 0)
            {
                throw new AssertionError("docker exited " + status + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    private ProcessBuilder dockerCommand(final Path client, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(client.toString()));
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("DOCKER_HOST", "unix://" + host.socket);
        builder.environment().put("DOCKER_CONFIG", host.dir.resolve("docker-config").toString());
        builder.environment().remove("DOCKER_CONTEXT");
        return builder;
    }

    private Result docker(final String... args)
    {
        return dockerWith(DOCKER, args);
    }

    private Result dockerWith(final Path client, final String... args)
    {
        try
        {
            final Path out = Files.createTempFile(host.dir, "docker-out", ".txt");
            final Path err = Files.createTempFile(host.dir, "docker-err", ".txt");
            final Process process = dockerCommand(client, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new AssertionError("docker " + String.join(" ", args) + " did not finish in 60 s");
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** A docker command that keeps running ({@code events}): its output lines, as they come. */
    private BlockingQueue<String> dockerLines(final String... args) throws IOException
    {
        final Process process = dockerCommand(DOCKER, args).redirectError(host.dir.resolve("docker-events-err.txt").toFile()).start();
        started.add(process);
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                for (String line = in.readLine(); line != null; line = in.readLine())
                {
                    lines.add(line);
                }
            }
            catch (final IOException ignored)
            {
                // the process was ended
            }
        }, "docker-events-reader");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private int eventListeners()
    {
        return host.get("/info").get("NEventsListener").asInt();
    }

    private static String unixTime(final Instant time)
    {
        return time.getEpochSecond() + "." + String.format("%09d", time.getNano());
    }

    @Test
    void shouldCreateListAndPruneNetworksButNotOneInUseNorThePredefinedOnes()
    {
        docker("network", "create", "--label", "stage=test", "idle1").ok();
        docker("network", "create", "idle2").ok();
        docker("network", "create", "--subnet", "10.82.0.0/24", "busy").ok();
        host.cli("run", "-d", "--name", "b1", "--net", "busy", "--", "sleep", "600").ok();
        assertEquals(List.of("bridge", "busy", "host", "idle1", "idle2", "none"),
            docker("network", "ls", "--format", "{{.Name}}").ok().out().lines().sorted().toList());

        final Result labelled = docker("network", "prune", "-f", "--filter", "label=stage=test").ok();
        assertEquals(List.of("Deleted Networks:", "idle1"), labelled.out().lines().filter(l -> !l.isBlank()).toList(), labelled.out());
        final Result rest = docker("network", "prune", "--force").ok();
        assertTrue(rest.out().lines().anyMatch("idle2"::equals), rest.out());

        assertEquals(List.of("bridge", "busy", "host", "none"), docker("network", "ls", "--format", "{{.Name}}").ok().out().lines()
            .sorted().toList());
        assertEquals("", docker("network", "prune", "-f").ok().out().trim(), "nothing left to prune");
    }

    @Test
    void shouldListARunSandboxAndAnAttachedNamespaceAsContainers()
    {
        docker("network", "create", "--subnet", "10.81.0.0/24", "app").ok();
        final String web = host.cli("run", "-d", "--name", "web", "--net", "app", "-p", "8088:80", "--", "sleep", "600").ok().out().trim();
        host.cli("run", "-d", "--name", "quick", "--net", "app", "--", "true").ok();
        final String ext = host.cli("attach", "--name", "ext", "--netns", "/run/netns/" + host.namespaces.add("ext"), "--net", "app")
            .ok().out().trim();
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(10),
            () -> docker("ps", "-a", "--filter", "status=exited", "-q").out().contains(host.get("/sandboxes/quick").get("Id").asText()
                .substring(0, 12))), "quick's command exited");

        final String table = docker("ps").ok().out();
        final List<String> lines = table.lines().toList();
        assertTrue(lines.get(0).matches("CONTAINER ID\\s+IMAGE\\s+COMMAND\\s+CREATED\\s+STATUS\\s+PORTS\\s+NAMES"), table);
        assertTrue(lines.stream().anyMatch(l -> l.matches(web.substring(0, 12) +
            "\\s+lanyard\\s+\"sleep 600\"\\s+.* ago\\s+Up .*\\s+0\\.0\\.0\\.0:8088->80/tcp\\s+web")), table);
        assertTrue(lines.stream().anyMatch(l -> l.matches(ext.substring(0, 12) + "\\s+lanyard\\s+\"\"\\s+.* ago\\s+Up .*\\s+ext")), table);
        assertFalse(table.contains("quick"), "docker ps lists running containers only: " + table);

        final String all = docker("ps", "-a", "--format", "{{.Names}}|{{.Status}}|{{.Networks}}").ok().out();
        assertEquals(List.of("ext|app", "quick|Exited (0)|app", "web|app"),
            all.lines().map(l -> l.replaceAll("\\|Up [^|]+", "")).sorted().toList(), all);
        assertEquals(List.of("ext"), docker("ps", "--filter", "name=^ext$", "--format", "{{.Names}}").ok().out().lines().toList());
        assertEquals(List.of("ext", "web"), docker("ps", "--filter", "network=app", "--format", "{{.Names}}").ok().out().lines().sorted()
            .toList());
        final Result invalid = docker("ps", "--filter", "colour=red");
        assertTrue(invalid.status() != 0 && invalid.err().contains("invalid filter 'colour'"), invalid.err());
    }

    @Test
    void shouldStreamNetworkEventsLiveUntilTheClientLeaves() throws Exception
    {
        host.cli("run", "-d", "--name", "c1", "--", "sleep", "600").ok();
        final String container = host.get("/sandboxes/c1").get("Id").asText();
        final BlockingQueue<String> all = dockerLines("system", "events");
        final BlockingQueue<String> networks = dockerLines("events", "--filter", "type=network", "--filter", "network=ev");
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(20), () -> eventListeners() == 2), "both clients subscribed");

        final String network = docker("network", "create", "ev").ok().out().trim();
        docker("network", "create", "other").ok();
        docker("network", "connect", "ev", "c1").ok();
        docker("network", "disconnect", "ev", "c1").ok();
        docker("network", "rm", "ev").ok();

        final String attributes = "(container=" + container + ", name=ev, type=bridge)";
        final List<String> expected = List.of("network create " + network + " (name=ev, type=bridge)",
            "network connect " + network + " " + attributes, "network disconnect " + network + " " + attributes,
            "network destroy " + network + " (name=ev, type=bridge)");
        assertEquals(expected, take(networks, 4));
        final List<String> everything = take(all, 5);
        assertEquals(expected.get(0), everything.get(0));
        assertTrue(everything.get(1).startsWith("network create ") && everything.get(1).endsWith("(name=other, type=bridge)"),
            everything.get(1));
        assertEquals(expected.subList(1, 4), everything.subList(2, 5));
        assertEquals(null, networks.poll(300, TimeUnit.MILLISECONDS), "the other network's events are filtered out");

        for (final Process process : started)
        {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> eventListeners() == 0), "the daemon dropped both streams");
    }

    /** {@code count} lines without their timestamp, waiting up to 20 s for each. */
    private static List<String> take(final BlockingQueue<String> lines, final int count) throws InterruptedException
    {
        final List<String> taken = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final String line = lines.poll(20, TimeUnit.SECONDS);
            if (line == null)
            {
                throw new AssertionError("only " + taken + " within 20 s");
            }
            taken.add(line.replaceFirst("^\\S+ ", ""));
        }
        return taken;
    }

    @Test
    void shouldPrintAPastWindowOfEventsAndEnd()
    {
        final Instant since = Instant.now().minusSeconds(1);
        docker("network", "create", "w1").ok();
        docker("network", "rm", "w1").ok();
        final Instant until = Instant.now();
        docker("network", "create", "w2").ok();

        final Result window = docker("events", "--since", unixTime(since), "--until", unixTime(until));

        window.ok();
        assertEquals(List.of("network create (name=w1, type=bridge)", "network destroy (name=w1, type=bridge)"),
            window.out().lines().map(l -> l.replaceFirst("^\\S+ (\\S+ \\S+) \\S+ ", "$1 ")).toList(), window.out());
        assertEquals(1, docker("events", "--since", unixTime(since), "--until", unixTime(Instant.now()), "--filter", "event=destroy")
            .ok().out().lines().count());
    }

    @Test
    void shouldDescribeTheServerInDockerInfoAndVersion()
    {
        host.cli("run", "-d", "--name", "i1", "--", "sleep", "600").ok();

        final Result info = docker("info").ok();

        for (final String expected : List.of("Server:", " Containers: 1", "  Running: 1", " Images: 0", " Server Version: " + BuildInfo.current().version(),
            "  Network: bridge host null overlay", " OSType: linux", " Live Restore Enabled: true"))
        {
            assertTrue(info.out().lines().anyMatch(expected::equals), "'" + expected + "' in:\n" + info.out());
        }
        assertTrue(info.out().contains(" Kernel Version: " + System.getProperty("os.version")), info.out());
        assertTrue(info.out().contains(" Docker Root Dir: " + host.stateDir), info.out());
        assertFalse(info.err().contains("ERROR"), info.err());
        assertFalse(info.err().contains("No memory limit support"), "the daemon's own warning replaces the legacy ones: " + info.err());

        final Result version = docker("version").ok();
        assertTrue(version.out().contains("Server: Lanyard"), version.out());
        assertTrue(version.out().matches("(?s).*API version:\\s+1\\.43 \\(minimum version 1\\.24\\).*"), version.out());
        assertTrue(version.out().contains(BuildInfo.current().commit()), "docker version shows the daemon's commit:\n" + version.out());
    }

    @Test
    void shouldServeTheNewerClientToo()
    {
        if (!Files.isExecutable(NEWER_DOCKER))
        {
            return;
        }
        host.cli("run", "-d", "--name", "n1", "--", "sleep", "600").ok();
        final Instant since = Instant.now().minusSeconds(1);
        dockerWith(NEWER_DOCKER, "network", "create", "newer").ok();

        assertTrue(dockerWith(NEWER_DOCKER, "network", "ls").ok().out().contains("newer"));
        assertTrue(dockerWith(NEWER_DOCKER, "ps", "-a").ok().out().contains("n1"));
        assertTrue(dockerWith(NEWER_DOCKER, "info").ok().out().contains(" Server Version: " + BuildInfo.current().version()));
        assertTrue(dockerWith(NEWER_DOCKER, "events", "--since", unixTime(since), "--until", unixTime(Instant.now())).ok().out()
            .contains("network create"));
        assertTrue(dockerWith(NEWER_DOCKER, "network", "prune", "-f").ok().out().contains("newer"));
    }
}
