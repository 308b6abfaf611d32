package io.lanyard.dist;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The distribution as a user gets it: lanyard-VERSION-linux-x86_64.tar.gz unpacked into an empty
 * directory, nothing of the checkout used. Its launchers find their jars beside themselves, it
 * names its version, runs README's Quick start walkthrough, and ships a service unit that
 * systemd accepts, man pages and completion.
 */
class DistributionE2E
{
    private static final String VERSION = System.getProperty("lanyard.version");
    private static Path unpacked;
    private static Path home;

    @BeforeAll
    static void unpack() throws IOException
    {
        final Path archive = Path.of(System.getProperty("lanyard.archive"));
        assertTrue(Files.isRegularFile(archive), "mvn package makes " + archive);
        unpacked = Files.createTempDirectory("lanyard-install");
        Shell.check("tar", "-xzf", archive.toString(), "-C", unpacked.toString());
        home = unpacked.resolve("lanyard-" + VERSION);
    }

    @AfterAll
    static void remove() throws IOException
    {
        if (unpacked != null)
        {
            try (Stream<Path> all = Files.walk(unpacked))
            {
                for (final Path each : all.sorted(Comparator.reverseOrder()).toList())
                {
                    Files.delete(each);
                }
            }
        }
    }

    @Test
    void shouldHoldWhatAnInstallNeeds() throws IOException
    {
        for (final String launcher : List.of("bin/lanyard", "bin/lanyardd", "bin/lanyard-cni"))
        {
            assertTrue(Files.isExecutable(home.resolve(launcher)), launcher);
        }
        final List<String> daemonJars = names(home.resolve("lib/daemon"));
        assertTrue(daemonJars.contains("lanyard-control-" + VERSION + ".jar"), daemonJars.toString());
        for (final String arch : List.of("x86_64", "aarch_64"))
        {
            assertTrue(daemonJars.contains("netty-transport-native-epoll-4.2.18.Final-linux-" + arch + ".jar"), arch + ": " + daemonJars);
            assertTrue(daemonJars.contains("netty-transport-native-io_uring-4.2.18.Final-linux-" + arch + ".jar"), arch + ": " + daemonJars);
        }
        final List<String> cliJars = names(home.resolve("lib/cli"));
        assertTrue(cliJars.contains("lanyard-tools-" + VERSION + ".jar"), cliJars.toString());
        assertTrue(cliJars.stream().noneMatch(jar -> jar.startsWith("lanyard-control") || jar.startsWith("jetcd")),
            "the CLI's class path holds none of the daemon's: " + cliJars);
        assertTrue(Files.readString(home.resolve("LICENSE")).contains("Apache License"));
        final List<String> pages = names(home.resolve("share/man/man1"));
        for (final String page : List.of("lanyard.1", "lanyardd.1", "lanyard-run.1", "lanyard-network-create.1", "lanyard-logs.1"))
        {
            assertTrue(pages.contains(page), page + " in " + pages);
        }
        final String runPage = Files.readString(home.resolve("share/man/man1/lanyard-run.1"));
        assertTrue(runPage.contains(".TH \"LANYARD\\-RUN\" \"1\""), "troff, as man reads it:\n" + runPage.substring(0, Math.min(400, runPage.length())));
        assertTrue(runPage.contains("Source: Lanyard " + VERSION), "the version it documents");
        assertTrue(runPage.contains("\\-\\-publish"), "every option documented");
    }

    @Test
    void shouldNameItsVersionFromAnyDirectoryAndThroughASymlink() throws IOException
    {
        final Path elsewhere = Files.createTempDirectory(unpacked, "elsewhere");
        final Path link = elsewhere.resolve("lanyard");
        Files.createSymbolicLink(link, home.resolve("bin/lanyard"));
        final String pattern = " " + VERSION.replace(".", "\\.") + " \\(commit ([0-9a-f]{12}(-dirty)?|unknown)\\)";
        assertTrue(run(elsewhere, home.resolve("bin/lanyardd").toString(), "--version").trim().matches("lanyardd" + pattern),
            run(elsewhere, home.resolve("bin/lanyardd").toString(), "--version"));
        assertTrue(run(elsewhere, link.toString(), "--version").trim().matches("lanyard" + pattern), run(elsewhere, link.toString(), "--version"));
        assertEquals(Files.readString(home.resolve("share/bash-completion/completions/lanyard")),
            run(elsewhere, link.toString(), "completion", "bash"), "the shipped completion is what the CLI writes");
    }

