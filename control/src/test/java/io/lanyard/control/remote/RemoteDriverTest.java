package io.lanyard.control.remote;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The remote driver protocol's calls against a plugin written here. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RemoteDriverTest
{
    @TempDir
    Path directory;

    private PluginServer plugin;

    @BeforeEach
    void startPlugin()
    {
        plugin = PluginServer.start(directory.resolve("weave.sock"));
    }

    @AfterEach
    void stopPlugin()
    {
        plugin.close();
    }

    private RemoteDriver driver()
    {
        return RemoteDriver.activate(new PluginClient("weave", plugin.socket()));
    }

    private JsonNode lastBody()
    {
        final List<PluginServer.Call> calls = plugin.calls();
        return calls.get(calls.size() - 1).body();
    }

    @Test
    void shouldActivateAndAskForCapabilities()
    {
        driver();

        assertEquals(List.of("Plugin.Activate", "NetworkDriver.GetCapabilities"),
            plugin.calls().stream().map(PluginServer.Call::method).toList());
    }

    @Test
    void shouldRefuseAPluginThatIsNoNetworkDriver()
    {
        plugin.answer("Plugin.Activate", body -> PluginServer.Answer.ok("{\"Implements\":[\"IpamDriver\"]}"));

        final PluginException ex = assertThrows(PluginException.class, this::driver);

        assertEquals("plugin \"weave\" is not a network driver (it implements [\"IpamDriver\"])", ex.getMessage());
    }

    @Test
    void shouldPassTheNetworksPoolsAndOptions()
    {
        driver().createNetwork("n1", Map.of("mtu", "1400"),
            List.of(new RemoteDriver.Pool("10.9.0.0/24", "10.9.0.1/24", Map.of("router", "10.9.0.2/32"))));

        assertEquals("{\"NetworkID\":\"n1\",\"Options\":{\"com.docker.network.generic\":{\"mtu\":\"1400\"}}," +
            "\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"10.9.0.0/24\",\"Gateway\":\"10.9.0.1/24\"," +
            "\"AuxAddresses\":{\"router\":\"10.9.0.2/32\"}}],\"IPv6Data\":[]}", lastBody().toString());
    }

    @Test
    void shouldPassTheEndpointsAddressAndKeepItsMacWhenThePluginChoosesNone()
    {
        assertNull(driver().createEndpoint("n1", "e1", "10.9.0.2/24"));

        final JsonNode body = lastBody();
        assertEquals("e1", body.path("EndpointID").asText());
        assertEquals("10.9.0.2/24", body.path("Interface").path("Address").asText());
        assertEquals("", body.path("Interface").path("MacAddress").asText());
    }

    @Test
    void shouldTakeTheMacThePluginChose()
    {
        plugin.answer("NetworkDriver.CreateEndpoint",
            body -> PluginServer.Answer.ok("{\"Interface\":{\"MacAddress\":\"02:aa:bb:cc:dd:ee\"}}"));

        assertEquals("02:aa:bb:cc:dd:ee", driver().createEndpoint("n1", "e1", "10.9.0.2/24"));
    }

    @Test
    void shouldReadTheJoinedInterfaceGatewayAndRoutes()
    {
        plugin.answer("NetworkDriver.Join", body -> PluginServer.Answer.ok("{\"InterfaceName\":{\"SrcName\":\"vethab\"," +
            "\"DstPrefix\":\"eth\"},\"Gateway\":\"10.9.0.1\",\"StaticRoutes\":[{\"Destination\":\"10.8.0.0/16\",\"RouteType\":0," +
            "\"NextHop\":\"10.9.0.3\"},{\"Destination\":\"10.7.0.0/16\",\"RouteType\":1}]}"));

        final JoinInfo joined = driver().join("n1", "e1", "/run/netns/x");

        assertEquals(new JoinInfo("vethab", "eth", "10.9.0.1", List.of(new JoinInfo.StaticRoute("10.8.0.0/16", "10.9.0.3"),
            new JoinInfo.StaticRoute("10.7.0.0/16", null))), joined);
        assertEquals("/run/netns/x", lastBody().path("SandboxKey").asText());
    }

    @Test
    void shouldRefuseAJoinWithoutAnInterface()
    {
        final PluginException ex = assertThrows(PluginException.class, () -> driver().join("n1", "e1", "/run/netns/x"));

        assertTrue(ex.getMessage().contains("without an interface"), ex.getMessage());
    }

    @Test
    void shouldReportThePluginsErrVerbatimOnOneLine()
    {
        plugin.answer("NetworkDriver.Join", body -> PluginServer.Answer.err("no more veths\n  today"));

        final PluginException ex = assertThrows(PluginException.class, () -> driver().join("n1", "e1", "/run/netns/x"));

        assertEquals("no more veths today", ex.getMessage());
    }

    @Test
    void shouldTakeAnErrInASuccessfulAnswerAsARefusal()
    {
        plugin.answer("NetworkDriver.Leave", body -> new PluginServer.Answer(200, "{\"Err\":\"not joined\"}"));

        final PluginException ex = assertThrows(PluginException.class, () -> driver().leave("n1", "e1"));

        assertEquals("not joined", ex.getMessage());
    }

    @Test
    void shouldSayWhatAnErrorWithoutErrWas()
    {
        plugin.answer("NetworkDriver.DeleteNetwork", body -> new PluginServer.Answer(404, "{}"));

        final PluginException ex = assertThrows(PluginException.class, () -> driver().deleteNetwork("n1"));

        assertEquals("plugin \"weave\" answered NetworkDriver.DeleteNetwork with HTTP 404: {}", ex.getMessage());
    }

    @Test
    void shouldSayConnectionRefusedForAPluginThatDoesNotListen() throws Exception
    {
        final Path socket = directory.resolve("dead.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        // the socket file stays; nobody listens on it

        final PluginException ex = assertThrows(PluginException.class,
            () -> RemoteDriver.activate(new PluginClient("dead", socket)));

        assertEquals("plugin \"dead\" at unix://" + socket + ": Connection refused", ex.getMessage());
    }

    @Test
    void shouldGiveUpOnAPluginThatAcceptsAndNeverAnswers() throws Exception
    {
        final Path socket = directory.resolve("stuck.sock");
        try (ServerSocketChannel stuck = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            stuck.bind(UnixDomainSocketAddress.of(socket));
            // the kernel completes the connection in the backlog; the plugin never accepts or answers

            final PluginException ex = assertThrows(PluginException.class,
                () -> new PluginClient("stuck", socket, Duration.ofMillis(300)).call("NetworkDriver.Join", Map.of()));

            assertEquals("plugin \"stuck\" at unix://" + socket + " did not answer NetworkDriver.Join within 300 ms", ex.getMessage());
        }
    }

    @Test
    void shouldGiveUpOnAPluginThatAnswersAByteAtATimePastTheTimeout() throws Exception
    {
        final Path socket = directory.resolve("slow.sock");
        try (ServerSocketChannel slow = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            slow.bind(UnixDomainSocketAddress.of(socket));
            final Thread trickle = new Thread(() ->
            {
                try (SocketChannel connection = slow.accept())
                {
                    for (final byte b : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII))
                    {
                        connection.write(ByteBuffer.wrap(new byte[] {b}));
                        Thread.sleep(100);
                    }
                }
                catch (final Exception ignored)
                {
                    // the client gave up and closed
                }
            });
            trickle.setDaemon(true);
            trickle.start();

            final PluginException ex = assertThrows(PluginException.class,
                () -> new PluginClient("slow", socket, Duration.ofMillis(500)).call("Plugin.Activate", Map.of()));

            assertEquals("plugin \"slow\" at unix://" + socket + " did not answer Plugin.Activate within 500 ms", ex.getMessage());
        }
    }
}
