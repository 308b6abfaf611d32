package io.lanyard.control.api;

import io.lanyard.client.Json;
import io.lanyard.control.ControlPlane;
import io.lanyard.control.RequestException;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /stats?stream=1[&interval=SECONDS]}: the {@code /stats} view again every interval
 * (default 1 s, 0.1 to 3600), one JSON line each with the time it was read, on one connection,
 * as Docker streams {@code /containers/ID/stats}; {@code lanyard stats --watch} turns two in a row
 * into rates. The views are made on one thread of their own, not on the API's event loop (a view
 * waits for the control plane's lock), and the stream ends when the client leaves.
 */
final class StatsStream implements StreamingBody
{
    private static final ScheduledExecutorService VIEWS =
        Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("lanyard-stats-stream", true));

    private final ControlPlane control;
    private final long intervalMillis;
    private final Clock clock;

    private StatsStream(final ControlPlane control, final long intervalMillis, final Clock clock)
    {
        this.control = control;
        this.intervalMillis = intervalMillis;
        this.clock = clock;
    }

    /** Whether the query asks for a stream ({@code stream=1} or {@code true}, as Docker's). */
    static boolean wanted(final Map<String, List<String>> parameters)
    {
        final List<String> stream = parameters.get("stream");
        return stream != null && !stream.isEmpty() && ("1".equals(stream.get(0)) || "true".equalsIgnoreCase(stream.get(0)));
    }

    /** Checks the interval before anything is sent, so a bad one is an ordinary 400. */
    static StatsStream of(final ControlPlane control, final Map<String, List<String>> parameters, final Clock clock)
    {
        final List<String> values = parameters.get("interval");
        long millis = 1000;
        if (values != null && !values.isEmpty())
        {
            try
            {
                millis = Math.round(Double.parseDouble(values.get(0)) * 1000);
            }
            catch (final NumberFormatException ex)
            {
                millis = -1;
            }
            if (millis < 100 || millis > 3_600_000)
            {
                throw RequestException.badRequest("interval: seconds from 0.1 to 3600, not " + values.get(0));
            }
        }
        return new StatsStream(control, millis, clock);
    }

    @Override
    public void start(final StreamSink sink)
    {
        final ScheduledFuture<?> views = VIEWS.scheduleAtFixedRate(() ->
        {
            try
            {
                sink.send(Json.line(view()));
            }
            catch (final RuntimeException ex)
            {
                // the daemon is stopping (its dataplane closed): end the stream rather than leave it silent
                sink.end();
                throw ex;
            }
        }, 0, intervalMillis, TimeUnit.MILLISECONDS);
        sink.onEnd(() -> views.cancel(false));
    }

    private Map<String, Object> view()
    {
        final Map<String, Object> view = JsonViews.stats(control);
        view.put("Read", clock.instant().toString());
        return view;
    }
}
