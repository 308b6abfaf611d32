package io.lanyard.control.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A remote driver plugin for tests: HTTP/1.1 on a Unix socket, one request per connection,
 * answering each method with what the test set ({@code {}} by default, and a network driver's
 * {@code Plugin.Activate}), and keeping every call it got.
 */
public final class PluginServer implements AutoCloseable
{
    /** A call the plugin got: the method (the path without its slash) and the JSON body. */
    public record Call(String method, JsonNode body)
    {
    }

    /** What the plugin answers: a status and a JSON body. */
    public record Answer(int status, String body)
    {
        public static Answer ok(final String body)
        {
            return new Answer(200, body);
        }

        /** A refusal as Docker's plugins send it. */
        public static Answer err(final String message)
        {
            return new Answer(500, Json.MAPPER.createObjectNode().put("Err", message).toString());
        }
    }

    private final ServerSocketChannel server;
    private final Path socket;
    private final Map<String, Function<JsonNode, Answer>> answers = new ConcurrentHashMap<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Thread thread;

    private PluginServer(final Path socket) throws IOException
    {
        this.socket = socket;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        answers.put("Plugin.Activate", body -> Answer.ok("{\"Implements\":[\"NetworkDriver\"]}"));
        answers.put("NetworkDriver.GetCapabilities", body -> Answer.ok("{\"Scope\":\"local\"}"));
        this.thread = new Thread(this::serve, "plugin-server");
        thread.setDaemon(true);
        thread.start();
    }

    public static PluginServer start(final Path socket)
    {
        try
        {
            return new PluginServer(socket);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public Path socket()
    {
        return socket;
    }

    /** Answers {@code method} with {@code answer} from now on. */
    public PluginServer answer(final String method, final Function<JsonNode, Answer> answer)
    {
        answers.put(method, answer);
        return this;
    }

    public List<Call> calls()
    {
        return List.copyOf(calls);
    }

    /** The methods called, in order, without the activation. */
    public List<String> methods()
    {
        return calls.stream().map(Call::method).filter(m -> !m.equals("Plugin.Activate") && !m.contains("GetCapabilities")).toList();
    }

    private void serve()
    {
        while (server.isOpen())
        {
            try (SocketChannel connection = server.accept())
            {
                handle(connection);
            }
            catch (final IOException ex)
            {
                return;
            }
        }
    }

    private void handle(final SocketChannel connection) throws IOException
    {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final ByteBuffer buffer = ByteBuffer.allocate(8192);
        int headerEnd = -1;
        int contentLength = 0;
        while (headerEnd < 0 || received.size() < headerEnd + contentLength)
        {
            buffer.clear();
            if (connection.read(buffer) < 0)
            {
                return;
            }
            received.write(buffer.array(), 0, buffer.position());
            final String text = received.toString(StandardCharsets.ISO_8859_1);
            if (headerEnd < 0 && text.contains("\r\n\r\n"))
            {
                headerEnd = text.indexOf("\r\n\r\n") + 4;
                for (final String line : text.substring(0, headerEnd).split("\r\n"))
                {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                    {
                        contentLength = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
                    }
                }
            }
        }
        final byte[] all = received.toByteArray();
        final String requestLine = new String(all, 0, received.toString(StandardCharsets.ISO_8859_1).indexOf("\r\n"),
            StandardCharsets.ISO_8859_1);
        final String method = requestLine.split(" ")[1].substring(1);
        final JsonNode body = contentLength == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(all, headerEnd, contentLength);
        calls.add(new Call(method, body));
        final Answer answer = answers.getOrDefault(method, b -> Answer.ok("{}")).apply(body);
        final byte[] content = answer.body().getBytes(StandardCharsets.UTF_8);
        final String head = "HTTP/1.1 " + answer.status() + " X\r\nContent-Type: application/vnd.docker.plugins.v1.2+json\r\n" +
            "Content-Length: " + content.length + "\r\nConnection: close\r\n\r\n";
        final ByteBuffer out = ByteBuffer.allocate(head.length() + content.length);
        out.put(head.getBytes(StandardCharsets.ISO_8859_1)).put(content).flip();
        while (out.hasRemaining())
        {
            connection.write(out);
        }
    }

    @Override
    public void close()
    {
        try
        {
            server.close();
            thread.join(5000);
            Files.deleteIfExists(socket);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
