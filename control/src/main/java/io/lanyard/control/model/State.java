package io.lanyard.control.model;

import java.util.List;

/** Everything the daemon persists: what users created, written whole and atomically after each change. */
public record State(int version, List<Network> networks, List<Sandbox> sandboxes)
{
    public static final int CURRENT_VERSION = 1;

    public State
    {
        networks = networks == null ? List.of() : List.copyOf(networks);
        sandboxes = sandboxes == null ? List.of() : List.copyOf(sandboxes);
    }

    public static State empty()
    {
        return new State(CURRENT_VERSION, List.of(), List.of());
    }
}
