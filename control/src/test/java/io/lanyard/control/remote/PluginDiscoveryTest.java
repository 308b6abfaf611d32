package io.lanyard.control.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finding a plugin as Docker does, in the test's own directories. */
class PluginDiscoveryTest
{
    @TempDir
    Path sockets;

    @TempDir
    Path specs;

    private PluginDiscovery discovery()
    {
        return new PluginDiscovery(List.of(sockets, specs));
    }

    @Test
    void shouldFindAPluginBySocket()
    {
        try (PluginServer plugin = PluginServer.start(sockets.resolve("weave.sock")))
        {
            assertEquals(plugin.socket(), discovery().socketOf("weave"));
        }
    }

    @Test
    void shouldFindAPluginBySocketInADirectoryOfItsName() throws IOException
    {
        Files.createDirectories(sockets.resolve("weave"));
        try (PluginServer plugin = PluginServer.start(sockets.resolve("weave").resolve("weave.sock")))
        {
            assertEquals(plugin.socket(), discovery().socketOf("weave"));
        }
    }

    @Test
    void shouldFindAPluginBySpecFile() throws IOException
    {
        Files.writeString(specs.resolve("weave.spec"), "unix:///run/elsewhere/weave.sock\n");

        assertEquals(Path.of("/run/elsewhere/weave.sock"), discovery().socketOf("weave"));
    }

    @Test
    void shouldPreferTheEarlierDirectory() throws IOException
    {
        Files.writeString(specs.resolve("weave.spec"), "unix:///run/elsewhere/weave.sock\n");
        try (PluginServer plugin = PluginServer.start(sockets.resolve("weave.sock")))
        {
            assertEquals(plugin.socket(), discovery().socketOf("weave"));
        }
    }

    @Test
    void shouldSayNotFoundWhenThereIsNeitherSocketNorSpec()
    {
        final PluginException ex = assertThrows(PluginException.class, () -> discovery().socketOf("weave"));

        assertEquals("plugin \"weave\" not found", ex.getMessage());
        assertTrue(ex.isNotFound());
    }

    @Test
    void shouldNotLookOutsideTheDirectoriesForANameWithAPath()
    {
        final PluginException ex = assertThrows(PluginException.class, () -> discovery().socketOf("../weave"));

        assertEquals("plugin \"../weave\" not found", ex.getMessage());
    }

    @Test
    void shouldRefuseATcpSpecClearly() throws IOException
    {
        Files.writeString(specs.resolve("weave.spec"), "tcp://127.0.0.1:6783\n");

        final PluginException ex = assertThrows(PluginException.class, () -> discovery().socketOf("weave"));

        assertFalse(ex.isNotFound());
        assertTrue(ex.getMessage().contains("tcp://127.0.0.1:6783") && ex.getMessage().contains("Unix sockets only"), ex.getMessage());
    }

    @Test
    void shouldRefuseASpecWithoutAnAddress() throws IOException
    {
        Files.writeString(specs.resolve("weave.spec"), "weave lives here\n");

        final PluginException ex = assertThrows(PluginException.class, () -> discovery().socketOf("weave"));

        assertEquals("plugin \"weave\": " + specs.resolve("weave.spec") + " holds no plugin address (expected unix:///path)",
            ex.getMessage());
    }
}
