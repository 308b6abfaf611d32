package io.lanyard.control.model;

import java.time.Instant;
import java.util.List;

/**
 * A container's network stack: a named network namespace (or, with {@code netns == null}, the
 * daemon's own) and its endpoints. A background command, if one was given with {@code run -d},
 * is remembered by PID and start time so a reused PID is never mistaken for it.
 *
 * @param state {@link #CREATING} and {@link #REMOVING} are written before the work starts, so a
 *              daemon that dies half-way knows on restart what to undo or finish.
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
    List<Endpoint> endpoints)
{
    public static final String CREATING = "creating";
    public static final String READY = "ready";
    public static final String REMOVING = "removing";

    public Sandbox
    {
        command = command == null ? List.of() : List.copyOf(command);
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }

    public boolean isHostNetwork()
    {
        return netns == null;
    }

    public String shortId()
    {
        return id.substring(0, 12);
    }

    public Sandbox withState(final String newState)
    {
        return new Sandbox(id, name, netns, created, newState, command, pid, pidStartMillis, exitCode, endpoints);
    }

    public Sandbox withEndpoints(final List<Endpoint> newEndpoints)
    {
        return new Sandbox(id, name, netns, created, state, command, pid, pidStartMillis, exitCode, newEndpoints);
    }

    public Sandbox withProcess(final Long newPid, final Long startMillis, final Integer newExitCode)
    {
        return new Sandbox(id, name, netns, created, state, command, newPid, startMillis, newExitCode, endpoints);
    }
}
