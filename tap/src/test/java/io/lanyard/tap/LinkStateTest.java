package io.lanyard.tap;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinkStateTest
{
    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private Path netns;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip");
        namespaces = new Namespaces("lks");
        namespaceThread = new NamespaceThread();
        netns = Path.of("/run/netns", namespaces.add("a"));
        Shell.check("ip", "-n", netns.getFileName().toString(), "link", "set", "lo", "down");
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

    private boolean loopbackUp()
    {
        return Shell.run(java.util.List.of("ip", "-n", netns.getFileName().toString(), "-o", "link", "show", "lo")).output()
            .contains(",UP");
    }

    @Test
    void shouldBringAnInterfaceUpInTheThreadsNamespace()
    {
        assertFalse(loopbackUp());

        namespaceThread.call(netns, () ->
        {
            LinkState.up("lo");
            return null;
        });

        assertTrue(loopbackUp());
        assertTrue(Shell.run(java.util.List.of("ip", "netns", "exec", netns.getFileName().toString(), "ping", "-c", "1", "-W", "1",
            "127.0.0.1")).status() == 0, "loopback works");
    }

    @Test
    void shouldRefuseAnInterfaceThatIsNotThere()
    {
        assertThrows(LinuxException.class, () -> namespaceThread.call(netns, () ->
        {
            LinkState.up("nope0");
            return null;
        }));
    }
}
