package io.lanyard.perf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The echo server and the probe in this JVM, on loopback. */
class UdpEchoProbeTest
{
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception
    {
        for (final AutoCloseable closeable : closeAfter)
        {
            closeable.close();
        }
    }

    @Test
    void shouldRecordEveryReplyToTheMeasuredRequestsAndNoneToTheWarmUp()
    {
        final UdpEchoServer server = serve(0);

        final UdpEchoProbe.Outcome outcome = UdpEchoProbe.run(settings(server.localAddress(), 2000, 300, 100, Duration.ofSeconds(1)));

        assertEquals(300, outcome.sent());
        assertEquals(300, outcome.received());
        assertEquals(0, outcome.lost());
        assertEquals(300, outcome.rtts().getTotalCount());
        assertEquals(300, outcome.serviceRtts().getTotalCount());
        assertEquals(400, server.echoed());
        assertEquals(0, outcome.late() + outcome.duplicates() + outcome.foreign() + outcome.unreachable() + outcome.sendErrors());
        assertTrue(outcome.rtts().getMinValue() > 0, outcome.toString());
    }

    @Test
    void shouldCountEveryTenthMeasuredRequestLostWhenTheServerDropsEveryTenthDatagram()
    {
        final UdpEchoServer server = serve(10);

        final UdpEchoProbe.Outcome outcome = UdpEchoProbe.run(settings(server.localAddress(), 5000, 500, 100, Duration.ofMillis(200)));

        assertEquals(500, outcome.sent());
        assertEquals(50, outcome.lost());
        assertEquals(450, outcome.received());
        assertEquals(450, outcome.rtts().getTotalCount());
        assertEquals(0, outcome.late());
    }

