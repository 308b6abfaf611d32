package io.lanyard.control.api;

import io.lanyard.control.RequestException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogStreamTest
{
    @Test
    void shouldFindWhereTheLastLinesBegin()
    {
        final byte[] text = "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(8, LogStream.startOfLastLines(text, 1));
        assertEquals(4, LogStream.startOfLastLines(text, 2));
        assertEquals(0, LogStream.startOfLastLines(text, 3));
        assertEquals(0, LogStream.startOfLastLines(text, 10));
        assertEquals(text.length, LogStream.startOfLastLines(text, 0));
        assertEquals(4, LogStream.startOfLastLines("one\ntwo\nthr".getBytes(StandardCharsets.UTF_8), 2), "an unfinished last line counts");
    }

    @Test
    void shouldSendTheTailThenWhatIsWrittenAfterAndStartOverAfterRotation() throws Exception
    {
        final Path file = Files.createTempFile("logs", ".log");
        Files.writeString(file, "a\nb\nc\n");
        final RecordingSink sink = new RecordingSink();
        LogStream.of(file, Map.of("tail", List.of("2"), "follow", List.of("1"))).start(sink);
        sink.await("b\nc\n");
        Files.writeString(file, "d\n", java.nio.file.StandardOpenOption.APPEND);
        sink.await("b\nc\nd\n");
        Files.writeString(file, "e\n"); // emptied and written again, as rotation leaves it
        sink.await("b\nc\nd\ne\n");
        sink.end();
        Files.delete(file);
    }

    @Test
    void shouldEndAfterTheWholeFileWithoutFollowAndRefuseABadTail() throws Exception
    {
        final Path file = Files.createTempFile("logs", ".log");
        Files.writeString(file, "x".repeat(200_000));
        final RecordingSink sink = new RecordingSink();
        LogStream.of(file, Map.of()).start(sink);
        assertTrue(sink.ended.await(5, TimeUnit.SECONDS));
        assertEquals(200_000, sink.text().length());
        assertThrows(RequestException.class, () -> LogStream.of(file, Map.of("tail", List.of("-3"))));
        final RecordingSink none = new RecordingSink();
        LogStream.of(file.resolveSibling("no-such.log"), Map.of()).start(none);
        assertTrue(none.ended.await(5, TimeUnit.SECONDS), "a command that wrote nothing: an empty answer");
        assertEquals("", none.text());
        Files.delete(file);
    }

    private static final class RecordingSink implements StreamSink
    {
        private final StringBuffer received = new StringBuffer();
        private final CountDownLatch ended = new CountDownLatch(1);
        private final List<Runnable> onEnd = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void send(final byte[] piece)
        {
            received.append(new String(piece, StandardCharsets.UTF_8));
        }

        @Override
        public void end()
        {
            ended.countDown();
            onEnd.forEach(Runnable::run);
        }

        @Override
        public void endAfter(final Duration delay)
        {
            end();
        }

        @Override
        public void onEnd(final Runnable action)
        {
            if (ended.getCount() == 0)
            {
                action.run();
                return;
            }
            onEnd.add(action);
        }

        String text()
        {
            return received.toString();
        }

        void await(final String text) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline && !text.equals(text()))
            {
                Thread.sleep(20);
            }
            assertEquals(text, text());
        }
    }
}
