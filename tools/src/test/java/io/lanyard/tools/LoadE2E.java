package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.api.RunRequest;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 1,000 sandboxes on one network (issue 16's scale): they are made, reach each other on the first
 * try and by name, survive a {@code kill -9} of the daemon whole (the state's journal replayed at
 * the restart), and removing them leaves no interface, descriptor or address behind. The timings
 * are printed per hundred for the README; they are measurements, not assertions
 * ({@code tools/bin/lanyard-scale} measures the same outside the test suite).
 */
class LoadE2E
{
    private static final int SANDBOXES = 1000;
    private static final String SUBNET = "10.70.0.0/22";
    /** 10.70.0.2, the first address the network hands out. */
    private static final int FIRST_ADDRESS = (10 << 24) | (70 << 16) | 2;

    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "getent");
        host = new LanyardHost("ld").start();
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    /** The address sandbox {@code s<i>} gets: the network's addresses are handed out lowest first. */
    private static String address(final int i)
    {
        final int address = FIRST_ADDRESS + i;
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }

    @Test
    void shouldRunAThousandSandboxesOnOneNetworkKeepThemAcrossACrashAndRemoveThemWithoutLeakingAnything() throws Exception
    {
        ApiClient api = new ApiClient(host.socket);
        host.cli("network", "create", "--subnet", SUBNET, "load").ok();
        // one sandbox first, so one-time initialisation (a jar or a device opened on first use)
        // is not mistaken for a leak: a leak grows with the number of sandboxes
        assertEquals(201, api.post("/sandboxes", RunRequest.detached("warm", "load")).status());
        assertEquals(204, api.delete("/sandboxes/warm").status());
        final int fdsBefore = openDescriptors(host.daemonPid());
        final String inspectBefore = host.cli("network", "inspect", "load").ok().out();

        final long[] runNanos = new long[SANDBOXES];
        for (int i = 0; i < SANDBOXES; i++)
        {
            final long start = System.nanoTime();
            final ApiClient.Response created = api.post("/sandboxes", RunRequest.detached("s" + i, "load"));
            runNanos[i] = System.nanoTime() - start;
            assertEquals(201, created.status(), created.text());
        }
        assertEquals(SANDBOXES, host.cli("ps", "-q").ok().out().lines().count());
        // first contacts, across the network: each ARP request is answered by the switch, not flooded to 1,000 ports
        for (final int[] pair : new int[][] {{0, 999}, {57, 723}, {999, 1}, {500, 501}})
        {
            host.cli("exec", "s" + pair[0], "--", "ping", "-c", "1", "-W", "2", address(pair[1])).ok();
        }
        assertTrue(host.inSandbox("s3", "getent", "hosts", "s998").output().contains(address(998)),
            "the embedded DNS knows the last of them");

        // a crash with 1,000 sandboxes: the state (snapshot and journal) brings every one of them back
        host.kill9();
        host.start(Duration.ofMinutes(3));
        api = new ApiClient(host.socket);
        assertEquals(SANDBOXES, host.cli("ps", "-q").ok().out().lines().count(), "every sandbox restored");
        final JsonNode stored = StoredState.read(host.stateDir);
        assertEquals(SANDBOXES, stored.path("sandboxes").size(), "stored after the restart");
        stored.path("sandboxes").forEach(sandbox -> assertEquals("ready", sandbox.path("state").asText(), sandbox.toString()));
        host.cli("exec", "s998", "--", "ping", "-c", "1", "-W", "2", address(2)).ok();
        assertTrue(host.inSandbox("s998", "getent", "hosts", "s2").output().contains(address(2)), "names restored");

        final long[] rmNanos = new long[SANDBOXES];
        for (int i = 0; i < SANDBOXES; i++)
        {
            final long start = System.nanoTime();
            final ApiClient.Response removed = api.delete("/sandboxes/s" + i);
            rmNanos[i] = System.nanoTime() - start;
            assertEquals(204, removed.status(), removed.text());
        }

        assertEquals(List.of(host.hostNetns), host.namespaces.existing(), "no namespace (and so no TAP) left");
        assertEquals(List.of(), etcNetnsLeft(), "no /etc/netns directory left");
        assertEquals(inspectBefore, host.cli("network", "inspect", "load").ok().out(), "no endpoint left");
        assertEquals(0, StoredState.read(host.stateDir).path("sandboxes").size(), "none stored");
        // the daemon was restarted: its descriptors, once it has made and removed a sandbox too, are
        // compared with the first one's; a leak would be one or more per sandbox
        assertEquals(201, api.post("/sandboxes", RunRequest.detached("warm", "load")).status());
        assertEquals(204, api.delete("/sandboxes/warm").status());
        final long daemonPid = host.daemonPid();
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(5), () -> descriptorsOrMax(daemonPid) <= fdsBefore + 16),
            "no descriptor leaked: " + fdsBefore + " before, " + openDescriptors(daemonPid) + " after");
        assertEquals(201, api.post("/sandboxes", RunRequest.detached("again", "load")).status());
        assertTrue(host.inSandbox("again", "ip", "-o", "-4", "addr").output().contains("inet " + address(0) + "/22"), "every address freed");

        final List<Long> cliRuns = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            final long start = System.nanoTime();
            host.cliWith(Map.of("LANYARD_SOCKET", host.socket.toString()), "run", "-d", "--net", "load", "--name", "cli" + i).ok();
            cliRuns.add((System.nanoTime() - start) / 1_000_000);
        }

        final StringBuilder report = new StringBuilder("LOAD " + SANDBOXES + " sandboxes (API), median per hundred:");
        report.append("\n  run -d:");
        for (int from = 0; from < SANDBOXES; from += 100)
        {
            report.append(String.format(" %.1f", median(runNanos, from, from + 100)));
        }
        report.append(" ms\n  rm:    ");
        for (int from = 0; from < SANDBOXES; from += 100)
        {
            report.append(String.format(" %.1f", median(rmNanos, from, from + 100)));
        }
        report.append(String.format(" ms%n  run -d p95 %.1f ms, rm p95 %.1f ms; CLI run -d end to end median %d ms",
            percentile(runNanos, 0.95), percentile(rmNanos, 0.95), cliRuns.stream().sorted().toList().get(2)));
        System.out.println(report);
    }

    private List<String> etcNetnsLeft() throws IOException
    {
        try (Stream<Path> dirs = Files.list(Path.of("/etc/netns")))
        {
            return dirs.map(d -> d.getFileName().toString()).filter(n -> n.startsWith(host.prefix())).toList();
        }
    }

    private static int descriptorsOrMax(final long pid)
    {
        try
        {
            return openDescriptors(pid);
        }
        catch (final IOException ex)
        {
            return Integer.MAX_VALUE;
        }
    }

    private static int openDescriptors(final long pid) throws IOException
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd")))
        {
            return (int)fds.count();
        }
    }

    private static double median(final long[] nanos, final int from, final int to)
    {
        final long[] part = Arrays.copyOfRange(nanos, from, to);
        Arrays.sort(part);
        return part[part.length / 2] / 1e6;
    }

    private static double percentile(final long[] nanos, final double fraction)
    {
        final long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int)(sorted.length * fraction)] / 1e6;
    }
}
