package io.lanyard.control.api;

import io.lanyard.control.RequestException;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /sandboxes/NAME/logs[?tail=N][&follow=1]}: what the sandbox's command wrote (its
 * output and errors, in one file), whole or its last N lines, then with {@code follow} what it
 * writes next, looked for every 200 ms until the client leaves. A file emptied by rotation is
 * read again from its start. The files are read on one thread of their own.
 */
final class LogStream implements StreamingBody
{
    private static final ScheduledExecutorService READER =
        Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("lanyard-logs", true));
    private static final int CHUNK = 64 * 1024;
    /** How far back from the end {@code tail} looks for its lines. */
    private static final int TAIL_WINDOW = 4 * 1024 * 1024;
    private static final long POLL_MILLIS = 200;

    private final Path file;
    private final int tail;
    private final boolean follow;
    private long position;

    private LogStream(final Path file, final int tail, final boolean follow)
    {
        this.file = file;
        this.tail = tail;
        this.follow = follow;
    }

    /** Checks the query before anything is sent, so a bad {@code tail} is an ordinary 400. */
    static LogStream of(final Path file, final Map<String, List<String>> parameters)
    {
        int tail = -1;
        final List<String> values = parameters.get("tail");
        if (values != null && !values.isEmpty() && !"all".equals(values.get(0)))
        {
            try
            {
                tail = Integer.parseInt(values.get(0));
            }
            catch (final NumberFormatException ex)
            {
                tail = -2;
            }
            if (tail < 0)
            {
                throw RequestException.badRequest("tail: a number of lines or all, not " + values.get(0));
            }
        }
        final List<String> followValues = parameters.get("follow");
        final boolean follow = followValues != null && !followValues.isEmpty() &&
            ("1".equals(followValues.get(0)) || "true".equalsIgnoreCase(followValues.get(0)));
        return new LogStream(file, tail, follow);
    }

    @Override
    public void start(final StreamSink sink)
    {
        READER.execute(() ->
        {
            try
            {
                sendFromStart(sink);
            }
            catch (final IOException ex)
            {
                sink.end();
                return;
            }
            if (!follow)
            {
                sink.end();
                return;
            }
            final ScheduledFuture<?> polls = READER.scheduleWithFixedDelay(() ->
            {
                try
                {
                    sendNew(sink);
                }
                catch (final IOException ex)
                {
                    sink.end();
                }
            }, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
            sink.onEnd(() -> polls.cancel(false));
        });
    }

    private void sendFromStart(final StreamSink sink) throws IOException
    {
        final long size = size();
        if (tail >= 0)
        {
            final long from = Math.max(0, size - TAIL_WINDOW);
            final byte[] window = read(from, (int)(size - from));
            final int start = startOfLastLines(window, tail);
            if (start < window.length)
            {
                sink.send(Arrays.copyOfRange(window, start, window.length));
            }
            position = from + window.length;
            return;
        }
        position = 0;
        sendNew(sink);
    }

    private void sendNew(final StreamSink sink) throws IOException
    {
        final long size = size();
        if (size < position)
        {
            position = 0; // emptied by rotation: what is there now is new
        }
        while (position < size)
        {
            final byte[] piece = read(position, (int)Math.min(CHUNK, size - position));
            if (piece.length == 0)
            {
                return;
            }
            sink.send(piece);
            position += piece.length;
        }
    }

    /** Where the last {@code lines} lines begin (a last line without its newline counts). */
    static int startOfLastLines(final byte[] text, final int lines)
    {
        if (lines == 0)
        {
            return text.length;
        }
        int end = text.length;
        if (end > 0 && text[end - 1] == '\n')
        {
            end--;
        }
        int seen = 0;
        for (int i = end - 1; i >= 0; i--)
        {
            if (text[i] == '\n' && ++seen == lines)
            {
                return i + 1;
            }
        }
        return 0;
    }

    private long size() throws IOException
    {
        try
        {
            return Files.size(file);
        }
        catch (final NoSuchFileException none)
        {
            return 0; // a sandbox without a command has written nothing
        }
    }

    private byte[] read(final long from, final int length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining())
            {
                if (channel.read(buffer, from + buffer.position()) < 0)
                {
                    break;
                }
            }
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
        catch (final NoSuchFileException none)
        {
            return new byte[0];
        }
    }
}
