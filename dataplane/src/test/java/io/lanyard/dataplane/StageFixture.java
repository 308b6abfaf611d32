package io.lanyard.dataplane;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.charset.StandardCharsets;

/** In-memory counters, ports and slots for driving a stage by hand, without threads or a ring. */
final class StageFixture
{
    static final int MAX_COUNTERS = 256;
    static final int FRAME_LENGTH = 60;

    final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_COUNTERS * CountersReader.METADATA_LENGTH, 64)),
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_COUNTERS * CountersReader.COUNTER_LENGTH, 64)),
        StandardCharsets.US_ASCII);
    final DataplaneCounters counters = new DataplaneCounters(countersManager);
    final Port[] ports;
    final MemorySink[] sinks;

    StageFixture(final int maxPorts)
    {
        ports = new Port[maxPorts];
        sinks = new MemorySink[maxPorts];
    }

    Port addPort(final int id, final int domain)
    {
        sinks[id] = new MemorySink();
        ports[id] = new Port(id, domain, "port" + id, sinks[id], new PortCounters(countersManager, id, "port" + id));
        return ports[id];
    }

    static FrameSlot newSlot()
    {
        return new FrameSlot(new UnsafeBuffer(BufferUtil.allocateDirectAligned(FrameSlot.SIZE, 64)));
    }

    /** Fills the slot as a port read would: a zero virtio header, then a minimum-size frame (EtherType 0x88B5, zeros). */
    static FrameSlot frame(final FrameSlot slot, final int ingressPort, final long destination, final long source)
    {
        return fill(slot, ingressPort, FrameBuilder.etherFrame(source, destination, 0x88B5, FRAME_LENGTH).bytes());
    }

    /**
     * Puts the bytes of a frame the test kit built ({@link Slot#bytes()}: its virtio header, then the
     * frame) into the slot, as read from {@code ingressPort}. Allocation-free.
     */
    static FrameSlot fill(final FrameSlot slot, final int ingressPort, final byte[] virtioHeaderAndFrame)
    {
        slot.buffer().putBytes(FrameSlot.DATA_OFFSET, virtioHeaderAndFrame);
        slot.frame(ingressPort, virtioHeaderAndFrame.length);
        return slot;
    }

    static FrameSlot wake(final FrameSlot slot)
    {
        slot.wake();
        return slot;
    }
}
