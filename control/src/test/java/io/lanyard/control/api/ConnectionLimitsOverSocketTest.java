package io.lanyard.control.api;

import io.lanyard.client.ApiClient;
import io.lanyard.control.ControlPlaneFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API's connections cannot starve it (issue 15): an idle connection is closed after the idle
 * timeout, a stream such as {@code /events} is not, and at the connection cap a new client gets
 * in by pushing out an idle one. Real sockets, a real server with a small cap and a short
 * timeout.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectionLimitsOverSocketTest
{
    private static final int CAP = 4;

    @TempDir
    Path tempDir;

    private ControlPlaneFixture fixture;
    private ApiServer server;
    private Path socket;
    private final List<SocketChannel> idle = new ArrayList<>();

    @AfterEach
    void stop() throws IOException
    {
        for (final SocketChannel channel : idle)
        {
            channel.close();
        }
        if (server != null)
        {
            server.close();
        }
        if (fixture != null)
        {
            fixture.close();
        }
    }

    @Test
    void shouldCloseAConnectionThatStaysIdle() throws Exception
    {
        serve(CAP, 1);
        final SocketChannel quiet = connect();
        final SocketChannel answered = connect();
        answered.write(ByteBuffer.wrap("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n".getBytes()));

        final long started = System.nanoTime();
        assertEquals(-1, drain(quiet), "the server hung up on the connection that never asked anything");
        assertTrue(System.nanoTime() - started > 500_000_000L, "not before the idle timeout");
        assertEquals(-1, drain(answered), "nor does one that got its answer and stays open idle");
        assertEquals("OK", new ApiClient(socket).get("/_ping").text(), "and the server still answers");
    }

    @Test
    void shouldKeepAnEventStreamOpenPastTheIdleTimeout() throws Exception
    {
        serve(CAP, 1);
        try (StreamingReader events = new StreamingReader(socket, "/v1.41/events"))
        {
            Thread.sleep(2500);
            assertEquals(201, new ApiClient(socket).post("/networks/create", Map.of("Name", "late")).status());
            final String chunk = events.next(10, TimeUnit.SECONDS);
            assertTrue(chunk != null && chunk.contains("\"late\""), "the stream, quiet for 2.5 s, still delivers: " + chunk);
        }
    }

    @Test
    void shouldLetANewClientInAtTheCapByClosingAnIdleConnection() throws Exception
    {
        serve(CAP, 600);
        for (int i = 0; i < CAP; i++)
        {
            idle.add(connect());
        }
        awaitOpen(CAP);

        assertEquals("OK", new ApiClient(socket).get("/_ping").text(), "the cap is full of idle connections, and a client still gets in");
        int closed = 0;
        for (final SocketChannel channel : idle)
        {
            channel.configureBlocking(false);
            if (channel.read(ByteBuffer.allocate(16)) == -1)
            {
                closed++;
            }
        }
        assertTrue(closed >= 1, "an idle connection made room");
        assertTrue(server.openConnections() <= CAP + 1, "open: " + server.openConnections());
    }

    private void serve(final int cap, final long idleSeconds) throws IOException
    {
        fixture = ControlPlaneFixture.fresh(tempDir.resolve("daemon"));
        socket = ApiServerFixture.socketIn(tempDir);
        ApiServer.ensureFree(socket);
        server = ApiServer.start(socket, new ApiRoutes(fixture.control()), "application/json", new ConnectionLimits(cap, idleSeconds, ConnectionLimits.DEFAULT_REQUEST_SECONDS),
            new RequestWorkers(RequestWorkers.DEFAULT_THREADS, RequestWorkers.DEFAULT_QUEUE));
    }

    private SocketChannel connect() throws IOException
    {
        final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return channel;
    }

    private void awaitOpen(final int count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.openConnections() < count)
        {
            assertTrue(System.nanoTime() < deadline, "the server accepted " + count + " connections: " + server.openConnections());
            Thread.sleep(10);
        }
        Thread.sleep(100);
    }

    /** Reads (blocking) until the server closes the connection; returns the last read's result (-1). */
    private static int drain(final SocketChannel channel) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(4096);
        int n;
        do
        {
            buffer.clear();
            n = channel.read(buffer);
        }
        while (n > 0);
        return n;
    }
}
