package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.BuildInfo;
import io.lanyard.client.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionCommandTest
{
    private static final String SERVER = "{\"Version\":\"9.8.7\",\"ApiVersion\":\"1.43\",\"GitCommit\":\"abcdefabcdef\","
        + "\"CommitTime\":\"2026-01-02T03:04:05Z\",\"JavaVersion\":\"25\",\"Os\":\"linux\",\"Arch\":\"amd64\",\"KernelVersion\":\"6.1.0\"}";

    private FakeDaemon daemon;

    @AfterEach
    void tearDown() throws Exception
    {
        if (daemon != null)
        {
            daemon.close();
        }
    }

    @Test
    void shouldPrintTheClientThenTheServerAsDockerVersionDoes() throws Exception
    {
        daemon = new FakeDaemon().answer("GET /version", SERVER);

        final FakeDaemon.Output version = daemon.run("version");

        assertEquals(0, version.status(), version.err());
        final String[] lines = version.out().split("\n");
        assertEquals("Client:", lines[0]);
        assertEquals(" Version:        " + BuildInfo.current().version(), lines[1]);
        assertEquals(" API version:    1.43", lines[2]);
        assertEquals(" Git commit:     " + BuildInfo.current().commit(), lines[3]);
        assertTrue(version.out().contains("\nServer:\n Version:        9.8.7\n"), version.out());
        assertTrue(version.out().contains(" Git commit:     abcdefabcdef\n Committed:      2026-01-02T03:04:05Z\n Java version:   25\n"
            + " OS/Arch:        linux/amd64\n Kernel:         6.1.0\n"), version.out());
    }

    @Test
    void shouldPrintBothAsJson() throws Exception
    {
        daemon = new FakeDaemon().answer("GET /version", SERVER);

        final FakeDaemon.Output version = daemon.run("version", "--format", "json");

        assertEquals(0, version.status(), version.err());
        final JsonNode both = Json.MAPPER.readTree(version.out());
        assertEquals(BuildInfo.current().version(), both.at("/Client/Version").asText());
        assertEquals(System.getProperty("os.version"), both.at("/Client/KernelVersion").asText());
        assertEquals("9.8.7", both.at("/Server/Version").asText());
    }

    @Test
    void shouldPrintTheClientAndSayWhyWhenTheDaemonIsNotThere() throws Exception
    {
        daemon = new FakeDaemon();
        daemon.close();

        final FakeDaemon.Output version = daemon.run("version");

        assertEquals(1, version.status());
        assertTrue(version.out().startsWith("Client:\n Version:"), version.out());
        assertTrue(!version.out().contains("Server:"), version.out());
        assertTrue(version.err().startsWith("Cannot connect to lanyardd at"), version.err());
        assertEquals(1, version.err().lines().count(), version.err());
    }

    @Test
    void shouldRefuseAnUnknownFormatInOneLine() throws Exception
    {
        daemon = new FakeDaemon().answer("GET /version", SERVER);
        final FakeDaemon.Output version = daemon.run("version", "--format", "yaml");
        assertEquals(1, version.status());
        assertEquals("lanyard: --format must be table or json, not 'yaml'\n", version.err());
        assertEquals("", version.out());
    }

    @Test
    void shouldNameTheBuildInVersionFlag()
    {
        final FakeDaemon.Output version = FakeDaemon.Output.of("--version");
        assertEquals(0, version.status());
        assertEquals(BuildInfo.current().line("lanyard") + "\n", version.out());
    }
}
