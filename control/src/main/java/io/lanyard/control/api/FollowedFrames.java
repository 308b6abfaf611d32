package io.lanyard.control.api;

import io.lanyard.client.Json;
import io.lanyard.control.ControlPlane;
import io.lanyard.control.metrics.ControlPlaneSource;
import io.lanyard.control.metrics.MetricsSource;
import io.lanyard.control.trace.TraceFrame;
import io.lanyard.dataplane.Capture;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import org.agrona.DirectBuffer;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code lanyard trace --follow SANDBOX}: each frame the sandbox sends, as the capture's ring got
 * it after the decision, told as one JSON line: when, what it was (addresses and ports of IPv4,
 * else its EtherType), and what the switch did (the egress port, a flood, the gateway's answer,
 * or the drop and its reason). Frames written to the sandbox are left out.
 */
final class FollowedFrames implements CaptureStream.Output
{
    private final ControlPlane control;

    FollowedFrames(final ControlPlane control)
    {
        this.control = control;
    }

    @Override
    public byte[] head(final List<String> names, final int snapLength)
    {
        return new byte[0];
    }

    @Override
    public byte[] frame(final int interfaceId, final int direction, final int dropReason, final int egress, final long unixNanos,
        final int originalLength, final DirectBuffer buffer, final int offset, final int length)
    {
        if (direction != Capture.INBOUND)
        {
            return null;
        }
        final byte[] frame = new byte[length];
        buffer.getBytes(offset, frame);
        final Map<Integer, MetricsSource.PortOwner> owners = ControlPlaneSource.owners(control);
        final Map<String, Object> line = new LinkedHashMap<>();
        line.put("Time", Instant.ofEpochSecond(0, unixNanos).toString());
        line.put("Frame", describe(frame, originalLength));
        line.put("Verdict", switch (egress)
        {
            case Verdict.DROP -> "drop";
            case Verdict.FLOOD -> "flood";
            case Verdict.REPLY -> "reply";
            case Verdict.CONSUMED -> "consumed";
            default -> "forward";
        });
        line.put("DropReason", dropReason == Verdict.NO_DROP ? null : DropReason.of(dropReason).label());
        if (egress >= 0)
        {
            line.put("Egress", MetricsSource.PortOwner.describe(owners, egress));
        }
        return Json.line(line);
    }

    @Override
    public byte[] tail(final int interfaces, final long missed)
    {
        return new byte[0];
    }

    private static String describe(final byte[] frame, final int originalLength)
    {
        final TraceFrame.Tuple tuple = TraceFrame.read(frame);
        if (tuple == null)
        {
            final int etherType = frame.length >= 14 ? ((frame[12] & 0xFF) << 8) | (frame[13] & 0xFF) : -1;
            return (etherType == 0x0806 ? "arp" : etherType == 0x86DD ? "ipv6" : String.format("ethertype 0x%04x", etherType)) +
                ", " + originalLength + " bytes";
        }
        final String protocol = TraceFrame.protocolName(tuple.protocol());
        if (tuple.protocol() == TraceFrame.ICMP || tuple.protocol() != TraceFrame.TCP && tuple.protocol() != TraceFrame.UDP)
        {
            return protocol + " " + Ipv4Address.format(tuple.source()) + " -> " + Ipv4Address.format(tuple.destination()) + ", " +
                originalLength + " bytes";
        }
        return protocol + " " + Ipv4Address.format(tuple.source()) + ":" + tuple.sourcePort() + " -> " +
            Ipv4Address.format(tuple.destination()) + ":" + tuple.destinationPort() + ", " + originalLength + " bytes";
    }
}
