package io.lanyard.control;

import io.lanyard.control.events.EventLog;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.sandbox.SandboxProcesses;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * A sandbox's command, as {@code lanyard logs} and {@code lanyard stop} reach it: scripts that
 * need nothing of the model but the sandbox found by its name, so they stay out of
 * {@link ControlPlane}'s lock (a stop waits up to its timeout).
 */
public final class SandboxCommandControl
{
    private final Function<String, Sandbox> sandboxes;
    private final SandboxProcesses processes;
    private final EventLog events;

    SandboxCommandControl(final Function<String, Sandbox> sandboxes, final SandboxProcesses processes, final EventLog events)
    {
        this.sandboxes = sandboxes;
        this.processes = processes;
        this.events = events;
    }

    /**
     * Stops a sandbox's command: SIGTERM, then SIGKILL after {@code timeout}. The sandbox, its
     * namespace and its addresses stay.
     */
    public void stop(final String reference, final Duration timeout)
    {
        final Sandbox sandbox = sandboxes.apply(reference);
        if (processes.stop(sandbox.pid(), sandbox.pidStartMillis(), timeout))
        {
            events.sandbox("stop", sandbox.id(), sandbox.name());
        }
    }

    /** The file a sandbox's command writes its output to. */
    public Path output(final String reference)
    {
        return processes.outputFile(sandboxes.apply(reference).id());
    }
}
