package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.control.api.Json;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * TCP throughput with iperf3: a server in the server namespace for the whole run, and one
 * client run per measurement ({@code -J}), of which the receiver's rate counts (what arrived,
 * not what was queued) and the sender's retransmits are kept.
 */
final class TcpThroughput
{
    static final int PORT = 5201;
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(10);

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
            List.of("iperf3", "-s", "-p", Integer.toString(PORT))), workspace.dir().resolve("iperf3-" + endpoints.serverNetns() + ".log"));
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
        try
        {
            return parse(run.stdout());
        }
        catch (final PerfException ex)
        {
            throw new PerfException(endpoints.label() + ": iperf3 failed: " + ex.getMessage() +
                (run.ok() ? "" : " (" + run.describe().lines().findFirst().orElse("") + ")"));
        }
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
