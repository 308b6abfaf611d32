package io.lanyard.control;

import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.lanyard.control.ModelFixtures.bridge;
import static io.lanyard.control.ModelFixtures.endpoint;
import static io.lanyard.control.ModelFixtures.overlay;
import static io.lanyard.control.ModelFixtures.sandbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What is shared with the cluster for endpoints on a daemon outside one; with a cluster the same
 * class is exercised by {@link OverlayReconciliationTest}.
 */
class ClusterEndpointsTest
{
    private final NetworkTable networks = new NetworkTable();
    private final Network front = bridge("front", "172.18.0.0/16");
    private final Network ov = overlay("ov", "10.0.0.0/24", 4096);
    private final ClusterEndpoints endpoints = new ClusterEndpoints(networks, ControlPlane.Routing.NONE);

    ClusterEndpointsTest()
    {
        networks.put(front);
        networks.put(ov);
    }

    @Test
    void shouldShareNothingAndLeaveQuietlyFromNetworksThatAreNotOverlays()
    {
        final Sandbox sandbox = sandbox('1', "c1", endpoint("e1", front, "eth0", "172.18.0.2"));

        endpoints.register(sandbox, sandbox.endpoints().get(0));
        endpoints.registerLater(sandbox);
        endpoints.leave(sandbox, sandbox.endpoints().get(0), "remove");

        assertEquals(List.of(), endpoints.shared(sandbox));
    }

    @Test
    void shouldRefuseToRegisterOrWithdrawAnOverlayEndpointOutsideACluster()
    {
        final Sandbox sandbox = sandbox('1', "c1", endpoint("e1", ov, "eth0", "10.0.0.2"));

        final RequestException register = assertThrows(RequestException.class, () -> endpoints.register(sandbox, sandbox.endpoints().get(0)));
        final RequestException leave = assertThrows(RequestException.class,
            () -> endpoints.leave(sandbox, sandbox.endpoints().get(0), "disconnect"));

        assertEquals(List.of(), endpoints.shared(sandbox), "nothing to share outside a cluster");
        assertEquals(400, register.status());
        assertEquals("cannot join an overlay network: this daemon is not in a cluster (start lanyardd with --store etcd://HOST:PORT " +
            "--advertise-addr IP)", register.getMessage());
        assertEquals("cannot disconnect c1: this daemon is not in a cluster (start lanyardd with --store etcd://HOST:PORT " +
            "--advertise-addr IP)", leave.getMessage());
    }
}
