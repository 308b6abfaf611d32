package io.lanyard.control.cluster;

import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real single-member etcd for one test, on 127.0.0.1 with free client and peer ports and a
 * temporary data directory. It can be killed, frozen (SIGSTOP) and restarted on the same port
 * and data; {@link #close()} kills it by PID and removes the directory, and a shutdown hook does
 * the same if the test run dies first.
 *
 * <p>Without an {@code etcd} binary the test is skipped, except under
 * {@code LANYARD_E2E_REQUIRED=1} (CI), where it fails.
 */
public final class EtcdServer implements AutoCloseable
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final Path directory;
    private final int clientPort;
    private final int peerPort;
    private final Thread shutdownHook;
    private Process process;
    private boolean frozen;

    private EtcdServer(final Path directory, final int clientPort, final int peerPort)
    {
        this.directory = directory;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.shutdownHook = new Thread(this::cleanUp, "cleanup-etcd-" + clientPort);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static boolean installed()
    {
        return Privileges.onPath("etcd");
    }

    /** Skips the calling test, or in CI fails it, when there is no etcd binary. */
    public static void requireInstalled()
    {
        if (!installed())
        {
            final String why = "needs etcd on the PATH (apt-get install etcd-server)";
            if (Privileges.required())
            {
                fail("etcd test cannot run: " + why + " (LANYARD_E2E_REQUIRED=1 forbids skipping)");
            }
            Assumptions.abort("etcd test skipped: " + why);
        }
    }

    /** Starts etcd and waits until it answers; skips (or in CI fails) the test when there is no etcd. */
    public static EtcdServer start()
    {
        requireInstalled();
        final EtcdServer server;
        try
        {
            final int clientPort = freePort();
            int peerPort = freePort();
            while (peerPort == clientPort)
            {
                peerPort = freePort();
            }
            server = new EtcdServer(Files.createTempDirectory("lanyard-etcd-"), clientPort, peerPort);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot prepare etcd: " + ex, ex);
        }
        try
        {
            server.launch();
        }
        catch (final RuntimeException | Error ex)
        {
            server.close();
            throw ex;
        }
        return server;
    }

    public int clientPort()
    {
        return clientPort;
    }

    public long pid()
    {
        return process.pid();
    }

    public StoreAddress address()
    {
        return StoreAddress.parse("etcd://127.0.0.1:" + clientPort);
    }

    /** SIGKILL: the way a crash looks; the data directory stays for {@link #restart()}. */
    public void kill()
    {
        thawIfFrozen();
        process.destroyForcibly();
        waitForExit();
    }

    /** SIGSTOP: etcd keeps its sockets but answers nothing — the way a hung or partitioned etcd looks. */
    public void freeze()
    {
        signal("-STOP");
        frozen = true;
    }

    public void thaw()
    {
        signal("-CONT");
        frozen = false;
    }

    /** Starts etcd again on the same ports and data directory and waits until it answers. */
    public void restart()
    {
        if (process.isAlive())
        {
            throw new IllegalStateException("etcd is still running (pid " + process.pid() + ")");
        }
        launch();
    }

    @Override
    public void close()
    {
        cleanUp();
        try
        {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (final IllegalStateException ex)
        {
            // shutting down already
        }
    }

    private synchronized void cleanUp()
    {
        if (process != null && process.isAlive())
        {
            thawIfFrozen();
            process.destroyForcibly();
            waitForExit();
        }
        deleteDirectory();
    }

    private void launch()
    {
        final String client = "http://127.0.0.1:" + clientPort;
        final String peer = "http://127.0.0.1:" + peerPort;
        final ProcessBuilder builder = new ProcessBuilder(List.of("etcd",
            "--name", "lanyard-test",
            "--data-dir", directory.resolve("data").toString(),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "lanyard-test=" + peer))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("etcd.log").toFile()));
        builder.environment().keySet().removeIf(name -> name.startsWith("ETCD"));
        try
        {
            process = builder.start();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot start etcd: " + ex, ex);
        }
        awaitHealthy();
    }

    private void awaitHealthy()
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        final HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPort + "/health"))
            .timeout(Duration.ofSeconds(1)).build();
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + ": " + logTail());
            }
            try
            {
                final HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"true\""))
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                // not listening yet
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd", ex);
            }
            sleep(50);
        }
        throw new IllegalStateException("etcd did not become healthy within " + START_TIMEOUT.toSeconds() + " s: " + logTail());
    }

    private void signal(final String signal)
    {
        try
        {
            final Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0)
            {
                throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot signal etcd: " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    private void thawIfFrozen()
    {
        if (frozen && process.isAlive())
        {
            thaw();
        }
    }

    private void waitForExit()
    {
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("etcd (pid " + process.pid() + ") did not exit after SIGKILL");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private String logTail()
    {
        try
        {
            final List<String> lines = Files.readAllLines(directory.resolve("etcd.log"), StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        }
        catch (final IOException ex)
        {
            return "(no log: " + ex.getMessage() + ")";
        }
    }

    private void deleteDirectory()
    {
        if (!Files.exists(directory))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            // best effort: it is under the temp directory
        }
    }

    private static int freePort()
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("no free port: " + ex, ex);
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
            throw new IllegalStateException("interrupted", ex);
        }
    }
}
