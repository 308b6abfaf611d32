package io.lanyard.tap;

/**
 * Marks a descriptor close-on-exec, for descriptors a library opened without it (Netty's epoll
 * sockets).
 *
 * <p>Why it matters: the JVM starts a process ({@code ip}, a sandbox's command) through a helper
 * that closes, one system call each, every descriptor the child would otherwise inherit, so each
 * start costs in proportion to the daemon's open descriptors; the kernel drops close-on-exec ones
 * at {@code exec} almost for free. Measured on a 2-vCPU VM: a start took 1.3 ms with no extra
 * descriptors, 12.4 ms with 3,000 inheritable ones and 2.1 ms with 3,000 close-on-exec ones. An
 * embedded DNS holds two sockets per sandbox, so at 1,000 sandboxes the three {@code ip} runs of
 * a {@code run -d} cost 20 ms more than at the first.
 */
public final class CloseOnExec
{
    private CloseOnExec()
    {
    }

    /**
     * Sets {@code FD_CLOEXEC} on {@code fd}.
     *
     * @throws LinuxException when the descriptor is not open.
     */
    public static void set(final int fd)
    {
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int flags = libc.fcntl(fd, LinuxCalls.F_GETFD, 0);
        if (flags < 0 || libc.fcntl(fd, LinuxCalls.F_SETFD, flags | LinuxCalls.FD_CLOEXEC) < 0)
        {
            throw LinuxException.lastError("fcntl FD_CLOEXEC " + fd);
        }
    }

    /** Whether {@code fd} is close-on-exec. */
    public static boolean isSet(final int fd)
    {
        final int flags = LinuxCalls.LIBC.fcntl(fd, LinuxCalls.F_GETFD, 0);
        if (flags < 0)
        {
            throw LinuxException.lastError("fcntl F_GETFD " + fd);
        }
        return (flags & LinuxCalls.FD_CLOEXEC) != 0;
    }
}
