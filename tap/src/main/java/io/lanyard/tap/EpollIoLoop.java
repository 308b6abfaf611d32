package io.lanyard.tap;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.TimeUnit;

/**
 * Readiness from Netty's epoll transport: each watched descriptor joins the event loop as an
 * {@link EpollIoHandle} with EPOLLIN, level-triggered, so a handler may read a bounded burst and
 * return; the loop calls it again while frames wait.
 */
public final class EpollIoLoop implements IoLoop
{
    public static final String NAME = "epoll";

    private final MultiThreadIoEventLoopGroup group;
    private final IoEventLoop loop;

    public EpollIoLoop(final String threadName)
    {
        Epoll.ensureAvailability();
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName, true), EpollIoHandler.newFactory());
        loop = group.next();
    }

    @Override
    public Watch watchReadable(final int fd, final ReadHandler handler)
    {
        final ReadinessHandle handle = new ReadinessHandle(fd, handler);
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

    /** The descriptor belongs to its TAP device: closing the handle must not close it. */
    private static final class ReadinessHandle implements EpollIoHandle
    {
        private final FileDescriptor fd;
        private final ReadHandler handler;

        ReadinessHandle(final int fd, final ReadHandler handler)
        {
            this.fd = new FileDescriptor(fd);
            this.handler = handler;
        }

        @Override
        public FileDescriptor fd()
        {
            return fd;
        }

        @Override
        public void handle(final IoRegistration registration, final IoEvent event)
        {
            handler.onReadable();
        }

        @Override
        public void close()
        {
        }
    }
}
