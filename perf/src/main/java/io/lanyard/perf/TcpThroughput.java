package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TCP throughput with iperf3: a server in the server namespace for the whole run, and one
 * client run per measurement ({@code -J}), of which the receiver's rate counts (what arrived,
 * not what was queued) and the sender's retransmits are kept. After each run the server's log
 * tells which address the client's connection came from, which must be
 * {@link Endpoints#clientSeenAs()}: so a NAT measurement fails rather than reports a number for
 * traffic that was not masqueraded.
 */
final class TcpThroughput
{
    static final int PORT = 5201;
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(10);
    private static final String IPV4_MAPPED = "::ffff:";
    private static final Pattern ACCEPTED = Pattern.compile("Accepted connection from (\\S+), port [0-9]+");

    private TcpThroughput()
    {
    }

    record Result(double gbps, long retransmits)
    {
    }

    /** Starts {@code iperf3 -s} in the server namespace and waits until it listens. */
    static Process startServer(final Workspace workspace, final Endpoints endpoints)
    {
        final Process server = workspace.spawn(Workspace.inNamespace(endpoints.serverNetns(),
            List.of("iperf3", "-s", "-p", Integer.toString(PORT), "--forceflush")), serverLog(workspace, endpoints));
        final long deadline = System.nanoTime() + LISTEN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (!server.isAlive())
            {
                throw new PerfException("iperf3 server in " + endpoints.serverNetns() + " exited " + server.exitValue());
            }
            final Exec.Result listening = workspace.run(Workspace.inNamespace(endpoints.serverNetns(),
                List.of("ss", "-Hltn", "sport = :" + PORT)), Duration.ofSeconds(10));
            if (listening.ok() && !listening.stdout().isBlank())
            {
                return server;
            }
            LanyardSide.sleep(50);
        }
        throw new PerfException("iperf3 server in " + endpoints.serverNetns() + " did not listen within " + LISTEN_TIMEOUT.toSeconds() + " s");
    }

    static Result measure(final Workspace workspace, final Endpoints endpoints, final int seconds, final int streams)
    {
        final Exec.Result run = workspace.run(Workspace.inNamespace(endpoints.clientNetns(), List.of(
            "iperf3", "-c", endpoints.serverAddress(), "-p", Integer.toString(PORT), "-t", Integer.toString(seconds),
            "-P", Integer.toString(streams), "-J", "--connect-timeout", "5000")), Duration.ofSeconds(seconds + 60L));
        final Result result;
        try
        {
            result = parse(run.stdout());
        }
        catch (final PerfException ex)
        {
            throw new PerfException(endpoints.label() + ": iperf3 failed: " + ex.getMessage() +
                (run.ok() ? "" : " (" + run.describe().lines().findFirst().orElse("") + ")"));
        }
        checkClientAddress(workspace, endpoints);
        return result;
    }

    private static Path serverLog(final Workspace workspace, final Endpoints endpoints)
    {
        return workspace.dir().resolve("iperf3-" + endpoints.serverNetns() + ".log");
    }

    /** Fails the run unless the server saw the last connection come from {@link Endpoints#clientSeenAs()}. */
    private static void checkClientAddress(final Workspace workspace, final Endpoints endpoints)
    {
        final String log;
        try
        {
            log = Files.readString(serverLog(workspace, endpoints));
        }
        catch (final IOException ex)
        {
            throw new PerfException(endpoints.label() + ": cannot read the iperf3 server's log: " + ex.getMessage());
        }
        final String seen = lastClientAddress(log);
        if (!endpoints.clientSeenAs().equals(seen))
        {
            throw new PerfException(endpoints.label() + ": the iperf3 server in " + endpoints.serverNetns() + " saw the client as " +
                (seen == null ? "nothing (no connection in its log)" : seen) + ", not as " + endpoints.clientSeenAs());
        }
    }

    /** The client address of the last connection an {@code iperf3 -s} log shows (IPv4-mapped shown as IPv4), or null. */
    static String lastClientAddress(final String serverLog)
    {
        String last = null;
        final Matcher accepted = ACCEPTED.matcher(serverLog);
        while (accepted.find())
        {
            last = accepted.group(1);
        }
        return last != null && last.startsWith(IPV4_MAPPED) ? last.substring(IPV4_MAPPED.length()) : last;
    }

    /** Reads iperf3's {@code -J} report. */
    static Result parse(final String json)
    {
        final JsonNode report;
        try
        {
            report = Json.MAPPER.readTree(json);
        }
        catch (final IOException ex)
        {
            throw new PerfException("no JSON report: " + json.strip().lines().findFirst().orElse("(no output)"));
        }
        if (report == null || report.isMissingNode())
        {
            throw new PerfException("empty report");
        }
        if (report.hasNonNull("error"))
        {
            throw new PerfException(report.get("error").asText());
        }
        final JsonNode received = report.path("end").path("sum_received").path("bits_per_second");
        if (!received.isNumber())
        {
            throw new PerfException("the report has no end.sum_received.bits_per_second");
        }
        return new Result(received.asDouble() / 1e9, report.path("end").path("sum_sent").path("retransmits").asLong(0));
    }
}
