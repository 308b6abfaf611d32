package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code tools/bin/lanyard-cni}, called as a runtime calls it (environment and stdin,
 * one process per call) against a real daemon: every command, ADD twice, DEL after the namespace
 * is gone, CHECK after the interface was deleted, GC, and the error codes the daemon's answers
 * turn into.
 */
class CniE2E
{
    private static final Path PLUGIN = Path.of(System.getenv().getOrDefault("LANYARD_HOME", "tools")).toAbsolutePath()
        .resolve("bin/lanyard-cni");
    private static LanyardHost host;

    private record Call(int status, JsonNode out, String raw)
    {
        Call ok()
        {
            assertEquals(0, status, raw);
            return this;
        }
    }

    @BeforeAll
    static void startDaemon()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "dig");
        host = new LanyardHost("cn").start();
    }

    @AfterAll
    static void stopDaemon()
    {
        if (host != null)
        {
            host.close();
        }
    }

    private static String config(final String network, final String extra)
    {
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"" + network + "\",\"type\":\"lanyard-cni\",\"socket\":\"" + host.socket + "\"" +
            extra + "}";
    }

    private static Call cni(final String command, final String containerId, final String netns, final String config)
    {
        final Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_PATH", PLUGIN.getParent().toString());
        if (containerId != null)
        {
            env.put("CNI_CONTAINERID", containerId);
            env.put("CNI_IFNAME", "eth0");
            env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=" + containerId.substring(0, 6));
        }
        if (netns != null)
        {
            env.put("CNI_NETNS", netns);
        }
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(PLUGIN.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().clear();
            builder.environment().put("PATH", System.getenv("PATH"));
            builder.environment().putAll(env);
            final Process process = builder.start();
            process.getOutputStream().write(config.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            return new Call(process.exitValue(), out.isBlank() ? null : Json.MAPPER.readTree(out), out);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static void assertError(final Call call, final int code, final String message)
    {
        assertEquals(1, call.status(), call.raw());
        assertEquals(code, call.out().path("code").asInt(), call.raw());
        assertTrue(call.out().path("msg").asText().contains(message), call.raw());
    }

    private static String netns(final String name)
    {
        return "/run/netns/" + host.namespaces.add(name);
    }

    @Test
    void shouldAddTwoContainersThatReachAndResolveEachOtherAndAnswerARepeatedAddTheSame()
    {
        final String netnsA = netns("podA");
        final String netnsB = netns("podB");
        final String config = config("cnione", ",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.90.0.0/24\",\"gateway\":\"10.90.0.1\"}]]}");

        final JsonNode result = cni("ADD", "aaaaaa111111", netnsA, config).ok().out();
        assertEquals("1.0.0", result.path("cniVersion").asText());
        assertEquals("eth0", result.at("/interfaces/0/name").asText());
        assertEquals(netnsA, result.at("/interfaces/0/sandbox").asText());
        assertTrue(result.at("/interfaces/0/mac").asText().matches("02:42:0a:5a:00:02"), result.toString());
        assertEquals("10.90.0.2/24", result.at("/ips/0/address").asText());
        assertEquals("10.90.0.1", result.at("/ips/0/gateway").asText());
        assertEquals(0, result.at("/ips/0/interface").asInt());
        assertEquals("0.0.0.0/0", result.at("/routes/0/dst").asText());
        assertEquals("127.0.0.11", result.at("/dns/nameservers/0").asText());
        assertEquals(result, cni("ADD", "aaaaaa111111", netnsA, config).ok().out(), "ADD twice: the same result");

        cni("ADD", "bbbbbb222222", netnsB, config).ok();
        host.inSandbox("podA", "ping", "-c", "1", "-W", "2", "10.90.0.3").assertOk();
        final Dig dig = Dig.in(host, "podA", "@127.0.0.11", "bbbbbb");
        assertEquals(List.of(new Dig.Answer("bbbbbb.", 600, "A", "10.90.0.3")), dig.answers(), dig.output());
        assertTrue(host.cli("network", "ls").ok().out().contains("cnione"), "created on first use");

        cni("CHECK", "aaaaaa111111", netnsA, config).ok();
        cni("DEL", "aaaaaa111111", netnsA, config).ok();
        cni("DEL", "aaaaaa111111", netnsA, config).ok();
        assertFalse(host.inSandbox("podA", "ip", "link").output().contains("eth0"));
        assertError(cni("CHECK", "aaaaaa111111", netnsA, config), 3, "is not attached");
        cni("DEL", "bbbbbb222222", netnsB, config).ok();
        assertEquals(0, inspect("cnione").path("Containers").size());
    }

    @Test
    void shouldDeleteAfterTheNamespaceIsGoneAndFailACheckAfterTheInterfaceWasDeleted()
    {
        final String config = config("cnitwo", "");
        final String netnsC = netns("podC");
        cni("ADD", "cccccc333333", netnsC, config).ok();
        host.inSandbox("podC", "ip", "link", "delete", "eth0").assertOk();
        assertError(cni("CHECK", "cccccc333333", netnsC, config), 101, "interface eth0 is missing from " + netnsC);
        cni("DEL", "cccccc333333", netnsC, config).ok();

        final String netnsD = netns("podD");
        cni("ADD", "dddddd444444", netnsD, config).ok();
        Shell.check("ip", "netns", "delete", host.prefix() + "podD");
        cni("DEL", "dddddd444444", netnsD, config).ok();
        cni("DEL", "dddddd444444", null, config).ok();
        assertFalse(host.cli("ps").ok().out().contains("dddddd444444"));
    }

    @Test
    void shouldCollectAttachmentsTheRuntimeNoLongerListsAndReportStatus()
    {
        final String netnsE = netns("podE");
        final String netnsF = netns("podF");
        cni("ADD", "eeeeee555555", netnsE, config("cnigc", "")).ok();
        cni("ADD", "ffffff666666", netnsF, config("cnigc", "")).ok();

        final String gc = "{\"cniVersion\":\"1.1.0\",\"name\":\"cnigc\",\"type\":\"lanyard-cni\",\"socket\":\"" + host.socket + "\"," +
            "\"cni.dev/valid-attachments\":[{\"containerID\":\"eeeeee555555\",\"ifname\":\"eth0\"}]}";
        cni("GC", null, null, gc).ok();
        final String ps = host.cli("ps").ok().out();
        assertTrue(ps.contains("eeeeee555555"), ps);
        assertFalse(ps.contains("ffffff666666"), ps);
        assertFalse(host.inSandbox("podF", "ip", "link").output().contains("eth0"));
        cni("STATUS", null, null, gc).ok();
        cni("DEL", "eeeeee555555", netnsE, config("cnigc", "")).ok();
    }

    @Test
    void shouldReturnTheDaemonsRefusalsAsErrorsAndLeaveNothingBehind()
    {
        final String netnsG = netns("podG");
        assertError(cni("ADD", "gggggg777777", netnsG, config("host", "")), 100, "cannot attach to the host network");
        assertError(cni("ADD", "gggggg777777", "/run/netns/" + host.prefix() + "nothere", config("cnithree", "")), 100,
            "does not exist");
        assertError(cni("ADD", "gggggg777777", netnsG, config("cnibad", ",\"ipam\":{\"subnet\":\"10.999.0.0/24\"}")), 7,
            "cannot create network cnibad");
        assertFalse(host.cli("ps").ok().out().contains("gggggg777777"));
        assertFalse(host.cli("network", "ls").ok().out().contains("cnibad"));
        assertEquals(List.of("lo"), host.inSandbox("podG", "ls", "/sys/class/net").output().lines().toList());
    }

    private static JsonNode inspect(final String network)
    {
        try
        {
            return Json.MAPPER.readTree(host.cli("network", "inspect", network).ok().out()).get(0);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
