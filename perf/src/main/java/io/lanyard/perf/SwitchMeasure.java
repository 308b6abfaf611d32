package io.lanyard.perf;

import java.io.PrintStream;
import java.util.Locale;

/**
 * How one side of a switch scenario ({@code bridge}, {@code nat}, {@code overlay}) is measured
 * in one round, the same way for every side: ping; TCP with one stream; with {@code -P N} if
 * the scenario asks for it; the 64-byte UDP rate if it has it; the harness's own UDP latency
 * probe if asked ({@code --probe-count} above 0); and around the 1-stream TCP run and the UDP
 * run, the switch's CPU time ({@link SwitchCpu}), turned into CPU seconds per GB moved and per
 * million datagrams delivered. A failed TCP or UDP run fails the whole run; a failed probe is
 * its cells' failure.
 */
final class SwitchMeasure
{
    /** What one side of a switch scenario is measured through: its servers, and where its switch's CPU time is read (null: not read). */
    record Side(Endpoints endpoints, Iperf3.Server iperf3, UdpLatency.Server probe, SwitchCpu cpu)
    {
        String label()
        {
            return endpoints.label();
        }
    }

    /** The run's settings that every side is measured with. */
    record Settings(int rounds, int seconds, Integer streams, int pings, int pingIntervalMillis, int probeRate, int probeCount)
    {
    }

    private final Workspace workspace;
    private final Settings settings;
    private final PrintStream progress;

    SwitchMeasure(final Workspace workspace, final Settings settings, final PrintStream progress)
    {
        this.workspace = workspace;
        this.settings = settings;
        this.progress = progress;
    }

    Report.SideResult measure(final Scenario scenario, final Side side, final int round)
    {
        final Endpoints endpoints = side.endpoints();
        progress.printf(Locale.ROOT, "[round %d/%d] %-7s %-13s ping x%d ... ", round, settings.rounds(), scenario.cliName(), side.label(),
            settings.pings());
        progress.flush();
        final PingLatency.Result ping = PingLatency.measure(workspace, endpoints, settings.pings(), settings.pingIntervalMillis());
        progress.printf(Locale.ROOT, "p50 %.3f ms p99 %.3f ms; iperf3 %d s ... ", ping.percentileMillis(50), ping.percentileMillis(99),
            settings.seconds());
        progress.flush();
        final long tcpCpuBefore = ticks(side);
        final TcpThroughput.Result tcp = required(endpoints, TcpThroughput.measure(side.iperf3(), settings.seconds(), 1, false));
        final double tcpCpu = seconds(side, tcpCpuBefore);
        final double tcpGigabytes = tcp.gbps() * settings.seconds() / 8;
        final double cpuPerGigabyte = tcpGigabytes > 0 ? tcpCpu / tcpGigabytes : Double.NaN;
        progress.printf(Locale.ROOT, "%.2f Gbit/s (%d retransmits%s)", tcp.gbps(), tcp.retransmits(),
            Double.isNaN(cpuPerGigabyte) ? "" : String.format(Locale.ROOT, ", switch+softirq CPU %.3f s/GB", cpuPerGigabyte));
        final int parallelStreams = scenario.parallelStreams(settings.streams());
        TcpThroughput.Result parallelTcp = null;
        if (parallelStreams > 1)
        {
            progress.printf(Locale.ROOT, "; -P %d ... ", parallelStreams);
            progress.flush();
            parallelTcp = required(endpoints, TcpThroughput.measure(side.iperf3(), settings.seconds(), parallelStreams, false));
            progress.printf(Locale.ROOT, "%.2f Gbit/s (%d retransmits)", parallelTcp.gbps(), parallelTcp.retransmits());
        }
        UdpRate.Result udp = null;
        double cpuPerMillionDatagrams = Double.NaN;
        if (scenario.measuresUdp())
        {
            progress.print("; UDP 64 B ... ");
            progress.flush();
            final long udpCpuBefore = ticks(side);
            udp = required(endpoints, UdpRate.measure(workspace, side.iperf3(), settings.seconds()));
            final double udpCpu = seconds(side, udpCpuBefore);
            final double millions = udp.receivedPerSecond() * settings.seconds() / 1e6;
            cpuPerMillionDatagrams = millions > 0 ? udpCpu / millions : Double.NaN;
            progress.printf(Locale.ROOT, "%.0f/s received (%.0f/s sent, %.0f/s dropped by the receiving socket)", udp.receivedPerSecond(),
                udp.sentPerSecond(), udp.socketDropsPerSecond());
        }
        UdpLatency.Result probe = null;
        if (side.probe() != null)
        {
            progress.printf(Locale.ROOT, "; probe %d at %d/s ... ", settings.probeCount(), settings.probeRate());
            progress.flush();
            probe = side.probe().measure(settings.probeRate(), settings.probeCount());
            progress.print(probe.run().isFailed() ? probe.run().describeFailure() : String.format(Locale.ROOT,
                "p50 %.3f ms p99 %.3f ms p99.9 %.3f ms, %d lost", probe.percentileMillis(50), probe.percentileMillis(99),
                probe.percentileMillis(99.9), probe.lost()));
        }
        progress.println();
        return new Report.SideResult(tcp, parallelTcp, udp, ping, probe, cpuPerGigabyte, cpuPerMillionDatagrams);
    }

    private static long ticks(final Side side)
    {
        return side.cpu() == null ? 0 : side.cpu().ticks();
    }

    private static double seconds(final Side side, final long before)
    {
        return side.cpu() == null ? Double.NaN : SwitchCpu.seconds(before, side.cpu().ticks());
    }

    /** The result of a run whose failure fails the whole run. */
    private static <T extends Report.Measured> T required(final Endpoints side, final T result)
    {
        if (result.run().isFailed())
        {
            throw new PerfException(side.label() + ": " + result.run().commandLine() + ": " + result.run().describeFailure());
        }
        return result;
    }
}
