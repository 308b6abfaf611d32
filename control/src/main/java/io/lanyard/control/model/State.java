package io.lanyard.control.model;

import java.util.List;

/**
 * Everything the daemon persists: what users created, written whole and atomically after each change.
 *
 * @param ports the TAPs handed over to VM monitors; absent from a state written before they existed.
 */
public record State(int version, List<Network> networks, List<Sandbox> sandboxes, List<GuestPort> ports)
{
    public static final int CURRENT_VERSION = 1;

    public State
    {
        networks = networks == null ? List.of() : List.copyOf(networks);
        sandboxes = sandboxes == null ? List.of() : List.copyOf(sandboxes);
        ports = ports == null ? List.of() : List.copyOf(ports);
    }

    /** A state without VM ports. */
    public State(final int version, final List<Network> networks, final List<Sandbox> sandboxes)
    {
        this(version, networks, sandboxes, List.of());
    }

    public static State empty()
    {
        return new State(CURRENT_VERSION, List.of(), List.of());
    }
}
