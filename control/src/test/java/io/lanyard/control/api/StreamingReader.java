package io.lanyard.control.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client of one streaming response, as Docker's CLI reads {@code GET /events}: it sends the
 * request on its own connection, reads the head, then a thread of its own decodes the chunks into
 * a queue, so a test can wait for the next one with a timeout. {@link #END} marks the last chunk,
 * {@link #EOF} the connection closing.
 */
final class StreamingReader implements AutoCloseable
{
    static final String END = "<last chunk>";
    static final String EOF = "<connection closed>";

    private final SocketChannel channel;
    private final InputStream in;
    private final BlockingQueue<String> chunks = new LinkedBlockingQueue<>();
    private final String head;

    StreamingReader(final Path socket, final String path) throws IOException
    {
        this(socket, path, true);
    }

    /** @param reading false for a client that reads the head and then nothing more. */
    StreamingReader(final Path socket, final String path, final boolean reading) throws IOException
    {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        channel.write(java.nio.ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        in = Channels.newInputStream(channel);
        final StringBuilder text = new StringBuilder();
        for (String line = readLine(); line != null && !line.isEmpty(); line = readLine())
        {
            text.append(line).append('\n');
        }
        head = text.toString();
        if (!reading)
        {
            return;
        }
        final Thread reader = new Thread(this::readChunks, "streaming-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** The status line and headers, as sent. */
    String head()
    {
        return head;
    }

    /** The next chunk's text, {@link #END}, {@link #EOF}, or null when nothing came within the timeout. */
    String next(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return chunks.poll(timeout, unit);
    }

    private void readChunks()
    {
        try
        {
            while (true)
            {
                final String size = readLine();
                if (size == null)
                {
                    break;
                }
                final int length = Integer.parseInt(size.trim(), 16);
                if (length == 0)
                {
                    readLine();
                    chunks.add(END);
                    continue;
                }
                final byte[] data = in.readNBytes(length);
                readLine();
                chunks.add(new String(data, StandardCharsets.UTF_8));
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // the connection went away: reported as EOF below
        }
        chunks.add(EOF);
    }

    private String readLine() throws IOException
    {
        return HttpLines.read(in);
    }

    /** Leaves, as a client that stops reading and hangs up. */
    @Override
    public void close() throws IOException
    {
        channel.close();
    }
}
