package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nothing a user created is lost to a crash or a restart; nothing half-made survives one. */
class RestartE2E
{
    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter");
        host = new LanyardHost("rs").start();
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    /** SIGINT is Ctrl-C: it reaches the daemon's whole process group, and the sandboxes' commands are in sessions of their own. */
    @ParameterizedTest
    @ValueSource(strings = {"SIGKILL", "SIGTERM", "SIGINT"})
    void shouldBringBackNetworksSandboxesAndAddressesAndReattachTheSameDevices(final String signal)
    {
        host.cli("network", "create", "--subnet", "10.60.0.0/24", "app").ok();
        host.cli("run", "-d", "--net", "app", "--name", "web").ok();
        host.cli("run", "-d", "--net", "app", "--name", "db").ok();
        host.cli("run", "-d", "--name", "old").ok();
        host.cli("network", "connect", "app", "old").ok();
        host.cli("run", "-d", "--net", "app", "--name", "job", "--", "sleep", "600").ok();
        final String networksBefore = host.cli("network", "ls").ok().out();
        final String appBefore = host.cli("network", "inspect", "app").ok().out();
        final String psBefore = host.cli("ps").ok().out();
        final String webIndex = ifindex("web", "eth0");
        final String oldIndex = ifindex("old", "eth1");

        switch (signal)
        {
            case "SIGKILL" -> host.kill9();
            case "SIGINT" -> host.interruptGroup();
            default -> host.terminate();
        }
        host.inSandbox("web", "ip", "link", "show", "eth0").assertOk();
        host.start();

        assertEquals(networksBefore, host.cli("network", "ls").ok().out());
        assertEquals(appBefore, host.cli("network", "inspect", "app").ok().out());
        assertEquals(psBefore, host.cli("ps").ok().out(), "sandboxes back, the background command still running");
        assertEquals(webIndex, ifindex("web", "eth0"), "the persistent TAP was re-attached, not recreated");
        assertEquals(oldIndex, ifindex("old", "eth1"));
        host.cli("exec", "web", "--", "ping", "-c", "1", "-W", "2", "10.60.0.3").ok();
        host.cli("exec", "old", "--", "ping", "-c", "1", "-W", "2", "10.60.0.2").ok();

        host.cli("run", "-d", "--net", "app", "--name", "fresh").ok();
        assertTrue(host.inSandbox("fresh", "ip", "-o", "-4", "addr", "show", "eth0").output().contains("inet 10.60.0.6/24"),
            "no address handed out twice: .2 web, .3 db, .4 old, .5 job, so .6");
    }

    @Test
    void shouldRecreateASandboxWhoseNamespaceVanishedWhileTheDaemonWasDown()
    {
        host.cli("run", "-d", "--name", "c1").ok();
        host.cli("run", "-d", "--name", "c2").ok();
        host.kill9();
        host.inHost("true");
        io.lanyard.testkit.Shell.check("ip", "netns", "delete", host.prefix() + "c2");
        host.start();
        assertTrue(host.inSandbox("c2", "ip", "-o", "-4", "addr").output().contains("inet 172.17.0.3/16"), "rebuilt from the state");
        host.cli("exec", "c1", "--", "ping", "-c", "1", "-W", "2", "172.17.0.3").ok();
    }

    @Test
    void shouldUndoWhatACrashLeftHalfDone() throws Exception
    {
        host.cli("network", "create", "--subnet", "10.61.0.0/24", "app").ok();
        host.cli("run", "-d", "--net", "app", "--name", "born").ok();
        host.cli("run", "-d", "--net", "app", "--name", "dying").ok();
        host.cli("run", "-d", "--name", "joining").ok();
        host.cli("network", "connect", "app", "joining").ok();
        host.terminate();

        // the state exactly as a daemon leaves it when it dies between its write-ahead marker
        // and the end of the work: a run, an rm and a connect in flight
        final ObjectNode state = StoredState.read(host.stateDir);
        for (final JsonNode sandbox : state.get("sandboxes"))
        {
            final String name = sandbox.get("name").asText();
            if ("born".equals(name))
            {
                ((ObjectNode)sandbox).put("state", "creating");
            }
            if ("dying".equals(name))
            {
                ((ObjectNode)sandbox).put("state", "removing");
            }
            if ("joining".equals(name))
            {
                ((ObjectNode)sandbox.get("endpoints").get(1)).put("state", "connecting");
            }
        }
        StoredState.write(host.stateDir, state);
        host.start();

        final String ps = host.cli("ps").ok().out();
        assertFalse(ps.contains("born"), ps);
        assertFalse(ps.contains("dying"), ps);
        assertFalse(host.namespaces.existing().contains(host.prefix() + "born"), "half-made namespace removed");
        assertFalse(host.namespaces.existing().contains(host.prefix() + "dying"), "removal finished");
        assertFalse(host.inSandbox("joining", "ip", "link").output().contains("eth1"), "half-connected interface removed");
        assertFalse(host.cli("network", "inspect", "app").ok().out().contains("joining"));
        host.cli("run", "-d", "--net", "app", "--name", "next").ok();
        assertTrue(host.inSandbox("next", "ip", "-o", "-4", "addr").output().contains("inet 10.61.0.2/24"), "their addresses are free again");
    }

    @Test
    void shouldLeaveNoTraceOfAConnectThatFailedHalfWay()
    {
        host.cli("network", "create", "--subnet", "10.62.0.0/24", "app").ok();
        host.cli("run", "-d", "--name", "victim").ok();
        final String before = host.cli("network", "inspect", "app").ok().out();
        io.lanyard.testkit.Shell.check("ip", "netns", "delete", host.prefix() + "victim");

        final LanyardHost.Result failed = host.cli("network", "connect", "app", "victim");
        assertNotEquals(0, failed.status());
        assertEquals(1, failed.err().trim().lines().count(), failed.err());
        assertTrue(failed.err().contains("cannot connect victim to app"), failed.err());

        assertEquals(before, host.cli("network", "inspect", "app").ok().out(), "no inspect entry");
        assertTrue(host.cli("stats").ok().out().lines().noneMatch(l -> l.contains("eth1")), "no switch port");
        host.cli("run", "-d", "--net", "app", "--name", "other").ok();
        assertTrue(host.inSandbox("other", "ip", "-o", "-4", "addr").output().contains("inet 10.62.0.2/24"), "no address kept");
    }

    @Test
    void shouldRefuseToStartOverACorruptStateFileNamingIt() throws Exception
    {
        host.cli("run", "-d", "--name", "c1").ok();
        host.kill9();
        final Path stateFile = host.stateDir.resolve("state.json");
        final String good = Files.readString(stateFile);
        for (final String corrupt : List.of(good.substring(0, good.length() / 2), "\u0000\u0001garbage", ""))
        {
            Files.writeString(stateFile, corrupt, StandardCharsets.UTF_8);
            final Process daemon = host.startDaemon(List.of());
            assertEquals(1, daemon.waitFor(), "refuses to start");
            final String log = host.log();
            assertTrue(log.contains("lanyardd: state file " + stateFile + " is corrupt"), log);
            assertEquals(corrupt, Files.readString(stateFile), "and does not overwrite it");
        }
        Files.writeString(stateFile, good, StandardCharsets.UTF_8);
        host.start();
        host.cli("exec", "c1", "--", "true").ok();
    }

    private String ifindex(final String sandbox, final String device)
    {
        return host.inSandbox(sandbox, "cat", "/sys/class/net/" + device + "/ifindex").assertOk().output().trim();
    }
}
