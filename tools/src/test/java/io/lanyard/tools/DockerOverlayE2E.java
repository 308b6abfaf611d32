package io.lanyard.tools;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two hosts, each a {@code lanyardd} of one cluster ({@link OverlayTestbed}) with a real dockerd
 * beside it ({@link Dockerd}): each dockerd's network is attached to the same Lanyard overlay
 * network, from its own part of the subnet ({@code --ip-range}), and their containers reach
 * each other across VXLAN.
 */
class DockerOverlayE2E
{
    private OverlayTestbed testbed;
    private final List<Dockerd> dockerds = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();

    @AfterEach
    void tearDown()
    {
        for (int i = dockerds.size() - 1; i >= 0; i--)
        {
            dockerds.get(i).close();
        }
        if (testbed != null)
        {
            testbed.close();
        }
        dirs.forEach(Namespaces::deleteTree);
    }

    private Dockerd dockerdBeside(final int n) throws Exception
    {
        final Path dir = Dockerd.newDirectory();
        dirs.add(dir);
        final Path pluginSocket = dir.resolve("plugin.sock");
        final LanyardHost host = testbed.addHost(n, "--docker-plugin", pluginSocket.toString());
        final Dockerd dockerd = new Dockerd(host, dir, pluginSocket);
        dockerds.add(dockerd);
        return dockerd;
    }

    @Test
    void shouldCarryContainersOfTwoDockerdHostsOnOneLanyardOverlay() throws Exception
    {
        Privileges.requireNetAdmin(Dockerd.TOOLS);
        testbed = new OverlayTestbed("dko");
        final Dockerd one = dockerdBeside(1);
        final Dockerd two = dockerdBeside(2);
        final LanyardHost hostOne = testbed.hosts.get(0);
        final LanyardHost hostTwo = testbed.hosts.get(1);
        hostOne.cli("network", "create", "--driver", "overlay", "--subnet", "10.0.7.0/24", "shared-ov").ok();
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> hostTwo.cli("network", "ls").out().contains("shared-ov")),
            "the overlay reached host 2");

        int part = 0;
        for (final Dockerd dockerd : List.of(one, two))
        {
            dockerd.ok("network", "create", "-d", dockerd.driver, "--ipam-driver", dockerd.driver, "--subnet", "10.0.7.0/24",
                "--ip-range", "10.0.7." + (128 * part++) + "/25", "--ipam-opt", "com.lanyard.network=shared-ov", "dov");
        }
        one.ok("run", "-d", "--name", "c1", "--network", "dov", Dockerd.IMAGE, "sleep", "600");
        two.ok("run", "-d", "--name", "c2", "--network", "dov", Dockerd.IMAGE, "sleep", "600");
        final String addressOne = one.addressOf("c1");
        final String addressTwo = two.addressOf("c2");
        assertTrue(addressOne.startsWith("10.0.7.") && Integer.parseInt(addressOne.substring(7)) < 128, addressOne);
        assertTrue(Integer.parseInt(addressTwo.substring(7)) >= 128, addressTwo);
        assertTrue(one.run("exec", "c1", "ip", "link", "show", "eth0").output().contains("mtu 1450"), "room for VXLAN");

        assertTrue(LanyardHost.eventually(Duration.ofSeconds(20), () -> one.run("exec", "c1", "ping", "-c", "1", "-W", "1", addressTwo)
            .status() == 0), "c1 on host 1 reaches c2 on host 2 across the overlay:\n" + hostOne.log() + hostTwo.log());
        two.ok("exec", "c2", "ping", "-c", "2", "-W", "2", addressOne);
        assertEquals(1, hostOne.get("/networks/shared-ov").path("Containers").size(), "each host lists its own container");

        one.ok("rm", "-f", "c1");
        two.ok("rm", "-f", "c2");
        one.ok("network", "rm", "dov");
        two.ok("network", "rm", "dov");
        assertTrue(hostTwo.cli("network", "ls").out().contains("shared-ov"), "the overlay outlives the Docker networks");
    }
}
