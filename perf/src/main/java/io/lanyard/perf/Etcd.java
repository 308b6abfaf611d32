package io.lanyard.perf;

import io.lanyard.tap.LinuxException;
import io.lanyard.tap.NamespaceThread;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The overlay's cluster store: one etcd member (Debian's {@code etcd-server}) inside a namespace
 * of the run, serving clients on {@code http://ADDRESS:}{@value #CLIENT_PORT} and talking to
 * no peer (its peer URL is on that namespace's loopback), its data and log in the run's
 * temporary directory. Readiness is etcd's own {@code GET /health}, asked from inside the
 * namespace, since the run's JVM lives outside it.
 */
final class Etcd
{
    static final int CLIENT_PORT = 2379;
    private static final int PEER_PORT = 2380;
    private static final String MEMBER = "lanyard-perf";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final int HEALTH_TIMEOUT_MILLIS = 1_000;
    private static final int MAX_HEALTH_RESPONSE = 4_096;

    private final Workspace workspace;
    private final Process process;
    private final Path log;
    private final String clientUrl;

    private Etcd(final Workspace workspace, final Process process, final Path log, final String clientUrl)
    {
        this.workspace = workspace;
        this.process = process;
        this.log = log;
        this.clientUrl = clientUrl;
    }

    /** Starts etcd in {@code netns}, listening for clients on {@code address}, and waits until it reports itself healthy. */
    static Etcd start(final Workspace workspace, final String netns, final String address)
    {
        final Path dir = workspace.dir().resolve("etcd");
        final Path log = workspace.dir().resolve("etcd.log");
        final String client = "http://" + address + ":" + CLIENT_PORT;
        final String peer = "http://127.0.0.1:" + PEER_PORT;
        final Process process = workspace.spawn(Workspace.inNamespace(netns, List.of("etcd",
            "--name", MEMBER, "--data-dir", dir.toString(),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", MEMBER + "=" + peer)), log,
            // ETCD_* variables would configure it behind the flags' back
            environment -> environment.keySet().removeIf(name -> name.startsWith("ETCD")));
        final Etcd etcd = new Etcd(workspace, process, log, client);
        etcd.awaitHealthy(netns, address);
        return etcd;
    }

    /** Where clients reach it, as {@code lanyardd --store} takes it: {@code etcd://ADDRESS:PORT}. */
    String storeAddress()
    {
        return clientUrl.replace("http://", "etcd://");
    }

    long pid()
    {
        return process.pid();
    }

    /** Fails the run, with the end of etcd's log, if etcd is gone. */
    void checkAlive()
    {
        if (!process.isAlive() && !workspace.isClosed())
        {
            throw new PerfException("etcd exited " + process.exitValue() + " during the run:\n" + logTail());
        }
    }

    private void awaitHealthy(final String netns, final String address)
    {
        final Path netnsPath = Path.of("/run/netns", netns);
        try (NamespaceThread inside = new NamespaceThread())
        {
            final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline)
            {
                if (!process.isAlive())
                {
                    throw new PerfException("etcd exited " + process.exitValue() + " at start:\n" + logTail());
                }
                if (askHealth(inside, netnsPath, address))
                {
                    return;
                }
                LanyardSide.sleep(100);
            }
        }
        throw new PerfException("etcd in " + netns + " was not healthy within " + START_TIMEOUT.toSeconds() + " s:\n" + logTail());
    }

    private static boolean askHealth(final NamespaceThread inside, final Path netnsPath, final String address)
    {
        try
        {
            return inside.call(netnsPath, () -> isHealthy(address));
        }
        catch (final LinuxException ex)
        {
            throw new PerfException("cannot ask etcd for its health from inside " + netnsPath + ": " + ex.getMessage());
        }
    }

    /** One {@code GET /health}; the socket is made on the calling thread, so in that thread's namespace. */
    private static boolean isHealthy(final String address)
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(address, CLIENT_PORT), HEALTH_TIMEOUT_MILLIS);
            socket.setSoTimeout(HEALTH_TIMEOUT_MILLIS);
            final OutputStream out = socket.getOutputStream();
            out.write(("GET /health HTTP/1.0\r\nHost: " + address + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = socket.getInputStream();
            final String response = new String(in.readNBytes(MAX_HEALTH_RESPONSE), StandardCharsets.UTF_8);
            return isHealthyResponse(response);
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** Whether an HTTP response to {@code GET /health} says the member is healthy: status 200 and {@code "health":"true"}. */
    static boolean isHealthyResponse(final String response)
    {
        return response.startsWith("HTTP/1.") && response.contains(" 200 ") && response.replace(" ", "").contains("\"health\":\"true\"");
    }

    private String logTail()
    {
        try
        {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        }
        catch (final IOException ex)
        {
            return "(no etcd log)";
        }
    }
}
