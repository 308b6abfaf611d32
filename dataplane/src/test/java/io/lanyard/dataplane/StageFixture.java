package io.lanyard.dataplane;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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

    /** Fills the slot as a port read would: a zero virtio header, then a minimum-size frame. */
    static FrameSlot frame(final FrameSlot slot, final int ingressPort, final long destination, final long source)
    {
        final UnsafeBuffer buffer = slot.buffer();
        buffer.setMemory(FrameSlot.DATA_OFFSET, FrameSlot.VNET_HEADER_LENGTH + FRAME_LENGTH, (byte)0);
        buffer.putInt(FrameSlot.FRAME_OFFSET, (int)(destination >>> 16), ByteOrder.BIG_ENDIAN);
        buffer.putShort(FrameSlot.FRAME_OFFSET + 4, (short)destination, ByteOrder.BIG_ENDIAN);
        buffer.putInt(FrameSlot.FRAME_OFFSET + 6, (int)(source >>> 16), ByteOrder.BIG_ENDIAN);
        buffer.putShort(FrameSlot.FRAME_OFFSET + 10, (short)source, ByteOrder.BIG_ENDIAN);
        buffer.putShort(FrameSlot.FRAME_OFFSET + 12, (short)0x88B5, ByteOrder.BIG_ENDIAN);
        slot.frame(ingressPort, FrameSlot.VNET_HEADER_LENGTH + FRAME_LENGTH);
        return slot;
    }

    static FrameSlot wake(final FrameSlot slot)
    {
        slot.wake();
        return slot;
    }

    /** A port that keeps what it was given and how often it was flushed. */
    static final class MemorySink implements FrameSink
    {
        final List<byte[]> frames = new ArrayList<>();
        int result;
        int flushes;
        int framesAtLastFlush;

        @Override
        public int write(final long address, final int length)
        {
            final byte[] copy = new byte[length];
            new UnsafeBuffer(address, length).getBytes(0, copy);
            frames.add(copy);
            return result < 0 ? result : length;
        }

        @Override
        public void flush()
        {
            flushes++;
            framesAtLastFlush = frames.size();
        }
    }
}
