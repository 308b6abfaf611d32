package io.lanyard.dataplane;

/**
 * A change to the forwarding tables, offered by the {@link ForwardingProxy} and applied by the
 * forwarding stage between batches, on its own thread: the tables never see a second writer or
 * a lock. A command calls one of the stage's {@code on…} handlers.
 */
@FunctionalInterface
interface ForwardingCommand
{
    /** @param sequence the ring sequence the stage had reached when it applied the command. */
    void apply(ForwardingStage stage, long sequence);
}
