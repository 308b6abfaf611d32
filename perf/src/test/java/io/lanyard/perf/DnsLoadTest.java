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
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DnsLoadTest
{
    private Responder responder;
    private DnsLoad load;

    @AfterEach
    void tearDown() throws IOException
    {
        if (load != null)
        {
            load.close();
        }
        if (responder != null)
        {
            responder.close();
        }
    }

    @Test
    void shouldEncodeAStandardQueryWithRecursionDesired()
    {
        final byte[] expected = {
            0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
            2, 'd', '1', 6, 'd', 'n', 's', 'n', 'e', 't', 0,
            0, 1, 0, 1};

        assertArrayEquals(expected, DnsLoad.query("d1.dnsnet", DnsLoad.TYPE_A));
        assertArrayEquals(expected, DnsLoad.query("d1.dnsnet.", DnsLoad.TYPE_A));
    }

    @Test
    void shouldRefuseANameWithAnEmptyOrOverlongLabel()
    {
        assertThrows(IllegalArgumentException.class, () -> DnsLoad.query("a..b", DnsLoad.TYPE_A));
        assertThrows(IllegalArgumentException.class, () -> DnsLoad.query("x".repeat(64) + ".test", DnsLoad.TYPE_A));
        assertThrows(IllegalArgumentException.class, () -> DnsLoad.query("", DnsLoad.TYPE_A));
    }

    @Test
    void shouldReadTheAddressesOfAnAnswerWithCompressedNames()
    {
        final ByteBuffer answer = ByteBuffer.wrap(answer(DnsLoad.query("web", DnsLoad.TYPE_A), 0, new byte[][] {{10, 53, 0, 3}, {10, 53, 0, 4}}));

        assertTrue(DnsLoad.isGood(answer));
        assertEquals(List.of("10.53.0.3", "10.53.0.4"), DnsLoad.addresses(answer, "test"));
    }

    @Test
    void shouldNameTheRcodeOfAnAnswerThatIsNotGood()
    {
        final ByteBuffer answer = ByteBuffer.wrap(answer(DnsLoad.query("nowhere", DnsLoad.TYPE_A), 3, new byte[0][]));

        final PerfException error = assertThrows(PerfException.class, () -> DnsLoad.addresses(answer, "test"));

        assertTrue(error.getMessage().contains("RCODE 3"), error.getMessage());
    }

    @Test
    void shouldAskForEachNameInTurnAndMatchAnswersById() throws IOException
    {
        responder = new Responder(0, 0);
        load = DnsLoad.over(client(responder.address()), List.of("a.test", "b.test"), "test");

        final DnsLoad.Result result = load.closedLoop(8, Duration.ofMillis(300));

        assertTrue(result.answered() > 100, result.toString());
        assertEquals(result.sent(), result.answered());
        assertEquals(0, result.failed() + result.lost());
        assertEquals(result.answered(), result.latencies().getTotalCount());
        assertEquals(List.of("10.0.0.1"), load.ask(0));
    }

    @Test
    void shouldCountQueriesWithoutAnAnswerLostAndKeepTheRestInFlight() throws IOException
    {
        responder = new Responder(50, 0);
        load = DnsLoad.over(client(responder.address()), List.of("a.test"), "test");

        final DnsLoad.Result result = load.closedLoop(4, Duration.ofMillis(200));

        assertTrue(result.lost() > 0, result.toString());
        assertEquals(result.sent(), result.answered() + result.lost(), result.toString());
        assertTrue(result.answered() > 10 * result.lost(), result.toString());
    }

    @Test
    void shouldCountErrorAnswersFailed() throws IOException
    {
        responder = new Responder(0, 4);
        load = DnsLoad.over(client(responder.address()), List.of("a.test"), "test");

        final DnsLoad.Result result = load.paced(40, Duration.ofMillis(1));

        assertEquals(40, result.sent());
        assertEquals(10, result.failed());
        assertEquals(30, result.answered());
        assertEquals(10, result.unanswered());
    }

    private static DatagramChannel client(final SocketAddress server) throws IOException
    {
        return DatagramChannel.open().connect(server);
    }

    /** A response to {@code query}: QR and RA set, {@code rcode}, one A record (a pointer to the question's name) per address. */
    static byte[] answer(final byte[] query, final int rcode, final byte[][] addresses)
    {
        final ByteBuffer answer = ByteBuffer.allocate(query.length + addresses.length * 16);
        answer.put(query);
        answer.putShort(2, (short)(0x8180 | rcode)).putShort(6, (short)addresses.length);
        for (final byte[] address : addresses)
        {
            answer.putShort((short)0xC00C).putShort((short)1).putShort((short)1).putInt(600).putShort((short)4).put(address);
        }
        return answer.array();
    }

    /**
     * A server on loopback answering every query with 10.0.0.1, but dropping every
     * {@code dropEvery}th and answering every {@code failEvery}th with SERVFAIL (0: never).
     */
    private static final class Responder implements AutoCloseable
    {
        private final DatagramChannel channel;
        private final Thread thread;
        private final AtomicLong received = new AtomicLong();

        Responder(final int dropEvery, final int failEvery) throws IOException
        {
            channel = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = new Thread(() -> serve(dropEvery, failEvery), "dns-responder");
            thread.setDaemon(true);
            thread.start();
        }

        SocketAddress address() throws IOException
        {
            return channel.getLocalAddress();
        }

        private void serve(final int dropEvery, final int failEvery)
        {
            final ByteBuffer in = ByteBuffer.allocate(512);
            try
            {
                while (true)
                {
                    in.clear();
                    final SocketAddress client = channel.receive(in);
                    final long n = received.incrementAndGet();
                    if (dropEvery > 0 && n % dropEvery == 0)
                    {
                        continue;
                    }
                    final byte[] query = new byte[in.position()];
                    in.flip().get(query);
                    final boolean fail = failEvery > 0 && n % failEvery == 0;
                    channel.send(ByteBuffer.wrap(answer(query, fail ? 2 : 0, fail ? new byte[0][] : new byte[][] {{10, 0, 0, 1}})), client);
                }
            }
            catch (final ClosedChannelException closed)
            {
                // the test is over
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }

        @Override
        public void close() throws IOException
        {
            channel.close();
        }
    }
}
