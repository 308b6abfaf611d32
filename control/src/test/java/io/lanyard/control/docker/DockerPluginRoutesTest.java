package io.lanyard.control.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.control.ControlPlaneFixture;
import io.lanyard.control.NetworkCreate;
import io.lanyard.control.RequestException;
import io.lanyard.control.api.ApiResponse;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Docker's plugin calls as dockerd makes them, against a real control plane: the network-level
 * calls and the IPAM driver (Join and Leave make devices and are driven by {@code DockerE2E}
 * against a real dockerd), the plugin's state across a daemon restart, and every malformed call
 * answered in Docker's error shape with nothing changed.
 */
class DockerPluginRoutesTest
{
    private static final String NETWORK_ID = "0be4e562439fa47fbabc7e2588e0e7ef8b31152b18515ba53aa9a9f12d9cd54e";

    @TempDir
    Path tmp;

    private ControlPlaneFixture fixture;
    private DockerPluginRoutes routes;

    @BeforeEach
    void start()
    {
        fixture = ControlPlaneFixture.fresh(tmp);
        routes = new DockerPluginRoutes(fixture.control(), tmp.resolve("state"));
    }

    @AfterEach
    void stop()
    {
        fixture.close();
    }

    @Test
    void shouldActivateAsANetworkAndAnIpamDriverOfLocalScope() throws IOException
    {
        assertEquals("[\"NetworkDriver\",\"IpamDriver\"]", ok("/Plugin.Activate", "").path("Implements").toString());
        assertEquals("local", ok("/NetworkDriver.GetCapabilities", "").path("Scope").asText());
        assertEquals("lanyard", ok("/IpamDriver.GetDefaultAddressSpaces", "{}").path("LocalDefaultAddressSpace").asText());
        assertFalse(ok("/IpamDriver.GetCapabilities", "{}").path("RequiresRequestReplay").asBoolean(true));
    }

