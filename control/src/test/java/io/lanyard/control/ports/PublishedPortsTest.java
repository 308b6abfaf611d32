package io.lanyard.control.ports;

import io.lanyard.control.RequestException;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.DataplaneConfig;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The registry of published ports over a real (portless) dataplane and real proxy loops. The
 * "container" is a TCP echo server on loopback and every host binding is on 127.0.0.1: nothing
 * here binds all addresses. A binding on all addresses is only ever refused before its bind, or
 * made by a registry without proxies, which binds nothing.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PublishedPortsTest
{
    private static final String LOOPBACK = "127.0.0.1";
    private static final int LOOPBACK_ADDRESS = Ipv4Address.parse(LOOPBACK);
    private static final PublishedPorts.Target CONTAINER = new PublishedPorts.Target(0, LOOPBACK_ADDRESS, MacAddress.parse("02:42:ac:11:00:02"));
    private static final IntSupplier NO_UPLINK = () -> 0;
    private static final Duration UDP_IDLE = Duration.ofSeconds(30);

    @TempDir
    Path tempDir;

    private Dataplane dataplane;
    private ProxyLoops loops;
    private TcpTarget container;
    /** Closed last-in first-out after each test: registries before the loops they use. */
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    @BeforeEach
    void start() throws IOException
    {
        dataplane = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("counters")).withRingSize(64));
        opened.push(dataplane::close);
        loops = ProxyLoops.create(1);
        opened.push(loops);
        container = new TcpTarget(TcpTarget.ECHO);
        opened.push(container);
    }

    @AfterEach
    void closeEverything() throws Exception
    {
        while (!opened.isEmpty())
        {
            opened.pop().close();
        }
    }

    private PublishedPorts registry(final IntSupplier uplinkAddress)
    {
        return registry(dataplane, loops, uplinkAddress);
    }

    private PublishedPorts registry(final Dataplane on, final ProxyLoops with, final IntSupplier uplinkAddress)
    {
        final PublishedPorts ports = new PublishedPorts(on, with, uplinkAddress, UDP_IDLE);
        opened.push(ports);
        return ports;
    }

    private int containerPort()
    {
        return container.address().getPort();
    }

    private PortBinding onLoopback(final int hostPort)
    {
        return new PortBinding(LOOPBACK, hostPort, containerPort(), PortBinding.TCP);
    }

    /** A port nothing on loopback holds for TCP or UDP right now. */
    private static int freePort()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            try (ServerSocket tcp = new ServerSocket(0, 1, ProxyTransports.LOOPBACK))
            {
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(ProxyTransports.LOOPBACK, tcp.getLocalPort())))
                {
                    return udp.getLocalPort();
                }
                catch (final IOException takenForUdp)
                {
                    // try another
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        throw new AssertionError("no port free for both TCP and UDP on loopback");
    }

    /** A plain listening socket on 127.0.0.1:{@code port}, as another program would hold it. */
    private ServerSocket hold(final int port) throws IOException
    {
        final ServerSocket socket = new ServerSocket();
        opened.push(socket);
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(ProxyTransports.LOOPBACK, port), 1);
        return socket;
    }

    private static void assertEchoes(final int hostPort) throws IOException
    {
        final byte[] message = ("through 127.0.0.1:" + hostPort).getBytes(StandardCharsets.US_ASCII);
        try (Socket client = new Socket())
        {
            client.connect(new InetSocketAddress(ProxyTransports.LOOPBACK, hostPort), 5_000);
            client.setSoTimeout(5_000);
            client.getOutputStream().write(message);
            client.shutdownOutput();
            assertArrayEquals(message, client.getInputStream().readAllBytes(), "echoed by the container through the proxy");
        }
    }

    private static void assertNothingListens(final int hostPort)
    {
        assertThrows(ConnectException.class, () ->
        {
            try (Socket client = new Socket())
            {
                client.connect(new InetSocketAddress(ProxyTransports.LOOPBACK, hostPort), 5_000);
            }
        }, "nothing listens on 127.0.0.1:" + hostPort);
    }

    /** The port is free again: a plain socket can bind it. */
    private static void assertBindable(final int port)
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(ProxyTransports.LOOPBACK, port), 1);
        }
        catch (final IOException ex)
        {
            fail("127.0.0.1:" + port + " is still held: " + ex.getMessage());
        }
    }

    private static RequestException assertConflict(final String message, final Runnable request)
    {
        final RequestException refusal = assertThrows(RequestException.class, request::run);
        assertEquals(409, refusal.status(), refusal.getMessage());
        assertEquals(message, refusal.getMessage());
        return refusal;
    }

    // ------------------------------------------------------------------------------------------
    // publishing and the proxy
    // ------------------------------------------------------------------------------------------

    @Test
    void shouldForwardAPublishedPortToTheContainer() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int hostPort = freePort();

        final List<PortBinding> bound = ports.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null);

        assertEquals(List.of(onLoopback(hostPort)), bound);
        assertEquals(bound, ports.bound("a"));
        assertEchoes(hostPort);
        assertEchoes(hostPort);
    }

    @Test
    void shouldPublishOneContainerPortOnSeveralHostPorts() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int first = freePort();
        final int second = freePort();
        assumeTrue(first != second);

        ports.publish("a", List.of(onLoopback(first), onLoopback(second)), CONTAINER, null);

        assertEchoes(first);
        assertEchoes(second);
    }

    @Test
    void shouldBindTheNetworksHostAddressForABindingThatNamesNone() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int hostPort = freePort();

        final List<PortBinding> bound =
            ports.publish("a", List.of(new PortBinding("", hostPort, containerPort(), PortBinding.TCP)), CONTAINER, LOOPBACK);

        assertEquals(List.of(onLoopback(hostPort)), bound, "host_binding_ipv4 filled in");
        assertEchoes(hostPort);
    }

    @Test
    void shouldListAnUnknownSandboxAsHavingNoPorts()
    {
        assertEquals(List.of(), registry(NO_UPLINK).bound("nobody"));
    }

    // ------------------------------------------------------------------------------------------
    // conflicts
    // ------------------------------------------------------------------------------------------

    @Test
    void shouldRefuseAHostPortAnotherSandboxHasPublished() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int hostPort = freePort();
        ports.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null);

        assertConflict("Bind for 127.0.0.1:" + hostPort + " failed: port is already allocated",
            () -> ports.publish("b", List.of(onLoopback(hostPort)), CONTAINER, null));

        assertEquals(List.of(), ports.bound("b"));
        assertEquals(List.of(onLoopback(hostPort)), ports.bound("a"));
        assertEchoes(hostPort);
    }

    @Test
    void shouldNameUdpInTheConflict()
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int hostPort = freePort();
        final PortBinding udp = new PortBinding(LOOPBACK, hostPort, 53, PortBinding.UDP);
        ports.publish("a", List.of(udp), CONTAINER, null);

        assertConflict("Bind for 127.0.0.1:" + hostPort + "/udp failed: port is already allocated",
            () -> ports.publish("b", List.of(udp), CONTAINER, null));
    }

    @Test
    void shouldPublishTheSameHostPortForTheOtherProtocol() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int hostPort = freePort();
        final UdpEchoTarget udpContainer = new UdpEchoTarget();
        opened.push(udpContainer);
        final PortBinding udp = new PortBinding(LOOPBACK, hostPort, udpContainer.address().getPort(), PortBinding.UDP);
        ports.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null);

        final List<PortBinding> bound = ports.publish("b", List.of(udp), CONTAINER, null);

        assertEquals(List.of(udp), bound);
        assertEchoes(hostPort);
        final byte[] message = "udp through the proxy".getBytes(StandardCharsets.US_ASCII);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(ProxyTransports.LOOPBACK, 0)))
        {
            client.setSoTimeout(5_000);
            client.send(new DatagramPacket(message, message.length, new InetSocketAddress(ProxyTransports.LOOPBACK, hostPort)));
            final DatagramPacket reply = new DatagramPacket(new byte[256], 256);
            client.receive(reply);
            assertEquals("udp through the proxy", new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void shouldPublishTheSameHostPortOnAnotherAddress()
    {
        // no proxies: the registry's rule alone, with nothing bound on the other address
        final PublishedPorts ports = registry(dataplane, null, NO_UPLINK);
        final int hostPort = freePort();
        ports.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null);
        final PortBinding other = new PortBinding("127.0.0.2", hostPort, containerPort(), PortBinding.TCP);

        assertEquals(List.of(other), ports.publish("b", List.of(other), CONTAINER, null));
    }

    @Test
    void shouldRefuseAllAddressesOnAPortPublishedOnOneBeforeBindingIt() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int hostPort = freePort();
        ports.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null);

        // refused by the registry: a bind of 0.0.0.0 would have failed with "address already in use" instead
        assertConflict("Bind for 0.0.0.0:" + hostPort + " failed: port is already allocated",
            () -> ports.publish("b", List.of(new PortBinding("", hostPort, containerPort(), PortBinding.TCP)), CONTAINER, null));

        assertEquals(List.of(), ports.bound("b"));
        assertEchoes(hostPort);
    }

    @Test
    void shouldRefuseOneAddressOnAPortPublishedOnAllAddresses()
    {
        // no proxies and no uplink: a binding on all addresses is recorded and binds nothing
        final PublishedPorts ports = registry(dataplane, null, NO_UPLINK);
        final int hostPort = freePort();
        final List<PortBinding> all =
            ports.publish("a", List.of(new PortBinding("0.0.0.0", hostPort, 80, PortBinding.TCP)), CONTAINER, PortBinding.ALL_ADDRESSES);
        assertEquals("", all.get(0).hostIp());

        assertConflict("Bind for 127.0.0.1:" + hostPort + " failed: port is already allocated",
            () -> ports.publish("b", List.of(onLoopback(hostPort)), CONTAINER, null));
    }

    @Test
    void shouldRefuseTheSameHostPortTwiceInOneRequestAndKeepNeither()
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int hostPort = freePort();

        assertConflict("Bind for 127.0.0.1:" + hostPort + " failed: port is already allocated",
            () -> ports.publish("a", List.of(onLoopback(hostPort), new PortBinding(LOOPBACK, hostPort, 81, PortBinding.TCP)),
                CONTAINER, null));

        assertEquals(List.of(), ports.bound("a"));
        assertBindable(hostPort);
    }

    @Test
    void shouldRefuseAPortAnotherProgramHoldsAndKeepNoneOfTheSandboxesPorts() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int first = freePort();
        final int held = freePort();
        assumeTrue(first != held);
        hold(held);

        final RequestException refusal = assertThrows(RequestException.class,
            () -> ports.publish("b", List.of(onLoopback(first), onLoopback(held)), CONTAINER, null));

        assertEquals(409, refusal.status(), refusal.getMessage());
        assertTrue(refusal.getMessage().contains("address already in use"), refusal.getMessage());
        assertTrue(refusal.getMessage().contains("127.0.0.1:" + held), refusal.getMessage());
        assertEquals(List.of(), ports.bound("b"));
        assertNothingListens(first);
        assertBindable(first);
        assertEquals(List.of(onLoopback(first)), ports.publish("c", List.of(onLoopback(first)), CONTAINER, null),
            "the registry let go of it too");
    }

    @Test
    void shouldRefuseAnAddressNotOnThisHostAndKeepNoneOfTheSandboxesPorts()
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int first = freePort();

        final RequestException refusal = assertThrows(RequestException.class, () -> ports.publish("a",
            List.of(onLoopback(first), new PortBinding("192.0.2.1", 8080, 80, PortBinding.TCP)), CONTAINER, null));

        assertEquals(400, refusal.status(), refusal.getMessage());
        assertEquals("cannot publish 192.0.2.1:8080->80/tcp: Bind for 192.0.2.1:8080 failed: cannot assign requested address",
            refusal.getMessage());
        assertEquals(List.of(), ports.bound("a"));
        assertNothingListens(first);
        assertBindable(first);
    }

    // ------------------------------------------------------------------------------------------
    // host ports chosen by the daemon
    // ------------------------------------------------------------------------------------------

    @Test
    void shouldChooseAWorkingHostPortInTheEphemeralRange() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);

        final List<PortBinding> bound = ports.publish("a", List.of(onLoopback(0), onLoopback(0)), CONTAINER, null);

        assertEquals(2, bound.size());
        for (final PortBinding binding : bound)
        {
            assertTrue(binding.hostPort() >= PublishedPorts.EPHEMERAL_LOW && binding.hostPort() <= PublishedPorts.EPHEMERAL_HIGH,
                binding.display());
            assertEquals(LOOPBACK, binding.hostIp());
            assertEquals(containerPort(), binding.containerPort());
            assertEchoes(binding.hostPort());
        }
        assertNotEquals(bound.get(0).hostPort(), bound.get(1).hostPort());
        assertEquals(bound, ports.bound("a"));
    }

    @Test
    void shouldPassOverAnEphemeralPortAnotherProgramHolds() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        try
        {
            hold(PublishedPorts.EPHEMERAL_LOW);
        }
        catch (final IOException alreadyHeld)
        {
            // held by someone else: just as good
        }

        final List<PortBinding> bound = ports.publish("a", List.of(onLoopback(0)), CONTAINER, null);

        assertNotEquals(PublishedPorts.EPHEMERAL_LOW, bound.get(0).hostPort());
        assertEchoes(bound.get(0).hostPort());
    }

    @Test
    void shouldNotGiveAChosenPortToAnotherSandbox()
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int chosen = ports.publish("a", List.of(onLoopback(0)), CONTAINER, null).get(0).hostPort();

        assertConflict("Bind for 127.0.0.1:" + chosen + " failed: port is already allocated",
            () -> ports.publish("b", List.of(onLoopback(chosen)), CONTAINER, null));
        assertNotEquals(chosen, ports.publish("c", List.of(onLoopback(0)), CONTAINER, null).get(0).hostPort());
    }

    // ------------------------------------------------------------------------------------------
    // release and restore
    // ------------------------------------------------------------------------------------------

    @Test
    void shouldFreeTheHostPortsOnRelease() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int hostPort = freePort();
        ports.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null);
        assertEchoes(hostPort);

        ports.release("a");

        assertEquals(List.of(), ports.bound("a"));
        assertNothingListens(hostPort);
        assertBindable(hostPort);
        assertEquals(List.of(onLoopback(hostPort)), ports.publish("b", List.of(onLoopback(hostPort)), CONTAINER, null));
        assertEchoes(hostPort);
    }

    @Test
    void shouldIgnoreTheReleaseOfASandboxWithNoPorts()
    {
        final PublishedPorts ports = registry(NO_UPLINK);

        ports.release("nobody");

        assertEquals(List.of(), ports.bound("nobody"));
    }

    @Test
    void shouldPublishStoredPortsAgainAfterARestartAndSkipOneNowTaken() throws IOException
    {
        final int kept = freePort();
        final int taken = freePort();
        final int chosen;
        assumeTrue(kept != taken);
        final List<PortBinding> stored;
        try (PublishedPorts before = new PublishedPorts(dataplane, loops, NO_UPLINK, UDP_IDLE))
        {
            stored = before.publish("a", List.of(onLoopback(kept), onLoopback(taken), onLoopback(0)), CONTAINER, null);
            chosen = stored.get(2).hostPort();
        }
        hold(taken);
        final PublishedPorts after = registry(NO_UPLINK);
        final List<LogRecord> warnings = new ArrayList<>();
        final Logger log = Logger.getLogger(PublishedPorts.class.getName());
        final Handler capture = new Handler()
        {
            @Override
            public void publish(final LogRecord record)
            {
                if (record.getLevel().intValue() >= Level.WARNING.intValue())
                {
                    warnings.add(record);
                }
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        log.addHandler(capture);
        final List<PortBinding> restored;
        try
        {
            restored = after.restore("a", stored, CONTAINER);
        }
        finally
        {
            log.removeHandler(capture);
        }

        assertEquals(List.of(onLoopback(kept), onLoopback(chosen)), restored, "same host ports, the taken one left out");
        assertEquals(restored, after.bound("a"));
        assertEchoes(kept);
        assertEchoes(chosen);
        assertEquals(1, warnings.size(), warnings.toString());
        final String warning = warnings.get(0).getMessage();
        assertTrue(warning.contains("127.0.0.1:" + taken + "->" + containerPort() + "/tcp"), warning);
        assertTrue(warning.contains("address already in use"), warning);
    }

    @Test
    void shouldSkipOnRestoreAPortAnotherSandboxHasSincePublished() throws IOException
    {
        final PublishedPorts ports = registry(NO_UPLINK);
        final int kept = freePort();
        final int taken = freePort();
        assumeTrue(kept != taken);
        ports.publish("b", List.of(onLoopback(taken)), CONTAINER, null);

        final List<PortBinding> restored = ports.restore("a", List.of(onLoopback(kept), onLoopback(taken)), CONTAINER);

        assertEquals(List.of(onLoopback(kept)), restored);
        assertEquals(List.of(onLoopback(taken)), ports.bound("b"));
        assertEchoes(kept);
        assertEchoes(taken);
    }

    // ------------------------------------------------------------------------------------------
    // the uplink and the dataplane
    // ------------------------------------------------------------------------------------------

    /** A dataplane that fails every call: publishing through it shows whether it was asked. */
    private Dataplane closedDataplane()
    {
        final Dataplane closed = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("closed-counters")).withRingSize(64));
        closed.close();
        return closed;
    }

    @Test
    void shouldNotProgramTheDataplaneWithoutAnUplink() throws IOException
    {
        final Dataplane closed = closedDataplane();
        final PublishedPorts proxied = registry(closed, loops, NO_UPLINK);
        final PublishedPorts unproxied = registry(closed, null, NO_UPLINK);
        final int hostPort = freePort();
        final int allAddressesPort = freePort();
        final PortBinding onAllAddresses = new PortBinding("", allAddressesPort, 80, PortBinding.TCP);

        assertEquals(List.of(onLoopback(hostPort)), proxied.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null));
        assertEquals(List.of(onAllAddresses), unproxied.publish("b", List.of(onAllAddresses), CONTAINER, null));
        assertEchoes(hostPort);
        proxied.release("a");
        unproxied.release("b");
        assertNothingListens(hostPort);
    }

    @Test
    void shouldProgramTheDataplaneForAllAddressesWhenThereIsAnUplink()
    {
        final PublishedPorts ports = registry(closedDataplane(), null, () -> Ipv4Address.parse("198.51.100.2"));
        final int hostPort = freePort();

        final IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> ports.publish("a", List.of(new PortBinding("", hostPort, 80, PortBinding.TCP)), CONTAINER, null));

        assertEquals("dataplane is closed", refused.getMessage(), "the dataplane was asked");
        assertEquals(List.of(), ports.bound("a"));
    }

    @Test
    void shouldLeaveABindingOnTheUplinkAddressToTheDataplaneAlone() throws IOException
    {
        final PublishedPorts ports = registry(() -> LOOPBACK_ADDRESS);
        final int hostPort = freePort();

        final List<PortBinding> bound = ports.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null);

        assertEquals(List.of(onLoopback(hostPort)), bound);
        assertEquals(bound, ports.bound("a"));
        assertNothingListens(hostPort);
        assertBindable(hostPort);
        assertConflict("Bind for 127.0.0.1:" + hostPort + " failed: port is already allocated",
            () -> ports.publish("b", List.of(onLoopback(hostPort)), CONTAINER, null));
        ports.release("a");
        assertEquals(List.of(), ports.bound("a"));
    }

    @Test
    void shouldAskTheDataplaneForABindingOnTheUplinkAddress()
    {
        final PublishedPorts ports = registry(closedDataplane(), loops, () -> LOOPBACK_ADDRESS);
        final int hostPort = freePort();

        final IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> ports.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null));

        assertEquals("dataplane is closed", refused.getMessage());
        assertEquals(List.of(), ports.bound("a"));
        assertNothingListens(hostPort);
    }

    @Test
    void shouldProxyABindingOnAnotherAddressThanTheUplinksWithoutTheDataplane() throws IOException
    {
        final PublishedPorts ports = registry(closedDataplane(), loops, () -> Ipv4Address.parse("198.51.100.2"));
        final int hostPort = freePort();

        assertEquals(List.of(onLoopback(hostPort)), ports.publish("a", List.of(onLoopback(hostPort)), CONTAINER, null));

        assertEchoes(hostPort);
    }
}
