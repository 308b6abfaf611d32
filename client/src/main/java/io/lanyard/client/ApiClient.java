package io.lanyard.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.api.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A blocking client of the daemon's API (or of another HTTP peer on a Unix socket, such as a
 * Docker plugin), one connection per call. Netty's HTTP codec runs in an
 * {@link EmbeddedChannel} over a plain Unix {@link SocketChannel}: no event loop to start,
 * which keeps a CLI invocation short. A body to send is anything the {@link Json#MAPPER} writes:
 * the request records of {@link io.lanyard.client.api}, or a tree. A client made with a timeout
 * gives up on a call that has not been answered in full within it (a peer that accepts and
 * never answers, or answers a byte at a time), so no caller waits on a stuck peer for ever.
 */
public final class ApiClient
{
    private static final int MAX_RESPONSE_BYTES = 64 << 20;

    private final Path socket;
    /** Who listens on the socket, as errors name it. */
    private final String peer;
    private final String contentType;
    /** How long a whole call may take; null for no limit. */
    private final Duration timeout;

    public ApiClient(final Path socket)
    {
        this(socket, "lanyardd", HttpHeaderValues.APPLICATION_JSON.toString(), null);
    }

    /** A client of another peer: {@code peer} names it in errors, {@code contentType} is the media type of the bodies sent. */
    public ApiClient(final Path socket, final String peer, final String contentType)
    {
        this(socket, peer, contentType, null);
    }

    /**
     * As {@link #ApiClient(Path, String, String)}, each call failing with a {@link DaemonUnreachableException}
     * caused by a {@link SocketTimeoutException} when it is not answered within {@code timeout} (null: no limit).
     */
    public ApiClient(final Path socket, final String peer, final String contentType, final Duration timeout)
    {
        this.socket = socket;
        this.peer = peer;
        this.contentType = contentType;
        this.timeout = timeout;
    }

    public Path socket()
    {
        return socket;
    }

    /** The daemon is not there (or not answering) at the socket. */
    public static final class DaemonUnreachableException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        DaemonUnreachableException(final String message, final IOException cause)
        {
            super(message, cause);
        }
    }

    public record Response(int status, byte[] body)
    {
        public boolean isSuccess()
        {
            return status >= 200 && status < 300;
        }

        public JsonNode json()
        {
            try
            {
                return Json.MAPPER.readTree(body);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("the daemon answered with invalid JSON: " + ex.getMessage());
            }
        }

        public String text()
        {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The {@code message} of an error body, or the status if there is none. */
        public String errorMessage()
        {
            try
            {
                final String message = ErrorResponse.fromJson(Json.MAPPER.readTree(body)).message();
                if (message != null)
                {
                    return message;
                }
            }
            catch (final IOException ignored)
            {
                // not JSON: fall through to the status line
            }
            return "HTTP " + status;
        }
    }

    public Response get(final String path)
    {
        return call("GET", path, null);
    }

    public Response delete(final String path)
    {
        return call("DELETE", path, null);
    }

    public Response post(final String path, final Object body)
    {
        return call("POST", path, body);
    }

    public Response call(final String method, final String path, final Object body)
    {
        final byte[] content;
        try
        {
            content = body == null ? new byte[0] : Json.MAPPER.writeValueAsBytes(body);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalArgumentException("cannot encode request: " + ex.getMessage());
        }
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), path,
            Unpooled.wrappedBuffer(content));
        request.headers().set(HttpHeaderNames.HOST, "lanyard");
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.length);
        if (body != null)
        {
            request.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }

        final long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        final EmbeddedChannel codec = new EmbeddedChannel(new HttpClientCodec(), new HttpObjectAggregator(MAX_RESPONSE_BYTES));
        try (SocketChannel channel = connect(); Selector selector = Selector.open())
        {
            channel.configureBlocking(false);
            final SelectionKey key = channel.register(selector, 0);
            codec.writeOutbound(request);
            try
            {
                for (ByteBuf out = codec.readOutbound(); out != null; out = codec.readOutbound())
                {
                    try
                    {
                        final ByteBuffer bytes = out.nioBuffer();
                        while (bytes.hasRemaining())
                        {
                            if (channel.write(bytes) == 0)
                            {
                                await(key, SelectionKey.OP_WRITE, deadline);
                            }
                        }
                    }
                    finally
                    {
                        out.release();
                    }
                }
            }
            catch (final SocketTimeoutException late)
            {
                throw late;
            }
            catch (final IOException refused)
            {
                // the daemon may answer (e.g. 413) and close before reading all of the request: read its answer
                for (ByteBuf out = codec.readOutbound(); out != null; out = codec.readOutbound())
                {
                    out.release();
                }
            }
            final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (true)
            {
                in.clear();
                final int n = channel.read(in);
                if (n == 0)
                {
                    await(key, SelectionKey.OP_READ, deadline);
                    continue;
                }
                if (n < 0)
                {
                    codec.finish();
                }
                else
                {
                    in.flip();
                    codec.writeInbound(Unpooled.copiedBuffer(in));
                }
                final Object message = codec.readInbound();
                if (message instanceof FullHttpResponse response)
                {
                    try
                    {
                        final byte[] bytes = new byte[response.content().readableBytes()];
                        response.content().readBytes(bytes);
                        return new Response(response.status().code(), bytes);
                    }
                    finally
                    {
                        response.release();
                    }
                }
                if (n < 0)
                {
                    throw new DaemonUnreachableException(peer + " at unix://" + socket + " closed the connection without answering", null);
                }
            }
        }
        catch (final SocketTimeoutException ex)
        {
            throw new DaemonUnreachableException(peer + " at unix://" + socket + " " + ex.getMessage(), ex);
        }
        catch (final IOException ex)
        {
            throw new DaemonUnreachableException("lost the connection to " + peer + " at unix://" + socket + ": " + ex.getMessage(), ex);
        }
        finally
        {
            codec.finishAndReleaseAll();
        }
    }

    /**
     * {@code GET path} of a streamed answer of lines (Docker's {@code /events},
     * {@code /stats?stream=1}): each line of the body is handed to {@code onLine} as it arrives,
     * until the daemon ends the stream or closes the connection; returns null then. An answer that
     * is not a success is read whole and returned instead, for the caller's error.
     */
    public Response stream(final String path, final Consumer<String> onLine)
    {
        final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        return streamBytes(path, bytes ->
        {
            pending.writeBytes(bytes);
            emitLines(pending, onLine);
        });
    }

    /**
     * {@code GET path} of a streamed answer of bytes ({@code /capture}'s pcapng): each piece of the
     * body is handed to {@code onBytes} as it arrives, until the stream ends (null) or fails as
     * {@link #stream} says.
     */
    public Response streamBytes(final String path, final Consumer<byte[]> onBytes)
    {
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, "lanyard");
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        final EmbeddedChannel codec = new EmbeddedChannel(new HttpClientCodec());
        try (SocketChannel channel = connect())
        {
            codec.writeOutbound(request);
            for (ByteBuf out = codec.readOutbound(); out != null; out = codec.readOutbound())
            {
                try
                {
                    final ByteBuffer bytes = out.nioBuffer();
                    while (bytes.hasRemaining())
                    {
                        channel.write(bytes);
                    }
                }
                finally
                {
                    out.release();
                }
            }
            final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            final ByteArrayOutputStream refusal = new ByteArrayOutputStream();
            int status = 0;
            while (true)
            {
                in.clear();
                final int n = channel.read(in);
                if (n < 0)
                {
                    codec.finish();
                }
                else
                {
                    in.flip();
                    codec.writeInbound(Unpooled.copiedBuffer(in));
                }
                for (Object message = codec.readInbound(); message != null; message = codec.readInbound())
                {
                    if (message instanceof HttpResponse head)
                    {
                        status = head.status().code();
                    }
                    if (message instanceof HttpContent piece)
                    {
                        final byte[] bytes = new byte[piece.content().readableBytes()];
                        piece.content().readBytes(bytes);
                        piece.release();
                        if (status >= 200 && status < 300)
                        {
                            if (bytes.length > 0)
                            {
                                onBytes.accept(bytes);
                            }
                        }
                        else
                        {
                            refusal.writeBytes(bytes);
                        }
                        if (piece instanceof LastHttpContent)
                        {
                            return status >= 200 && status < 300 ? null : new Response(status, refusal.toByteArray());
                        }
                    }
                }
                if (n < 0)
                {
                    return status >= 200 && status < 300 || status == 0 ? null : new Response(status, refusal.toByteArray());
                }
            }
        }
        catch (final IOException ex)
        {
            throw new DaemonUnreachableException("lost the connection to " + peer + " at unix://" + socket + ": " + ex.getMessage(), ex);
        }
        finally
        {
            codec.finishAndReleaseAll();
        }
    }

    /** Hands every whole line in {@code pending} to {@code onLine} and keeps the rest. */
    private static void emitLines(final ByteArrayOutputStream pending, final Consumer<String> onLine)
    {
        final byte[] bytes = pending.toByteArray();
        int start = 0;
        for (int i = 0; i < bytes.length; i++)
        {
            if (bytes[i] == '\n')
            {
                if (i > start)
                {
                    onLine.accept(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        pending.reset();
        pending.write(bytes, start, bytes.length - start);
    }

    /** Waits until the channel is ready for {@code op}; a {@link SocketTimeoutException} once {@code deadline} (nanoTime) passes. */
    private void await(final SelectionKey key, final int op, final long deadline) throws IOException
    {
        key.interestOps(op);
        key.selector().selectedKeys().clear();
        if (deadline == Long.MAX_VALUE)
        {
            key.selector().select();
            return;
        }
        final long remaining = deadline - System.nanoTime();
        if (remaining <= 0 || key.selector().select(Math.max(1, remaining / 1_000_000)) == 0 && System.nanoTime() >= deadline)
        {
            throw new SocketTimeoutException("did not answer within " + format(timeout));
        }
    }

    /** A timeout as users write it: {@code 30 s}, {@code 250 ms}. */
    static String format(final Duration duration)
    {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    private SocketChannel connect()
    {
        try
        {
            final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try
            {
                channel.connect(UnixDomainSocketAddress.of(socket));
                return channel;
            }
            catch (final IOException ex)
            {
                channel.close();
                throw ex;
            }
        }
        catch (final IOException ex)
        {
            throw new DaemonUnreachableException("Cannot connect to " + peer + " at unix://" + socket + ". Is " + peer + " running?", ex);
        }
    }
}
