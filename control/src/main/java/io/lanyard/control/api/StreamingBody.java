package io.lanyard.control.api;

/**
 * A response body written after the head, piece by piece, for as long as the stream lasts
 * ({@code GET /events}). The server sends the head with chunked transfer encoding, then calls
 * {@link #start} on a worker; the body queues pieces on the sink and returns at once (it must not
 * hold the worker), and ends the stream itself or is ended by the client leaving or the server
 * closing.
 */
@FunctionalInterface
public interface StreamingBody
{
    void start(StreamSink sink);
}
