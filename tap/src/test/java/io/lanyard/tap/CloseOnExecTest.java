package io.lanyard.tap;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CloseOnExecTest
{
    @Test
    void shouldMarkAnInheritableDescriptorCloseOnExec()
    {
        final int fd = LinuxCalls.LIBC.open("/dev/null", LinuxCalls.O_RDWR);
        assertTrue(fd >= 0);
        try
        {
            assertFalse(CloseOnExec.isSet(fd), "opened without O_CLOEXEC");
            CloseOnExec.set(fd);
            assertTrue(CloseOnExec.isSet(fd));
        }
        finally
        {
            LinuxCalls.LIBC.close(fd);
        }
    }

    @Test
    void shouldRefuseADescriptorThatIsNotOpen()
    {
        final int fd = LinuxCalls.LIBC.open("/dev/null", LinuxCalls.O_RDWR);
        LinuxCalls.LIBC.close(fd);
        assertThrows(LinuxException.class, () -> CloseOnExec.set(fd));
    }
}
