package io.lanyard.control.api;

import io.lanyard.client.ApiClient;
import io.lanyard.control.ControlPlaneFixture;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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

    /** Serves a control plane restored from a stored state of these networks and sandboxes (see {@link StoredModels}). */
    static ApiServerFixture restored(final Path directory, final List<Network> networks, final List<Sandbox> sandboxes) throws IOException
    {
        final ControlPlaneFixture fixture = new ControlPlaneFixture(directory.resolve("work"), directory.resolve("state"), true);
        try
        {
            fixture.control().restore(new State(State.CURRENT_VERSION, networks, sandboxes));
        }
        catch (final RuntimeException ex)
        {
            fixture.close();
            throw ex;
        }
        return new ApiServerFixture(fixture, directory);
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
