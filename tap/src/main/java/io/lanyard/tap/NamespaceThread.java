package io.lanyard.tap;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One dedicated thread that runs tasks inside a given network namespace and returns to its own.
 *
 * <p>{@code setns(2)} changes the namespace of the calling thread only, so the switch is confined
 * to this thread: it enters the target, runs the task (opening a TAP there creates the device
 * there), and goes back before taking the next task. If it cannot go back, the thread is
 * retired so no later task runs in a stranger's namespace.
 */
public final class NamespaceThread implements AutoCloseable
{
    private static final int O_RDONLY = 0;

    private ExecutorService executor;

    public NamespaceThread()
    {
        executor = newExecutor();
    }

    /** Runs {@code task} with the thread inside the namespace at {@code netnsPath} (e.g. /run/netns/NAME). */
    public synchronized <T> T call(final Path netnsPath, final Callable<T> task)
    {
        final Future<T> result = executor.submit(() -> enterAndCall(netnsPath, task));
        try
        {
            return result.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new LinuxException("interrupted while working in " + netnsPath);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof ReturnFailed)
            {
                executor.shutdown();
                executor = newExecutor();
                throw new LinuxException(cause.getMessage());
            }
            if (cause instanceof RuntimeException)
            {
                throw (RuntimeException)cause;
            }
            throw new LinuxException(cause.toString());
        }
    }

    private static <T> T enterAndCall(final Path netnsPath, final Callable<T> task) throws Exception
    {
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int home = libc.open("/proc/thread-self/ns/net", O_RDONLY | LinuxCalls.O_CLOEXEC);
        if (home < 0)
        {
            throw LinuxException.lastError("open /proc/thread-self/ns/net");
        }
        try
        {
            final int target = libc.open(netnsPath.toString(), O_RDONLY | LinuxCalls.O_CLOEXEC);
            if (target < 0)
            {
                throw LinuxException.lastError("open " + netnsPath);
            }
            try
            {
                if (libc.setns(target, LinuxCalls.CLONE_NEWNET) < 0)
                {
                    throw LinuxException.lastError("setns " + netnsPath);
                }
            }
            finally
            {
                libc.close(target);
            }
            try
            {
                return task.call();
            }
            finally
            {
                if (libc.setns(home, LinuxCalls.CLONE_NEWNET) < 0)
                {
                    throw new ReturnFailed(LinuxCalls.describe("setns back from " + netnsPath));
                }
            }
        }
        finally
        {
            libc.close(home);
        }
    }

    @Override
    public synchronized void close()
    {
        executor.shutdownNow();
    }

    private static ExecutorService newExecutor()
    {
        return Executors.newSingleThreadExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "lanyard-netns");
            thread.setDaemon(true);
            return thread;
        });
    }

    private static final class ReturnFailed extends Exception
    {
        private static final long serialVersionUID = 1L;

        ReturnFailed(final String message)
        {
            super(message);
        }
    }
}
