package io.lanyard.dataplane;

import io.lanyard.forwarding.verdict.Verdict;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@code lanyard capture}: the frames some ports see, copied by the forwarding stage into a
 * bounded ring that the capture's reader drains. The stage never waits for the reader: a frame
 * that does not fit is counted in {@link #missed} and dropped from the capture only. A record
 * holds the port, the direction (a frame the port sent, or one written to it), the drop reason of
 * a frame the switch dropped, the time (Unix nanoseconds) and the frame as the dataplane saw it:
 * read from its port (before any rewrite), or as written out (after address translation).
 */
public final class Capture
{
    public static final int INBOUND = 1;
    public static final int OUTBOUND = 2;
    /** The ring's size: room for about 60 full 64 KB segments or 60,000 small frames. */
    public static final int RING_BYTES = 4 << 20;

    static final int PORT = 0;
    static final int DIRECTION = 4;
    static final int DROP_REASON = 8;
    static final int ORIGINAL_LENGTH = 12;
    static final int TIME = 16;
    static final int EGRESS = 24;
    static final int HEADER = 28;
    private static final int MESSAGE = 1;

    private final RingBuffer ring;
    private final int[] ports;
    private final boolean dropsOnly;
    private final int snapLength;
    private final AtomicLong missed = new AtomicLong();
    /** Unix time minus the stage's clock, so a record's time is the stage's clock plus this (set on the stage). */
    long epochOffsetNanos;
    /** Whether the stage counts it among the running captures (the stage's alone). */
    boolean running;

    /**
     * @param ports      the ports whose frames are copied.
     * @param dropsOnly  only frames the switch dropped.
     * @param snapLength at most this many bytes of each frame.
     */
    public Capture(final int[] ports, final boolean dropsOnly, final int snapLength)
    {
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
        this.ports = ports.clone();
        this.dropsOnly = dropsOnly;
        this.snapLength = Math.max(64, Math.min(snapLength, FrameSlot.DATA_CAPACITY));
    }

    /** What a reader gets for each record. */
    @FunctionalInterface
    public interface Reader
    {
        /**
         * @param dropReason a {@code DropReason} ordinal, or {@code Verdict.NO_DROP}.
         * @param egress     where the decision sent a frame the port sent: a port, or {@code Verdict.FLOOD},
         *                   {@code DROP}, {@code REPLY}, {@code CONSUMED}; the port itself for a frame written to it.
         * @param buffer     the frame's bytes, {@code length} (at most the snap length) from {@code offset}.
         */
        void frame(int port, int direction, int dropReason, int egress, long unixNanos, int originalLength, DirectBuffer buffer, int offset,
            int length);
    }

    public int[] ports()
    {
        return ports.clone();
    }

    public boolean dropsOnly()
    {
        return dropsOnly;
    }

    public int snapLength()
    {
        return snapLength;
    }

    /** Frames the ring had no room for. */
    public long missed()
    {
        return missed.get();
    }

    /** Hands each waiting record to {@code reader}, at most {@code limit}; on the reader's thread. */
    public int drain(final Reader reader, final int limit)
    {
        final MessageHandler handler = (type, buffer, index, length) -> reader.frame(buffer.getInt(index + PORT),
            buffer.getInt(index + DIRECTION), buffer.getInt(index + DROP_REASON), buffer.getInt(index + EGRESS), buffer.getLong(index + TIME),
            buffer.getInt(index + ORIGINAL_LENGTH), buffer, index + HEADER, length - HEADER);
        return ring.read(handler, limit);
    }

    // ---------------------------------------------------------------- the stage's side

    /** Claims a record and copies the frame into it; returns its index to {@link #commit}, or -1 when the ring is full (counted). */
    int claim(final int port, final int direction, final DirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        final int copied = Math.min(length, snapLength);
        final int index = ring.tryClaim(MESSAGE, HEADER + copied);
        if (index < 0)
        {
            missed.incrementAndGet();
            return -1;
        }
        final UnsafeBuffer records = (UnsafeBuffer)ring.buffer();
        records.putInt(index + PORT, port);
        records.putInt(index + DIRECTION, direction);
        records.putInt(index + DROP_REASON, Verdict.NO_DROP);
        records.putInt(index + EGRESS, port);
        records.putInt(index + ORIGINAL_LENGTH, length);
        records.putLong(index + TIME, nowNanos + epochOffsetNanos);
        records.putBytes(index + HEADER, buffer, offset, copied);
        return index;
    }

    /** Keeps a claimed record with the decision's drop reason and egress, or gives it back when only drops are wanted and it was not one. */
    void commit(final int index, final int dropReason, final int egress)
    {
        if (dropsOnly && dropReason == Verdict.NO_DROP)
        {
            ring.abort(index);
            return;
        }
        ring.buffer().putInt(index + DROP_REASON, dropReason);
        ring.buffer().putInt(index + EGRESS, egress);
        ring.commit(index);
    }

    /** Copies a frame written out of {@code port} (never a drop), unless only drops are wanted. */
    void written(final int port, final DirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        if (dropsOnly)
        {
            return;
        }
        final int index = claim(port, OUTBOUND, buffer, offset, length, nowNanos);
        if (index >= 0)
        {
            ring.commit(index);
        }
    }
}
