package io.lanyard.control.api;

import io.lanyard.control.ControlPlane;
import io.lanyard.control.RequestException;
import io.lanyard.control.capture.Pcapng;
import io.lanyard.control.metrics.ControlPlaneSource;
import io.lanyard.control.metrics.MetricsSource;
import io.lanyard.control.model.Network;
import io.lanyard.dataplane.Capture;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.agrona.DirectBuffer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /capture?target=PORT|SANDBOX|NETWORK[&drops=1][&count=N][&snaplen=BYTES]}: the
 * frames the dataplane sees on those ports, as a pcapng stream (an interface per port; a dropped
 * frame's reason as its comment; with {@code drops=1} only dropped frames), until {@code count}
 * frames are sent or the client leaves; then the interface statistics say how many the capture's
 * ring had no room for. The capture is started before the answer begins, so a target that does
 * not exist or a port another capture holds is an ordinary error; its ring is drained every
 * {@value #DRAIN_MILLIS} ms on a thread of its own ({@code lanyard-capture}), never by the stage.
 */
final class CaptureStream implements StreamingBody
{
    /** What the stream makes of a capture: pcapng for {@code /capture}, JSON lines for {@code trace?follow=1}. */
    interface Output
    {
        /** What is sent before the first frame. */
        byte[] head(List<String> names, int snapLength);

        /** A record as sent, or null to leave it out (it does not count towards {@code count}). */
        byte[] frame(int interfaceId, int direction, int dropReason, int egress, long unixNanos, int originalLength, DirectBuffer buffer,
            int offset, int length);

        /** What is sent after the last frame when {@code count} is reached, given what the ring missed. */
        byte[] tail(int interfaces, long missed);
    }

    /** The pcapng of {@code lanyard capture}. */
    private static final Output PCAPNG = new Output()
    {
        @Override
        public byte[] head(final List<String> names, final int snapLength)
        {
            final List<byte[]> head = new ArrayList<>();
            head.add(Pcapng.sectionHeader());
            for (final String name : names)
            {
                head.add(Pcapng.interfaceDescription(name, snapLength));
            }
            return Pcapng.join(head);
        }

        @Override
        public byte[] frame(final int interfaceId, final int direction, final int dropReason, final int egress, final long unixNanos,
            final int originalLength, final DirectBuffer buffer, final int offset, final int length)
        {
            return Pcapng.enhancedPacket(interfaceId, unixNanos, originalLength, buffer, offset, length, direction,
                dropReason == Verdict.NO_DROP ? null : "dropped: " + DropReason.of(dropReason).label());
        }

        @Override
        public byte[] tail(final int interfaces, final long missed)
        {
            final List<byte[]> statistics = new ArrayList<>();
            final Instant now = Instant.now();
            for (int i = 0; i < interfaces; i++)
            {
                statistics.add(Pcapng.interfaceStatistics(i, now.getEpochSecond() * 1_000_000_000L + now.getNano(), i == 0 ? missed : 0));
            }
            return Pcapng.join(statistics);
        }
    };

    private static final long DRAIN_MILLIS = 20;
    private static final int DRAIN_LIMIT = 4096;
    private static final ScheduledExecutorService DRAINS =
        Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("lanyard-capture", true));

    private final ControlPlane control;
    private final Capture capture;
    private final List<Integer> ports;
    private final List<String> names;
    private final long count;
    private final Output output;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private long sent;

    private CaptureStream(final ControlPlane control, final Capture capture, final List<Integer> ports, final List<String> names,
        final long count, final Output output)
    {
        this.output = output;
        this.control = control;
        this.capture = capture;
        this.ports = ports;
        this.names = names;
        this.count = count;
    }

    /** {@code GET /capture}: resolves the target and starts the capture, refusing what cannot be captured before anything is sent. */
    static CaptureStream of(final ControlPlane control, final Map<String, List<String>> parameters)
    {
        final String target = first(parameters, "target");
        if (target == null || target.isEmpty())
        {
            throw RequestException.badRequest("target: a port number, sandbox or network is required");
        }
        final long count = number(parameters, "count", 0, 0, 1_000_000_000L);
        final int snapLength = (int)number(parameters, "snaplen", 65_535, 64, 65_535);
        final boolean drops = "1".equals(first(parameters, "drops")) || "true".equals(first(parameters, "drops"));
        return start(control, target, false, drops, snapLength, count, PCAPNG);
    }

    /**
     * {@code GET /sandboxes/NAME/trace?follow=1[&count=N]}: the next {@code count} (default 10)
     * frames the sandbox sends, each with what the switch decided, as JSON lines ({@code output}).
     */
    static CaptureStream follow(final ControlPlane control, final String sandbox, final Map<String, List<String>> parameters,
        final Output output)
    {
        control.sandbox(sandbox);
        return start(control, sandbox, true, false, 256, number(parameters, "count", 10, 1, 1_000_000), output);
    }

    /** @param sandboxOnly the target names a sandbox, never a network. */
    private static CaptureStream start(final ControlPlane control, final String target, final boolean sandboxOnly, final boolean drops,
        final int snapLength, final long count, final Output output)
    {
        final Map<Integer, MetricsSource.PortOwner> owners = ControlPlaneSource.owners(control);
        final String network = sandboxOnly ? null : networkNamed(control, target);
        final List<Integer> ports = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        for (final Map.Entry<Integer, MetricsSource.PortOwner> owner : owners.entrySet())
        {
            if (matches(target, network, owner.getKey(), owner.getValue()))
            {
                ports.add(owner.getKey());
                final MetricsSource.PortOwner port = owner.getValue();
                names.add(port.sandbox().isEmpty() ? port.interfaceName() : port.sandbox() + "/" + port.interfaceName());
            }
        }
        if (ports.isEmpty())
        {
            throw RequestException.notFound("no port, sandbox or network " + target + " with a port to capture");
        }
        final Capture capture = new Capture(ports.stream().mapToInt(Integer::intValue).toArray(), drops, snapLength);
        try
        {
            control.dataplane().forwarding().startCapture(capture);
        }
        catch (final IllegalStateException | IllegalArgumentException ex)
        {
            // the stage's own reason, without the proxy's "start a capture: "
            throw RequestException.conflict(ex.getCause() != null ? ex.getCause().getMessage() : ex.getMessage());
        }
        return new CaptureStream(control, capture, ports, names, count, output);
    }

    private static boolean matches(final String target, final String network, final int port, final MetricsSource.PortOwner owner)
    {
        if (target.matches("[0-9]+"))
        {
            return Integer.toString(port).equals(target);
        }
        return !owner.sandbox().isEmpty() && owner.sandbox().equals(target) || network != null && network.equals(owner.network());
    }

    /** The name of the network {@code target} names (by name, ID or ID prefix), or null. */
    private static String networkNamed(final ControlPlane control, final String target)
    {
        try
        {
            final Network network = control.network(target);
            return network == null ? null : network.name();
        }
        catch (final RequestException notFound)
        {
            return null;
        }
    }

    @Override
    public void start(final StreamSink sink)
    {
        final byte[] head = output.head(names, capture.snapLength());
        if (head.length > 0)
        {
            sink.send(head);
        }
        final ScheduledFuture<?> drains = DRAINS.scheduleWithFixedDelay(() -> drain(sink), DRAIN_MILLIS, DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        sink.onEnd(() ->
        {
            drains.cancel(false);
            DRAINS.execute(this::stop);
        });
    }

    private void drain(final StreamSink sink)
    {
        final List<byte[]> blocks = new ArrayList<>();
        capture.drain((port, direction, dropReason, egress, unixNanos, originalLength, buffer, offset, length) ->
        {
            if (count > 0 && sent >= count)
            {
                return;
            }
            final byte[] block = output.frame(ports.indexOf(port), direction, dropReason, egress, unixNanos, originalLength, buffer, offset,
                length);
            if (block != null)
            {
                sent++;
                blocks.add(block);
            }
        }, DRAIN_LIMIT);
        if (!blocks.isEmpty())
        {
            sink.send(Pcapng.join(blocks));
        }
        if (count > 0 && sent >= count)
        {
            stop();
            final byte[] tail = output.tail(ports.size(), capture.missed());
            if (tail.length > 0)
            {
                sink.send(tail);
            }
            sink.end();
        }
    }

    /** Stops the capture once (the stage forgets it; the ring is left to the collector). */
    private void stop()
    {
        if (stopped.compareAndSet(false, true))
        {
            try
            {
                control.dataplane().forwarding().stopCapture(capture);
            }
            catch (final IllegalStateException ex)
            {
                // the dataplane is closed: nothing copies into the ring any more
            }
        }
    }

    private static String first(final Map<String, List<String>> parameters, final String name)
    {
        final List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static long number(final Map<String, List<String>> parameters, final String name, final long otherwise, final long least,
        final long most)
    {
        final String text = first(parameters, name);
        if (text == null)
        {
            return otherwise;
        }
        try
        {
            final long value = Long.parseLong(text);
            if (value >= least && value <= most)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // said below
        }
        throw RequestException.badRequest(name + ": a number from " + least + " to " + most + ", not " + text);
    }
}