    @Test
    void shouldMakeALanyardNetworkFromADefaultPoolAndHandOutItsAddressesLowestFirst() throws IOException
    {
        final JsonNode pool = ok("/IpamDriver.RequestPool", "{\"AddressSpace\": \"lanyard\", \"Pool\": \"\", \"Options\": {}, \"V6\": false}");
        final String subnet = pool.path("Pool").asText();
        assertFalse(subnet.startsWith("172.17."), "the default bridge's subnet is taken: " + subnet);
        final String poolId = pool.path("PoolID").asText();
        final String base = subnet.substring(0, subnet.lastIndexOf('.') + 1);
        final String prefix = subnet.substring(subnet.indexOf('/'));
        assertEquals(base + "1" + prefix, address(poolId, "{\"RequestAddressType\": \"com.docker.network.gateway\"}"));
        ok("/NetworkDriver.CreateNetwork", createNetwork(NETWORK_ID, subnet, base + "1" + prefix, "{}"));
        final Network network = fixture.control().network("docker-0be4e562439f");
        assertEquals(subnet, network.ipam().get(0).subnet());
        assertEquals(base + "1", network.ipam().get(0).gateway());

        assertEquals(base + "2" + prefix, address(poolId, "{}"));
        assertEquals(base + "3" + prefix, address(poolId, "{}"));
        ok("/IpamDriver.ReleaseAddress", "{\"PoolID\": \"" + poolId + "\", \"Address\": \"" + base + "2\"}");
        assertEquals(base + "2" + prefix, address(poolId, "{}"), "a released address is handed out again");
        assertEquals(409, call("/IpamDriver.RequestAddress", "{\"PoolID\": \"" + poolId + "\", \"Address\": \"" + base + "3\"}")
            .status(), "an address handed out is not handed out twice");

        final JsonNode endpoint = ok("/NetworkDriver.CreateEndpoint", "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\", " +
            "\"Interface\": {\"Address\": \"" + base + "2" + prefix + "\"}, \"Options\": {}}");
        assertEquals("02:42:" + macOf(base + "2"), endpoint.path("Interface").path("MacAddress").asText());
        ok("/NetworkDriver.DeleteEndpoint", "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\"}");

        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\": \"" + NETWORK_ID + "\"}");
        assertTrue(fixture.control().networks().stream().noneMatch(n -> n.name().startsWith("docker-")));
        ok("/IpamDriver.ReleasePool", "{\"PoolID\": \"" + poolId + "\"}");
        final JsonNode kept = Json.MAPPER.readTree(tmp.resolve("state").resolve(DockerPluginState.FILE_NAME).toFile());
        assertEquals("{\"networks\":{},\"endpoints\":{},\"pools\":{}}", kept.toString(), "nothing is left to remember");
    }

    @Test
    void shouldRememberItsNetworksPoolsAndAddressesAcrossARestart() throws IOException
    {
        final String poolId = ok("/IpamDriver.RequestPool", "{\"Pool\": \"10.81.0.0/24\"}").path("PoolID").asText();
        address(poolId, "{\"RequestAddressType\": \"com.docker.network.gateway\"}");
        ok("/NetworkDriver.CreateNetwork", createNetwork(NETWORK_ID, "10.81.0.0/24", "10.81.0.1/24", "{}"));
        assertEquals("10.81.0.2/24", address(poolId, "{}"));

        routes = new DockerPluginRoutes(fixture.control(), tmp.resolve("state"));
        assertEquals("10.81.0.3/24", address(poolId, "{}"), "the pool and its addresses came back");
        assertEquals(403, call("/IpamDriver.RequestPool", "{\"Pool\": \"10.81.0.0/24\"}").status(), "the subnet is still promised");
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\": \"" + NETWORK_ID + "\"}");
        assertTrue(fixture.control().networks().stream().noneMatch(n -> n.name().startsWith("docker-")),
            "the restarted plugin still knew which Lanyard network to remove");
    }

    @Test
    void shouldAttachToAnExistingLanyardNetworkAndLeaveItWhenDockerRemovesItsOwn() throws IOException
    {
        fixture.control().createNetwork(new NetworkCreate("shared", Network.DRIVER_BRIDGE,
            List.of(new IpamPool("10.80.0.0/24", "10.80.0.1", null, Map.of())), false, true, Map.of(), Map.of()));
        assertRefused(400, "give the subnet of Lanyard network shared too: --subnet 10.80.0.0/24",
            call("/IpamDriver.RequestPool", "{\"Pool\": \"\", \"Options\": {\"com.lanyard.network\": \"shared\"}}"));
        assertRefused(400, "Lanyard network shared has subnet 10.80.0.0/24, not 10.80.1.0/24",
            call("/IpamDriver.RequestPool", "{\"Pool\": \"10.80.1.0/24\", \"Options\": {\"com.lanyard.network\": \"shared\"}}"));
        final JsonNode pool = ok("/IpamDriver.RequestPool", "{\"Pool\": \"10.80.0.0/24\", \"Options\": {\"com.lanyard.network\": \"shared\"}}");
        assertEquals("10.80.0.0/24", pool.path("Pool").asText());
        final String poolId = pool.path("PoolID").asText();
        assertEquals("10.80.0.1/24", address(poolId, "{\"RequestAddressType\": \"com.docker.network.gateway\"}"));
        assertEquals(400, call("/IpamDriver.RequestAddress", "{\"PoolID\": \"" + poolId + "\", \"Address\": \"10.80.0.9\", " +
            "\"Options\": {\"RequestAddressType\": \"com.docker.network.gateway\"}}").status(), "the network's gateway is its own");
        final int networksBefore = fixture.control().networks().size();
        ok("/NetworkDriver.CreateNetwork", createNetwork(NETWORK_ID, "10.80.0.0/24", "10.80.0.1/24", "{}"));
        assertEquals(networksBefore, fixture.control().networks().size(), "no network was made: the pool named one");
        assertEquals("10.80.0.2/24", address(poolId, "{}"));

        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\": \"" + NETWORK_ID + "\"}");
        assertEquals("shared", fixture.control().network("shared").name(), "an existing network outlives the Docker network");
    }

    @Test
    void shouldRefuseADriverOptionNamingANetworkOfAnotherSubnetAndChangeNothing() throws IOException
    {
        fixture.control().createNetwork(new NetworkCreate("shared", Network.DRIVER_BRIDGE,
            List.of(new IpamPool("10.80.0.0/24", "10.80.0.1", null, Map.of())), false, true, Map.of(), Map.of()));
        final int networksBefore = fixture.control().networks().size();
        final ApiResponse refused = call("/NetworkDriver.CreateNetwork", createNetwork(NETWORK_ID, "10.82.0.0/24", "10.82.0.1/24",
            "{\"com.lanyard.network\": \"shared\"}"));
        assertEquals(400, refused.status());
        assertEquals("Lanyard network shared has subnet 10.80.0.0/24, not 10.82.0.0/24: give docker network create --subnet " +
            "10.80.0.0/24 (and --ipam-driver with --ipam-opt com.lanyard.network=shared, so its addresses are handed out around the " +
            "network's own)", err(refused));
        assertEquals(networksBefore, fixture.control().networks().size());
        assertEquals(404, call("/NetworkDriver.CreateEndpoint", "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\", " +
            "\"Interface\": {\"Address\": \"10.82.0.2/24\"}}").status(), "the refused network was not remembered");
        assertEquals("network nope not found", err(call("/NetworkDriver.CreateNetwork", createNetwork(NETWORK_ID, "10.82.0.0/24",
            "10.82.0.1/24", "{\"com.lanyard.network\": \"nope\"}"))));
    }

    @Test
    void shouldAnswerMalformedAndUnsupportedCallsInDockersErrorShape()
    {
        assertRefused(405, "method GET not allowed: plugin calls are POSTs", routes.handle("GET", "/Plugin.Activate", new byte[0]));
        assertRefused(404, "unknown plugin call /VolumeDriver.Create", call("/VolumeDriver.Create", "{}"));
        assertRefused(404, "unknown plugin call NetworkDriver.Explode", call("/NetworkDriver.Explode", "{}"));
        assertEquals(400, call("/NetworkDriver.CreateNetwork", "{\"NetworkID\": ").status());
        assertRefused(400, "the body of /NetworkDriver.CreateNetwork must be a JSON object", call("/NetworkDriver.CreateNetwork", "[1]"));
        assertRefused(400, "NetworkID is required", call("/NetworkDriver.CreateNetwork", "{}"));
        assertRefused(400, "NetworkID is required", call("/NetworkDriver.CreateNetwork", "{\"NetworkID\": 7}"));
        assertRefused(400, "NetworkID must be 1 to 64 of [a-zA-Z0-9_.-], as Docker's IDs are",
            call("/NetworkDriver.CreateNetwork", createNetwork("a".repeat(65_536), "10.83.0.0/24", "10.83.0.1/24", "{}")));
        assertRefused(400, "NetworkID must be 1 to 64 of [a-zA-Z0-9_.-], as Docker's IDs are",
            call("/NetworkDriver.CreateNetwork", createNetwork("n/../x\\n", "10.83.0.0/24", "10.83.0.1/24", "{}")));
        assertRefused(400, "Lanyard networks are IPv4 only: create the network without --ipv6", call("/NetworkDriver.CreateNetwork",
            "{\"NetworkID\": \"n\", \"IPv4Data\": [{\"Pool\": \"10.83.0.0/24\"}], \"IPv6Data\": [{\"Pool\": \"fd00::/64\"}]}"));
        assertRefused(400, "invalid CIDR address: 10.83.0.0", call("/NetworkDriver.CreateNetwork",
            "{\"NetworkID\": \"n\", \"IPv4Data\": [{\"Pool\": \"10.83.0.0\"}]}"));
        assertRefused(400, "Lanyard's IPAM driver has no IPv6 pools: create the network without --ipv6",
            call("/IpamDriver.RequestPool", "{\"V6\": true}"));
        assertRefused(403, "Pool overlaps with other one on this address space", call("/IpamDriver.RequestPool", "{\"Pool\": \"172.17.0.0/24\"}"));
        assertRefused(404, "pool 10.9.9.0/24 was not requested from this driver",
            call("/IpamDriver.RequestAddress", "{\"PoolID\": \"10.9.9.0/24\"}"));
        assertRefused(404, "endpoint e9 was not created through this plugin",
            call("/NetworkDriver.Join", "{\"NetworkID\": \"n\", \"EndpointID\": \"e9\", \"SandboxKey\": \"/run/docker/netns/abc\"}"));
        assertTrue(fixture.control().networks().stream().noneMatch(n -> n.name().startsWith("docker-")), "nothing was made");
        assertFalse(Files.exists(tmp.resolve("state").resolve(DockerPluginState.FILE_NAME)), "nothing was remembered");
    }

    @Test
    void shouldRefuseEndpointsItCannotServe() throws IOException
    {
        ok("/NetworkDriver.CreateNetwork", createNetwork(NETWORK_ID, "10.84.0.0/24", "10.84.0.1/24", "{}"));
        final String create = "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\", \"Interface\": ";
        assertRefused(400, "the endpoint needs an IPv4 address from its IPAM driver", call("/NetworkDriver.CreateEndpoint", create + "{}}"));
        assertRefused(400, "Lanyard networks are IPv4 only: no IPv6 address for the endpoint", call("/NetworkDriver.CreateEndpoint",
            create + "{\"Address\": \"10.84.0.2/24\", \"AddressIPv6\": \"fd00::2/64\"}}"));
        assertRefused(400, "Lanyard gives a container the MAC of its address (02:42:0a:54:00:02), not 02:00:00:00:00:01",
            call("/NetworkDriver.CreateEndpoint", create + "{\"Address\": \"10.84.0.2/24\", \"MacAddress\": \"02:00:00:00:00:01\"}}"));
        assertRefused(400, "EndpointID must be 1 to 64 of [a-zA-Z0-9_.-], as Docker's IDs are", call("/NetworkDriver.CreateEndpoint",
            "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e/9\", \"Interface\": {\"Address\": \"10.84.0.3/24\"}}"));
        assertRefused(400, "address 10.85.0.2 is outside the subnet of Lanyard network docker-0be4e562439f",
            call("/NetworkDriver.CreateEndpoint", create + "{\"Address\": \"10.85.0.2/24\"}}"));
        assertRefused(404, "endpoint e1 has not joined a container", call("/NetworkDriver.ProgramExternalConnectivity",
            "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\", \"Options\": {\"com.docker.network.portmap\": " +
            "[{\"Proto\": 6, \"Port\": 80, \"HostPort\": 8080}]}}"));
        ok("/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\", \"Options\": {}}");
        final JsonNode given = ok("/NetworkDriver.CreateEndpoint", create + "{\"Address\": \"10.84.0.2/24\", " +
            "\"MacAddress\": \"02:42:0a:54:00:02\"}}");
        assertEquals("{}", given.path("Interface").toString(), "a MAC Docker gave is not given back");
    }

    @Test
    void shouldRefuseASandboxKeyThatNamesNoSandbox() throws IOException
    {
        ok("/NetworkDriver.CreateNetwork", createNetwork(NETWORK_ID, "10.84.0.0/24", "10.84.0.1/24", "{}"));
        ok("/NetworkDriver.CreateEndpoint", "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\", " +
            "\"Interface\": {\"Address\": \"10.84.0.2/24\"}}");
        final int sandboxesBefore = fixture.control().sandboxes().size();

        for (final String key : List.of("/", "/run/docker/netns/%%%"))
        {
            assertRefused(400, "SandboxKey " + key + " names no sandbox", call("/NetworkDriver.Join",
                "{\"NetworkID\": \"" + NETWORK_ID + "\", \"EndpointID\": \"e1\", \"SandboxKey\": \"" + key + "\"}"));
        }
        assertEquals(sandboxesBefore, fixture.control().sandboxes().size(), "nothing was attached");
    }

    @Test
    void shouldReadDockersPortBindingsAsPublishSpecs() throws IOException
    {
        assertEquals("8080:80/tcp", DockerNetworkDriver.portSpec(Json.MAPPER.readTree("{\"Proto\": 6, \"Port\": 80, \"HostPort\": 8080}")));
        assertEquals("53/udp", DockerNetworkDriver.portSpec(Json.MAPPER.readTree("{\"Proto\": 17, \"Port\": 53, \"HostPort\": 0}")));
        assertEquals("127.0.0.1:8081:80/tcp", DockerNetworkDriver.portSpec(Json.MAPPER.readTree(
            "{\"Proto\": 6, \"Port\": 80, \"HostIP\": \"127.0.0.1\", \"HostPort\": 8081}")));
        assertEquals("127.0.0.1::80/tcp", DockerNetworkDriver.portSpec(Json.MAPPER.readTree(
            "{\"Proto\": 6, \"Port\": 80, \"HostIP\": \"127.0.0.1\", \"HostPort\": 0}")));
        final RequestException sctp = assertThrows(RequestException.class,
            () -> DockerNetworkDriver.portSpec(Json.MAPPER.readTree("{\"Proto\": 132, \"Port\": 80}")));
        assertEquals("unsupported port binding {\"Proto\":132,\"Port\":80}: TCP or UDP ports 1 to 65535", sctp.getMessage());
    }

    private static String createNetwork(final String id, final String pool, final String gateway, final String generic)
    {
        return "{\"NetworkID\": \"" + id + "\", \"Options\": {\"com.docker.network.enable_ipv6\": false, " +
            "\"com.docker.network.generic\": " + generic + "}, \"IPv4Data\": [{\"AddressSpace\": \"lanyard\", \"Pool\": \"" + pool +
            "\", \"Gateway\": \"" + gateway + "\"}], \"IPv6Data\": []}";
    }

    private String address(final String poolId, final String options) throws IOException
    {
        return ok("/IpamDriver.RequestAddress", "{\"PoolID\": \"" + poolId + "\", \"Address\": \"\", \"Options\": " + options + "}")
            .path("Address").asText();
    }

    private static String macOf(final String address)
    {
        final String[] octets = address.split("\\.");
        final StringBuilder mac = new StringBuilder();
        for (final String octet : octets)
        {
            mac.append(mac.length() == 0 ? "" : ":").append(String.format("%02x", Integer.parseInt(octet)));
        }
        return mac.toString();
    }

    private ApiResponse call(final String path, final String body)
    {
        return routes.handle("POST", path, body.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode ok(final String path, final String body) throws IOException
    {
        final ApiResponse response = call(path, body);
        assertEquals(200, response.status(), path + ": " + Json.MAPPER.writeValueAsString(response.body()));
        return Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(response.body()));
    }

    private static String err(final ApiResponse response)
    {
        return Json.MAPPER.valueToTree(response.body()).path("Err").asText();
    }

    private static void assertRefused(final int status, final String message, final ApiResponse response)
    {
        assertEquals(message, err(response));
        assertEquals(status, response.status(), message);
    }
}
