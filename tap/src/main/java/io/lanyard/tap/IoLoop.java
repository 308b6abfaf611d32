package io.lanyard.tap;

/**
 * The seam between the dataplane and a kernel readiness/completion mechanism: one I/O thread
 * that watches descriptors and runs tasks. {@link EpollIoLoop} is the epoll backend; an
 * io_uring backend plugs in here with the same contract.
 */
public interface IoLoop extends AutoCloseable
{
    /** Something that reads from a descriptor when the loop says it is readable. */
    @FunctionalInterface
    interface ReadHandler
    {
        /** Called on the loop thread while data waits (level-triggered): read a bounded burst and return. */
        void onReadable();
    }

    /** A watch on one descriptor; cancel it before closing the descriptor. */
    interface Watch
    {
        void cancel();
    }

    /** Starts calling {@code handler} on the loop thread whenever {@code fd} is readable. Blocks until watched. */
    Watch watchReadable(int fd, ReadHandler handler);

    /** Runs {@code task} on the loop thread. */
    void execute(Runnable task);

    boolean inLoop();

    /** Which backend this is, as named by {@code --io}. */
    String backend();

    @Override
    void close();

    /** The backend named by {@code lanyardd --io}. */
    static IoLoop create(final String backend, final String threadName)
    {
        return create(backend, threadName, 0);
    }

    /**
     * The backend named by {@code lanyardd --io}, busy polling for {@code busyPollNanos} after
     * the last readable descriptor ({@code lanyardd --busy-poll}; epoll only).
     */
    static IoLoop create(final String backend, final String threadName, final long busyPollNanos)
    {
        checkBusyPoll(backend, busyPollNanos);
        switch (backend)
        {
            case EpollIoLoop.NAME:
                return new EpollIoLoop(threadName, busyPollNanos);
            case IoUringIoLoop.NAME:
                return new IoUringIoLoop(threadName);
            default:
                throw new IllegalArgumentException("unknown I/O backend '" + backend + "' (expected epoll or io_uring)");
        }
    }

    /**
     * Refuses busy polling ({@code busyPollNanos} other than 0) with a backend that cannot do it:
     * only epoll can.
     *
     * @throws IllegalArgumentException saying so.
     */
    static void checkBusyPoll(final String backend, final long busyPollNanos)
    {
        if (busyPollNanos != 0 && !EpollIoLoop.NAME.equals(backend))
        {
            throw new IllegalArgumentException("busy polling needs the epoll I/O backend, not " + backend);
        }
    }
}
