package io.lanyard.tap;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.agrona.BufferUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The epoll loop's busy polling, told by what its thread does: with it, the thread keeps running
 * (spends CPU) for the busy-poll time after a readable socket and then sleeps again; without it,
 * the thread sleeps at once. Readiness is a UDP socket on the loopback of a namespace of the
 * test's own, sent to by itself.
 */
class EpollIoLoopTest
{
    private static final int LOOPBACK = 0x7F00_0001;
    private static final int PORT = 4789;
    private static final long MILLIS = 1_000_000L;

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final ByteBuffer memory = BufferUtil.allocateDirectAligned(2048, 64);
    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private UdpSocket socket;

    @BeforeEach
    void setUp() throws Exception
    {
        Privileges.requireNetAdmin("ip");
        namespaces = new Namespaces("eio");
        namespaceThread = new NamespaceThread();
        final String netns = namespaces.add("a");
        socket = namespaceThread.call(IpRoute2.netnsPath(netns), () -> UdpSocket.bind(LOOPBACK, PORT));
    }

    @AfterEach
    void tearDown() throws Exception
    {
        if (socket != null)
        {
            socket.close();
        }
        if (namespaceThread != null)
        {
            namespaceThread.close();
        }
        if (namespaces != null)
        {
            namespaces.close();
        }
    }

    @Test
    void shouldKeepPollingForTheBusyPollTimeAfterAFrameAndThenSleep() throws Exception
    {
        try (EpollIoLoop loop = new EpollIoLoop("eio-busy", 400 * MILLIS))
        {
            final Watched watched = watch(loop);
            sendAndAwait(watched, 1);

            // it yields between looks, so on a loaded machine it gets only its share of a core (its CPU time says little);
            // but polling or waiting for a CPU to poll on, it is runnable, and asleep in epoll_wait it is not
            final double polling = runnableShare(watched.nativeThread.get(), 200);
            assertTrue(polling > 0.8, "within the busy-poll time the loop's thread stays runnable: " + polling + " of the samples");

            sendAndAwait(watched, 2);
            Thread.sleep(600);
            final double after = runnableShare(watched.nativeThread.get(), 200);
            assertTrue(after < 0.2, "once the busy-poll time is over it sleeps in epoll_wait: runnable in " + after + " of the samples");
        }
    }

    @Test
    void shouldSleepAtOnceWithoutBusyPolling() throws Exception
    {
        try (EpollIoLoop loop = new EpollIoLoop("eio-idle"))
        {
            final Watched watched = watch(loop);
            sendAndAwait(watched, 1);

            final long spent = cpuNanosOver(watched.thread.get(), 200);
            assertTrue(spent < 30 * MILLIS, "the loop's thread sleeps in epoll_wait: " + spent / MILLIS + " ms of CPU in 200 ms");
        }
    }

    @Test
    void shouldRefuseANegativeBusyPollTimeAndBusyPollingWithoutEpoll()
    {
        assertThrows(IllegalArgumentException.class, () -> new EpollIoLoop("eio-bad", -1));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> IoLoop.create(IoUringIoLoop.NAME, "eio-uring", MILLIS));
        assertEquals("busy polling needs the epoll I/O backend, not io_uring", ex.getMessage());
    }

    /** The socket watched: each readable turn drains it and counts the datagrams. */
    private Watched watch(final EpollIoLoop loop)
    {
        final Watched watched = new Watched();
        loop.watchReadable(socket.fd(), () ->
        {
            watched.thread.set(Thread.currentThread());
            watched.nativeThread.compareAndSet(null, nativeThread());
            while (socket.receive(BufferUtil.address(memory), memory.capacity()) > 0)
            {
                watched.received.incrementAndGet();
            }
        });
        return watched;
    }

    private void sendAndAwait(final Watched watched, final int count) throws InterruptedException
    {
        assertEquals(8, socket.send(BufferUtil.address(memory) + 1024, 8, LOOPBACK, PORT));
        final long deadline = System.nanoTime() + 5_000 * MILLIS;
        while (watched.received.get() < count)
        {
            assertTrue(System.nanoTime() < deadline, "datagram " + count + " was read");
            Thread.sleep(5);
        }
    }

    private long cpuNanosOver(final Thread thread, final long millis) throws InterruptedException
    {
        final long before = threads.getThreadCpuTime(thread.getId());
        Thread.sleep(millis);
        return threads.getThreadCpuTime(thread.getId()) - before;
    }

    /** The calling thread's /proc/self/task entry. */
    private static Path nativeThread()
    {
        try
        {
            return Path.of("/proc").resolve(Files.readSymbolicLink(Path.of("/proc/thread-self")));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The share of 100 samples over {@code millis} in which the thread's state was R (running or waiting to run). */
    private static double runnableShare(final Path task, final long millis) throws Exception
    {
        int runnable = 0;
        for (int i = 0; i < 100; i++)
        {
            final String stat = Files.readString(task.resolve("stat"));
            if (stat.charAt(stat.lastIndexOf(')') + 2) == 'R')
            {
                runnable++;
            }
            Thread.sleep(millis / 100);
        }
        return runnable / 100.0;
    }

    private static final class Watched
    {
        final AtomicReference<Path> nativeThread = new AtomicReference<>();
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final AtomicInteger received = new AtomicInteger();
    }
}
