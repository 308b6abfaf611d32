package io.lanyard.control.api;

import io.lanyard.client.ApiClient;
import io.lanyard.control.ControlPlane;
import io.lanyard.control.ControlPlaneFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon's socket file: one daemon per socket, stale files cleared, the file gone after close. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ApiServerSocketTest
{
    @TempDir
    Path tempDir;

    private ControlPlaneFixture fixture;
    private Path socket;

    @BeforeEach
    void startControlPlane()
    {
        fixture = ControlPlaneFixture.fresh(tempDir.resolve("daemon"));
        socket = ApiServerFixture.socketIn(tempDir);
    }

    @AfterEach
    void closeControlPlane()
    {
        fixture.close();
    }

    private ApiServer start() throws IOException
    {
        return ApiServerFixture.serve(fixture, socket);
    }

    /** Waits, without sleeping, for a condition on other threads; the class timeout bounds it. */
    private static void awaitCondition(final String what, final BooleanSupplier condition)
    {
        while (!condition.getAsBoolean())
        {
            if (Thread.currentThread().isInterrupted())
            {
                throw new AssertionError("gave up waiting for " + what);
            }
            Thread.yield();
        }
    }

    private static boolean anApiWorkerIsBlocked()
    {
        return Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("lanyard-api") && t.getState() == Thread.State.BLOCKED);
    }

    private static boolean isIn(final Thread thread, final String method)
    {
        return Arrays.stream(thread.getStackTrace()).anyMatch(frame -> frame.getMethodName().equals(method));
    }

    @Test
    void shouldRefuseASecondDaemonOnALiveSocketAndKeepTheFirstAnswering() throws IOException
    {
        try (ApiServer first = start())
        {
            final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> ApiServer.ensureFree(socket));

            assertTrue(ex.getMessage().contains("another lanyardd"), ex.getMessage());
            assertTrue(ex.getMessage().contains(socket.toString()), ex.getMessage());
            assertEquals("OK", new ApiClient(socket).get("/_ping").text());
        }
    }

    @Test
    void shouldRemoveAStaleRegularFileAtTheSocketPath() throws IOException
    {
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "left over");

        ApiServer.ensureFree(socket);

        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void shouldRemoveASocketThatNobodyListensOnAndThenServeOnIt() throws IOException
    {
        Files.createDirectories(socket.getParent());
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket), "closing a listener leaves its socket file, as a killed daemon does");

        ApiServer.ensureFree(socket);

        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        try (ApiServer server = start())
        {
            assertEquals("OK", new ApiClient(socket).get("/_ping").text());
        }
    }

    @Test
    void shouldCreateTheSocketsDirectory() throws IOException
    {
        socket = tempDir.resolve("a/b/c/lanyard.sock");

        ApiServer.ensureFree(socket);

        assertTrue(Files.isDirectory(socket.getParent()));
    }

    @Test
    void shouldCreateTheSocketWithMode0660() throws IOException
    {
        try (ApiServer server = start())
        {
            assertEquals(PosixFilePermissions.fromString("rw-rw----"), Files.getPosixFilePermissions(socket));
        }
    }

    @Test
    void shouldRemoveTheSocketFileOnCloseSoClientsSeeNoDaemon() throws IOException
    {
        start().close();

        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        final ApiClient.DaemonUnreachableException ex = assertThrows(ApiClient.DaemonUnreachableException.class,
            () -> new ApiClient(socket).get("/_ping"));
        assertTrue(ex.getMessage().contains("Is lanyardd running?"), ex.getMessage());
    }

    @Test
    void shouldAnswerARequestThatIsBeingHandledWhenTheServerCloses() throws Exception
    {
        final ApiServer server = start();
        final ControlPlane control = fixture.control();
        final CompletableFuture<ApiClient.Response> answer = new CompletableFuture<>();
        final Thread closer = new Thread(server::close, "closer");
        synchronized (control)
        {
            // the control plane's methods are synchronized: holding its monitor parks the request in its worker
            new Thread(() ->
            {
                try
                {
                    answer.complete(new ApiClient(socket).get("/networks"));
                }
                catch (final Throwable ex)
                {
                    answer.completeExceptionally(ex);
                }
            }, "caller").start();
            awaitCondition("the request to reach a worker", ApiServerSocketTest::anApiWorkerIsBlocked);
            closer.start();
            awaitCondition("close() to wait for the workers", () -> isIn(closer, "awaitTermination"));
        }
        closer.join();

        assertEquals(200, answer.get(10, TimeUnit.SECONDS).status());
    }

    @Test
    void shouldAnswer500WhenAHandlerThrowsACheckedExceptionItDidNotDeclare() throws IOException
    {
        final RequestHandler throwing = (method, uri, body) -> sneakyThrow(new IOException("bind(..) failed"));
        ApiServer.ensureFree(socket);
        try (ApiServer server = ApiServer.start(socket, throwing))
        {
            final ApiClient.Response response = new ApiClient(socket).get("/anything");

            assertEquals(500, response.status(), response.text());
            assertEquals("bind(..) failed", response.errorMessage());
        }
    }

    /** Throws a checked exception past the compiler, as native code reached through Netty does. */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> ApiResponse sneakyThrow(final Throwable ex) throws T
    {
        throw (T)ex;
    }
}
