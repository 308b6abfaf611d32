package io.lanyard.tap;

import jnr.ffi.Pointer;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The service manager's readiness protocol ({@code sd_notify(3)}): one datagram of
 * {@code KEY=VALUE} lines sent to the Unix datagram socket named by {@code $NOTIFY_SOCKET}, a path
 * or, with a leading {@code @}, an abstract name. A unit with {@code Type=notify} waits for
 * {@code READY=1} before it counts the service as started. Without {@code $NOTIFY_SOCKET} (not
 * started by systemd) every call does nothing. The JDK's datagram channels take no Unix
 * addresses, hence libc.
 */
public final class SystemdNotify
{
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** {@code struct sockaddr_un}: a 2-byte family and 108 bytes of path. */
    private static final int SOCKADDR_UN_LENGTH = 110;
    private static final int PATH_OFFSET = 2;

    private final String socket;

    public SystemdNotify(final String socket)
    {
        this.socket = socket == null || socket.isEmpty() ? null : socket;
    }

    /** The one {@code $NOTIFY_SOCKET} names, if any. */
    public static SystemdNotify fromEnvironment()
    {
        return new SystemdNotify(System.getenv("NOTIFY_SOCKET"));
    }

    public boolean enabled()
    {
        return socket != null;
    }

    /**
     * Sends {@code state} (lines such as {@code READY=1}, {@code STATUS=...}, {@code STOPPING=1}).
     *
     * @return false when there is no socket to tell; a socket that is named but refuses is an
     *         {@link IllegalStateException}.
     */
    public boolean send(final String state)
    {
        if (socket == null)
        {
            return false;
        }
        final byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SOCKADDR_UN_LENGTH - PATH_OFFSET || (path[0] != '/' && path[0] != '@'))
        {
            throw new IllegalStateException("NOTIFY_SOCKET is neither an absolute path nor an abstract name: " + socket);
        }
        final ByteBuffer address = BufferUtil.allocateDirectAligned(SOCKADDR_UN_LENGTH + 6, 8);
        final UnsafeBuffer view = new UnsafeBuffer(address);
        view.putShort(0, (short)AF_UNIX);
        view.putBytes(PATH_OFFSET, path);
        if (path[0] == '@')
        {
            view.putByte(PATH_OFFSET, (byte)0);
        }
        // a path ends at its NUL; an abstract name's length is exactly its bytes
        final int addressLength = PATH_OFFSET + path.length + (path[0] == '@' ? 0 : 1);
        final byte[] message = state.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer payload = BufferUtil.allocateDirectAligned(Math.max(8, message.length), 8);
        final UnsafeBuffer payloadView = new UnsafeBuffer(payload);
        payloadView.putBytes(0, message);
        final LinuxCalls libc = LinuxCalls.LIBC;
        final int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new IllegalStateException(LinuxCalls.describe("socket AF_UNIX"));
        }
        try
        {
            final long sent = libc.sendto(fd, payloadView.addressOffset(), message.length, MSG_NOSIGNAL,
                Pointer.wrap(LinuxCalls.RUNTIME, view.addressOffset()), addressLength);
            if (sent < 0)
            {
                throw new IllegalStateException(LinuxCalls.describe("notify " + socket));
            }
            return true;
        }
        finally
        {
            libc.close(fd);
        }
    }
}
