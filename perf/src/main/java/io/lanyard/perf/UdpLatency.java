package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;

/**
 * Round-trip latency with the harness's own probe, beside ping's: {@value UdpEchoProbe#DEFAULT_PAYLOAD}-byte
 * UDP requests at a fixed rate (default {@value UdpEchoProbe#DEFAULT_RATE}/s, {@value UdpEchoProbe#DEFAULT_COUNT}
 * measured after {@value UdpEchoProbe#DEFAULT_WARMUP} not recorded, so 10.5 s a measurement) to an
 * echo server, every round trip in an HdrHistogram, so p99.9 and the maximum mean something
 * (ping's 200 replies do not reach p99.9). The round trips are counted from each request's
 * intended send time (coordinated omission corrected; see {@link UdpEchoProbe}).
 *
 * <p>Both ends are {@link UdpEcho} in a JVM of their own, started with this JVM's own
 * {@code java} binary and class path so that they run the same code: the server once per
 * server namespace for the whole run ({@link Server#start}, stopped by the {@link Workspace}),
 * one probe per measurement in the client namespace. The probe's JVM is small and quiet
 * ({@link #JVM_OPTIONS}): the serial collector (the loops allocate nothing per datagram) and
 * C1 only, so no C2 compilation competes with the measurement on a small machine.
 *
 * <p>Its figures are not ping's and are compared only with its own on another switch. ICMP echo
 * is answered by the kernel, and ping times a reply by the kernel's receive timestamp; here a
 * process answers, so each round trip also holds two wake-ups (the echo server's, and the probe
 * receiver's), and the pace changes what is measured. Across one veth on the 2-vCPU test
 * machine: p50 25 µs at 2000/s, against ping's 49 µs at its 10 ms pace and 4 µs at a 0.5 ms
 * pace; this probe at 100/s after 20 warm-up requests gave 257 µs (not examined; idle CPUs and
 * code not yet compiled are likely). Its p99.9 there was 1 to 3 ms, and not from pauses of the
 * JVMs: no safepoint fell in a measurement, and a Python echo server gave the same tails.
 *
 * <p>A probe that gives no result line, or whose requests all went unanswered, is a failed
 * {@link ToolRun} (with the counts it had), not an abort; a server that does not start is.
 */
final class UdpLatency
{
    static final int PORT = 5210;
    static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms32m", "-Xmx64m");
    /** Beyond the schedule and the reply timeout: the JVM's start and end on a loaded machine. */
    static final Duration PROBE_GRACE = Duration.ofSeconds(60);
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(20);

    private UdpLatency()
    {
    }

    /**
     * One measurement.
     *
     * @param rtts             round trips of the replies, from each request's intended send time (ns).
     * @param sent             requests measured (the warm-up not included).
     * @param lost             of those, the ones with no reply within the timeout.
     * @param run              the probe's command, and why it failed if it did (then the histograms are empty).
     * @param serviceRtts      the same round trips from each request's actual send time, as ping counts.
     * @param maxSendLagMillis the most a request left after its intended time (NaN when unknown).
     */
    record Result(Histogram rtts, long sent, long lost, ToolRun run, Histogram serviceRtts, double maxSendLagMillis)
        implements Report.Measured
    {
        Result(final Histogram rtts, final long sent, final long lost, final ToolRun run)
        {
            this(rtts, sent, lost, run, emptyHistogram(), Double.NaN);
        }

        static Result failed(final ToolRun run)
        {
            return new Result(emptyHistogram(), 0, 0, run);
        }

        long received()
        {
            return rtts.getTotalCount();
        }

        /** The round trip at {@code percentile} (50, 99, 99.9) in ms; NaN when nothing came back. */
        double percentileMillis(final double percentile)
        {
            return received() == 0 ? Double.NaN : rtts.getValueAtPercentile(percentile) / 1e6;
        }

        double maxMillis()
        {
            return received() == 0 ? Double.NaN : rtts.getMaxValue() / 1e6;
        }

        double meanMillis()
        {
            return received() == 0 ? Double.NaN : rtts.getMean() / 1e6;
        }

        /** Lost over sent, 0 to 1; NaN when nothing was sent. */
        double lossRatio()
        {
            return sent == 0 ? Double.NaN : (double)lost / sent;
        }
    }

    /** The echo server of one server namespace, for the whole run; started anew if it died. */
    static final class Server
    {
        private final Workspace workspace;
        private final Endpoints endpoints;
        private final List<String> classPath;
        private Process process;

        private Server(final Workspace workspace, final Endpoints endpoints)
        {
            this.workspace = workspace;
            this.endpoints = endpoints;
            this.classPath = classPathFile(workspace, "udp-echo-" + endpoints.serverNetns() + ".args");
            this.process = listen(workspace, endpoints, classPath);
        }

        /** Starts {@code udp-echo serve} in the endpoints' server namespace and waits until it listens. */
        static Server start(final Workspace workspace, final Endpoints endpoints)
        {
            return new Server(workspace, endpoints);
        }

        Endpoints endpoints()
        {
            return endpoints;
        }

        /** {@link #measure(int, int, int)} with the default warm-up. */
        Result measure(final int rate, final int count)
        {
            return measure(rate, count, UdpEchoProbe.DEFAULT_WARMUP);
        }

