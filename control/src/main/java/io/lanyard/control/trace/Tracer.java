package io.lanyard.control.trace;

import io.lanyard.control.Attachment;
import io.lanyard.control.ControlPlane;
import io.lanyard.control.RequestException;
import io.lanyard.control.metrics.ControlPlaneSource;
import io.lanyard.control.metrics.MetricsSource;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.dataplane.TableDump;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.verdict.Verdict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /sandboxes/NAME/trace?to=IP[:PORT][&proto=tcp|udp|icmp][&from_mac=MAC]}: what the
 * switch does with a frame that sandbox sends, decided by the forwarding stage's own code and
 * never sent ({@code ForwardingProxy.trace}). The frame is the one the sandbox's stack would
 * write: from the sandbox's MAC (or {@code from_mac}, to see port security) and address on the
 * endpoint whose subnet holds the destination (else the one with a gateway, its default route),
 * to the destination's MAC if it is on that subnet (Lanyard's MACs follow the address, as
 * Docker's) and to the gateway's otherwise. The answer lists the steps: ingress, port security,
 * the MAC table's answer, address translation (the tuple before and after), and the verdict:
 * the egress port, the flood, the VTEPs, the gateway's own answer, or the drop and its reason.
 */
public final class Tracer
{
    private Tracer()
    {
    }

