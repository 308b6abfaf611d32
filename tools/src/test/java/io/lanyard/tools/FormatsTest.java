package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --format} on ps, network ls and the inspect commands, and the commands for one sandbox, against canned answers. */
class FormatsTest
{
    private static final String WEB_ID = "1111111111112222222222223333333333334444444444445555555555556666";
    private static final String DB_ID = "aaaaaaaaaaaabbbbbbbbbbbbccccccccccccddddddddddddeeeeeeeeeeeeffff";
    private static final String SANDBOXES = "[" +
        "{\"Id\":\"" + WEB_ID + "\",\"Name\":\"web\",\"Status\":\"running\",\"Command\":[\"python3\",\"-m\",\"http.server\"]," +
        "\"Networks\":{\"app\":{\"IPAddress\":\"10.1.0.2\"},\"bridge\":{\"IPAddress\":\"172.17.0.2\"}}," +
        "\"Ports\":[{\"HostIp\":\"\",\"HostPort\":8080,\"ContainerPort\":80,\"Protocol\":\"tcp\"}]}," +
        "{\"Id\":\"" + DB_ID + "\",\"Name\":\"db\",\"Status\":\"exited (0)\",\"Command\":[],\"Networks\":{\"app\":{\"IPAddress\":\"10.1.0.3\"}},\"Ports\":[]}]";
    private static final String NETWORKS = "[" +
        "{\"Id\":\"" + DB_ID + "\",\"Name\":\"app\",\"Driver\":\"bridge\",\"Scope\":\"local\",\"EnableIPv6\":false,\"Internal\":true," +
        "\"Labels\":{\"team\":\"a\"},\"Created\":\"2026-12-07T10:00:00Z\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.1.0.0/24\"}]}}," +
        "{\"Id\":\"" + WEB_ID + "\",\"Name\":\"bridge\",\"Driver\":\"bridge\",\"Scope\":\"local\",\"EnableIPv6\":false,\"Internal\":false," +
        "\"Labels\":{},\"Created\":\"2026-12-07T09:00:00Z\",\"IPAM\":{\"Config\":[{\"Subnet\":\"172.17.0.0/16\"}]}}]";

    private FakeDaemon daemon;

    @BeforeEach
    void setUp() throws Exception
    {
        daemon = new FakeDaemon()
            .answer("GET /sandboxes", SANDBOXES)
            .answer("GET /networks", NETWORKS)
            .answer("GET /sandboxes/web", Json.MAPPER.readTree(SANDBOXES).get(0).toString())
            .answer("GET /networks/app", Json.MAPPER.readTree(NETWORKS).get(0).toString());
    }

    @AfterEach
    void tearDown() throws Exception
    {
        daemon.close();
    }

    @Test
    void shouldListSandboxesInTheirColumnsByDefault()
    {
        final FakeDaemon.Output ps = daemon.run("ps");
        assertEquals(0, ps.status(), ps.err());
        final List<String> lines = ps.out().lines().toList();
        assertTrue(lines.get(0).matches("CONTAINER ID\\s+NAME\\s+NETWORKS\\s+IP ADDRESS\\s+STATUS\\s+PORTS\\s+COMMAND"), lines.get(0));
        assertTrue(lines.get(1).matches("111111111111\\s+web\\s+app,bridge\\s+10\\.1\\.0\\.2,172\\.17\\.0\\.2\\s+running\\s+" +
            "0\\.0\\.0\\.0:8080->80/tcp\\s+\"python3 -m http\\.server\""), lines.get(1));
        assertTrue(lines.get(2).matches("aaaaaaaaaaaa\\s+db\\s+app\\s+10\\.1\\.0\\.3\\s+exited \\(0\\)"), "no command, no quotes: " + lines.get(2));
    }

