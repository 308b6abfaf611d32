package io.lanyard.tools;

import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API's request limits against the real daemon (issue 15): what an attacker once got stored,
 * a network with 60,000 labels (769 KB, and a 1.3 MB state file rewritten on every change), is
 * refused over the socket with curl and through the CLI, with 400 and Docker's error body; no
 * network is made, the state file stays small, and the daemon answers on.
 */
class ApiLimitsE2E
{
    private static final int LABELS = 60_000;
    private static final int ONE_MIB = 1 << 20;

    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "nsenter", "curl");
        host = new LanyardHost("al").start();
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void shouldRefuseANetworkWithSixtyThousandLabelsAndCreateNothing() throws Exception
    {
        final Path attack = labelledNetwork("l");
        assertTrue(Files.size(attack) > 700_000 && Files.size(attack) < ONE_MIB, "the attacker's size: " + Files.size(attack));
        final Path oversized = labelledNetwork("com.example.label-");
        assertTrue(Files.size(oversized) > ONE_MIB, "over the body limit: " + Files.size(oversized));

        assertEquals(List.of("400", "{\"message\":\"Labels: at most 128 entries, not 60000\"}"), createNetwork(attack));
        assertEquals(List.of("413", "{\"message\":\"request body larger than " + ONE_MIB + " bytes\"}"), createNetwork(oversized),
            "curl waits for 100 Continue, and gets the error body all the same");
        final List<String> labels = new ArrayList<>(List.of("network", "create"));
        for (int i = 0; i < 129; i++)
        {
            labels.addAll(List.of("--label", "l" + i + "=x"));
        }
        labels.add("big");
        final LanyardHost.Result cli = host.cli(labels.toArray(String[]::new));
        assertNotEquals(0, cli.status());
        assertTrue(cli.err().contains("Labels: at most 128 entries, not 129"), cli.err());

        assertFalse(host.cli("network", "ls").ok().out().contains("big"), "no network was made");
        final long stateBytes = StoredState.size(host.stateDir);
        assertTrue(stateBytes < 16 * 1024, "state.json and its journal: " + stateBytes + " bytes");
        assertEquals(List.of("200", "OK"), curl("http://docker/_ping"), "the daemon answers on");
    }

    /** A network create request for "big" with 60,000 labels named {@code prefix + i}, each worth "x". */
    private Path labelledNetwork(final String prefix) throws Exception
    {
        final StringBuilder body = new StringBuilder("{\"Name\":\"big\",\"Labels\":{");
        for (int i = 0; i < LABELS; i++)
        {
            body.append(i == 0 ? "" : ",").append('"').append(prefix).append(i).append("\":\"x\"");
        }
        final Path request = host.dir.resolve(prefix + "json");
        Files.writeString(request, body.append("}}"), StandardCharsets.UTF_8);
        return request;
    }

    private List<String> createNetwork(final Path request) throws Exception
    {
        return curl("-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@" + request,
            "http://docker/v1.43/networks/create");
    }

    /** curl over the daemon's socket: the status and the body. */
    private List<String> curl(final String... args) throws Exception
    {
        final Path out = host.dir.resolve("curl-body");
        final List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "30",
            "--unix-socket", host.socket.toString(), "-o", out.toString(), "-w", "%{http_code}"));
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String status = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "curl finished");
        return List.of(status, Files.readString(out));
    }
}
