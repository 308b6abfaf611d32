package io.lanyard.control.model;

import io.lanyard.control.ports.PortBinding;

import java.time.Instant;
import java.util.List;

/**
 * A container's network stack: a named network namespace (or, with {@code netns == null}, the
 * daemon's own; or, as an absolute path, one made by someone else: {@link #isExternal}) and its
 * endpoints. A background command, if one was given with {@code run -d},
 * is remembered by PID and start time so a reused PID is never mistaken for it.
 *
 * @param state {@link #CREATING} and {@link #REMOVING} are written before the work starts, so a
 *              daemon that dies half-way knows on restart what to undo or finish.
 * @param ports the published ports, with the host ports actually bound (chosen ones filled in).
 * @param dns   its own upstream resolvers ({@code run --dns}); empty for the host's.
 * @param links its legacy links ({@code run --link NAME:ALIAS}), as {@code NAME:ALIAS}.
 */
public record Sandbox(
    String id,
    String name,
    String netns,
    Instant created,
    String state,
    List<String> command,
    Long pid,
    Long pidStartMillis,
    Integer exitCode,
    List<Endpoint> endpoints,
    List<PortBinding> ports,
    List<String> dns,
    List<String> links)
{
    public static final String CREATING = "creating";
    public static final String READY = "ready";
    public static final String REMOVING = "removing";

    public Sandbox
    {
        command = command == null ? List.of() : List.copyOf(command);
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        ports = ports == null ? List.of() : List.copyOf(ports);
        dns = dns == null ? List.of() : List.copyOf(dns);
        links = links == null ? List.of() : List.copyOf(links);
    }

    /** A sandbox that publishes no ports. */
    public Sandbox(final String id, final String name, final String netns, final Instant created, final String state,
        final List<String> command, final Long pid, final Long pidStartMillis, final Integer exitCode, final List<Endpoint> endpoints)
    {
        this(id, name, netns, created, state, command, pid, pidStartMillis, exitCode, endpoints, List.of(), List.of(), List.of());
    }

    public boolean isHostNetwork()
    {
        return netns == null;
    }

    /**
     * Whether the namespace is someone else's (a container runtime's, given to
     * {@code POST /sandboxes/attach} as a path): Lanyard neither made it nor deletes it, runs no
     * command in it and leaves its {@code /etc} files to their owner.
     */
    public boolean isExternal()
    {
        return netns != null && netns.startsWith("/");
    }

    /**
     * Whether the runtime moves and configures every interface of this attached namespace itself
     * ({@link Endpoint#isHandedOver}): it also serves the container's names and {@code /etc} files.
     */
    public boolean isHandedOver()
    {
        return isExternal() && !endpoints.isEmpty() && endpoints.stream().allMatch(Endpoint::isHandedOver);
    }

    public String shortId()
    {
        return id.substring(0, 12);
    }

    public Sandbox withState(final String newState)
    {
        return new Sandbox(id, name, netns, created, newState, command, pid, pidStartMillis, exitCode, endpoints, ports, dns, links);
    }

    public Sandbox withEndpoints(final List<Endpoint> newEndpoints)
    {
        return new Sandbox(id, name, netns, created, state, command, pid, pidStartMillis, exitCode, newEndpoints, ports, dns, links);
    }

    public Sandbox withPorts(final List<PortBinding> newPorts)
    {
        return new Sandbox(id, name, netns, created, state, command, pid, pidStartMillis, exitCode, endpoints, newPorts, dns, links);
    }

    public Sandbox withProcess(final Long newPid, final Long startMillis, final Integer newExitCode)
    {
        return new Sandbox(id, name, netns, created, state, command, newPid, startMillis, newExitCode, endpoints, ports, dns, links);
    }
}
