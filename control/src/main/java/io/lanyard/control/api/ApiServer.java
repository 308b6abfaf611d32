package io.lanyard.control.api;

import io.lanyard.client.Json;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.flow.FlowControlHandler;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 on a Unix socket (mode 0660), served by Netty. The event loop only parses and writes;
 * each request is answered on a worker thread because control operations run commands and
 * wait for the dataplane. Everything a client can make the server hold is bounded: a request's
 * body ({@value #MAX_REQUEST_BYTES} bytes, else 413), the requests waiting for a worker
 * ({@link RequestWorkers}, else 503), a connection's requests (one at a time, sent whole within
 * a deadline: {@link RequestCycle}) and the connections ({@link ConnectionLimits}: an idle one is
 * closed, and there is a cap). Every refusal carries the protocol's error body. A
 * {@link StreamingBody} is answered with chunked encoding and stays open, without a worker, until
 * it ends; closing the server ends every stream still open.
 */
public final class ApiServer implements AutoCloseable
{
    public static final int MAX_REQUEST_BYTES = 1 << 20;
    private static final long WRITE_TIMEOUT_SECONDS = 10;

    private final Path socket;
    private final MultiThreadIoEventLoopGroup group;
    private final RequestWorkers workers;
    private final Channel channel;
    private final ConnectionLimits limits;
    private final Set<ChunkedStream> streams = ConcurrentHashMap.newKeySet();

    private ApiServer(final Path socket, final RequestHandler routes, final String jsonType, final ConnectionLimits limits,
        final RequestWorkers workers)
    {
        this.socket = socket;
        this.limits = limits;
        this.workers = workers;
        this.group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.channel = new ServerBootstrap()
            .group(group)
            .channel(EpollServerDomainSocketChannel.class)
            .childHandler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel child)
                {
                    if (limits.admit(child))
                    {
                        child.pipeline().addLast(new HttpServerCodec(), new BoundedAggregator(routes, jsonType),
                            new FlowControlHandler(), new Handler(routes, workers, jsonType, streams));
                    }
                }
            })
            .bind(new DomainSocketAddress(socket.toFile()))
            .syncUninterruptibly()
            .channel();
    }

    /** Binds the socket for Lanyard's API; call {@link #ensureFree} first. */
    public static ApiServer start(final Path socket, final RequestHandler routes) throws IOException
    {
        return start(socket, routes, "application/json");
    }

    /** Binds the socket for a protocol whose JSON bodies have a media type of their own (Docker's plugins). */
    public static ApiServer start(final Path socket, final RequestHandler routes, final String jsonType) throws IOException
    {
        return start(socket, routes, jsonType, ConnectionLimits.defaults(),
            new RequestWorkers(RequestWorkers.DEFAULT_THREADS, RequestWorkers.DEFAULT_QUEUE));
    }

    /** With limits of the caller's own (tests: a small cap, short timeouts, one worker). */
    static ApiServer start(final Path socket, final RequestHandler routes, final String jsonType, final ConnectionLimits limits,
        final RequestWorkers workers) throws IOException
    {
        final ApiServer server = new ApiServer(socket, routes, jsonType, limits, workers);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        return server;
    }

    /**
     * Makes sure no daemon answers on {@code socket}: a live one is an error; a stale file left by
     * a daemon that died is removed.
     *
     * @throws IllegalStateException when another daemon is listening.
     */
    public static void ensureFree(final Path socket) throws IOException
    {
        Files.createDirectories(socket.toAbsolutePath().getParent());
        if (!Files.exists(socket))
        {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            probe.connect(UnixDomainSocketAddress.of(socket));
            throw new IllegalStateException("another lanyardd is already listening on " + socket);
        }
        catch (final IOException notListening)
        {
            Files.deleteIfExists(socket);
        }
    }

    /** Connections open now (for tests). */
    int openConnections()
    {
        return limits.openConnections();
    }

    /** Stops accepting, lets requests in progress finish and be answered, ends open streams, then stops the event loop. */
    @Override
    public void close()
    {
        channel.close().syncUninterruptibly();
        workers.close();
        streams.forEach(ChunkedStream::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try
        {
            Files.deleteIfExists(socket);
        }
        catch (final IOException ignored)
        {
            // a stale socket file is detected and removed at the next start
        }
    }

    /** Refuses a body over {@link #MAX_REQUEST_BYTES} with the protocol's error shape rather than Netty's empty 413. */
    private static final class BoundedAggregator extends HttpObjectAggregator
    {
        private final RequestHandler routes;
        private final String jsonType;

        BoundedAggregator(final RequestHandler routes, final String jsonType)
        {
            super(MAX_REQUEST_BYTES);
            this.routes = routes;
            this.jsonType = jsonType;
        }

        /**
         * A client that waits for {@code 100 Continue} (curl does, past 1 KB) before sending a body
         * too large would get Netty's empty 413 here; it gets none, and the refusal below instead.
         */
        @Override
        protected Object newContinueResponse(final HttpMessage start, final int maxContentLength, final ChannelPipeline pipeline)
        {
            if (HttpUtil.is100ContinueExpected(start) && HttpUtil.getContentLength(start, -1L) > maxContentLength)
            {
                return null;
            }
            return super.newContinueResponse(start, maxContentLength, pipeline);
        }

        @Override
        protected void handleOversizedMessage(final ChannelHandlerContext ctx, final HttpMessage oversized)
        {
            Handler.write(ctx, routes.error(413, "request body larger than " + MAX_REQUEST_BYTES + " bytes"), false, jsonType);
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        private final RequestHandler routes;
        private final RequestWorkers workers;
        private final String jsonType;
        private final Set<ChunkedStream> streams;

        Handler(final RequestHandler routes, final RequestWorkers workers, final String jsonType, final Set<ChunkedStream> streams)
        {
            this.routes = routes;
            this.workers = workers;
            this.jsonType = jsonType;
            this.streams = streams;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            final String method = request.method().name();
            final String uri = request.uri();
            final byte[] body = ByteBufUtil.getBytes(request.content());
            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!request.decoderResult().isSuccess())
            {
                final Throwable cause = request.decoderResult().cause();
                write(ctx, routes.error(400, "malformed HTTP request" + (cause == null || cause.getMessage() == null ? "" :
                    ": " + cause.getMessage())), false, jsonType);
                return;
            }
            final RequestCycle cycle = RequestCycle.of(ctx.channel());
            cycle.answering();
            if (!workers.offer(() -> respond(ctx, cycle, answer(routes, method, uri, body), keepAlive)))
            {
                write(ctx, routes.error(503, workers.refusal()), false, jsonType);
            }
        }

        /**
         * The handler's answer; what escapes it (a checked exception some library rethrows
         * undeclared, as Netty's {@code sync}, or an error such as a stack overflow) is still
         * answered, so no client waits for a reply that never comes and no connection stays busy.
         */
        private static ApiResponse answer(final RequestHandler routes, final String method, final String uri, final byte[] body)
        {
            try
            {
                return routes.handle(method, uri, body);
            }
            catch (final Exception | Error ex)
            {
                return routes.error(500, ex.getMessage() == null ? ex.toString() : ex.getMessage());
            }
        }

        private void respond(final ChannelHandlerContext ctx, final RequestCycle cycle, final ApiResponse response,
            final boolean keepAlive)
        {
            if (response.body() instanceof StreamingBody body)
            {
                stream(ctx, cycle, response.status(), body, keepAlive);
                return;
            }
            try
            {
                write(ctx, response, keepAlive, jsonType);
            }
            finally
            {
                cycle.answered();
            }
        }

        /** Writes the head, then lets the body write its chunks for as long as it lasts; its end frees the connection. */
        private void stream(final ChannelHandlerContext ctx, final RequestCycle cycle, final int status, final StreamingBody body,
            final boolean keepAlive)
        {
            final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, jsonType);
            HttpUtil.setTransferEncodingChunked(head, true);
            addCommonHeaders(head, keepAlive);
            ctx.writeAndFlush(head);
            final ChunkedStream stream = new ChunkedStream(ctx.channel(), keepAlive);
            streams.add(stream);
            stream.onEnd(() ->
            {
                streams.remove(stream);
                cycle.answered();
            });
            body.start(stream);
        }

        private static void addCommonHeaders(final HttpResponse http, final boolean keepAlive)
        {
            http.headers().set("Api-Version", ApiRoutes.API_VERSION);
            http.headers().set(HttpHeaderNames.SERVER, "Lanyard/" + ApiRoutes.VERSION);
            http.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }

        private static void write(final ChannelHandlerContext ctx, final ApiResponse response, final boolean keepAlive,
            final String jsonType)
        {
            final byte[] bytes;
            final String type;
            if (response.body() == null)
            {
                bytes = new byte[0];
                type = null;
            }
            else if (response.body() instanceof String text)
            {
                bytes = text.getBytes(StandardCharsets.UTF_8);
                type = "text/plain; charset=utf-8";
            }
            else
            {
                try
                {
                    bytes = Json.MAPPER.writeValueAsBytes(response.body());
                }
                catch (final IOException ex)
                {
                    write(ctx, ApiResponse.error(500, "cannot encode response: " + ex.getMessage()), false, jsonType);
                    return;
                }
                type = jsonType;
            }
            final FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(bytes));
            if (type != null)
            {
                http.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            }
            http.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            addCommonHeaders(http, keepAlive);
            final ChannelFuture written = ctx.writeAndFlush(http);
            if (!keepAlive)
            {
                written.addListener(ChannelFutureListener.CLOSE);
            }
            if (!ctx.executor().inEventLoop())
            {
                // a worker waits until its answer is out: close() waits for the workers, and the
                // event loop closes its channels before running tasks still queued when it stops
                written.awaitUninterruptibly(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }
}
