package io.lanyard.dataplane;

/** Where the transmit stage writes a port's frames: a TAP device, or memory in tests. */
public interface FrameSink
{
    /**
     * Writes one frame with its virtio header.
     *
     * @return bytes written, or -errno when the kernel refused it.
     */
    int write(long address, int length);

    /** Called at the end of each batch; a sink that queues writes submits them here. */
    default void flush()
    {
    }
}
