package io.lanyard.control.api;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Networks and sandboxes for a stored state that a socket test's daemon restores without root:
 * sandboxes live on the host network (no namespace of their own) and their endpoints on other
 * networks have no interface, so restoring them makes no namespace and no device.
 */
final class StoredModels
{
    private StoredModels()
    {
    }

    static Network hostNetwork(final String id, final Instant created)
    {
        return new Network(id, "host", Network.DRIVER_HOST, Network.SCOPE_LOCAL, created, false, false, null, null, null);
    }

    static Network bridgeNetwork(final String id, final String name, final String subnet, final String gateway, final Instant created,
        final Map<String, String> labels)
    {
        return new Network(id, name, Network.DRIVER_BRIDGE, Network.SCOPE_LOCAL, created, false, false,
            List.of(new IpamPool(subnet, gateway, null, Map.of())), null, labels);
    }

    /**
     * A host-network sandbox with an endpoint (no interface, no address) on each network; with a
     * {@code pid}, a command that ran as that process and exited with {@code exitCode}.
     */
    static Sandbox hostSandbox(final String id, final String name, final Instant created, final List<String> command, final Long pid,
        final Integer exitCode, final String... networkIds)
    {
        final List<Endpoint> endpoints = new ArrayList<>();
        for (final String networkId : networkIds)
        {
            endpoints.add(new Endpoint(endpointId(id, networkId), networkId, null, null, 0, null, null, null));
        }
        return new Sandbox(id, name, null, created, Sandbox.READY, command, pid, pid == null ? null : 1L, exitCode, endpoints);
    }

    /** The ID {@link #hostSandbox} gives the sandbox's endpoint on a network. */
    static String endpointId(final String sandboxId, final String networkId)
    {
        return sandboxId.substring(0, 32) + networkId.substring(0, 32);
    }
}