        /**
         * Probes from the client namespace: {@code warmup} requests, then {@code count} measured,
         * {@code rate} per second. The caller checks its flags: a rate or count below 1, or a
         * negative warm-up, is a mistake of the harness's, not a failed run.
         */
        Result measure(final int rate, final int count, final int warmup)
        {
            if (rate < 1 || count < 1 || warmup < 0)
            {
                throw new IllegalArgumentException("rate " + rate + ", count " + count + ", warm-up " + warmup);
            }
            if (!process.isAlive())
            {
                process = listen(workspace, endpoints, classPath);
            }
            final List<String> command = Workspace.inNamespace(endpoints.clientNetns(),
                probeCommand(classPath, endpoints.serverAddress(), PORT, rate, count, warmup));
            final long scheduleMillis = ((long)warmup + count) * 1000 / rate;
            return of(workspace.run(command, Duration.ofMillis(scheduleMillis).plus(UdpEchoProbe.DEFAULT_TIMEOUT).plus(PROBE_GRACE)));
        }
    }

    /**
     * {@code java OPTIONS CLASS_PATH io.lanyard.perf.UdpEcho ARGS}: this JVM's own binary, so the
     * child runs the same Java as the harness.
     *
     * @param classPath {@link #classPath()} or {@link #classPathFile}.
     */
    static List<String> javaCommand(final List<String> classPath, final List<String> args)
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(JVM_OPTIONS);
        command.addAll(classPath);
        command.add(UdpEcho.class.getName());
        command.addAll(args);
        return command;
    }

    /** {@code -cp} with this JVM's class path (the launcher has expanded a {@code lib/*} in it into every jar). */
    static List<String> classPath()
    {
        return List.of("-cp", System.getProperty("java.class.path"));
    }

    /**
     * This JVM's class path in an argument file of the run ({@code java @FILE}): as
     * {@link #classPath()}, but the command lines the report keeps stay short (lanyard-perf's
     * class path is a hundred jars) and hold no space.
     *
     * @param name the file's name in the run's directory.
     */
    static List<String> classPathFile(final Workspace workspace, final String name)
    {
        final String quoted = System.getProperty("java.class.path").replace("\\", "\\\\").replace("\"", "\\\"");
        return List.of("@" + workspace.writeFile(name, "-cp \"" + quoted + "\"\n"));
    }

    static List<String> serveCommand(final List<String> classPath, final int port)
    {
        return javaCommand(classPath, List.of("serve", "--port", Integer.toString(port)));
    }

    static List<String> probeCommand(final List<String> classPath, final String address, final int port, final int rate, final int count,
        final int warmup)
    {
        return javaCommand(classPath, List.of("probe", "--to", address + ":" + port, "--rate", Integer.toString(rate),
            "--count", Integer.toString(count), "--warmup", Integer.toString(warmup),
            "--payload", Integer.toString(UdpEchoProbe.DEFAULT_PAYLOAD)));
    }

    /** Reads a probe's run: its result line, or why it has none. */
    static Result of(final Exec.Result exec)
    {
        final JsonNode line = resultLine(exec.stdout());
        if (line == null || !exec.ok())
        {
            final String said = (exec.stdout() + exec.stderr()).strip();
            return Result.failed(ToolRun.failed(exec.command(), exec.timedOut() ? ToolRun.TIMED_OUT : ToolRun.FAILED,
                (line == null ? "no result line" : "exited " + exec.status()) +
                    (said.isEmpty() ? "" : ": " + String.join(" ", said.lines().toList()))));
        }
        final Histogram rtts;
        final Histogram serviceRtts;
        try
        {
            rtts = decode(line.path(UdpEchoProbe.RTTS).asText());
            serviceRtts = decode(line.path(UdpEchoProbe.SERVICE_RTTS).asText());
        }
        catch (final IllegalArgumentException | DataFormatException | BufferUnderflowException ex)
        {
            return Result.failed(ToolRun.failed(exec.command(), ToolRun.FAILED, "the result line's histograms do not decode: " + ex));
        }
        final long sent = line.path(UdpEchoProbe.SENT).asLong();
        final long lost = line.path(UdpEchoProbe.LOST).asLong();
        final double lag = line.path(UdpEchoProbe.MAX_SEND_LAG_MICROS).asDouble(Double.NaN) / 1e3;
        if (rtts.getTotalCount() == 0)
        {
            final long unreachable = line.path(UdpEchoProbe.UNREACHABLE).asLong();
            final ToolRun failed = unreachable > 0 ?
                ToolRun.failed(exec.command(), ToolRun.NO_CONNECTION, "all " + sent + " requests lost, " + unreachable + " ICMP port unreachable") :
                ToolRun.failed(exec.command(), ToolRun.FAILED, "all " + sent + " requests lost");
            return new Result(rtts, sent, lost, failed, serviceRtts, lag);
        }
        return new Result(rtts, sent, lost, ToolRun.ok(exec.command()), serviceRtts, lag);
    }

    /** The last line of {@code stdout} that is a JSON object, or null. */
    private static JsonNode resultLine(final String stdout)
    {
        final List<String> lines = stdout.lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--)
        {
            final String line = lines.get(i).strip();
            if (line.startsWith("{"))
            {
                try
                {
                    final JsonNode node = Json.MAPPER.readTree(line);
                    return node != null && node.isObject() ? node : null;
                }
                catch (final IOException ex)
                {
                    return null;
                }
            }
        }
        return null;
    }

    static Histogram decode(final String base64) throws DataFormatException
    {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    }

    private static Histogram emptyHistogram()
    {
        return new Histogram(UdpEchoProbe.HIGHEST_NANOS, 3);
    }

    private static Process listen(final Workspace workspace, final Endpoints endpoints, final List<String> classPath)
    {
        return workspace.spawnListening("udp-echo server", endpoints.serverNetns(), serveCommand(classPath, PORT),
            workspace.dir().resolve("udp-echo-" + endpoints.serverNetns() + ".log"), true, PORT, LISTEN_TIMEOUT);
    }
}
