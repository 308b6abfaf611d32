package io.lanyard.control;

import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.State;
import io.lanyard.control.remote.PluginServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.NetworkRequest.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Networks of a remote driver plugin through the control plane: Lanyard's IPAM passed to the
 * plugin, the plugin's refusals as the user's errors, nothing left of a refused network. No
 * namespace is made, so these run without root; endpoints are {@code RemoteDriverE2E}'s.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RemoteNetworkTest
{
    @TempDir
    Path tempDir;

    private ControlPlaneFixture fixture;
    private PluginServer plugin;

    @BeforeEach
    void start() throws IOException
    {
        final Path plugins = Files.createDirectories(tempDir.resolve("plugins"));
        plugin = PluginServer.start(tempDir.resolve("weave-test.sock"));
        Files.writeString(plugins.resolve("weave-test.spec"), "unix://" + plugin.socket() + "\n");
        fixture = new ControlPlaneFixture(tempDir.resolve("work"), tempDir.resolve("state"), true, List.of(plugins));
        fixture.control().restore(State.empty());
    }

    @AfterEach
    void stop()
    {
        fixture.close();
        plugin.close();
    }

    @Test
    void shouldAddressARemoteNetworkAndPassItsPoolToThePlugin()
    {
        final Network network = fixture.control().createNetwork(named("n1").driver("weave-test").option("k", "v").build());

        assertEquals("weave-test", network.driver());
        assertEquals(List.of(new IpamPool("172.18.0.0/16", "172.18.0.1", null, Map.of())), network.ipam());
        final PluginServer.Call call = plugin.calls().get(plugin.calls().size() - 1);
        assertEquals("NetworkDriver.CreateNetwork", call.method());
        assertEquals(network.id(), call.body().path("NetworkID").asText());
        assertEquals("172.18.0.0/16", call.body().path("IPv4Data").path(0).path("Pool").asText());
        assertEquals("172.18.0.1/16", call.body().path("IPv4Data").path(0).path("Gateway").asText());
        assertEquals("v", call.body().path("Options").path("com.docker.network.generic").path("k").asText());
        assertTrue(fixture.store().load().networks().stream().anyMatch(n -> n.id().equals(network.id())));
    }

    @Test
    void shouldMakeNoNetworkWhenThePluginRefusesIt()
    {
        plugin.answer("NetworkDriver.CreateNetwork", body -> PluginServer.Answer.err("weave is not ready"));

        final RequestException ex = assertThrows(RequestException.class,
            () -> fixture.control().createNetwork(named("n1").driver("weave-test").build()));

        assertEquals("weave is not ready", ex.getMessage());
        assertTrue(fixture.control().networks().stream().noneMatch(n -> n.name().equals("n1")));
        assertEquals("172.18.0.0/16", fixture.control().createNetwork(named("n2").build()).ipam().get(0).subnet());
    }

    @Test
    void shouldSayAMissingPluginIsNotFound()
    {
        final RequestException ex = assertThrows(RequestException.class,
            () -> fixture.control().createNetwork(named("n1").driver("nobody-test").build()));

        assertEquals("plugin \"nobody-test\" not found", ex.getMessage());
        assertEquals(404, ex.status());
        assertTrue(fixture.control().networks().stream().noneMatch(n -> n.name().equals("n1")));
    }

    @Test
    void shouldDeleteTheNetworkInThePluginOnRemove()
    {
        final Network network = fixture.control().createNetwork(named("n1").driver("weave-test").build());

        fixture.control().removeNetwork("n1");

        assertEquals(List.of("NetworkDriver.CreateNetwork", "NetworkDriver.DeleteNetwork"), plugin.methods());
        assertEquals(network.id(), plugin.calls().get(plugin.calls().size() - 1).body().path("NetworkID").asText());
        assertTrue(fixture.control().networks().stream().noneMatch(n -> n.name().equals("n1")));
    }

    @Test
    void shouldKeepTheNetworkWhenThePluginRefusesToDeleteIt()
    {
        fixture.control().createNetwork(named("n1").driver("weave-test").build());
        plugin.answer("NetworkDriver.DeleteNetwork", body -> PluginServer.Answer.err("network busy"));

        final RequestException ex = assertThrows(RequestException.class, () -> fixture.control().removeNetwork("n1"));

        assertEquals("network busy", ex.getMessage());
        assertTrue(fixture.control().networks().stream().anyMatch(n -> n.name().equals("n1")));
    }
}
