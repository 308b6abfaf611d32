package io.lanyard.perf;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code udp-echo}: the harness's own UDP latency probe, a program of its own because a socket
 * belongs to the namespace of the process that opens it: the harness starts it inside a
 * container's namespace with {@code nsenter --net=/run/netns/NS java -cp ... io.lanyard.perf.UdpEcho}
 * (see {@link UdpLatency}). Two modes:
 * <ul>
 * <li>{@code serve --port P}: echoes every datagram back to its sender ({@link UdpEchoServer})
 * until killed; says {@code udp-echo: echoing on ADDRESS:PORT} on stderr once bound.</li>
 * <li>{@code probe --to ADDR:PORT [--rate N] [--count K] [--warmup W] [--payload B] [--timeout-ms T]}:
 * sends requests on a fixed schedule and prints one JSON line with the counts and the round
 * trips as whole HdrHistograms ({@link UdpEchoProbe}).</li>
 * </ul>
 * A bad flag is one line on stderr and exit status 2; a failure to set up (no such host, cannot
 * bind) one line and status 1. A probe that ran exits 0, whatever it lost.
 */
@Command(name = UdpEcho.NAME, mixinStandardHelpOptions = true, version = "udp-echo 0.1",
    subcommands = {UdpEcho.Serve.class, UdpEcho.Probe.class},
    description = {
        "A UDP echo server and a fixed-rate latency probe for lanyard-perf:",
        "  udp-echo serve --port P",
        "  udp-echo probe --to ADDR:PORT [--rate N] [--count K] [--warmup W] [--payload BYTES]",
        "The probe prints one JSON line: counts, and the round trips as HdrHistograms",
        "(compressed, base64), from each request's intended and from its actual send time."})
public final class UdpEcho implements Callable<Integer>
{
    static final String NAME = "udp-echo";

    @Spec
    CommandSpec spec;

    public static void main(final String[] args)
    {
        PerfTool.main(NAME, new UdpEcho(), args);
    }

    @Override
    public Integer call()
    {
        throw new ParameterException(spec.commandLine(), "a mode is needed: serve or probe");
    }

    /** {@code serve}: echoes until killed. */
    @Command(name = "serve", mixinStandardHelpOptions = true, version = "udp-echo 0.1",
        description = "Echo every datagram back to its sender, until killed.")
    static final class Serve implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--port", required = true, paramLabel = "P", description = "UDP port to listen on (0: any free one, said on stderr)")
        int port;

        @Option(names = "--bind", paramLabel = "ADDRESS", description = "address to listen on (default: ${DEFAULT-VALUE})")
        String bind = "0.0.0.0";

        /** For tests: a server that loses a known share. */
        @Option(names = "--drop-every", hidden = true, paramLabel = "N")
        int dropEvery;

        @Override
        public Integer call()
        {
            if (port < 0 || port > 65_535)
            {
                throw new ParameterException(spec.commandLine(), "--port " + port + " is not between 0 and 65535");
            }
            if (dropEvery < 0)
            {
                throw new ParameterException(spec.commandLine(), "--drop-every " + dropEvery + " < 0");
            }
            final PrintStream err = System.err;
            try (UdpEchoServer server = UdpEchoServer.bind(new InetSocketAddress(bind, port), dropEvery))
            {
                final InetSocketAddress local = server.localAddress();
                err.println(NAME + ": echoing on " + local.getHostString() + ":" + local.getPort());
                server.run();
                return 0;
            }
            catch (final PerfException ex)
            {
                err.println(NAME + ": " + ex.getMessage());
                return 1;
            }
        }
    }

    /** {@code probe}: one measurement, one line. */
    @Command(name = "probe", mixinStandardHelpOptions = true, version = "udp-echo 0.1",
        description = "Send requests to an echo server at a fixed rate and print one JSON line with the round trips.")
    static final class Probe implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--to", required = true, paramLabel = "ADDR:PORT", description = "the echo server")
        String to;

        @Option(names = "--rate", paramLabel = "N", description = "requests per second (default: ${DEFAULT-VALUE})")
        int rate = UdpEchoProbe.DEFAULT_RATE;

        @Option(names = "--count", paramLabel = "K", description = "requests measured (default: ${DEFAULT-VALUE})")
        int count = UdpEchoProbe.DEFAULT_COUNT;

        @Option(names = "--warmup", paramLabel = "W",
            description = "requests sent first, at the same rate, and not measured (default: ${DEFAULT-VALUE})")
        int warmup = UdpEchoProbe.DEFAULT_WARMUP;

        @Option(names = "--payload", paramLabel = "BYTES", description = "UDP payload of each request (default: ${DEFAULT-VALUE})")
        int payload = UdpEchoProbe.DEFAULT_PAYLOAD;

        @Option(names = "--timeout-ms", paramLabel = "MS", description = "a reply later than this after its send is lost (default: ${DEFAULT-VALUE})")
        long timeoutMillis = UdpEchoProbe.DEFAULT_TIMEOUT.toMillis();

        @Override
        public Integer call()
        {
            final UdpEchoProbe.Settings settings;
            try
            {
                final InetSocketAddress target = target(to);
                settings = new UdpEchoProbe.Settings(target, rate, count, warmup, payload, Duration.ofMillis(timeoutMillis));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ParameterException(spec.commandLine(), ex.getMessage());
            }
            if (settings.target().isUnresolved())
            {
                System.err.println(NAME + ": cannot resolve " + settings.target().getHostString());
                return 1;
            }
            try
            {
                System.out.println(UdpEchoProbe.toJson(UdpEchoProbe.run(settings)));
                return 0;
            }
            catch (final PerfException ex)
            {
                System.err.println(NAME + ": " + ex.getMessage());
                return 1;
            }
        }
    }

    /** {@code HOST:PORT} or {@code [IPv6]:PORT}, port 1 to 65535; may be unresolved. */
    static InetSocketAddress target(final String text)
    {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1)
        {
            throw new IllegalArgumentException("--to " + text + " is not ADDR:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(text.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--to " + text + " is not ADDR:PORT");
        }
        if (host.isEmpty() || port < 1 || port > 65_535)
        {
            throw new IllegalArgumentException("--to " + text + " is not ADDR:PORT with a port between 1 and 65535");
        }
        return new InetSocketAddress(host, port);
    }
}
