package io.lanyard.control.ports;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.ports.ProxyTransports.LOOPBACK;
import static io.lanyard.control.ports.ProxyTransports.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UserlandProxyUdpTest
{
    private static final String TRANSPORTS = "io.lanyard.control.ports.ProxyTransports#available";
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    private static UserlandProxy start(
        final ProxyTransports transports, final InetSocketAddress target, final Duration idleTimeout, final int maxFlows)
        throws IOException
    {
        return UserlandProxy.start(transports.loops(), PortBinding.UDP, LOOPBACK, 0, target, idleTimeout, maxFlows);
    }

    private static DatagramSocket client() throws IOException
    {
        final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        socket.setSoTimeout((int)PROMPTLY.toMillis());
        return socket;
    }

    /** Sends through the proxy and returns the reply, checking that it came from the proxy's own port. */
    private static byte[] exchange(final DatagramSocket client, final UserlandProxy proxy, final byte[] payload)
        throws IOException
    {
        client.send(new DatagramPacket(payload, payload.length, proxy.localAddress()));
        final DatagramPacket reply = new DatagramPacket(new byte[65_535], 65_535);
        client.receive(reply);
        assertEquals(proxy.localAddress(), reply.getSocketAddress(), "reply source");
        return Arrays.copyOf(reply.getData(), reply.getLength());
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldGiveEachClientItsOwnFlowAndItsOwnReplies(final String transport) throws Exception
    {
        try (UdpEchoTarget target = new UdpEchoTarget();
            ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = start(transports, target.address(), UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT, 16);
            DatagramSocket alice = client();
            DatagramSocket bob = client())
        {
            assertArrayEquals(ascii("from alice"), exchange(alice, proxy, ascii("from alice")));
            assertArrayEquals(ascii("from bob"), exchange(bob, proxy, ascii("from bob")));
            assertArrayEquals(ascii("alice again"), exchange(alice, proxy, ascii("alice again")));

            assertEquals(2, proxy.udpFlowsOpened());
            assertEquals(2, proxy.udpFlowsActive());
            assertEquals(2, target.senders().size(), "one source address per flow at the target");
            assertEquals(ascii("from alicefrom bobalice again").length, proxy.bytesToTarget());
            assertEquals(proxy.bytesToTarget(), proxy.bytesFromTarget());
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldExpireAnIdleFlowAndOpenANewOneForTheNextDatagram(final String transport) throws Exception
    {
        try (UdpEchoTarget target = new UdpEchoTarget();
            ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = start(transports, target.address(), Duration.ofMillis(300), 16);
            DatagramSocket client = client())
        {
            assertArrayEquals(ascii("one"), exchange(client, proxy, ascii("one")));
            assertEquals(1, proxy.udpFlowsActive());

            awaitTrue("the idle flow closed", () -> proxy.udpFlowsActive() == 0, PROMPTLY);
            assertEquals(1, proxy.udpFlowsExpired());

            assertArrayEquals(ascii("two"), exchange(client, proxy, ascii("two")));
            assertEquals(2, proxy.udpFlowsOpened());
            assertEquals(1, proxy.udpFlowsActive());
            assertEquals(2, target.senders().size(), "the new flow has a new source port");
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldDropDatagramsFromNewClientsBeyondTheFlowLimit(final String transport) throws Exception
    {
        try (UdpEchoTarget target = new UdpEchoTarget();
            ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = start(transports, target.address(), UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT, 2);
            DatagramSocket first = client();
            DatagramSocket second = client();
            DatagramSocket third = client())
        {
            exchange(first, proxy, ascii("1"));
            exchange(second, proxy, ascii("2"));

            third.setSoTimeout(500);
            assertThrows(SocketTimeoutException.class, () -> exchange(third, proxy, ascii("3")));

            assertEquals(1, proxy.udpDrops());
            assertEquals(2, proxy.udpFlowsActive());
            assertEquals(2, target.senders().size());
            assertArrayEquals(ascii("still served"), exchange(first, proxy, ascii("still served")));
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldRelayTheLargestIpv4DatagramWhole(final String transport) throws Exception
    {
        final byte[] largest = new byte[UserlandProxy.MAX_DATAGRAM_BYTES];
        new Random(7).nextBytes(largest);

        try (UdpEchoTarget target = new UdpEchoTarget();
            ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = start(transports, target.address(), UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT, 16);
            DatagramSocket client = client())
        {
            assertArrayEquals(largest, exchange(client, proxy, largest));
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldRefuseAPortHeldByAnotherSocketWithDockersOneLineMessage(final String transport) throws Exception
    {
        try (UdpEchoTarget target = new UdpEchoTarget();
            ProxyTransports transports = new ProxyTransports(transport);
            DatagramSocket holder = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)))
        {
            final int port = holder.getLocalPort();

            final PortInUseException refusal = assertThrows(PortInUseException.class, () ->
                UserlandProxy.start(transports.loops(), PortBinding.UDP, LOOPBACK, port, target.address(),
                    UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT, UserlandProxy.DEFAULT_MAX_UDP_FLOWS));

            assertEquals("Bind for 127.0.0.1:" + port + "/udp failed: address already in use", refusal.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldCloseItsFlowsAndFreeThePortOnClose(final String transport) throws Exception
    {
        try (UdpEchoTarget target = new UdpEchoTarget();
            ProxyTransports transports = new ProxyTransports(transport);
            DatagramSocket client = client())
        {
            final UserlandProxy proxy = start(transports, target.address(), UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT, 16);
            exchange(client, proxy, ascii("hello"));
            final int port = proxy.port();

            proxy.close();

            awaitTrue("flows closed", () -> proxy.udpFlowsActive() == 0, PROMPTLY);
            assertEquals(0, proxy.udpFlowsExpired(), "closing is not expiry");
            try (DatagramSocket again = new DatagramSocket(new InetSocketAddress(LOOPBACK, port)))
            {
                assertEquals(port, again.getLocalPort());
            }
        }
    }
}
