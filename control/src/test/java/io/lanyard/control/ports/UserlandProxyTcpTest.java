package io.lanyard.control.ports;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.ports.ProxyTransports.LOOPBACK;
import static io.lanyard.control.ports.ProxyTransports.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UserlandProxyTcpTest
{
    private static final String TRANSPORTS = "io.lanyard.control.ports.ProxyTransports#available";
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    private static UserlandProxy start(final ProxyTransports transports, final InetSocketAddress target) throws IOException
    {
        return start(transports, 0, target);
    }

    private static UserlandProxy start(final ProxyTransports transports, final int port, final InetSocketAddress target)
        throws IOException
    {
        return UserlandProxy.start(transports.loops(), PortBinding.TCP, LOOPBACK, port, target,
            UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT, UserlandProxy.DEFAULT_MAX_UDP_FLOWS);
    }

    private static Socket connect(final UserlandProxy proxy) throws IOException
    {
        final Socket socket = new Socket(LOOPBACK, proxy.port());
        socket.setSoTimeout((int)PROMPTLY.toMillis());
        return socket;
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldRelayOneMegabyteBothWaysIntact(final String transport) throws Exception
    {
        final byte[] sent = new byte[1 << 20];
        new Random(42).nextBytes(sent);

        try (TcpTarget target = new TcpTarget(TcpTarget.ECHO);
            ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = start(transports, target.address());
            Socket client = connect(proxy))
        {
            final CompletableFuture<Void> writer = CompletableFuture.runAsync(() ->
            {
                try
                {
                    client.getOutputStream().write(sent);
                    client.shutdownOutput();
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });

            final byte[] received = client.getInputStream().readAllBytes();
            writer.get(5, TimeUnit.SECONDS);

            assertArrayEquals(sent, received);
            assertEquals(1, proxy.connectionsAccepted());
            assertEquals(sent.length, proxy.bytesToTarget());
            assertEquals(sent.length, proxy.bytesFromTarget());
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldPassTheClientsEndOfStreamToTheTargetAndStillDeliverTheTargetsReply(final String transport) throws Exception
    {
        final CompletableFuture<byte[]> receivedByTarget = new CompletableFuture<>();
        final TcpTarget.Conversation readToEndThenReply = socket ->
        {
            receivedByTarget.complete(socket.getInputStream().readAllBytes());
            socket.getOutputStream().write(ascii("reply after your EOF"));
        };

        try (TcpTarget target = new TcpTarget(readToEndThenReply);
            ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = start(transports, target.address());
            Socket client = connect(proxy))
        {
            client.getOutputStream().write(ascii("request"));
            client.shutdownOutput();

            assertArrayEquals(ascii("request"), receivedByTarget.get(5, TimeUnit.SECONDS));
            assertArrayEquals(ascii("reply after your EOF"), client.getInputStream().readAllBytes());
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldPassTheTargetsEndOfStreamToTheClientAndStillDeliverTheClientsData(final String transport) throws Exception
    {
        final CompletableFuture<byte[]> receivedByTarget = new CompletableFuture<>();
        final TcpTarget.Conversation greetThenReadToEnd = socket ->
        {
            socket.getOutputStream().write(ascii("greeting"));
            socket.shutdownOutput();
            receivedByTarget.complete(socket.getInputStream().readAllBytes());
        };

        try (TcpTarget target = new TcpTarget(greetThenReadToEnd);
            ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = start(transports, target.address());
            Socket client = connect(proxy))
        {
            assertArrayEquals(ascii("greeting"), client.getInputStream().readAllBytes());

            client.getOutputStream().write(ascii("data after your EOF"));
            client.shutdownOutput();

            assertArrayEquals(ascii("data after your EOF"), receivedByTarget.get(5, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldCloseTheClientPromptlyWhenTheTargetRefuses(final String transport) throws Exception
    {
        final InetSocketAddress nobodyListens;
        try (ServerSocket closedAgain = new ServerSocket(0, 1, LOOPBACK))
        {
            nobodyListens = new InetSocketAddress(LOOPBACK, closedAgain.getLocalPort());
        }

        try (ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = start(transports, nobodyListens);
            Socket client = connect(proxy))
        {
            final long startedAt = System.nanoTime();
            assertEquals(-1, client.getInputStream().read());
            final long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);

            assertTrue(tookMillis < 2000, "closed after " + tookMillis + " ms");
            awaitTrue("the refusal counted", () -> proxy.targetConnectFailures() == 1, PROMPTLY);
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldRefuseAPortHeldByAnotherSocketWithDockersOneLineMessage(final String transport) throws Exception
    {
        try (TcpTarget target = new TcpTarget(TcpTarget.ECHO);
            ProxyTransports transports = new ProxyTransports(transport);
            ServerSocket holder = new ServerSocket(0, 50, LOOPBACK))
        {
            final int port = holder.getLocalPort();

            final PortInUseException refusal = assertThrows(
                PortInUseException.class, () -> start(transports, port, target.address()));

            assertEquals("Bind for 127.0.0.1:" + port + " failed: address already in use", refusal.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldStopReadingFromTheTargetWhileTheClientDoesNotRead(final String transport) throws Exception
    {
        final int total = 64 << 20;
        final TcpTarget.Conversation flood = socket ->
        {
            final OutputStream out = socket.getOutputStream();
            final byte[] chunk = new byte[64 * 1024];
            for (int written = 0; written < total; written += chunk.length)
            {
                out.write(chunk);
            }
            socket.shutdownOutput();
        };

        try (TcpTarget target = new TcpTarget(flood);
            ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = start(transports, target.address());
            Socket client = new Socket())
        {
            client.setReceiveBufferSize(64 * 1024);
            client.connect(proxy.localAddress());
            client.setSoTimeout((int)PROMPTLY.toMillis());

            long before = -1;
            long now = proxy.bytesFromTarget();
            while (now != before)
            {
                Thread.sleep(200);
                before = now;
                now = proxy.bytesFromTarget();
            }
            // what fits in the client's receive buffer, the proxy's send buffer (4 MiB at most) and one read batch
            assertTrue(now < 16 << 20, "proxy read " + now + " bytes from the target while the client read none");

            final InputStream in = client.getInputStream();
            final byte[] chunk = new byte[64 * 1024];
            long received = 0;
            int read;
            while ((read = in.read(chunk)) >= 0)
            {
                received += read;
            }
            assertEquals(total, received);
            assertEquals(total, proxy.bytesFromTarget());
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldCloseConnectionsAndFreeThePortOnClose(final String transport) throws Exception
    {
        try (TcpTarget target = new TcpTarget(TcpTarget.ECHO);
            ProxyTransports transports = new ProxyTransports(transport))
        {
            final UserlandProxy proxy = start(transports, target.address());
            final int port = proxy.port();
            try (Socket client = connect(proxy))
            {
                client.getOutputStream().write('x');
                assertEquals('x', client.getInputStream().read());

                proxy.close();

                assertEquals(-1, client.getInputStream().read());
            }

            try (ServerSocket again = new ServerSocket(port, 50, LOOPBACK))
            {
                assertEquals(port, again.getLocalPort());
            }
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldRebindAPortWhoseLastConnectionIsInTimeWait(final String transport) throws Exception
    {
        try (TcpTarget target = new TcpTarget(TcpTarget.ECHO);
            ProxyTransports transports = new ProxyTransports(transport))
        {
            final UserlandProxy first = start(transports, target.address());
            final int port = first.port();
            try (Socket client = connect(first))
            {
                client.getOutputStream().write('x');
                assertEquals('x', client.getInputStream().read());
                first.close();
                // the proxy closed first, so its side of this connection now waits in TIME_WAIT on the port
                assertEquals(-1, client.getInputStream().read());
            }

            try (UserlandProxy second = start(transports, port, target.address());
                Socket client = connect(second))
            {
                client.getOutputStream().write('y');
                assertEquals('y', client.getInputStream().read());
            }
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldPublishAParsedBindingOnAChosenHostPort(final String transport) throws Exception
    {
        try (TcpTarget target = new TcpTarget(TcpTarget.ECHO);
            ProxyTransports transports = new ProxyTransports(transport);
            UserlandProxy proxy = UserlandProxy.start(
                transports.loops(), PortSpec.parse("127.0.0.1::" + target.address().getPort()), LOOPBACK);
            Socket client = connect(proxy))
        {
            client.getOutputStream().write('z');

            assertEquals('z', client.getInputStream().read());
            assertTrue(proxy.port() > 0);
            assertEquals(target.address(), proxy.target());
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void shouldRefuseAProtocolOtherThanTcpOrUdp(final String transport) throws Exception
    {
        try (ProxyTransports transports = new ProxyTransports(transport))
        {
            final IllegalArgumentException refusal = assertThrows(IllegalArgumentException.class, () ->
                UserlandProxy.start(transports.loops(), "sctp", LOOPBACK, 0, new InetSocketAddress(LOOPBACK, 80),
                    UserlandProxy.DEFAULT_UDP_IDLE_TIMEOUT, UserlandProxy.DEFAULT_MAX_UDP_FLOWS));

            assertEquals("invalid proto: sctp (only tcp and udp are supported)", refusal.getMessage());
        }
    }
}
