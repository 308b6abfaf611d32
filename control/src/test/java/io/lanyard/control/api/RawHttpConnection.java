package io.lanyard.control.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One connection to the API's socket that writes whatever bytes a test gives it (a request a
 * byte at a time, several requests at once, a malformed head) and reads answers with a
 * {@code Content-Length} one after another. Reads block; the test's timeout bounds them.
 */
final class RawHttpConnection implements AutoCloseable
{
    private final SocketChannel channel;
    private final InputStream in;

    /** One answer: its status, its {@code Connection} header (lower case, "" when absent) and its body. */
    record Answer(int status, String connection, String body)
    {
    }

    private RawHttpConnection(final SocketChannel channel)
    {
        this.channel = channel;
        this.in = Channels.newInputStream(channel);
    }

    static RawHttpConnection open(final Path socket) throws IOException
    {
        final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return new RawHttpConnection(channel);
    }

    /** {@code GET path} with keep-alive, as a request line and headers. */
    static String get(final String path)
    {
        return "GET " + path + " HTTP/1.1\r\nHost: docker\r\n\r\n";
    }

    void send(final String text) throws IOException
    {
        final ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
        while (bytes.hasRemaining())
        {
            channel.write(bytes);
        }
    }

    /** Reads the next answer whole; fails if the server hangs up first. */
    Answer read() throws IOException
    {
        final String statusLine = line();
        if (statusLine == null)
        {
            throw new IOException("the server closed the connection before answering");
        }
        final int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = 0;
        String connection = "";
        for (String header = line(); header != null && !header.isEmpty(); header = line())
        {
            final String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:"))
            {
                length = Integer.parseInt(lower.substring("content-length:".length()).trim());
            }
            else if (lower.startsWith("connection:"))
            {
                connection = lower.substring("connection:".length()).trim();
            }
        }
        return new Answer(status, connection, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    /** Reads until the server hangs up: true when it did, having sent nothing more. */
    boolean closedByServer() throws IOException
    {
        return in.read() == -1;
    }

    private String line() throws IOException
    {
        return HttpLines.read(in);
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }
}
