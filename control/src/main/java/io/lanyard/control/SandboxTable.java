package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sandboxes this daemon knows, each as last written to the state (half-made and half-removed
 * ones included, marked so), in the order they were made, and Docker's rules for finding one.
 */
final class SandboxTable
{
    private final Map<String, Sandbox> sandboxes = new LinkedHashMap<>();

    /** A copy: callers may add or drop sandboxes while they walk it. */
    List<Sandbox> all()
    {
        return List.copyOf(sandboxes.values());
    }

    /** @return null when there is none. */
    Sandbox byId(final String id)
    {
        return sandboxes.get(id);
    }

    /** Adds the sandbox, or replaces the one with its ID in its place. */
    void put(final Sandbox sandbox)
    {
        sandboxes.put(sandbox.id(), sandbox);
    }

    void remove(final String id)
    {
        sandboxes.remove(id);
    }

    /** Finds a sandbox by exact ID, exact name, or unique ID prefix. */
    Sandbox resolve(final String reference)
    {
        final Sandbox byId = sandboxes.get(reference);
        if (byId != null)
        {
            return byId;
        }
        final Optional<Sandbox> byName = withName(reference);
        if (byName.isPresent())
        {
            return byName.get();
        }
        final List<Sandbox> byPrefix = reference.isEmpty() ? List.of() :
            sandboxes.values().stream().filter(s -> s.id().startsWith(reference)).toList();
        if (byPrefix.size() == 1)
        {
            return byPrefix.get(0);
        }
        throw RequestException.notFound("No such container: " + reference);
    }

    /** The sandbox holding {@code name}, whatever its state: a name is taken until its sandbox is gone. */
    Optional<Sandbox> withName(final String name)
    {
        return sandboxes.values().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The sandbox called {@code name} that is not being removed: one that others may still see by name. */
    Optional<Sandbox> named(final String name)
    {
        return sandboxes.values().stream().filter(s -> s.name().equals(name) && !Sandbox.REMOVING.equals(s.state())).findFirst();
    }

    /** The sandboxes attached to a network, with their endpoint on it. */
    Map<Sandbox, Endpoint> members(final Network network)
    {
        final Map<Sandbox, Endpoint> members = new LinkedHashMap<>();
        for (final Sandbox sandbox : sandboxes.values())
        {
            for (final Endpoint endpoint : sandbox.endpoints())
            {
                if (endpoint.networkId().equals(network.id()))
                {
                    members.put(sandbox, endpoint);
                }
            }
        }
        return members;
    }
}
