package io.lanyard.tap;

/**
 * A descriptor that carries one Ethernet frame, preceded by a 10-byte virtio_net_hdr, per read
 * and per write: a TAP opened with IFF_VNET_HDR, or a packet socket with PACKET_VNET_HDR. The
 * dataplane reads and writes both the same way.
 */
public interface FrameDevice extends AutoCloseable
{
    int fd();

    String name();

    /** Reads one frame with its virtio header into native memory: its length, 0 when nothing waits, or -errno. */
    int read(long address, int capacity);

    /** Writes one frame with its virtio header from native memory: the bytes written, or -errno. */
    int write(long address, int length);

    @Override
    void close();
}
