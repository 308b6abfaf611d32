package io.lanyard.tap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The socket constants and options the IPv4 sockets of this package share, and how they set them. */
final class SocketOptions
{
    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_UDP = 17;
    static final int SOCKADDR_IN_LENGTH = 16;
    /** {@code struct msghdr} on LP64: name, namelen (4 bytes of padding after), iov, iovlen, control, controllen, flags. */
    static final int MSG_NAME = 0;
    static final int MSG_NAMELEN = 8;
    static final int MSG_IOV = 16;
    static final int MSG_IOVLEN = 24;
    static final int MSG_CONTROL = 32;
    static final int MSG_CONTROLLEN = 40;
    static final int MSG_FLAGS = 48;
    static final int MSGHDR_LENGTH = 56;
    /** {@code struct cmsghdr}: len (size_t), level, type; the data follows. */
    static final int CMSG_HEADER_LENGTH = 16;
    static final int SO_REUSEADDR = 2;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;
    static final int IPPROTO_IP = 0;
    static final int IP_MTU_DISCOVER = 10;
    static final int IP_PMTUDISC_DO = 2;
    /** Socket buffers of 4 MB: a burst of 64 KB segments waits there rather than being dropped. */
    static final int BUFFER_BYTES = 4 * 1024 * 1024;

    private SocketOptions()
    {
    }

    /** Sets an int option. @throws LinuxException naming {@code what} and the reason. */
    static void set(final int fd, final int level, final int option, final int value, final String what)
    {
        if (LinuxCalls.LIBC.setsockopt(fd, level, option, nativeInt(value), Integer.BYTES) < 0)
        {
            throw LinuxException.lastError(what);
        }
    }

    /**
     * Sets a socket buffer to {@link #BUFFER_BYTES}: with {@code forceOption} (beyond
     * {@code net.core.*mem_max}, which needs {@code CAP_NET_ADMIN}), else with {@code option},
     * which the kernel caps at that limit.
     */
    static void bufferSize(final int fd, final int forceOption, final int option, final String what)
    {
        if (LinuxCalls.LIBC.setsockopt(fd, LinuxCalls.SOL_SOCKET, forceOption, nativeInt(BUFFER_BYTES), Integer.BYTES) < 0)
        {
            set(fd, LinuxCalls.SOL_SOCKET, option, BUFFER_BYTES, what);
        }
    }

    /** An int in native byte order, as setsockopt takes it. */
    static byte[] nativeInt(final int value)
    {
        return ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder()).putInt(0, value).array();
    }
}
