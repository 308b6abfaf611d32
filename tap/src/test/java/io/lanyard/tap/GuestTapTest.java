package io.lanyard.tap;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A VM's TAP made, configured and deleted in a namespace of the test's own, as a daemon does in its own. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuestTapTest
{
    private static final String NAME = "vm0";

    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private String netns;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip");
        namespaces = new Namespaces("gtap");
        namespaceThread = new NamespaceThread();
        netns = namespaces.add("d");
    }

    @AfterEach
    void tearDown()
    {
        if (namespaceThread != null)
        {
            namespaceThread.close();
        }
        if (namespaces != null)
        {
            namespaces.close();
        }
    }

    private <T> T inside(final Callable<T> task)
    {
        return namespaceThread.call(Path.of("/run/netns", netns), task);
    }

    private String details()
    {
        return Shell.check("ip", "-d", "-n", netns, "link", "show", NAME).output();
    }

    @Test
    void shouldLeaveAPersistentTapOwnedByTheUserWithNoOpenerSoAMonitorCanAttach()
    {
        inside(() ->
        {
            GuestTap.create(NAME, 4321);
            return null;
        });

        final String details = details();
        assertTrue(details.contains("persist on") && details.contains("user 4321"), details);
        final TapDevice monitor = inside(() -> TapDevice.open(NAME, TapDevice.OFFLOAD_NONE));
        monitor.close();
    }

    @Test
    void shouldRefuseANameThatIsTakenRatherThanAttachToIt()
    {
        Shell.check("ip", "-n", netns, "link", "add", NAME, "type", "veth", "peer", "name", "vm0-peer");

        final LinuxException taken = assertThrows(LinuxException.class, () -> inside(() ->
        {
            GuestTap.create(NAME, GuestTap.NO_OWNER);
            return null;
        }));
        assertTrue(taken.getMessage().startsWith("TUNSETIFF " + NAME), taken.getMessage());
        assertTrue(details().contains("veth"), "the other interface is left as it was");
    }

    @Test
    void shouldBringTheInterfaceUpWithoutArpOrIpv6()
    {
        inside(() ->
        {
            GuestTap.create(NAME, GuestTap.NO_OWNER);
            GuestTap.configure(NAME, 1400);
            return null;
        });

        final String details = details();
        assertTrue(details.contains("NOARP") && details.contains(",UP") && details.contains("mtu 1400"), details);
        assertEquals("1", namespaces.exec(netns, "cat", "/proc/sys/net/ipv6/conf/" + NAME + "/disable_ipv6").output().trim());
        assertEquals("1", namespaces.exec(netns, "cat", "/proc/sys/net/ipv4/conf/" + NAME + "/rp_filter").output().trim());
        assertEquals("", Shell.check("ip", "-n", netns, "-o", "addr", "show", "dev", NAME).output().trim(), "no address at all");
    }

    @Test
    void shouldDeleteTheTapWhileAMonitorHoldsIt()
    {
        final TapDevice monitor = inside(() ->
        {
            GuestTap.create(NAME, GuestTap.NO_OWNER);
            return TapDevice.open(NAME, TapDevice.OFFLOAD_NONE);
        });
        try
        {
            inside(() ->
            {
                GuestTap.delete(NAME);
                GuestTap.delete(NAME);
                return null;
            });
            assertFalse(inside(() -> GuestTap.exists(NAME)));
        }
        finally
        {
            monitor.close();
        }
    }
}
