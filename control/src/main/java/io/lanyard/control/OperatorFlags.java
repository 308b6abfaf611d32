package io.lanyard.control;

import io.lanyard.client.OneLineLogging;
import io.lanyard.control.metrics.MetricsAddress;
import io.lanyard.control.metrics.MetricsServer;
import picocli.CommandLine.Option;

import java.io.IOException;

/**
 * What an operator watches the daemon through: {@code --metrics-addr} (with
 * {@code --metrics-allow-remote}) and the log's {@code --log-level} and {@code --log-format}.
 */
final class OperatorFlags
{
    @Option(names = "--metrics-addr", paramLabel = "HOST:PORT",
        description = "serve Prometheus metrics at http://HOST:PORT/metrics; a loopback address unless --metrics-allow-remote (default: off)")
    String metricsAddr;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "the lowest level logged: debug, info, warn or error (default: ${DEFAULT-VALUE})")
    String logLevel = "info";

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "each log line as text or as a JSON object (default: ${DEFAULT-VALUE})")
    String logFormat = "text";

    @Option(names = "--metrics-allow-remote", description = "allow --metrics-addr on an address other than loopback: metrics name every sandbox")
    boolean metricsAllowRemote;

    private MetricsAddress metricsAddress;

    /**
     * Sets the log's level and format, before anything is logged.
     *
     * @throws IllegalArgumentException with a one-line reason.
     */
    void configureLogging()
    {
        OneLineLogging.configure("lanyardd", logLevel, logFormat);
    }

    /**
     * Checks {@code --metrics-addr}.
     *
     * @throws IllegalArgumentException with a one-line reason.
     */
    void parse()
    {
        metricsAddress = metricsAddr == null ? null : MetricsAddress.parse(metricsAddr, metricsAllowRemote);
    }

    /** Where metrics are served, or null; after {@link #parse}. */
    MetricsAddress metricsAddress()
    {
        return metricsAddress;
    }

    /** The endpoint of {@code --metrics-addr}, bound (the JVM's metrics at first, Lanyard's once it serves), or null without it. */
    MetricsServer bindMetrics()
    {
        if (metricsAddress == null)
        {
            return null;
        }
        try
        {
            return MetricsServer.bind(metricsAddress);
        }
        catch (final IOException ex)
        {
            throw new StartupException("cannot serve metrics on " + metricsAddress + ": " + ex.getMessage());
        }
    }
}
