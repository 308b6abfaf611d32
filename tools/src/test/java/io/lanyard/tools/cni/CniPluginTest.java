package io.lanyard.tools.cni;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plugin as a runtime calls it, for everything that is answered before the daemon is asked (or when it cannot be). */
class CniPluginTest
{
    @TempDir
    Path dir;

    private record Call(int status, JsonNode out)
    {
    }

    private Call call(final Map<String, String> env, final String stdin) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int status;
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8))
        {
            status = CniPlugin.run(env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), print);
        }
        final String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.strip().lines().count(), "one JSON line: " + text);
        return new Call(status, Json.MAPPER.readTree(text));
    }

    private Map<String, String> env(final String command)
    {
        final Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", "c0ffee");
        env.put("CNI_NETNS", "/run/netns/nowhere");
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_PATH", "/opt/cni/bin");
        return env;
    }

    private String config(final String version)
    {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"web\",\"type\":\"lanyard-cni\",\"socket\":\"" +
            dir.resolve("absent.sock") + "\"}";
    }

    private static void assertError(final Call call, final int code, final String message)
    {
        assertEquals(1, call.status());
        assertEquals(code, call.out().path("code").asInt(), call.out().toString());
        assertTrue(call.out().path("msg").asText().contains(message), call.out().toString());
        assertTrue(call.out().path("cniVersion").isTextual(), call.out().toString());
    }

    @Test
    void shouldNameEveryVersionItSpeaks() throws IOException
    {
        final Call call = call(Map.of("CNI_COMMAND", "VERSION"), "");
        assertEquals(0, call.status());
        assertEquals("1.1.0", call.out().path("cniVersion").asText());
        assertEquals(List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"),
            Json.MAPPER.convertValue(call.out().path("supportedVersions"), List.class));
    }

    @Test
    void shouldAnswerVersionFromItsLauncherExactlyAsThePluginDoes() throws Exception
    {
        final Path launcher = Path.of(System.getenv().getOrDefault("LANYARD_HOME", ".")).toAbsolutePath().resolve("bin/lanyard-cni");
        final ProcessBuilder builder = new ProcessBuilder(launcher.toString()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("CNI_COMMAND", "VERSION");
        builder.environment().put("JAVA", "/nonexistent/java"); // the answer must not need a JVM
        final Process process = builder.start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, process.waitFor());
        assertEquals(CniPlugin.version(), out);
    }

    @Test
    void shouldRefuseMissingOrUnknownEnvironmentWithCode4() throws IOException
    {
        assertError(call(Map.of(), config("1.0.0")), 4, "CNI_COMMAND is not set");
        assertError(call(Map.of("CNI_COMMAND", "SPIN"), config("1.0.0")), 4, "unknown CNI_COMMAND SPIN");
        for (final String variable : List.of("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"))
        {
            final Map<String, String> env = env("ADD");
            env.remove(variable);
            assertError(call(env, config("1.0.0")), 4, variable + " is not set");
        }
        final Map<String, String> badArgs = env("ADD");
        badArgs.put("CNI_ARGS", "IgnoreUnknown=1;oops");
        assertError(call(badArgs, config("1.0.0")), 4, "invalid CNI_ARGS");
    }

    @Test
    void shouldRefuseUnreadableOrInvalidConfigurationWithItsCode() throws IOException
    {
        assertError(call(env("ADD"), ""), 6, "no network configuration on stdin");
        assertError(call(env("ADD"), "{not json"), 6, "not JSON");
        assertError(call(env("ADD"), "[1]"), 6, "not a JSON object");
        assertError(call(env("ADD"), config("9.9.9")), 1, "CNI version 9.9.9 is not supported");
        assertError(call(env("ADD"), "{\"name\":\"web\",\"type\":\"lanyard-cni\"}"), 7, "cniVersion is missing");
        assertError(call(env("ADD"), "{\"cniVersion\":\"1.0.0\",\"type\":\"lanyard-cni\"}"), 7, "name is missing");
        assertError(call(env("ADD"), "{\"cniVersion\":\"1.0.0\",\"name\":\"w\",\"type\":\"bridge\"}"), 7, "type is \"bridge\"");
        assertError(call(env("ADD"), "{\"cniVersion\":\"1.0.0\",\"name\":\"w\",\"type\":\"lanyard-cni\",\"socket\":\"rel\"}"), 7,
            "socket must be an absolute path");
        assertError(call(env("ADD"), "{\"cniVersion\":\"1.0.0\",\"name\":\"w\",\"type\":\"lanyard-cni\",\"ipam\":{\"ranges\":" +
            "[[{\"subnet\":\"10.1.0.0/24\",\"rangeStart\":\"10.1.0.10\"}]]}}"), 2, "rangeStart/rangeEnd are not supported");
        assertError(call(env("ADD"), "{\"cniVersion\":\"1.0.0\",\"name\":\"w\",\"type\":\"lanyard-cni\",\"runtimeConfig\":" +
            "{\"portMappings\":[{\"hostPort\":80}]}}"), 7, "invalid port mapping");
        final Call legacyCheck = call(env("CHECK"), config("0.3.1"));
        assertError(legacyCheck, 1, "CHECK needs CNI version 0.4.0");
        assertEquals("0.3.1", legacyCheck.out().path("cniVersion").asText(), "errors speak the configuration's version");
    }

    @Test
    void shouldAskTheRuntimeToTryAgainWhileTheDaemonIsDownAndReportItUnavailable() throws IOException
    {
        assertError(call(env("ADD"), config("1.0.0")), 11, "lanyardd is not answering on " + dir.resolve("absent.sock"));
        assertError(call(env("DEL"), config("1.0.0")), 11, "lanyardd is not answering");
        assertError(call(Map.of("CNI_COMMAND", "STATUS"), config("1.1.0")), 50, "lanyardd is not answering");
    }

    @Test
    void shouldReadPortMappingsAndAliasesFromTheRuntimeConfig() throws IOException
    {
        final CniConfig config = CniConfig.from(Json.MAPPER.readTree("{\"cniVersion\":\"0.4.0\",\"name\":\"web\",\"type\":\"lanyard-cni\"," +
            "\"network\":\"front\",\"ipam\":{\"subnet\":\"10.9.0.0/24\",\"gateway\":\"10.9.0.254\"},\"runtimeConfig\":{\"portMappings\":[" +
            "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},{\"hostPort\":5353,\"containerPort\":53,\"protocol\":\"UDP\"," +
            "\"hostIP\":\"127.0.0.1\"}],\"aliases\":{\"web\":[\"www\",\"api\"],\"other\":[\"no\"]}}," +
            "\"cni.dev/valid-attachments\":[{\"containerID\":\"c1\",\"ifname\":\"eth0\"}]}"));
        assertEquals("front", config.network());
        assertEquals(CniConfig.DEFAULT_SOCKET, config.socket());
        assertEquals(List.of("8080:80/tcp", "127.0.0.1:5353:53/udp"), config.ports());
        assertEquals(List.of("www", "api"), config.aliases());
        assertEquals("10.9.0.254", config.ipam().get(0).gateway());
        assertEquals(java.util.Set.of("c1/eth0"), config.validAttachments());
        assertTrue(config.isLegacy());
    }
}
