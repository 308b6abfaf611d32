package io.lanyard.tap;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.IntSupplier;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.TimeUnit;

/**
 * Readiness from Netty's epoll transport: each watched descriptor joins the event loop as an
 * {@link EpollIoHandle} with EPOLLIN, level-triggered, so a handler may read a bounded burst and
 * return; the loop calls it again while frames wait.
 *
 * <p><b>Busy polling</b> (off unless asked for, like Linux's {@code net.core.busy_poll}): for
 * {@code busyPollNanos} after the last readable descriptor the loop keeps asking epoll without
 * blocking ({@code epoll_wait} with a timeout of 0) instead of sleeping in it, so a frame that
 * comes back within that time is read at once rather than after a wake-up — on a virtual
 * machine, where an idle vCPU halts and waking it costs tens to hundreds of microseconds, that
 * is most of a round trip's time through the daemon. It costs a core while it lasts.
 */
public final class EpollIoLoop implements IoLoop
{
    public static final String NAME = "epoll";

    private final MultiThreadIoEventLoopGroup group;
    private final IoEventLoop loop;
    private final BusyPoll busyPoll;

    public EpollIoLoop(final String threadName)
    {
        this(threadName, 0);
    }

    /** @param busyPollNanos how long to keep polling after the last readable descriptor; 0 to sleep at once. */
    public EpollIoLoop(final String threadName, final long busyPollNanos)
    {
        Epoll.ensureAvailability();
        if (busyPollNanos < 0)
        {
            throw new IllegalArgumentException("busy poll time must not be negative: " + busyPollNanos);
        }
        busyPoll = new BusyPoll(busyPollNanos);
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName, true),
            EpollIoHandler.newFactory(0, () -> busyPoll));
        loop = group.next();
    }

    @Override
    public Watch watchReadable(final int fd, final ReadHandler handler)
    {
        final ReadinessHandle handle = new ReadinessHandle(fd, handler, busyPoll);
        final IoRegistration registration = loop.register(handle).syncUninterruptibly().getNow();
        try
        {
            registration.submit(EpollIoOps.EPOLLIN);
        }
        catch (final Exception ex)
        {
            registration.cancel();
            throw new LinuxException("epoll cannot watch fd " + fd + ": " + ex.getMessage());
        }
        return registration::cancel;
    }

    @Override
    public void execute(final Runnable task)
    {
        loop.execute(task);
    }

    @Override
    public boolean inLoop()
    {
        return loop.inEventLoop();
    }

    @Override
    public String backend()
    {
        return NAME;
    }

    @Override
    public void close()
    {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Netty's choice before each turn of the loop: with tasks waiting, a look without blocking (as
     * Netty's default); within the busy-poll time of the last readable descriptor, the same, and
     * another turn at once when nothing is ready; else block in {@code epoll_wait}. Used by the
     * loop's thread only.
     */
    private static final class BusyPoll implements SelectStrategy
    {
        private final long busyPollNanos;
        private long lastReadableNanos;

        BusyPoll(final long busyPollNanos)
        {
            this.busyPollNanos = busyPollNanos;
        }

        void readable()
        {
            if (busyPollNanos > 0)
            {
                lastReadableNanos = System.nanoTime();
            }
        }

        @Override
        public int calculateStrategy(final IntSupplier selectSupplier, final boolean hasTasks) throws Exception
        {
            if (hasTasks)
            {
                return selectSupplier.get();
            }
            if (busyPollNanos > 0 && System.nanoTime() - lastReadableNanos < busyPollNanos)
            {
                final int ready = selectSupplier.get();
                if (ready > 0)
                {
                    return ready;
                }
                // another thread may want this CPU (on a small machine, the one that will send the next frame): let it run
                Thread.yield();
                return SelectStrategy.CONTINUE;
            }
            return SelectStrategy.SELECT;
        }
    }

    /** The descriptor belongs to its TAP device: closing the handle must not close it. */
    private static final class ReadinessHandle implements EpollIoHandle
    {
        private final FileDescriptor fd;
        private final ReadHandler handler;
        private final BusyPoll busyPoll;

        ReadinessHandle(final int fd, final ReadHandler handler, final BusyPoll busyPoll)
        {
            this.fd = new FileDescriptor(fd);
            this.handler = handler;
            this.busyPoll = busyPoll;
        }

        @Override
        public FileDescriptor fd()
        {
            return fd;
        }

        @Override
        public void handle(final IoRegistration registration, final IoEvent event)
        {
            busyPoll.readable();
            handler.onReadable();
        }

        @Override
        public void close()
        {
        }
    }
}