    @Test
    void shouldFillATemplatePerSandbox()
    {
        assertEquals("web\ndb\n", daemon.run("ps", "--format", "{{.Names}}").out());
        assertEquals("web running 111111111111\ndb exited (0) aaaaaaaaaaaa\n", daemon.run("ps", "--format", "{{.Names}} {{.Status}} {{.ID}}").out());
        assertEquals("web\tapp,bridge", daemon.run("ps", "--format", "{{.Names}}\\t{{.Networks}}").out().lines().findFirst().orElseThrow());
        assertEquals("<no value>\n<no value>\n", daemon.run("ps", "--format", "{{.Image}}").out(), "Go's text for a field that is not there");
    }

    @Test
    void shouldPrintATableOfTheTemplatesFieldsWithTheirHeaders()
    {
        final List<String> lines = daemon.run("ps", "--format", "table {{.Names}}\\t{{.Status}}").out().lines().toList();
        assertEquals(List.of("NAME   STATUS", "web    running", "db     exited (0)"), lines);
        final List<String> networks = daemon.run("network", "ls", "--format", "table {{.ID}}\\t{{.Name}}\\t{{.Internal}}").out().lines().toList();
        assertEquals(List.of("NETWORK ID     NAME     INTERNAL", "aaaaaaaaaaaa   app      true", "111111111111   bridge   false"), networks);
    }

    @Test
    void shouldPrintOneJsonObjectPerLine() throws Exception
    {
        final List<String> lines = daemon.run("ps", "--format", "json").out().lines().toList();
        assertEquals(2, lines.size());
        final JsonNode web = Json.MAPPER.readTree(lines.get(0));
        assertEquals("web", web.get("Names").asText());
        assertEquals("10.1.0.2,172.17.0.2", web.get("IPAddress").asText());
        final JsonNode app = Json.MAPPER.readTree(daemon.run("network", "ls", "--format", "json").out().lines().findFirst().orElseThrow());
        assertEquals("team=a", app.get("Labels").asText());
        assertEquals("2026-12-07T10:00:00Z", app.get("CreatedAt").asText());
    }

    @Test
    void shouldListNetworksByNameAndTakeTheirTemplates()
    {
        assertEquals("app\nbridge\n", daemon.run("network", "ls", "--format", "{{.Name}}").out());
        assertTrue(daemon.run("network", "ls").out().startsWith("NETWORK ID     NAME     DRIVER   SCOPE\n"), daemon.run("network", "ls").out());
    }

    @Test
    void shouldInspectSandboxesAndNetworksWithTemplates() throws Exception
    {
        assertEquals("running\n", daemon.run("inspect", "--format", "{{.Status}}", "web").out());
        assertEquals("10.1.0.2\n", daemon.run("inspect", "-f", "{{.Networks.app.IPAddress}}", "web").out());
        assertEquals("{\"IPAddress\":\"10.1.0.2\"}\n", daemon.run("inspect", "-f", "{{json .Networks.app}}", "web").out());
        assertEquals("[python3 -m http.server]\npython3 -m http.server\n",
            daemon.run("inspect", "-f", "{{.Command}}\\n{{join .Command \" \"}}", "web").out());
        final JsonNode pretty = Json.MAPPER.readTree(daemon.run("inspect", "web").out());
        assertEquals("web", pretty.get(0).get("Name").asText());
        assertEquals(1, daemon.run("inspect", "web").out().lines().filter(l -> l.contains("\"Name\"")).count());
        assertEquals(1, daemon.run("inspect", "--format", "json", "web").out().lines().count(), "json: the array on one line");
        assertEquals("map[team:a]\n", daemon.run("network", "inspect", "--format", "{{.Labels}}", "app").out());
    }

    @Test
    void shouldRefuseATemplateItCannotTakeInOneLineBeforeAskingTheDaemon()
    {
        final int asked = daemon.requests().size();
        for (final String[] args : List.of(new String[] {"ps", "--format", "{{.Names"}, new String[] {"ps", "--format", "{{index .Names 0}}"},
            new String[] {"inspect", "-f", "{{.Bad-Field}}", "web"}, new String[] {"network", "inspect", "-f", "{{printf \"%s\" .Name}}", "app"}))
        {
            final FakeDaemon.Output refused = daemon.run(args);
            assertEquals(1, refused.status(), String.join(" ", args));
            assertTrue(refused.err().startsWith("lanyard: template parsing error: "), refused.err());
            assertEquals(1, refused.err().lines().count(), refused.err());
            assertEquals("", refused.out());
        }
        assertEquals(asked, daemon.requests().size(), "nothing was asked of the daemon");
    }

