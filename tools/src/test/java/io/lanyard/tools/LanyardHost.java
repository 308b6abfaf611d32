package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One test "host": a network namespace with a {@code lanyardd} running inside it (started with
 * {@code nsenter}, through the real {@code tools/bin/lanyardd}), its own socket, state directory
 * and sandbox prefix, and the {@code lanyard} CLI pointed at it. {@link #close()} kills the daemon
 * by PID and removes every namespace and file the test or the daemon made.
 */
final class LanyardHost implements AutoCloseable
{
    static final Path HOME = Path.of(System.getenv().getOrDefault("LANYARD_HOME", "tools")).toAbsolutePath();
    /** The "outside" host on the uplink's link, and the uplink's own address (see {@link #withUplink()}). */
    static final String OUTSIDE_ADDRESS = "198.51.100.1";
    static final String UPLINK_ADDRESS = "198.51.100.2";
    static final String UPLINK_DEVICE = "up0";

    final Namespaces namespaces;
    final String hostNetns;
    final Path dir;
    final Path socket;
    final Path stateDir;
    private final List<String> extraFlags = new ArrayList<>();
    private Process daemon;
    private int starts;
    /** The namespace beyond the uplink, or null when the daemon has none. */
    String outsideNetns;

    LanyardHost(final String label, final String... flags)
    {
        namespaces = new Namespaces(label);
        hostNetns = namespaces.add("host");
        try
        {
            dir = Files.createTempDirectory("lanyard-" + namespaces.prefix());
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        socket = dir.resolve("lanyard.sock");
        stateDir = dir.resolve("state");
        extraFlags.addAll(List.of(flags));
    }

    String prefix()
    {
        return namespaces.prefix();
    }

    /** Adds daemon flags for the next {@link #start()} (a restart with other flags). */
    LanyardHost withFlags(final String... flags)
    {
        extraFlags.addAll(List.of(flags));
        return this;
    }

    /**
     * Gives the daemon an uplink; call before {@link #start()}. Namespace {@code outside} holds
     * {@value #OUTSIDE_ADDRESS}/24 on {@code out0}, one end of a veth made inside it; the other
     * end, {@value #UPLINK_DEVICE}, is moved straight into the host namespace (the root namespace
     * never sees either), brought up without an address, and handed to the daemon with
     * {@code --uplink up0 --uplink-ip 198.51.100.2/24 --uplink-gateway 198.51.100.1}. IPv6 is off
     * on both ends, so the link carries only what the test sends (and ARP).
     */
    LanyardHost withUplink()
    {
        outsideNetns = namespaces.add("outside");
        Shell.check("ip", "-n", outsideNetns, "link", "add", "out0", "type", "veth", "peer", "name", UPLINK_DEVICE, "netns", hostNetns);
        inOutside("sysctl", "-qw", "net.ipv6.conf.out0.disable_ipv6=1").assertOk();
        inHost("sysctl", "-qw", "net.ipv6.conf." + UPLINK_DEVICE + ".disable_ipv6=1").assertOk();
        Shell.check("ip", "-n", outsideNetns, "addr", "add", OUTSIDE_ADDRESS + "/24", "dev", "out0");
        Shell.check("ip", "-n", outsideNetns, "link", "set", "out0", "up");
        Shell.check("ip", "-n", hostNetns, "link", "set", UPLINK_DEVICE, "up");
        extraFlags.addAll(List.of("--uplink", UPLINK_DEVICE, "--uplink-ip", UPLINK_ADDRESS + "/24", "--uplink-gateway", OUTSIDE_ADDRESS));
        return this;
    }

    /**
     * Starts the daemon and waits until it answers. If it does not, everything this host made is
     * removed before the failure is thrown: a test whose set-up fails here never gets the host
     * to close.
     */
    LanyardHost start()
    {
        return start(Duration.ofSeconds(30));
    }

    /** {@link #start()}, waiting up to {@code timeout} (a daemon restoring many sandboxes answers once it has). */
    LanyardHost start(final Duration timeout)
    {
        try
        {
            return awaitDaemon(timeout);
        }
        catch (final RuntimeException | AssertionError ex)
        {
            close();
            throw ex;
        }
    }

    private LanyardHost awaitDaemon(final Duration timeout)
    {
        daemon = startDaemon(extraFlags);
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (!daemon.isAlive())
            {
                throw new AssertionError("lanyardd exited " + daemon.exitValue() + ":\n" + log());
            }
            if (Files.exists(socket) && cli("network", "ls", "-q").status() == 0)
            {
                return this;
            }
            sleep(100);
        }
        throw new AssertionError("lanyardd did not answer within " + timeout.toSeconds() + " s:\n" + log());
    }

    /** Starts another daemon process with these flags (e.g. to see it refuse) without waiting for it. */
    Process startDaemon(final List<String> flags)
    {
        // in a session of its own, as from a terminal or a service manager: a signal to its process group reaches it alone
        final List<String> command = new ArrayList<>(List.of("setsid", "nsenter", "--net=/run/netns/" + hostNetns, "--",
            HOME.resolve("bin/lanyardd").toString(), "--socket", socket.toString(), "--state-dir", stateDir.toString(),
            "--sandbox-prefix", prefix(), "--ring-size", "256"));
        command.addAll(flags);
        return spawn(command, dir.resolve("daemon-" + (++starts) + ".log"));
    }

    Process spawn(final List<String> command, final Path log)
    {
        try
        {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot start " + command, ex);
        }
    }

    long daemonPid()
    {
        return daemon.pid();
    }

    /** SIGKILL: no chance to clean up, as in a crash. */
    void kill9()
    {
        daemon.destroyForcibly();
        waitFor(daemon);
    }

    /** SIGINT to the daemon's process group, as Ctrl-C in the terminal that started it sends. */
    void interruptGroup()
    {
        Shell.check("kill", "-INT", "--", "-" + daemon.pid());
        waitFor(daemon);
    }

    /** SIGTERM: the daemon's orderly stop. */
    void terminate()
    {
        daemon.destroy();
        waitFor(daemon);
    }

    String log()
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 1; i <= starts; i++)
        {
            try
            {
                text.append(Files.readString(dir.resolve("daemon-" + i + ".log"), StandardCharsets.UTF_8));
            }
            catch (final IOException ignored)
            {
                // not started yet
            }
        }
        return text.toString();
    }

    record Result(int status, String out, String err)
    {
        Result ok()
        {
            if (status != 0)
            {
                throw new AssertionError("lanyard exited " + status + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    /**
     * Runs {@code lanyard ARGS} against this host's daemon. Commands that run something inside a
     * sandbox (they have a {@code --}) go through the real {@code tools/bin/lanyard}, since their
     * output is the child's; the others run in this JVM, which saves a JVM start per call. The
     * launch script itself is exercised by the former and by {@link #cliWith}.
     */
    Result cli(final String... args)
    {
        if (List.of(args).contains("--"))
        {
            return cliWith(Map.of("LANYARD_SOCKET", socket.toString()), args);
        }
        return inProcess(args);
    }

    private synchronized Result inProcess(final String... args)
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        final java.io.PrintStream originalOut = System.out;
        final java.io.PrintStream originalErr = System.err;
        final List<String> full = new ArrayList<>(List.of("--socket", socket.toString()));
        full.addAll(List.of(args));
        final int status;
        try (java.io.PrintStream capturedOut = new java.io.PrintStream(out, true, StandardCharsets.UTF_8);
             java.io.PrintStream capturedErr = new java.io.PrintStream(err, true, StandardCharsets.UTF_8))
        {
            System.setOut(capturedOut);
            System.setErr(capturedErr);
            status = LanyardCli.execute(full.toArray(String[]::new));
        }
        finally
        {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Result cliWith(final Map<String, String> environment, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(HOME.resolve("bin/lanyard").toString());
        command.addAll(List.of(args));
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            final Path out = Files.createTempFile(dir, "out", ".txt");
            final Path err = Files.createTempFile(dir, "err", ".txt");
            final Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(120, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new AssertionError("lanyard " + String.join(" ", args) + " did not finish in 120 s");
            }
            final Result result = new Result(process.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return result;
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

    /** Runs a command inside the host namespace (where the daemon lives). */
    Shell.Result inHost(final String... command)
    {
        return namespaces.exec(hostNetns, command);
    }

    /** Runs a command inside the namespace beyond the uplink ({@link #withUplink()}). */
    Shell.Result inOutside(final String... command)
    {
        return namespaces.exec(outsideNetns, command);
    }

    /** {@code GET path} on the daemon's API, as JSON. */
    JsonNode get(final String path)
    {
        final ApiClient.Response response = new ApiClient(socket).get(path);
        if (!response.isSuccess())
        {
            throw new AssertionError("GET " + path + " → " + response.status() + " " + response.errorMessage());
        }
        return response.json();
    }

    /**
     * A drop counter ({@code unsolicited}, {@code isolation}...) of a switch port: a sandbox's
     * {@code eth0}..., or with sandbox {@code ""} one of the daemon's own ({@code up0}, {@code lanyard0}).
     */
    long drops(final String sandbox, final String device, final String reason)
    {
        for (final JsonNode port : get("/stats").path("Ports"))
        {
            if (port.path("Sandbox").asText().equals(sandbox) && port.path("Interface").asText().equals(device))
            {
                return port.path("Drops").path(reason).asLong(0);
            }
        }
        throw new AssertionError("no port " + sandbox + "/" + device + " in the stats:\n" + get("/stats").toPrettyString());
    }

    /** A traffic counter ({@code RxPackets}, {@code TxBytes}...) of a sandbox's port, as {@link #drops} finds it. */
    long portCounter(final String sandbox, final String device, final String counter)
    {
        for (final JsonNode port : get("/stats").path("Ports"))
        {
            if (port.path("Sandbox").asText().equals(sandbox) && port.path("Interface").asText().equals(device))
            {
                return port.path(counter).asLong(-1);
            }
        }
        throw new AssertionError("no port " + sandbox + "/" + device + " in the stats:\n" + get("/stats").toPrettyString());
    }

    /** A counter of the dataplane's own line of {@code lanyard stats} ({@code nat_connections}...). */
    long dataplaneCounter(final String name)
    {
        final JsonNode value = get("/stats").path("Dataplane").path(name);
        if (value.isMissingNode())
        {
            throw new AssertionError("no dataplane counter " + name + " in the stats");
        }
        return value.asLong();
    }

    /** The names of sandbox {@code name}'s interfaces, in the kernel's order ({@code lo} first). */
    List<String> interfaces(final String name)
    {
        return inSandbox(name, "ip", "-o", "link", "show").assertOk().output().lines()
            .map(line -> line.split(":\\s+")[1].split("@")[0]).toList();
    }

    /** Starts a command inside sandbox {@code name}'s namespace, its output into {@code log}; the caller ends it. */
    Process spawnInSandbox(final String name, final Path log, final String... command)
    {
        return namespaces.spawn(prefix() + name, log, command);
    }

    /** Runs a command inside sandbox {@code name}'s namespace, bypassing the daemon. */
    Shell.Result inSandbox(final String name, final String... command)
    {
        return namespaces.exec(prefix() + name, command);
    }

    @Override
    public void close()
    {
        if (daemon != null && daemon.isAlive())
        {
            daemon.destroyForcibly();
            waitFor(daemon);
        }
        namespaces.close();
        Namespaces.deleteTree(dir);
    }

    /** The file's text, or "" while it does not exist. */
    static String readQuietly(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes. */
    static boolean eventually(final Duration timeout, final java.util.function.BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (condition.getAsBoolean())
            {
                return true;
            }
            sleep(100);
        }
        return condition.getAsBoolean();
    }

    private static void waitFor(final Process process)
    {
        try
        {
            process.waitFor(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
