package io.lanyard.control.api;

import io.lanyard.client.ApiClient;
import io.lanyard.control.ControlPlaneFixture;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The daemon's API as its clients meet it, without the daemon's process: a real
 * {@link ApiServer} on a Unix socket under a test's temporary directory, serving a
 * {@link ControlPlaneFixture}'s control plane, and an {@link ApiClient} of it. Nothing here
 * needs root. {@link #close()} stops the server and then the control plane.
 */
final class ApiServerFixture implements AutoCloseable
{
    private final ControlPlaneFixture controlPlane;
    private final ApiServer server;
    private final ApiClient client;

    /** Serves {@code controlPlane}, which this fixture then owns, at {@link #socketIn(Path) socketIn(directory)}. */
    ApiServerFixture(final ControlPlaneFixture controlPlane, final Path directory) throws IOException
    {
        this.controlPlane = controlPlane;
        final Path socket = socketIn(directory);
        try
        {
            this.server = serve(controlPlane, socket);
        }
        catch (final IOException | RuntimeException ex)
        {
            controlPlane.close();
            throw ex;
        }
        this.client = new ApiClient(socket);
    }

    /** Serves a control plane restored from an empty state ({@link ControlPlaneFixture#fresh}) in {@code directory}. */
    static ApiServerFixture fresh(final Path directory) throws IOException
    {
        return new ApiServerFixture(ControlPlaneFixture.fresh(directory), directory);
    }

    /** Where a fixture in {@code directory} listens: {@code run/lanyard.sock}, in a directory the server has to make. */
    static Path socketIn(final Path directory)
    {
        return directory.resolve("run/lanyard.sock");
    }

    /** lanyardd's start-up order: make sure no daemon answers on the socket, then serve the control plane's routes on it. */
    static ApiServer serve(final ControlPlaneFixture controlPlane, final Path socket) throws IOException
    {
        ApiServer.ensureFree(socket);
        return ApiServer.start(socket, new ApiRoutes(controlPlane.control()));
    }

    ControlPlaneFixture controlPlane()
    {
        return controlPlane;
    }

    ApiClient client()
    {
        return client;
    }

    @Override
    public void close()
    {
        try
        {
            server.close();
        }
        finally
        {
            controlPlane.close();
        }
    }
}
