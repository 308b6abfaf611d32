package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lanyard beside Docker (issue 18): the test host's namespace gets what a host running Docker has,
 * a {@code docker0} (one end of a veth here: this kernel has no dummy devices) holding 172.17.0.1/16. The default bridge and networks
 * made without {@code --subnet} skip the subnets the host's routes hold, an explicit
 * {@code --subnet} that overlaps one is refused naming the route, {@code --default-address-pool}
 * and {@code --bip} place them where the operator says, and a {@code --bip} that would move a
 * default bridge with sandboxes on it stops the start with one line.
 */
class BesideDockerE2E
{
    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "nsenter", "ping");
        host = new LanyardHost("bd");
        dockerZero(host);
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void shouldKeepItsNetworksOffTheHostsRoutes() throws Exception
    {
        host.start();
        assertEquals("172.18.0.0/16", subnet("bridge"), "docker0 holds 172.17.0.0/16: the default bridge takes the next pool");
        host.cli("network", "create", "n1").ok();
        assertEquals("172.19.0.0/16", subnet("n1"));
        final LanyardHost.Result overlapping = host.cli("network", "create", "--subnet", "172.17.5.0/24", "bad");
        assertEquals(1, overlapping.status());
        assertEquals("Error response from daemon: subnet 172.17.5.0/24 overlaps the host's route 172.17.0.0/16 dev docker0",
            overlapping.err().strip());
        host.cli("run", "-d", "--name", "c1").ok();
        host.inSandbox("c1", "ping", "-c", "1", "-W", "2", "172.18.0.1").assertOk();

        // --bip would move the default bridge from under c1: the start stops, saying so
        host.terminate();
        final Process refused = host.startDaemon(List.of("--bip", "192.168.200.1/24"));
        assertTrue(refused.waitFor(60, TimeUnit.SECONDS), host.log());
        assertEquals(1, refused.exitValue(), host.log());
        assertTrue(host.log().lines().anyMatch(l -> l.equals("lanyardd: cannot start: --bip 192.168.200.1/24: the default bridge is on " +
            "172.18.0.0/16 with sandboxes on it (c1); remove them, or start with the --bip it has")), host.log());

        // without c1 it moves, and its next sandbox lives there
        host.start();
        host.cli("rm", "-f", "c1").ok();
        host.terminate();
        host.withFlags("--bip", "192.168.200.1/24").start();
        assertEquals("192.168.200.0/24", subnet("bridge"));
        host.cli("run", "-d", "--name", "c2").ok();
        assertTrue(host.inSandbox("c2", "ip", "-4", "-o", "addr", "show", "eth0").assertOk().output().contains("192.168.200.2/24"));
        host.inSandbox("c2", "ping", "-c", "1", "-W", "2", "192.168.200.1").assertOk();
        assertEquals("172.19.0.0/16", subnet("n1"), "other networks stay where they are");
    }

    @Test
    void shouldTakeSubnetsFromTheDefaultAddressPoolsAndRefuseABipOnAHostRoute() throws Exception
    {
        host.withFlags("--default-address-pool", "base=10.99.0.0/16,size=24").start();
        assertEquals("10.99.0.0/24", subnet("bridge"), "the default bridge takes the first pool subnet, as docker0 does");
        host.cli("network", "create", "n1").ok();
        host.cli("network", "create", "n2").ok();
        assertEquals("10.99.1.0/24", subnet("n1"));
        assertEquals("10.99.2.0/24", subnet("n2"));
        host.terminate();

        final LanyardHost other = new LanyardHost("bdb");
        try
        {
            dockerZero(other);
            final Process refused = other.startDaemon(List.of("--bip", "172.17.200.1/24"));
            assertTrue(refused.waitFor(60, TimeUnit.SECONDS), other.log());
            assertNotEquals(0, refused.exitValue());
            assertTrue(other.log().contains("lanyardd: cannot start: --bip 172.17.200.1/24 overlaps the host's route 172.17.0.0/16 dev docker0"),
                other.log());
            final Process bad = other.startDaemon(List.of("--default-address-pool", "base=10.99.0.0/16"));
            assertTrue(bad.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, bad.exitValue());
            assertTrue(other.log().contains("lanyardd: --default-address-pool base=10.99.0.0/16: expected base=CIDR,size=N"), other.log());
        }
        finally
        {
            other.close();
        }
    }

    /** What Docker leaves in a host's namespace: docker0 with 172.17.0.1/16, so a route to 172.17.0.0/16 on it. */
    private static void dockerZero(final LanyardHost on)
    {
        on.inHost("ip", "link", "add", "docker0", "type", "veth", "peer", "name", "docker0-peer").assertOk();
        on.inHost("ip", "addr", "add", "172.17.0.1/16", "dev", "docker0").assertOk();
        on.inHost("ip", "link", "set", "docker0-peer", "up").assertOk();
        on.inHost("ip", "link", "set", "docker0", "up").assertOk();
    }

    private String subnet(final String network) throws Exception
    {
        final JsonNode inspect = Json.MAPPER.readTree(host.cli("network", "inspect", network).ok().out()).get(0);
        return inspect.path("IPAM").path("Config").get(0).path("Subnet").asText();
    }
}
