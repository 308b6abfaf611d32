package io.lanyard.control.api;

/**
 * What an {@link ApiServer} asks for each request: Lanyard's own API ({@link ApiRoutes}) or
 * Docker's plugin protocol ({@code control.docker.DockerPluginRoutes}).
 */
@FunctionalInterface
public interface RequestHandler
{
    /** Answers one request; never throws. */
    ApiResponse handle(String method, String uri, byte[] body);

    /** The protocol's error shape, for refusals the server makes itself (malformed HTTP, an oversized body). */
    default ApiResponse error(final int status, final String message)
    {
        return ApiResponse.error(status, message);
    }
}
