package io.lanyard.dataplane;

/**
 * A change to the forwarding tables, offered by the control plane and applied by the forwarding
 * stage between batches, on its own thread: the tables never see a second writer or a lock.
 */
@FunctionalInterface
interface ForwardingCommand
{
    /** @param sequence the ring sequence the stage had reached when it applied the command. */
    void apply(ForwardingStage stage, long sequence);
}
