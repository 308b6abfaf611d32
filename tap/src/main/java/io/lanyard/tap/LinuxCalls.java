package io.lanyard.tap;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import jnr.ffi.types.u_int64_t;

/**
 * The libc calls jnr-posix lacks ({@code ioctl}, {@code setns}, the socket calls a packet socket
 * needs) and the address-based
 * {@code read}/{@code write} the hot path uses: they take a raw address so a frame goes from the
 * kernel straight into a ring slot, and they report failure as -1 with errno instead of
 * throwing, so a refused write costs no allocation.
 */
public interface LinuxCalls
{
    LinuxCalls LIBC = LibraryLoader.create(LinuxCalls.class).load("c");
    Runtime RUNTIME = Runtime.getRuntime(LIBC);

    int O_RDWR = 0x2;
    int O_NONBLOCK = 0x800;
    int O_CLOEXEC = 0x80000;
    int F_GETFD = 1;
    int F_SETFD = 2;
    int FD_CLOEXEC = 1;
    int CLONE_NEWNET = 0x4000_0000;

    int SOL_SOCKET = 1;
    int MSG_TRUNC = 0x20;

    int EINTR = 4;
    int EAGAIN = 11;
    int ENODEV = 19;
    int EMSGSIZE = 90;
    int ENETDOWN = 100;

    int open(String path, int flags);

    int close(int fd);

    /** The three-argument form, for {@link #F_GETFD}/{@link #F_SETFD} (an int argument). */
    int fcntl(int fd, int command, int argument);

    int ioctl(int fd, @u_int64_t long request, @In @Out byte[] argument);

    int ioctl(int fd, @u_int64_t long request, @u_int64_t long argument);

    int setns(int fd, int nstype);

    @ssize_t long read(int fd, @u_int64_t long address, @size_t long length);

    @ssize_t long write(int fd, @u_int64_t long address, @size_t long length);

    int if_nametoindex(String name);

    int socket(int domain, int type, int protocol);

    /** {@code value} is the option in native byte order, e.g. a 4-byte int. */
    int setsockopt(int fd, int level, int option, @In byte[] value, int length);

    /** {@code length} is a one-element in/out {@code socklen_t}. */
    int getsockopt(int fd, int level, int option, @Out byte[] value, @In @Out int[] length);

    int bind(int fd, @In byte[] address, int length);

    /** With {@link #MSG_TRUNC} a datagram socket returns the full length even when it did not fit. */
    @ssize_t long recv(int fd, @u_int64_t long address, @size_t long length, int flags);

    /**
     * {@code sourceAddress}/{@code addressLength} point at a sockaddr_in and its socklen_t: pass
     * {@link Pointer}s made once, so no call allocates. (Declared as raw {@code long} addresses,
     * the fifth argument of these six-argument calls reached the kernel wrong with jnr-ffi 2.2.17:
     * EINVAL.)
     */
    @ssize_t long recvfrom(int fd, @u_int64_t long address, @size_t long length, int flags,
        Pointer sourceAddress, Pointer addressLength);

    @ssize_t long sendto(int fd, @u_int64_t long address, @size_t long length, int flags,
        Pointer destinationAddress, int addressLength);

    /** {@code message} is the address of a {@code struct msghdr} the caller keeps in native memory. */
    @ssize_t long sendmsg(int fd, @u_int64_t long message, int flags);

    /** {@code message} is the address of a {@code struct msghdr} the caller keeps in native memory. */
    @ssize_t long recvmsg(int fd, @u_int64_t long message, int flags);

    String strerror(int errno);

    static int errno()
    {
        return jnr.ffi.LastError.getLastError(RUNTIME);
    }

    /** "what: reason (errno N)" for the errno of the last failed call on this thread. */
    static String describe(final String what)
    {
        final int errno = errno();
        return what + ": " + LIBC.strerror(errno) + " (errno " + errno + ")";
    }
}
