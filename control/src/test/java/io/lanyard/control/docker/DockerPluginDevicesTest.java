package io.lanyard.control.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.client.api.PortCreateRequest;
import io.lanyard.control.ControlPlaneFixture;
import io.lanyard.control.api.ApiResponse;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.tap.NamespaceThread;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Docker's plugin calls that make devices, without a dockerd: the plugin's calls run on a thread
 * inside a namespace of the test's own, standing for the daemon's, where {@code Join} makes the
 * TAP it hands over (nothing moves it into a container here).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DockerPluginDevicesTest
{
    private static final String NETWORK_ID = "5c0e7a8d1f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5";

    @TempDir
    Path tmp;

    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private Path daemonNetns;
    private ControlPlaneFixture fixture;
    private DockerPluginRoutes routes;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip");
        namespaces = new Namespaces("dp");
        namespaceThread = new NamespaceThread();
        daemonNetns = Path.of("/run/netns", namespaces.add("d"));
        fixture = ControlPlaneFixture.fresh(tmp);
        routes = new DockerPluginRoutes(fixture.control(), tmp.resolve("state"));
    }

    @AfterEach
    void tearDown()
    {
        if (fixture != null)
        {
            fixture.close();
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
    void shouldRefuseToDeleteANetworkHoldingAVmPortBeforeDetachingAnyOfDockersEndpoints()
    {
        ok("/NetworkDriver.CreateNetwork", "{\"NetworkID\": \"" + NETWORK_ID + "\", \"IPv4Data\": [{\"Pool\": \"10.86.0.0/24\", " +
            "\"Gateway\": \"10.86.0.1/24\"}], \"IPv6Data\": []}");
        ok("/NetworkDriver.CreateEndpoint", "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\", " +
            "\"Interface\": {\"Address\": \"10.86.0.2/24\"}}");
        ok("/NetworkDriver.Join", "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\", " +
            "\"SandboxKey\": \"/run/docker/netns/c0ffee\"}");
        final Network network = fixture.control().network("docker-" + NETWORK_ID.substring(0, 12));
        namespaceThread.call(daemonNetns, () -> fixture.control().createPort(new PortCreateRequest("vm0", network.name(), null, null, null)));

        final ApiResponse refused = namespaceThread.call(daemonNetns, () -> call("/NetworkDriver.DeleteNetwork",
            "{\"NetworkID\": \"" + NETWORK_ID + "\"}"));

        assertEquals("error while removing network: network " + network.name() + " id " + network.id() + " has active endpoints (vm0)",
            Json.MAPPER.valueToTree(refused.body()).path("Err").asText());
        assertEquals(409, refused.status());
        assertTrue(fixture.control().sandboxes().stream().map(Sandbox::name).anyMatch("docker-c0ffee"::equals),
            "Docker's endpoint is still joined");
        assertEquals(0, Shell.run(List.of("ip", "-n", daemonNetns.getFileName().toString(), "link", "show", "lye1")).status(),
            "its TAP is still there");
    }

    private ApiResponse call(final String path, final String body)
    {
        return routes.handle("POST", path, body.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode ok(final String path, final String body)
    {
        final ApiResponse response = namespaceThread.call(daemonNetns, () -> call(path, body));
        final JsonNode answer = Json.MAPPER.valueToTree(response.body());
        assertEquals(200, response.status(), path + ": " + answer);
        return answer;
    }
}
