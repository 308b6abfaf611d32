package io.lanyard.control.api;

import java.time.Duration;

/** Where a {@link StreamingBody} writes: one open HTTP response, chunk by chunk. */
public interface StreamSink
{
    /**
     * Queues one piece and returns without waiting. A client that does not read (the
     * connection's outbound buffer is over its high-water mark) is dropped: its stream ends.
     */
    void send(byte[] piece);

    /** Sends the last chunk (idempotent). */
    void end();

    /** Ends the stream after {@code delay}, unless it ended before. */
    void endAfter(Duration delay);

    /** Runs {@code action} once when the stream ends for any reason; at once if it already has. */
    void onEnd(Runnable action);
}
