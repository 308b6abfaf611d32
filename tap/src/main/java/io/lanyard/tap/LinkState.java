package io.lanyard.tap;

import java.nio.charset.StandardCharsets;

/**
 * An interface's administrative state, set with {@code SIOCSIFFLAGS} in the calling thread's
 * network namespace (run it on a {@link NamespaceThread} to set it inside a sandbox): bringing a
 * new namespace's loopback up takes a system call or two instead of starting {@code ip}, which
 * costs milliseconds.
 */
public final class LinkState
{
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final int IFREQ_LENGTH = 40;
    private static final int IFREQ_FLAGS_OFFSET = 16;
    private static final int IFF_UP = 0x1;

    private LinkState()
    {
    }

    /**
     * Brings {@code name} up.
     *
     * @throws LinuxException when there is no such interface or it cannot be brought up.
     */
    public static void up(final String name)
    {
        final byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length > TapDevice.MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("interface name must be 1 to 15 characters: " + name);
        }
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int fd = libc.socket(SocketOptions.AF_INET, SocketOptions.SOCK_DGRAM | SocketOptions.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw LinuxException.lastError("socket for " + name);
        }
        try
        {
            final byte[] ifreq = new byte[IFREQ_LENGTH];
            System.arraycopy(nameBytes, 0, ifreq, 0, nameBytes.length);
            if (libc.ioctl(fd, SIOCGIFFLAGS, ifreq) < 0)
            {
                throw LinuxException.lastError("SIOCGIFFLAGS " + name);
            }
            ifreq[IFREQ_FLAGS_OFFSET] |= IFF_UP; // the flags are a short in the machine's byte order: IFF_UP is in the low byte
            if (libc.ioctl(fd, SIOCSIFFLAGS, ifreq) < 0)
            {
                throw LinuxException.lastError("SIOCSIFFLAGS " + name);
            }
        }
        finally
        {
            libc.close(fd);
        }
    }
}
