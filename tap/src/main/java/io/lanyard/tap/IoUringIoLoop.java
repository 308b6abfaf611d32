package io.lanyard.tap;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Readiness from Netty's io_uring transport: a one-shot {@code IORING_OP_POLL_ADD} per watched
 * descriptor, re-armed after each burst. A one-shot poll completes at once if data still waits,
 * which gives the same level-triggered contract as {@link EpollIoLoop}; the frames themselves
 * are read by the handler with plain reads into ring slots.
 */
public final class IoUringIoLoop implements IoLoop
{
    public static final String NAME = "io_uring";

    /** Opcodes from io_uring.h (Netty keeps its constants package-private). */
    private static final byte IORING_OP_POLL_ADD = 6;
    private static final byte IORING_OP_ASYNC_CANCEL = 14;
    private static final int POLLIN = 0x1;
    private static final short POLL_DATA = 1;
    private static final short CANCEL_DATA = 2;

    private final MultiThreadIoEventLoopGroup group;
    private final IoEventLoop loop;

    public IoUringIoLoop(final String threadName)
    {
        IoUring.ensureAvailability();
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName, true), IoUringIoHandler.newFactory());
        loop = group.next();
    }

    @Override
    public Watch watchReadable(final int fd, final ReadHandler handler)
    {
        final PollHandle handle = new PollHandle(fd, handler);
        handle.registration = loop.register(handle).syncUninterruptibly().getNow();
        loop.execute(handle::arm);
        return handle::cancelAndWait;
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

    private final class PollHandle implements IoUringIoHandle
    {
        private final int fd;
        private final ReadHandler handler;
        private final IoUringIoOps pollIn;
        private final CompletableFuture<Void> unregistered = new CompletableFuture<>();
        private IoRegistration registration;
        private long pollId;
        private boolean cancelling;

        PollHandle(final int fd, final ReadHandler handler)
        {
            this.fd = fd;
            this.handler = handler;
            this.pollIn = new IoUringIoOps(IORING_OP_POLL_ADD, (byte)0, (short)0, fd, 0L, 0L, 0, POLLIN,
                (long)POLL_DATA, (short)0, (short)0, 0, 0L);
        }

        void arm()
        {
            if (!cancelling)
            {
                pollId = registration.submit(pollIn);
            }
        }

        @Override
        public void handle(final IoRegistration registration, final IoEvent event)
        {
            final IoUringIoEvent completion = (IoUringIoEvent)event;
            if (completion.opcode() != IORING_OP_POLL_ADD || cancelling)
            {
                return;
            }
            if (completion.res() >= 0)
            {
                handler.onReadable();
            }
            arm();
        }

        void cancelAndWait()
        {
            loop.execute(() ->
            {
                cancelling = true;
                registration.submit(new IoUringIoOps(IORING_OP_ASYNC_CANCEL, (byte)0, (short)0, -1, 0L, pollId, 0, 0,
                    (long)CANCEL_DATA, (short)0, (short)0, 0, 0L));
                registration.cancel();
            });
            if (!loop.inEventLoop())
            {
                unregistered.orTimeout(5, TimeUnit.SECONDS).join();
            }
        }

        @Override
        public void unregistered()
        {
            unregistered.complete(null);
        }

        @Override
        public void close()
        {
        }

        @Override
        public String toString()
        {
            return "PollHandle{fd=" + fd + "}";
        }
    }
}
