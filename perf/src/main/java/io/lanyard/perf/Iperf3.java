package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * iperf3 as the harness runs it: a server in each server namespace for the whole run, and one
 * client run per measurement with {@code -J}. No path can hang the run: every client connects
 * its control connection within {@value #CONNECT_TIMEOUT_MILLIS} ms ({@code --connect-timeout})
 * and is killed {@link #CLIENT_GRACE} after its test should have ended. A client that gives no
 * report, or iperf3's {@code error}, is a failed {@link ToolRun} (iperf3's "unable to connect"
 * is {@value ToolRun#NO_CONNECTION}), and its server is started anew, since a server whose
 * client vanished mid-test may still be waiting for it and serves one test at a time. After a
 * run that gave its report, the server's log tells which address the client's connection came
 * from, which must be {@link Endpoints#clientSeenAs()}: so a NAT measurement fails rather than
 * reports a number for traffic that was not masqueraded.
 */
final class Iperf3
{
    static final int PORT = 5201;
    static final int CONNECT_TIMEOUT_MILLIS = 5000;
    static final Duration CLIENT_GRACE = Duration.ofSeconds(60);
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(10);
    private static final String IPV4_MAPPED = "::ffff:";
    private static final Pattern ACCEPTED = Pattern.compile("Accepted connection from (\\S+), port [0-9]+");
    private static final String UNABLE_TO_CONNECT = "unable to connect";

    private Iperf3()
    {
    }

    /** A client run: what ran and how it ended, and its {@code -J} report when it gave one (else null). */
    record Outcome(ToolRun run, JsonNode report)
    {
    }

    /** The {@code iperf3 -s} of one server namespace, started anew after a client failed. */
    static final class Server
    {
        private final Workspace workspace;
        private final Endpoints endpoints;
        private Process process;

        private Server(final Workspace workspace, final Endpoints endpoints)
        {
            this.workspace = workspace;
            this.endpoints = endpoints;
            this.process = listen(workspace, endpoints);
        }

        /** Starts {@code iperf3 -s} in the endpoints' server namespace and waits until it listens. */
        static Server start(final Workspace workspace, final Endpoints endpoints)
        {
            return new Server(workspace, endpoints);
        }

        Endpoints endpoints()
        {
            return endpoints;
        }

        /**
         * Runs {@code iperf3 -c SERVER -p PORT -t SECONDS OPTIONS -J --connect-timeout MS} in the
         * client namespace. Fails the run only if a client that got its report was not seen by
         * the server as {@link Endpoints#clientSeenAs()}; any other failure is the outcome's.
         */
        Outcome client(final int seconds, final List<String> options)
        {
            final List<String> command = Workspace.inNamespace(endpoints.clientNetns(), clientCommand(endpoints.serverAddress(), seconds, options));
            final Outcome outcome = outcome(workspace.run(command, Duration.ofSeconds(seconds).plus(CLIENT_GRACE)));
            if (outcome.run().isFailed())
            {
                workspace.stop(process);
                process = listen(workspace, endpoints);
            }
            else
            {
                checkClientAddress();
            }
            return outcome;
        }

        /** Fails the run unless the server saw the last connection come from {@link Endpoints#clientSeenAs()}. */
        private void checkClientAddress()
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
    }

    /** The client's command line, before the namespace: its options between {@code -t} and {@code -J}. */
    static List<String> clientCommand(final String serverAddress, final int seconds, final List<String> options)
    {
        final List<String> command = new ArrayList<>(List.of("iperf3", "-c", serverAddress, "-p", Integer.toString(PORT),
            "-t", Integer.toString(seconds)));
        command.addAll(options);
        command.addAll(List.of("-J", "--connect-timeout", Integer.toString(CONNECT_TIMEOUT_MILLIS)));
        return command;
    }

    /** How a client run ended: its report, or why it has none. */
    static Outcome outcome(final Exec.Result exec)
    {
        final JsonNode report = report(exec.stdout());
        if (report == null)
        {
            final String said = (exec.stdout() + exec.stderr()).strip();
            return failed(exec, exec.timedOut() ? ToolRun.TIMED_OUT : ToolRun.FAILED,
                "no JSON report" + (said.isEmpty() ? "" : ": " + String.join(" ", said.lines().toList())));
        }
        if (report.hasNonNull("error"))
        {
            final String error = report.get("error").asText();
            return failed(exec, error.startsWith(UNABLE_TO_CONNECT) ? ToolRun.NO_CONNECTION : ToolRun.FAILED, error);
        }
        if (exec.timedOut())
        {
            return failed(exec, ToolRun.TIMED_OUT, exec.stderr().strip());
        }
        return new Outcome(ToolRun.ok(exec.command()), report);
    }

    private static Outcome failed(final Exec.Result exec, final String failure, final String detail)
    {
        return new Outcome(ToolRun.failed(exec.command(), failure, detail), null);
    }

    /** The parsed {@code -J} report; null if the output is not one. */
    private static JsonNode report(final String stdout)
    {
        try
        {
            final JsonNode report = Json.MAPPER.readTree(stdout);
            return report == null || !report.isObject() ? null : report;
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static Process listen(final Workspace workspace, final Endpoints endpoints)
    {
        return workspace.spawnListening("iperf3 server", endpoints.serverNetns(),
            List.of("iperf3", "-s", "-p", Integer.toString(PORT), "--forceflush"), serverLog(workspace, endpoints), false, PORT, LISTEN_TIMEOUT);
    }

    private static Path serverLog(final Workspace workspace, final Endpoints endpoints)
    {
        return workspace.dir().resolve("iperf3-" + endpoints.serverNetns() + ".log");
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
}