    @Test
    void shouldCountEveryRequestLostSoonAfterTheLastWhenNobodyServesThePort() throws IOException
    {
        final InetSocketAddress nobody;
        try (DatagramChannel unbound = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0)))
        {
            nobody = (InetSocketAddress)unbound.getLocalAddress();
        }
        final long start = System.nanoTime();

        final UdpEchoProbe.Outcome outcome = UdpEchoProbe.run(settings(nobody, 1000, 100, 0, Duration.ofMillis(200)));

        final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(100, outcome.sent());
        assertEquals(100, outcome.lost());
        assertEquals(0, outcome.received());
        assertTrue(outcome.unreachable() > 0, "loopback reports ICMP port unreachable: " + outcome);
        assertTrue(elapsedMillis < 3000, elapsedMillis + " ms for 0.1 s of requests and a 0.2 s timeout");
    }

    @Test
    void shouldSendOnTheScheduleAsked()
    {
        final UdpEchoServer server = serve(0);
        final long start = System.nanoTime();

        final UdpEchoProbe.Outcome outcome = UdpEchoProbe.run(settings(server.localAddress(), 1000, 200, 0, Duration.ofSeconds(1)));

        // 200 requests 1 ms apart: 199 ms from the first to the last, never less; this is no timing benchmark, so only loosely more
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(199));
        assertTrue(outcome.sendNanos() >= TimeUnit.MILLISECONDS.toNanos(199), outcome.sendNanos() + " ns");
        assertTrue(outcome.sendNanos() < TimeUnit.MILLISECONDS.toNanos(2000), outcome.sendNanos() + " ns");
    }

    @Test
    void shouldKeepTheScheduleWhenRepliesAreSlowAndChargeTheWaitToTheRoundTrips() throws IOException
    {
        final InetSocketAddress slow = slowEcho(20);

        final UdpEchoProbe.Outcome outcome = UdpEchoProbe.run(settings(slow, 1000, 50, 0, Duration.ofSeconds(3)));

        // a sender waiting for each reply would need 50 x 20 ms; this one sends on time and the replies queue up
        assertEquals(50, outcome.received(), outcome.toString());
        assertTrue(outcome.sendNanos() < TimeUnit.MILLISECONDS.toNanos(500), outcome.sendNanos() + " ns");
        assertTrue(outcome.rtts().getMaxValue() > TimeUnit.MILLISECONDS.toNanos(500), outcome.rtts().getMaxValue() + " ns");
        assertTrue(outcome.rtts().getMinValue() >= TimeUnit.MILLISECONDS.toNanos(20), outcome.rtts().getMinValue() + " ns");
    }

    @Test
    void shouldCountRepliesAfterTheTimeoutLateAndLost() throws IOException
    {
        final InetSocketAddress slow = slowEcho(50);

        final UdpEchoProbe.Outcome outcome = UdpEchoProbe.run(settings(slow, 50, 6, 0, Duration.ofMillis(70)));

        // request i leaves at 20i ms and its reply at about 50(i + 1) ms: the first in time (50 ms), the next two late
        // (80 and 110 ms), the rest after the probe stopped waiting, 70 ms after the last request (at 170 ms)
        assertEquals(6, outcome.sent());
        assertEquals(1, outcome.received(), outcome.toString());
        assertEquals(5, outcome.lost());
        assertTrue(outcome.late() >= 1 && outcome.late() <= 2, outcome.toString());
    }

    @Test
    void shouldRefuseSettingsOutOfRange()
    {
        final InetSocketAddress target = new InetSocketAddress(LOOPBACK, 9);

        assertThrows(IllegalArgumentException.class, () -> settings(target, 0, 10, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> settings(target, 10, 0, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> settings(target, 10, 10, -1, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> settings(target, 10, 10, 0, Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
            () -> new UdpEchoProbe.Settings(target, 10, 10, 0, UdpEchoProbe.HEADER_LENGTH - 1, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
            () -> new UdpEchoProbe.Settings(target, 10, 10, 0, UdpEchoProbe.MAX_PAYLOAD + 1, Duration.ofSeconds(1)));
    }

    @Test
    void shouldReadATargetAsAddressAndPort()
    {
        assertEquals(new InetSocketAddress("10.99.0.1", 5210), UdpEcho.target("10.99.0.1:5210"));
        assertEquals(new InetSocketAddress("::1", 7), UdpEcho.target("[::1]:7"));
        for (final String bad : List.of("10.99.0.1", "10.99.0.1:", ":7", "10.99.0.1:0", "10.99.0.1:65536", "10.99.0.1:echo"))
        {
            assertThrows(IllegalArgumentException.class, () -> UdpEcho.target(bad), bad);
        }
    }

    private static UdpEchoProbe.Settings settings(final InetSocketAddress target, final int rate, final int count, final int warmup,
        final Duration timeout)
    {
        return new UdpEchoProbe.Settings(target, rate, count, warmup, UdpEchoProbe.DEFAULT_PAYLOAD, timeout);
    }

    private UdpEchoServer serve(final int dropEvery)
    {
        final UdpEchoServer server = UdpEchoServer.bind(new InetSocketAddress(LOOPBACK, 0), dropEvery);
        closeAfter.add(server);
        final Thread thread = new Thread(server::run, "udp-echo-server");
        thread.setDaemon(true);
        thread.start();
        return server;
    }

    /** An echo server that takes {@code delayMillis} over each datagram, one at a time, so replies queue up. */
    private InetSocketAddress slowEcho(final int delayMillis) throws IOException
    {
        final DatagramChannel channel = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        closeAfter.add(channel);
        final Thread thread = new Thread(() ->
        {
            final ByteBuffer buffer = ByteBuffer.allocate(UdpEchoServer.MAX_DATAGRAM);
            try
            {
                while (true)
                {
                    buffer.clear();
                    final SocketAddress sender = channel.receive(buffer);
                    Thread.sleep(delayMillis);
                    channel.send(buffer.flip(), sender);
                }
            }
            catch (final ClosedChannelException | InterruptedException closed)
            {
                // the test is over
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }, "slow-echo");
        thread.setDaemon(true);
        thread.start();
        return (InetSocketAddress)channel.getLocalAddress();
    }
}
