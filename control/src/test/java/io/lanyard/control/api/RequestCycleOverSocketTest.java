package io.lanyard.control.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection's requests (issue 15): one begun must arrive whole within the request timeout
 * (a client that sends a byte now and then is closed, though every byte resets the idle timer),
 * while a request being answered, an open stream and a quiet connection between requests are
 * not; and pipelined requests are answered one at a time, in order, their connection busy until
 * the last. Real sockets, a real server with a one-second request timeout and no idle timeout to
 * speak of, over {@link ScriptedRoutes}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RequestCycleOverSocketTest
{
    private static final long REQUEST_SECONDS = 1;

    @TempDir
    Path tempDir;

    private final ScriptedRoutes routes = new ScriptedRoutes();

    @Test
    void shouldCloseAConnectionThatSendsItsRequestAByteAtATime() throws Exception
    {
        final String request = RawHttpConnection.get("/_ping");
        try (ScriptedServer server = serve(16); RawHttpConnection slow = server.connect())
        {
            final long started = System.nanoTime();
            long closedAfter = -1;
            for (int i = 0; i < request.length() && closedAfter < 0; i++)
            {
                try
                {
                    slow.send(request.substring(i, i + 1));
                }
                catch (final IOException hungUp)
                {
                    closedAfter = System.nanoTime() - started;
                }
                Thread.sleep(200);
            }
            assertTrue(closedAfter > 0 || slow.closedByServer(), "the server hung up before the request was whole");
            final long elapsed = closedAfter > 0 ? closedAfter : System.nanoTime() - started;
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(900), "not before the request timeout: " + elapsed);
            assertTrue(elapsed < TimeUnit.SECONDS.toNanos(request.length() / 5), "long before the last byte: " + elapsed);
        }
        assertTrue(routes.begun().isEmpty(), "nothing was answered");
    }

    @Test
    void shouldAnswerARequestThatArrivesInManyPiecesWithinTheRequestTimeout() throws Exception
    {
        final String body = "x".repeat(200_000);
        final String request = "POST /size HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nX-Filler: " + "y".repeat(6000) +
            "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        try (ScriptedServer server = serve(16); RawHttpConnection client = server.connect())
        {
            for (int i = 0; i < request.length(); i += 1000)
            {
                client.send(request.substring(i, Math.min(request.length(), i + 1000)));
            }
            client.send(RawHttpConnection.get("/after"));

            assertEquals("{\"bytes\":200000}", client.read().body());
            assertEquals("{\"path\":\"/after\"}", client.read().body(), "and the next request on the connection");
        }
    }

    @Test
    void shouldAnswerARequestThatTakesLongerThanTheRequestTimeout() throws Exception
    {
        try (ScriptedServer server = serve(16); RawHttpConnection client = server.connect())
        {
            client.send(RawHttpConnection.get("/sleep/2000"));

            assertEquals(200, client.read().status());
        }
    }

    @Test
    void shouldKeepAStreamOpenPastTheRequestTimeout() throws Exception
    {
        try (ScriptedServer server = serve(16); StreamingReader stream = new StreamingReader(server.socket(), "/stream/2500"))
        {
            assertEquals(ScriptedRoutes.TICK, stream.next(10, TimeUnit.SECONDS), "the stream, quiet for 2.5 s, still delivers");
        }
    }

    @Test
    void shouldKeepAQuietConnectionBetweenRequestsPastTheRequestTimeout() throws Exception
    {
        try (ScriptedServer server = serve(16); RawHttpConnection client = server.connect())
        {
            client.send(RawHttpConnection.get("/first"));
            assertEquals(200, client.read().status());
            Thread.sleep(2500);

            client.send(RawHttpConnection.get("/second"));
            assertEquals(200, client.read().status(), "the idle timeout, not the request timeout, governs a quiet connection");
        }
    }

    @Test
    void shouldAnswerPipelinedRequestsOneAtATimeInOrder() throws Exception
    {
        try (ScriptedServer server = serve(16); RawHttpConnection client = server.connect())
        {
            client.send(RawHttpConnection.get("/sleep/300") + RawHttpConnection.get("/sleep/10") + RawHttpConnection.get("/sleep/100"));

            assertEquals("{\"path\":\"/sleep/300\"}", client.read().body());
            assertEquals("{\"path\":\"/sleep/10\"}", client.read().body());
            assertEquals("{\"path\":\"/sleep/100\"}", client.read().body());
        }
        assertEquals(List.of("/sleep/300", "/sleep/10", "/sleep/100"), routes.begun());
        assertEquals(1, routes.mostAtOnce(), "one request of the connection at a time");
    }

    @Test
    void shouldNotTakeAPipeliningConnectionForIdleWhileItHasARequestLeft() throws Exception
    {
        try (ScriptedServer server = serve(1); RawHttpConnection pipelining = server.connect())
        {
            pipelining.send(RawHttpConnection.get("/sleep/100") + RawHttpConnection.get("/sleep/1500"));
            assertTrue(Polling.eventually(() -> routes.begun().contains("/sleep/1500")), "the second request is being answered");

            try (RawHttpConnection late = server.connect())
            {
                assertTrue(late.closedByServer(), "at the cap, with the only connection busy, a new one is refused");
            }
            assertEquals(200, pipelining.read().status());
            assertEquals(200, pipelining.read().status(), "the busy connection was not closed to make room");
        }
    }

    private ScriptedServer serve(final int cap) throws IOException
    {
        return new ScriptedServer(tempDir, routes, new ConnectionLimits(cap, 600, REQUEST_SECONDS));
    }
}
