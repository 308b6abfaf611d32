package io.lanyard.tools;

import io.lanyard.client.ApiClient;
import io.lanyard.client.api.RunRequest;
import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 200 sandboxes on one network: they work, and removing them leaves no interface, descriptor or
 * address behind. The timings are printed for the README (they are measurements, not assertions).
 */
class LoadE2E
{
    private static final int SANDBOXES = 200;

    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter");
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

    @Test
    void shouldRunAndRemoveTwoHundredSandboxesWithoutLeakingAnything() throws Exception
    {
        final ApiClient api = new ApiClient(host.socket);
        host.cli("network", "create", "--subnet", "10.70.0.0/16", "load").ok();
        final long daemonPid = host.daemonPid();
        // one sandbox first, so one-time initialisation (a jar or a device opened on first use)
        // is not mistaken for a leak: a leak grows with the number of sandboxes
        assertEquals(201, api.post("/sandboxes", RunRequest.detached("warm", "load")).status());
        assertEquals(204, api.delete("/sandboxes/warm").status());
        final int fdsBefore = openDescriptors(daemonPid);
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
        for (final int[] pair : new int[][] {{0, 199}, {57, 123}, {199, 1}, {100, 101}})
        {
            host.cli("exec", "s" + pair[0], "--", "ping", "-c", "1", "-W", "2", "10.70.0." + (pair[1] + 2)).ok();
        }

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
        // a descriptor can be open for a moment (a request's socket, a timer): a leak is one that stays
        assertTrue(LanyardHost.eventually(java.time.Duration.ofSeconds(5), () -> descriptorsOrMax(daemonPid) <= fdsBefore),
            "no descriptor leaked: " + fdsBefore + " before, " + openDescriptors(daemonPid) + " after");
        assertEquals(201, api.post("/sandboxes", RunRequest.detached("again", "load")).status());
        assertTrue(host.inSandbox("again", "ip", "-o", "-4", "addr").output().contains("inet 10.70.0.2/16"), "every address freed");

        final List<Long> cliRuns = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            final long start = System.nanoTime();
            host.cliWith(Map.of("LANYARD_SOCKET", host.socket.toString()), "run", "-d", "--net", "load", "--name", "cli" + i).ok();
            cliRuns.add((System.nanoTime() - start) / 1_000_000);
        }

        System.out.printf("LOAD %d sandboxes: run -d (API) median %.1f ms (first 50: %.1f, last 50: %.1f, p90 %.1f); " +
            "rm median %.1f ms (first 50: %.1f, last 50: %.1f); CLI run -d end to end median %d ms%n",
            SANDBOXES, median(runNanos, 0, SANDBOXES), median(runNanos, 0, 50), median(runNanos, SANDBOXES - 50, SANDBOXES),
            percentile(runNanos, 0.9), median(rmNanos, 0, SANDBOXES), median(rmNanos, 0, 50), median(rmNanos, SANDBOXES - 50, SANDBOXES),
            cliRuns.stream().sorted().toList().get(2));
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