    public static Map<String, Object> trace(final ControlPlane control, final String sandboxName, final Map<String, List<String>> query)
    {
        final Sandbox sandbox = control.sandbox(sandboxName);
        final String to = first(query, "to");
        if (to == null)
        {
            throw RequestException.badRequest("to: the destination, IP or IP:PORT, is required");
        }
        final int protocol = protocol(first(query, "proto"));
        final int destination;
        int port = protocol == TraceFrame.UDP ? 53 : protocol == TraceFrame.TCP ? 80 : 0;
        try
        {
            final int colon = to.indexOf(':');
            destination = Ipv4Address.parse(colon < 0 ? to : to.substring(0, colon));
            if (colon >= 0)
            {
                port = Integer.parseInt(to.substring(colon + 1));
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw RequestException.badRequest("to: " + to + " is not IP or IP:PORT");
        }
        if (protocol == TraceFrame.ICMP && to.indexOf(':') >= 0)
        {
            throw RequestException.badRequest("to: " + to + ": an ICMP echo request has no port");
        }
        if (protocol != TraceFrame.ICMP && (port < 1 || port > 65_535))
        {
            throw RequestException.badRequest("to: " + to + ": a port is 1 to 65535");
        }
        final Attachment attachment = attachmentTowards(control, sandbox, destination);
        final Endpoint endpoint = attachment.endpoint();
        final Network network = control.networkById(endpoint.networkId());
        final int source = Ipv4Address.parse(endpoint.ipv4Address());
        final long sourceMac = fromMac(first(query, "from_mac"), MacAddress.parse(endpoint.macAddress()));
        final int gateway = network == null || network.ipam().isEmpty() || network.ipam().get(0).gateway() == null ? 0 :
            Ipv4Address.parse(network.ipam().get(0).gateway());
        final int mask = endpoint.prefixLength() == 0 ? 0 : -1 << (32 - endpoint.prefixLength());
        final boolean onLink = (destination & mask) == (source & mask);

        final List<Map<String, String>> steps = new ArrayList<>();
        final Map<Integer, MetricsSource.PortOwner> owners = ControlPlaneSource.owners(control);
        final int ingress = attachment.port().id();
        step(steps, "ingress", "port " + ingress + " (" + sandbox.name() + " " + endpoint.interfaceName() + ") on network " +
            (network == null ? "?" : network.name()));
        final long destinationMac;
        if (onLink)
        {
            destinationMac = MacAddress.fromIpv4(destination);
        }
        else if (gateway != 0)
        {
            destinationMac = MacAddress.fromIpv4(gateway);
            step(steps, "route", Ipv4Address.format(destination) + " is off " + network.name() + "'s subnet: via its gateway " +
                Ipv4Address.format(gateway));
        }
        else
        {
            step(steps, "route", "no route: " + Ipv4Address.format(destination) + " is off the subnet of " +
                (network == null ? "the network" : network.name()) + ", which has no gateway");
            return view(sandbox, network, null, steps, "drop", "no_route", null, null);
        }
        final TraceFrame.Tuple before = new TraceFrame.Tuple(protocol, source, TraceFrame.SOURCE_PORT, destination,
            protocol == TraceFrame.ICMP ? 0 : port);
        final byte[] frame = TraceFrame.build(sourceMac, destinationMac, before);
        final String described = describe(before) + ", " + MacAddress.format(sourceMac) + " -> " + MacAddress.format(destinationMac);
        step(steps, "frame", described);

        final TableDump.Trace trace = control.dataplane().forwarding().trace(ingress, frame);
        step(steps, "port security", "pass".equals(trace.security()) ? "pass" : "dropped: " + trace.security() +
            " (a sandbox sends only from its own MAC and address)");
        if (!"pass".equals(trace.security()))
        {
            return view(sandbox, network, described, steps, "drop", trace.security(), null, null);
        }
        if (onLink || gateway == 0)
        {
            step(steps, "mac lookup", MacAddress.format(destinationMac) + (trace.destinationPort() < 0 ? " unknown" :
                " is behind port " + MetricsSource.PortOwner.describe(owners, trace.destinationPort())));
        }
        else
        {
            step(steps, "mac lookup", MacAddress.format(destinationMac) + " is the gateway's: the router decides");
        }
        final TraceFrame.Tuple after = trace.egress() == Verdict.REPLY ? null : TraceFrame.read(trace.frameAfter());
        Map<String, Object> translation = null;
        if (after != null && !after.equals(before))
        {
            translation = new LinkedHashMap<>();
            translation.put("Before", describe(before));
            translation.put("After", describe(after));
            step(steps, "nat", (after.source() != before.source() || after.sourcePort() != before.sourcePort() ? "source " +
                endpoint(before.source(), before.sourcePort()) + " -> " + endpoint(after.source(), after.sourcePort()) + " (masquerade)" : "") +
                (after.destination() != before.destination() || after.destinationPort() != before.destinationPort() ?
                    (after.source() != before.source() ? "; " : "") + "destination " + endpoint(before.destination(), before.destinationPort()) +
                        " -> " + endpoint(after.destination(), after.destinationPort()) + " (published port)" : ""));
        }
        final String verdict;
        final String reason = trace.dropReason();
        List<String> vteps = null;
        switch (trace.egress())
        {
            case Verdict.DROP ->
            {
                verdict = "drop";
                step(steps, "verdict", "dropped: " + reason + why(reason, network));
            }
            case Verdict.REPLY ->
            {
                verdict = "reply";
                step(steps, "verdict", "answered by the gateway, back to " + sandbox.name());
            }
            case Verdict.CONSUMED ->
            {
                verdict = "consumed";
                step(steps, "verdict", "taken by the dataplane itself");
            }
            case Verdict.FLOOD ->
            {
                verdict = "flood";
                final List<String> names = new ArrayList<>();
                for (final int out : trace.floodPorts())
                {
                    if (out != ingress)
                    {
                        names.add(MetricsSource.PortOwner.describe(owners, out));
                    }
                }
                step(steps, "verdict", "flooded to " + (names.isEmpty() ? "no other port" : String.join(", ", names)));
            }
            default ->
            {
                verdict = "forward";
                vteps = new ArrayList<>();
                for (final int vtep : trace.vteps())
                {
                    vteps.add(Ipv4Address.format(vtep));
                }
                step(steps, "verdict", "out of port " + MetricsSource.PortOwner.describe(owners, trace.egress()) +
                    (vteps.isEmpty() ? "" : " to VTEP " + String.join(", ", vteps)));
            }
        }
        if (trace.connectionMade())
        {
            step(steps, "conntrack", "a new connection would be tracked (the trace removed it again)");
        }
        final Map<String, Object> view = view(sandbox, network, described, steps, verdict, reason, translation, vteps);
        if (trace.egress() >= 0)
        {
            final MetricsSource.PortOwner owner = owners.get(trace.egress());
            final Map<String, Object> egress = new LinkedHashMap<>();
            egress.put("Port", trace.egress());
            egress.put("Sandbox", owner == null ? "" : owner.sandbox());
            egress.put("Interface", owner == null ? "" : owner.interfaceName());
            egress.put("Network", owner == null ? "" : owner.network());
            view.put("Egress", egress);
        }
        return view;
    }

    private static Map<String, Object> view(final Sandbox sandbox, final Network network, final String frame,
        final List<Map<String, String>> steps, final String verdict, final String reason, final Map<String, Object> translation,
        final List<String> vteps)
    {
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("Sandbox", sandbox.name());
        view.put("Network", network == null ? "" : network.name());
        view.put("Frame", frame);
        view.put("Steps", steps);
        view.put("Verdict", verdict);
        view.put("DropReason", reason);
        view.put("Nat", translation);
        view.put("Vteps", vteps == null ? List.of() : vteps);
        return view;
    }

    /** The endpoint whose subnet holds {@code destination}, else one on a network with a gateway (the default route). */
    private static Attachment attachmentTowards(final ControlPlane control, final Sandbox sandbox, final int destination)
    {
        Attachment withGateway = null;
        Attachment any = null;
        for (final Attachment attachment : control.ports().values())
        {
            if (!attachment.sandboxId().equals(sandbox.id()) || attachment.endpoint().ipv4Address() == null)
            {
                continue;
            }
            final Endpoint endpoint = attachment.endpoint();
            final int mask = endpoint.prefixLength() == 0 ? 0 : -1 << (32 - endpoint.prefixLength());
            if ((Ipv4Address.parse(endpoint.ipv4Address()) & mask) == (destination & mask))
            {
                return attachment;
            }
            final Network network = control.networkById(endpoint.networkId());
            if (withGateway == null && network != null && !network.ipam().isEmpty() && network.ipam().get(0).gateway() != null)
            {
                withGateway = attachment;
            }
            any = any == null ? attachment : any;
        }
        if (withGateway != null || any != null)
        {
            return withGateway != null ? withGateway : any;
        }
        throw RequestException.badRequest(sandbox.name() + " has no interface on a network Lanyard switches");
    }

    private static String why(final String reason, final Network network)
    {
        if (reason == null)
        {
            return "";
        }
        return switch (reason)
        {
            case "icc" -> " (inter-container communication is off on " + (network == null ? "the network" : network.name()) + ")";
            case "isolation" -> " (networks are isolated from each other)";
            case "no_route" -> " (no route: an internal network, or no uplink)";
            case "arp_pending" -> " (the next hop's MAC is not known yet: the first packet waits for ARP)";
            default -> "";
        };
    }

    private static String describe(final TraceFrame.Tuple tuple)
    {
        final String name = TraceFrame.protocolName(tuple.protocol());
        if (tuple.protocol() == TraceFrame.ICMP)
        {
            return name + " echo " + Ipv4Address.format(tuple.source()) + " -> " + Ipv4Address.format(tuple.destination()) + " id " +
                tuple.sourcePort();
        }
        return name + " " + endpoint(tuple.source(), tuple.sourcePort()) + " -> " + endpoint(tuple.destination(), tuple.destinationPort());
    }

    private static String endpoint(final int address, final int port)
    {
        return Ipv4Address.format(address) + ":" + port;
    }

    private static void step(final List<Map<String, String>> steps, final String step, final String result)
    {
        final Map<String, String> entry = new LinkedHashMap<>();
        entry.put("Step", step);
        entry.put("Result", result);
        steps.add(entry);
    }

    private static int protocol(final String name)
    {
        if (name == null || name.equals("tcp"))
        {
            return TraceFrame.TCP;
        }
        return switch (name)
        {
            case "udp" -> TraceFrame.UDP;
            case "icmp" -> TraceFrame.ICMP;
            default -> throw RequestException.badRequest("proto: tcp, udp or icmp, not " + name);
        };
    }

    private static long fromMac(final String text, final long own)
    {
        if (text == null)
        {
            return own;
        }
        try
        {
            return MacAddress.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw RequestException.badRequest("from_mac: " + text + " is not a MAC address");
        }
    }

    private static String first(final Map<String, List<String>> query, final String name)
    {
        final List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
