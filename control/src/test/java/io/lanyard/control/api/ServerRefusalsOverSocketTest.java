package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The answers the server gives itself, not its routes: a malformed request (400), a handler
 * that fails past its own catch (500), a full worker queue (503). Each carries the protocol's
 * error body, Docker's {@code {"message": "..."}} or, for the plugin protocol, its own shape.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerRefusalsOverSocketTest
{
    @TempDir
    Path tempDir;

    private final ScriptedRoutes routes = new ScriptedRoutes();

    @Test
    void shouldAnswer400WithAMessageForARequestThatIsNotHttp() throws Exception
    {
        try (ScriptedServer server = serve(routes, RequestWorkers.DEFAULT_QUEUE); RawHttpConnection client = server.connect())
        {
            client.send("GARBAGE\r\n\r\n");

            final RawHttpConnection.Answer answer = client.read();
            assertEquals(400, answer.status(), answer.body());
            assertTrue(message(answer).startsWith("malformed HTTP request"), answer.body());
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void shouldAnswer400WithAMessageNamingTheLimitForAHeadTooLarge() throws Exception
    {
        try (ScriptedServer server = serve(routes, RequestWorkers.DEFAULT_QUEUE); RawHttpConnection client = server.connect())
        {
            client.send("GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Filler: " + "x".repeat(10_000) + "\r\n\r\n");

            final RawHttpConnection.Answer answer = client.read();
            assertEquals(400, answer.status(), answer.body());
            assertTrue(message(answer).matches("malformed HTTP request: .*8192 bytes.*"), answer.body());
        }
        assertTrue(routes.begun().isEmpty());
    }

    @Test
    void shouldAnswer413WithAMessageToAClientWaitingFor100ContinueWithABodyTooLarge() throws Exception
    {
        try (ScriptedServer server = serve(routes, RequestWorkers.DEFAULT_QUEUE); RawHttpConnection client = server.connect())
        {
            client.send(headWaitingForContinue(ApiServer.MAX_REQUEST_BYTES + 1));

            final RawHttpConnection.Answer answer = client.read();
            assertEquals(413, answer.status(), answer.body());
            assertEquals("request body larger than " + ApiServer.MAX_REQUEST_BYTES + " bytes", message(answer));
        }
        assertTrue(routes.begun().isEmpty());
    }

    @Test
    void shouldLetAClientWaitingFor100ContinueSendABodyWithinTheLimit() throws Exception
    {
        try (ScriptedServer server = serve(routes, RequestWorkers.DEFAULT_QUEUE); RawHttpConnection client = server.connect())
        {
            client.send(headWaitingForContinue(5000));
            assertEquals(100, client.read().status());

            client.send("x".repeat(5000));
            assertEquals("{\"bytes\":5000}", client.read().body());
        }
    }

    @Test
    void shouldAnswer500WithAMessageWhenTheHandlerFailsWithAnError() throws Exception
    {
        try (ScriptedServer server = serve(routes, RequestWorkers.DEFAULT_QUEUE); RawHttpConnection client = server.connect())
        {
            client.send(RawHttpConnection.get("/overflow"));

            final RawHttpConnection.Answer answer = client.read();
            assertEquals(500, answer.status(), answer.body());
            assertEquals("java.lang.StackOverflowError", message(answer));
            client.send(RawHttpConnection.get("/after"));
            assertEquals(200, client.read().status(), "the connection is free for the next request");
        }
    }

    @Test
    void shouldAnswer503WithAMessageWhenTheWorkerQueueIsFullAndAnswerTheQueuedOnes() throws Exception
    {
        try (ScriptedServer server = serve(routes, 1); RawHttpConnection running = server.connect();
            RawHttpConnection queued = server.connect();
            RawHttpConnection refused = server.connect())
        {
            final RawHttpConnection.Answer answer = askWithTheQueueFull(server, running, queued, refused);

            assertEquals(503, answer.status(), answer.body());
            assertEquals("too many API requests waiting for an answer (at most 1): try again later", message(answer));
            assertEquals("close", answer.connection());
            assertTrue(refused.closedByServer());
            routes.release();
            assertEquals(200, running.read().status());
            assertEquals(200, queued.read().status());
        }
        assertEquals(List.of("/block", "/block"), routes.begun(), "the refused request was never begun");
    }

    @Test
    void shouldAnswer503InThePluginProtocolsShapeForItsServer() throws Exception
    {
        final RequestHandler plugin = new RequestHandler()
        {
            @Override
            public ApiResponse handle(final String method, final String uri, final byte[] body)
            {
                return routes.handle(method, uri, body);
            }

            @Override
            public ApiResponse error(final int status, final String message)
            {
                return new ApiResponse(status, Map.of("Err", message));
            }
        };
        try (ScriptedServer server = serve(plugin, 1); RawHttpConnection running = server.connect();
            RawHttpConnection queued = server.connect();
            RawHttpConnection refused = server.connect())
        {
            final RawHttpConnection.Answer answer = askWithTheQueueFull(server, running, queued, refused);

            assertEquals(503, answer.status());
            assertEquals(List.of("Err"), JsonAnswers.fieldNames(Json.MAPPER.readTree(answer.body())), answer.body());
        }
    }

    /** One worker, {@code queue} places for requests waiting for it. */
    private ScriptedServer serve(final RequestHandler handler, final int queue) throws IOException
    {
        return new ScriptedServer(tempDir, routes, handler, ConnectionLimits.defaults(), new RequestWorkers(1, queue));
    }

    /** A request that blocks takes the one worker, a second the queue's one place; the answer to a third. */
    private RawHttpConnection.Answer askWithTheQueueFull(final ScriptedServer server, final RawHttpConnection running,
        final RawHttpConnection queued, final RawHttpConnection refused) throws Exception
    {
        running.send(RawHttpConnection.get("/block"));
        assertTrue(Polling.eventually(() -> routes.begun().contains("/block")), "the only worker is taken");
        queued.send(RawHttpConnection.get("/block"));
        assertTrue(Polling.eventually(() -> server.workers().waiting() == 1), "the queue's one place is taken");
        refused.send(RawHttpConnection.get("/_ping"));
        return refused.read();
    }

    /** The head of a {@code POST /size} whose client waits for 100 Continue before sending its body. */
    private static String headWaitingForContinue(final int length)
    {
        return "POST /size HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
            length + "\r\n\r\n";
    }

    /** Docker's error shape: one object whose only field is its one-line message. */
    private static String message(final RawHttpConnection.Answer answer) throws IOException
    {
        final JsonNode body = Json.MAPPER.readTree(answer.body());
        assertEquals(List.of("message"), JsonAnswers.fieldNames(body), answer.body());
        return body.get("message").asText();
    }
}
