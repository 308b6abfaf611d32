package io.lanyard.tap;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * A fixed array of {@code struct iovec} in native memory, filled again for every send: the
 * pieces of one message, gathered by the kernel in order (a header here, a payload in a ring
 * slot there), so that nothing is copied to put them side by side. Not thread-safe.
 *
 * <pre>
 * struct iovec { void *iov_base; size_t iov_len; }   16 bytes each on x86_64 and aarch64
 * </pre>
 */
public final class IoVectors
{
    static final int IOVEC_LENGTH = 16;

    /** Kept reachable: the kernel reads the array by address. */
    private final ByteBuffer memory;
    private final UnsafeBuffer view;
    private final int capacity;
    private int count;
    private long bytes;

    /** @param capacity how many pieces one message may have (at most 1024, the kernel's UIO_MAXIOV). */
    public IoVectors(final int capacity)
    {
        if (capacity < 1 || capacity > 1024)
        {
            throw new IllegalArgumentException("iovec capacity out of range 1..1024: " + capacity);
        }
        this.capacity = capacity;
        this.memory = BufferUtil.allocateDirectAligned(capacity * IOVEC_LENGTH, 64);
        this.view = new UnsafeBuffer(memory);
    }

    /** Empties the array. */
    public IoVectors clear()
    {
        count = 0;
        bytes = 0;
        return this;
    }

    /**
     * Appends {@code length} bytes at native {@code address}.
     *
     * @throws IllegalStateException when the array is full.
     */
    public IoVectors add(final long address, final int length)
    {
        if (count == capacity)
        {
            throw new IllegalStateException("iovec array full: " + capacity);
        }
        final int at = count * IOVEC_LENGTH;
        view.putLong(at, address);
        view.putLong(at + Long.BYTES, length);
        count++;
        bytes += length;
        return this;
    }

    public int count()
    {
        return count;
    }

    public int capacity()
    {
        return capacity;
    }

    /** The bytes of all pieces together. */
    public long bytes()
    {
        return bytes;
    }

    /** The native address of the first {@code struct iovec}. */
    public long address()
    {
        return view.addressOffset();
    }
}
