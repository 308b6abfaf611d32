package io.lanyard.control.api;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A real {@link ApiServer} over {@link ScriptedRoutes}, on a socket in a test's directory, with
 * limits of the test's own: for tests of the server rather than of the routes. {@link #close()}
 * lets any blocked request answer, then stops the server.
 */
final class ScriptedServer implements AutoCloseable
{
    private final ScriptedRoutes routes;
    private final RequestWorkers workers;
    private final Path socket;
    private final ApiServer server;

    /** Serves {@code handler}: {@code routes} itself, or {@code routes} behind another protocol's error shape. */
    ScriptedServer(final Path directory, final ScriptedRoutes routes, final RequestHandler handler, final ConnectionLimits limits,
        final RequestWorkers workers) throws IOException
    {
        this.routes = routes;
        this.workers = workers;
        this.socket = ApiServerFixture.socketIn(directory);
        ApiServer.ensureFree(socket);
        this.server = ApiServer.start(socket, handler, "application/json", limits, workers);
    }

    /** Serves {@code routes} with the default number of workers. */
    ScriptedServer(final Path directory, final ScriptedRoutes routes, final ConnectionLimits limits) throws IOException
    {
        this(directory, routes, routes, limits, new RequestWorkers(RequestWorkers.DEFAULT_THREADS, RequestWorkers.DEFAULT_QUEUE));
    }

    RawHttpConnection connect() throws IOException
    {
        return RawHttpConnection.open(socket);
    }

    Path socket()
    {
        return socket;
    }

    RequestWorkers workers()
    {
        return workers;
    }

    @Override
    public void close()
    {
        routes.release();
        server.close();
    }
}