    @Test
    void shouldSayWhichSandboxIsMissingAndShowTheOthers()
    {
        final FakeDaemon.Output both = daemon.run("inspect", "-f", "{{.Name}}", "web", "nosuch");
        assertEquals(1, both.status());
        assertEquals("web\n", both.out());
        assertEquals("Error response from daemon: page not found\n", both.err());
    }

    @Test
    void shouldStopEachSandboxAndPruneWithoutAskingWhenForced()
    {
        daemon.answer("POST /sandboxes/web/stop?t=3", "").answer("POST /networks/prune", "{\"NetworksDeleted\":[\"old\",\"older\"]}");
        final FakeDaemon.Output stop = daemon.run("stop", "-t", "3", "web");
        assertEquals(0, stop.status(), stop.err());
        assertEquals("web\n", stop.out());
        assertTrue(daemon.requests().contains("POST /sandboxes/web/stop?t=3"), daemon.requests().toString());
        assertEquals(1, daemon.run("stop", "-t", "-1", "web").status());

        final FakeDaemon.Output prune = daemon.run("network", "prune", "-f");
        assertEquals(0, prune.status(), prune.err());
        assertEquals("Deleted Networks:\nold\nolder\n", prune.out());
        final FakeDaemon.Output unasked = daemon.run("network", "prune");
        assertEquals(1, unasked.status(), "no terminal to confirm on");
        assertTrue(unasked.err().contains("use -f"), unasked.err());
    }

    @Test
    void shouldPrintWhatTheCommandWroteAndAskForTheTail()
    {
        daemon.answer("GET /sandboxes/web/logs?tail=2", "line 2\nline 3\n");
        final FakeDaemon.Output logs = daemon.run("logs", "--tail", "2", "web");
        assertEquals(0, logs.status(), logs.err());
        assertEquals("line 2\nline 3\n", logs.out());
        final FakeDaemon.Output bad = daemon.run("logs", "--tail", "many", "web");
        assertEquals(1, bad.status());
        assertEquals("lanyard: --tail must be a number of lines or all, not 'many'\n", bad.err());
    }

    @Test
    void shouldPassEverythingAfterTheSandboxToItsCommandOptionsIncluded()
    {
        final picocli.CommandLine parsed = new picocli.CommandLine(new LanyardCli());
        parsed.getSubcommands().get("exec").setStopAtPositional(true);
        final picocli.CommandLine.ParseResult result = parsed.parseArgs("exec", "c1", "ping", "-c", "3", "-W", "1", "10.0.0.3");
        final LanyardCli.ExecCommand exec = (LanyardCli.ExecCommand)result.subcommand().commandSpec().userObject();
        assertEquals("c1", exec.name);
        assertEquals(List.of("ping", "-c", "3", "-W", "1", "10.0.0.3"), exec.command);

        final picocli.CommandLine.ParseResult interactive = parsed.parseArgs("exec", "-it", "c1", "sh", "-i");
        final LanyardCli.ExecCommand shell = (LanyardCli.ExecCommand)interactive.subcommand().commandSpec().userObject();
        assertTrue(shell.terminal.interactive && shell.terminal.tty, "-it before the sandbox is the CLI's");
        assertEquals(List.of("sh", "-i"), shell.command, "-i after it is the command's");
    }

    @Test
    void shouldRefuseATerminalWhenStandardInputIsNotOne()
    {
        final int asked = daemon.requests().size();
        final FakeDaemon.Output exec = daemon.run("exec", "-t", "web", "sh");
        assertEquals(1, exec.status());
        assertEquals("lanyard: the input device is not a TTY (-t needs a terminal on standard input)\n", exec.err());
        final FakeDaemon.Output run = daemon.run("run", "-it", "--name", "x", "--", "sh");
        assertEquals(1, run.status());
        assertEquals(asked, daemon.requests().size(), "refused before anything was asked or made");
    }
}
