package io.lanyard.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Unix socket that answers the CLI's requests with canned JSON, for unit tests of what the CLI
 * prints and sends: {@link #answer} sets the body for {@code METHOD PATH} (the path with its
 * query), anything else is a 404 in the daemon's error shape. Every request line is recorded.
 * {@link #run} runs the CLI against it and captures its output.
 */
final class FakeDaemon implements AutoCloseable
{
    private final Path directory;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FakeDaemon() throws IOException
    {
        directory = Files.createTempDirectory("lanyard-cli-test");
        socket = directory.resolve("lanyard.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = new Thread(this::accept, "fake-daemon");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    Path socket()
    {
        return socket;
    }

    FakeDaemon answer(final String request, final String json)
    {
        answers.put(request, json);
        return this;
    }

    List<String> requests()
    {
        return requests;
    }

    /** Runs {@code lanyard --socket SOCKET ARGS...}: its exit status and what it printed. */
    Output run(final String... args)
    {
        final String[] all = new String[args.length + 2];
        all[0] = "--socket";
        all[1] = socket.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Output.of(all);
    }

    /** What one run of the CLI printed. */
    record Output(int status, String out, String err)
    {
        static synchronized Output of(final String... args)
        {
            final PrintStream oldOut = System.out;
            final PrintStream oldErr = System.err;
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            try
            {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                final int status = LanyardCli.execute(args);
                return new Output(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            }
            finally
            {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }
    }

    private void accept()
    {
        while (server.isOpen())
        {
            try
            {
                final SocketChannel connection = server.accept();
                final Thread reader = new Thread(() -> serve(connection), "fake-daemon-connection");
                reader.setDaemon(true);
                reader.start();
            }
            catch (final IOException closed)
            {
                return;
            }
        }
    }

    private void serve(final SocketChannel connection)
    {
        try (connection)
        {
            final ByteArrayOutputStream pending = new ByteArrayOutputStream();
            final ByteBuffer buffer = ByteBuffer.allocate(65_536);
            while (connection.read(buffer.clear()) > 0)
            {
                pending.write(buffer.array(), 0, buffer.position());
                String text = pending.toString(StandardCharsets.ISO_8859_1);
                int end;
                while ((end = text.indexOf("\r\n\r\n")) >= 0)
                {
                    final String head = text.substring(0, end);
                    final int bodyLength = contentLength(head);
                    if (text.length() < end + 4 + bodyLength)
                    {
                        break;
                    }
                    final String requestLine = head.lines().findFirst().orElse("");
                    final String[] parts = requestLine.split(" ");
                    final String request = parts[0] + " " + parts[1];
                    requests.add(request);
                    respond(connection, answers.get(request));
                    text = text.substring(end + 4 + bodyLength);
                    pending.reset();
                    pending.write(text.getBytes(StandardCharsets.ISO_8859_1));
                }
            }
        }
        catch (final IOException ignored)
        {
            // the CLI hung up
        }
    }

    private static int contentLength(final String head)
    {
        for (final String line : head.split("\r\n"))
        {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
            {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return 0;
    }

    private static void respond(final SocketChannel connection, final String json) throws IOException
    {
        final String status = json == null ? "404 Not Found" : "200 OK";
        final byte[] body = (json == null ? "{\"message\":\"page not found\"}" : json).getBytes(StandardCharsets.UTF_8);
        final String head = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
        final ByteBuffer out = ByteBuffer.allocate(head.length() + body.length);
        out.put(head.getBytes(StandardCharsets.ISO_8859_1)).put(body).flip();
        while (out.hasRemaining())
        {
            connection.write(out);
        }
    }

    @Override
    public void close() throws IOException
    {
        server.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(directory);
    }
}
