package io.lanyard.control.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;

/**
 * {@code GET /metrics} on {@link MetricsAddress}: Lanyard's own metrics ({@link DataplaneMetrics})
 * and the JVM's (Prometheus's own JVM instrumentation), in the Prometheus text format (or
 * OpenMetrics or protobuf when the scraper asks), served by the Prometheus Java library's HTTP
 * server on daemon threads of its own.
 */
public final class MetricsServer implements AutoCloseable
{
    private final PrometheusRegistry registry;
    private final HTTPServer server;

    private MetricsServer(final PrometheusRegistry registry, final HTTPServer server)
    {
        this.registry = registry;
        this.server = server;
    }

    /**
     * Binds {@code address} and serves the JVM's metrics there, before the daemon makes
     * anything, so an address in use changes nothing; {@link #serve} adds Lanyard's own.
     *
     * @throws IOException when the address cannot be bound (in use, not this host's).
     */
    public static MetricsServer bind(final MetricsAddress address) throws IOException
    {
        final PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        return new MetricsServer(registry, HTTPServer.builder()
            .inetAddress(address.socketAddress().getAddress())
            .port(address.socketAddress().getPort())
            .registry(registry)
            .buildAndStart());
    }

    /** Adds Lanyard's metrics, read from {@code source} at each scrape. */
    public void serve(final MetricsSource source, final String version)
    {
        registry.register(new DataplaneMetrics(source, version));
    }

    /** The port bound (the one asked for). */
    public int port()
    {
        return server.getPort();
    }

    @Override
    public void close()
    {
        server.close();
    }
}
