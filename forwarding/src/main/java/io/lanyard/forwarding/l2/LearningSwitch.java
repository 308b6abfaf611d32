package io.lanyard.forwarding.l2;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.MutableDirectBuffer;

import java.util.Arrays;

/**
 * An Ethernet learning switch over numbered ports grouped into bridge domains (one domain per
 * network). Frames never leave their domain: learning, lookup and flooding are all keyed by the
 * ingress port's domain, which is what isolates one network from another.
 *
 * <p>Single-threaded: the forwarding stage calls {@link #forward} for every frame and applies
 * attach and detach between batches. {@link #floodPorts(int)} hands out the domain's member
 * array itself; it is replaced, never modified, when membership changes, so a later stage may
 * keep reading the array it was given.
 */
public final class LearningSwitch
{
    public static final int FLOOD = -1;
    public static final int DROP = -2;
    public static final int NO_DOMAIN = -1;
    public static final int[] NO_PORTS = new int[0];

    private final MacTable macTable;
    private final int[] portDomain;
    private final int[][] domainPorts;
    private final EthernetFrame frame = new EthernetFrame();
    private int dropReason;

    public LearningSwitch(final int maxPorts, final int maxDomains, final MacTable macTable)
    {
        if (maxPorts <= 0 || maxPorts > MacTable.MAX_PORT + 1 || maxDomains <= 0 || maxDomains > MacTable.MAX_DOMAIN + 1)
        {
            throw new IllegalArgumentException("ports and domains must be in 1..65536");
        }
        this.macTable = macTable;
        this.portDomain = new int[maxPorts];
        this.domainPorts = new int[maxDomains][];
        Arrays.fill(portDomain, NO_DOMAIN);
        Arrays.fill(domainPorts, NO_PORTS);
    }

    /**
     * Decides where the frame goes and learns its source.
     *
     * @return the egress port, {@link #FLOOD} (to {@link #floodPorts(int)} but the ingress port),
     *         or {@link #DROP} with the reason in {@link #dropReason()}.
     */
    public int forward(final int ingressPort, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos)
    {
        final int domain = ingressPort >= 0 && ingressPort < portDomain.length ? portDomain[ingressPort] : NO_DOMAIN;
        if (domain == NO_DOMAIN)
        {
            return drop(DropReason.NO_INGRESS_PORT);
        }
        frame.wrap(buffer, offset, length);
        if (!frame.isValid())
        {
            return drop(DropReason.MALFORMED);
        }

        final long source = frame.source();
        if (source == 0 || MacAddress.isGroup(source))
        {
            return drop(DropReason.BAD_SOURCE_MAC);
        }
        macTable.learn(domain, source, ingressPort, nowNanos);

        final long destination = frame.destination();
        if (MacAddress.isGroup(destination))
        {
            return FLOOD;
        }
        final int egress = macTable.lookup(domain, destination, nowNanos);
        if (egress == MacTable.MISSING)
        {
            return FLOOD;
        }
        if (egress == ingressPort)
        {
            return drop(DropReason.SAME_PORT);
        }
        return egress;
    }

    /** The reason of the last {@link #DROP}, as a {@link DropReason} ordinal. */
    public int dropReason()
    {
        return dropReason;
    }

    /** All ports of the ingress port's domain, the ingress port included (the caller skips it). */
    public int[] floodPorts(final int ingressPort)
    {
        final int domain = portDomain[ingressPort];
        return domain == NO_DOMAIN ? NO_PORTS : domainPorts[domain];
    }

    /** @throws IllegalArgumentException for a port or domain out of range; nothing changes then. */
    public void attach(final int port, final int domain)
    {
        if (port < 0 || port >= portDomain.length || domain < 0 || domain >= domainPorts.length)
        {
            throw new IllegalArgumentException("port " + port + " or domain " + domain + " out of range");
        }
        if (portDomain[port] != NO_DOMAIN)
        {
            throw new IllegalStateException("port " + port + " is already attached");
        }
        portDomain[port] = domain;
        final int[] members = Arrays.copyOf(domainPorts[domain], domainPorts[domain].length + 1);
        members[members.length - 1] = port;
        Arrays.sort(members);
        domainPorts[domain] = members;
    }

    /** Detaches the port and forgets every address learned behind it. */
    public void detach(final int port)
    {
        final int domain = portDomain[port];
        if (domain == NO_DOMAIN)
        {
            return;
        }
        portDomain[port] = NO_DOMAIN;
        final int[] members = domainPorts[domain];
        final int[] remaining = new int[members.length - 1];
        int i = 0;
        for (final int member : members)
        {
            if (member != port)
            {
                remaining[i++] = member;
            }
        }
        domainPorts[domain] = remaining.length == 0 ? NO_PORTS : remaining;
        macTable.removePort(port);
    }

    public int maxDomains()
    {
        return domainPorts.length;
    }

    public int domainOf(final int port)
    {
        return portDomain[port];
    }

    public MacTable macTable()
    {
        return macTable;
    }

    private int drop(final DropReason reason)
    {
        dropReason = reason.ordinal();
        return DROP;
    }
}