    @Test
    void shouldRunTheQuickStartWalkthrough() throws Exception
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "python3");
        try (Namespaces namespaces = new Namespaces("dist"))
        {
            final String host = namespaces.add("host");
            final Path state = Files.createTempDirectory(unpacked, "state");
            final Path socket = state.resolve("lanyard.sock");
            final Path log = state.resolve("daemon.log");
            // as systemd starts a Type=notify unit: a datagram socket named by NOTIFY_SOCKET, told READY=1 once the API answers
            final Path notifySocket = state.resolve("notify.sock");
            final Path notified = state.resolve("notified.txt");
            final Process serviceManager = namespaces.spawn(host, notified, "python3", "-c", String.join("\n",
                "import socket, sys",
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                "s.bind(sys.argv[1])",
                "print('listening', flush=True)",
                "while True:",
                "    print(s.recv(4096).decode().replace('\\n', ' '), flush=True)"), notifySocket.toString());
            final long listening = System.nanoTime() + 10_000_000_000L;
            while (!Files.exists(notifySocket))
            {
                assertTrue(serviceManager.isAlive() && System.nanoTime() < listening, "the stand-in service manager listens");
                Thread.sleep(50);
            }
            final ProcessBuilder start = new ProcessBuilder("nsenter", "--net=/run/netns/" + host, "--", home.resolve("bin/lanyardd").toString(),
                "--socket", socket.toString(), "--state-dir", state.toString(), "--sandbox-prefix", namespaces.prefix(), "--ring-size", "256")
                .redirectErrorStream(true).redirectOutput(log.toFile());
            start.environment().put("NOTIFY_SOCKET", notifySocket.toString());
            final Process daemon = start.start();
            try
            {
                final long deadline = System.nanoTime() + 30_000_000_000L;
                while (cli(socket, "network", "ls").status() != 0)
                {
                    assertTrue(daemon.isAlive() && System.nanoTime() < deadline, "lanyardd answers:\n" + Files.readString(log));
                    Thread.sleep(100);
                }
                final long ready = System.nanoTime() + 10_000_000_000L;
                while (!Files.readString(notified).contains("READY=1"))
                {
                    assertTrue(System.nanoTime() < ready, "lanyardd told NOTIFY_SOCKET it is ready:\n" + Files.readString(notified));
                    Thread.sleep(50);
                }
                assertTrue(Files.readString(notified).contains("READY=1 MAINPID=" + daemon.pid() + " STATUS=listening on " + socket),
                    Files.readString(notified));
                final String networks = cli(socket, "network", "ls", "--format", "{{.Name}}").assertOk().output();
                assertEquals(List.of("bridge", "host", "none"), networks.lines().toList());
                assertTrue(cli(socket, "run", "-d", "--name", "container1").assertOk().output().trim().matches("[0-9a-f]{64}"));
                cli(socket, "run", "-d", "--name", "container2").assertOk();
                final String address = cli(socket, "inspect", "--format", "{{.Networks.bridge.IPAddress}}", "container2").assertOk().output().trim();
                assertTrue(address.matches("172\\.\\d+\\.0\\.3"), address);
                final String ping = cli(socket, "exec", "container1", "ping", "-c", "3", "-i", "0.2", address).assertOk().output();
                assertTrue(ping.contains("3 received"), ping);
                cli(socket, "network", "create", "isolated_new").assertOk();
                cli(socket, "run", "-d", "--net", "isolated_new", "--name", "container3").assertOk();
                final String stats = cli(socket, "stats").assertOk().output();
                assertTrue(stats.contains("container1") && stats.contains("container3"), stats);
                final String version = cli(socket, "version").assertOk().output();
                assertTrue(version.contains("Server:\n Version:        " + VERSION + "\n"), version);
                for (final String sandbox : List.of("container1", "container2", "container3"))
                {
                    cli(socket, "rm", "-f", sandbox).assertOk();
                }
            }
            finally
            {
                daemon.destroy();
                daemon.waitFor();
                final long told = System.nanoTime() + 5_000_000_000L;
                while (!Files.readString(notified).contains("STOPPING=1") && System.nanoTime() < told)
                {
                    Thread.sleep(50);
                }
                serviceManager.destroy();
            }
            assertTrue(Files.readString(notified).contains("STOPPING=1"), "and that it stops: " + Files.readString(notified));
        }
    }

    @Test
    void shouldShipAServiceUnitSystemdAccepts() throws IOException
    {
        Privileges.requireNetAdmin("systemd-analyze");
        final String unit = Files.readString(home.resolve("lib/systemd/system/lanyardd.service"));
        assertTrue(unit.contains("\nType=notify\n") && unit.contains("\nKillMode=process\n") && unit.contains("ExecStart=/opt/lanyard/bin/lanyardd"),
            unit);
        // as installed in /opt/lanyard, here where it was unpacked
        final Path copy = Files.createTempDirectory(unpacked, "unit").resolve("lanyardd.service");
        Files.writeString(copy, unit.replace("/opt/lanyard/bin/lanyardd", home.resolve("bin/lanyardd").toString()));
        final Shell.Result verify = Shell.run(List.of("systemd-analyze", "verify", "--man=no", copy.toString()));
        assertEquals(0, verify.status(), verify.output());
        assertEquals("", verify.output().trim(), "no complaint about the unit");
    }

    @Test
    void shouldInstallTheSameAsADebianPackage() throws IOException
    {
        Privileges.requireNetAdmin("dpkg-deb");
        final Path target = Path.of(System.getProperty("lanyard.archive")).getParent();
        final Path deb;
        try (Stream<Path> files = Files.list(target))
        {
            deb = files.filter(f -> f.getFileName().toString().matches("lanyard_.*_all\\.deb")).findFirst()
                .orElseThrow(() -> new AssertionError("mvn package makes a .deb in " + target));
        }
        final String fields = Shell.check("dpkg-deb", "--field", deb.toString(), "Package", "Version", "Architecture", "Depends").output();
        assertTrue(fields.contains("Package: lanyard\n") && fields.contains("Architecture: all\n") &&
            fields.contains("Version: " + VERSION.replace("-", "~")) && fields.contains("iproute2"), fields);

        final Path root = Files.createTempDirectory(unpacked, "deb-root");
        Shell.check("dpkg-deb", "-x", deb.toString(), root.toString());
        assertTrue(run(root, root.resolve("opt/lanyard/bin/lanyardd").toString(), "--version").startsWith("lanyardd " + VERSION + " "));
        assertEquals(Path.of("/opt/lanyard/bin/lanyard"), Files.readSymbolicLink(root.resolve("usr/bin/lanyard")));
        assertEquals(Path.of("/opt/lanyard/bin/lanyardd"), Files.readSymbolicLink(root.resolve("usr/bin/lanyardd")));
        assertEquals(Files.readString(home.resolve("lib/systemd/system/lanyardd.service")),
            Files.readString(root.resolve("lib/systemd/system/lanyardd.service")), "the unit where systemd looks for a package's");
        assertTrue(Files.isExecutable(root.resolve("opt/lanyard/bin/lib/launch-client.sh")));
        assertEquals(names(home.resolve("lib/daemon")), names(root.resolve("opt/lanyard/lib/daemon")), "the archive's files, all of them");
    }

    private static Shell.Result cli(final Path socket, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(home.resolve("bin/lanyard").toString(), "--socket", socket.toString()));
        command.addAll(List.of(args));
        return Shell.run(command);
    }

    private static String run(final Path directory, final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return out;
        }
        catch (final IOException | InterruptedException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static List<String> names(final Path directory) throws IOException
    {
        try (Stream<Path> files = Files.list(directory))
        {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
