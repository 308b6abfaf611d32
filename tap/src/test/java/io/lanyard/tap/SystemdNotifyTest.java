package io.lanyard.tap;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SystemdNotifyTest
{
    private static final int MSG_DONTWAIT = 0x40;

    @Test
    void shouldSendTheStateToASocketNamedByPath() throws Exception
    {
        final Path directory = Files.createTempDirectory("notify");
        final String path = directory.resolve("notify.sock").toString();
        final int receiver = bound(path.getBytes(StandardCharsets.UTF_8), false);
        try
        {
            assertTrue(new SystemdNotify(path).send("READY=1\nSTATUS=listening"));
            assertEquals("READY=1\nSTATUS=listening", receive(receiver));
        }
        finally
        {
            LinuxCalls.LIBC.close(receiver);
            Files.deleteIfExists(Path.of(path));
            Files.delete(directory);
        }
    }

    @Test
    void shouldSendTheStateToAnAbstractSocket()
    {
        final String name = "lanyard-notify-test-" + ThreadLocalRandom.current().nextInt(1 << 30);
        final int receiver = bound(name.getBytes(StandardCharsets.UTF_8), true);
        try
        {
            assertTrue(new SystemdNotify("@" + name).send("STOPPING=1"));
            assertEquals("STOPPING=1", receive(receiver));
        }
        finally
        {
            LinuxCalls.LIBC.close(receiver);
        }
    }

    @Test
    void shouldDoNothingWithoutASocketAndRefuseABadOrAbsentOne()
    {
        assertFalse(new SystemdNotify(null).send("READY=1"));
        assertFalse(new SystemdNotify("").enabled());
        assertThrows(IllegalStateException.class, () -> new SystemdNotify("relative/path").send("READY=1"));
        final IllegalStateException absent = assertThrows(IllegalStateException.class,
            () -> new SystemdNotify("/nonexistent/lanyard/notify.sock").send("READY=1"));
        assertTrue(absent.getMessage().contains("No such file or directory"), absent.getMessage());
    }

    /** A Unix datagram socket bound to a path, or to an abstract name (a leading NUL). */
    private static int bound(final byte[] name, final boolean abstractName)
    {
        final int fd = LinuxCalls.LIBC.socket(1, 2, 0);
        assertTrue(fd >= 0, LinuxCalls.describe("socket"));
        final byte[] address = new byte[110];
        address[0] = 1;
        final int at = abstractName ? 3 : 2;
        System.arraycopy(name, 0, address, at, name.length);
        final int length = abstractName ? 3 + name.length : 2 + name.length + 1;
        assertEquals(0, LinuxCalls.LIBC.bind(fd, address, length), LinuxCalls.describe("bind"));
        return fd;
    }

    private static String receive(final int fd)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, 8));
        final long n = LinuxCalls.LIBC.recv(fd, buffer.addressOffset(), buffer.capacity(), MSG_DONTWAIT);
        assertTrue(n > 0, LinuxCalls.describe("recv"));
        final byte[] bytes = new byte[(int)n];
        buffer.getBytes(0, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
