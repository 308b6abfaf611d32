package io.lanyard.forwarding.l2;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.LongHashSet;

import java.util.Arrays;

/**
 * An Ethernet learning switch over numbered ports grouped into bridge domains (one domain per
 * network), with each domain's inter-container policy.
 *
 * <p>Frames never leave their domain: learning, lookup and flooding are all keyed by the
 * ingress port's domain, which is what isolates one network from another. A domain with ICC
 * off lets its containers exchange ARP but nothing else — no IPv4, no IPv6 (neighbour discovery
 * and multicast listener reports included: their floods reach the host side only), no other
 * EtherType — except with its host-side ports, and between the pairs of ports the control
 * plane allowed (Docker's legacy {@code --link} with {@code --icc=false}).
 *
 * <p>The control plane {@link #pin pins} the addresses it assigned (a sandbox's MAC) to their
 * ports. A port pinned as its only station (a sandbox under port security) can have nothing else
 * behind it, so unicast to an unknown MAC is not flooded to it: only broadcast and multicast
 * reach every port, and a sandbox never sees a neighbour's unicast even while the table is full.
 *
 * <p>{@link #forward} is the whole decision in two steps that can also be taken apart:
 * {@link #admit} (the ingress port, the frame's shape and source; the source is learned) and
 * {@link #deliver} (lookup, flooding, policy). A decision that composes the switch with what else
 * answers in a network, such as its gateway, admits a frame and takes it before delivery when it
 * is not the switch's; the switch itself knows nothing of gateways or routing.
 *
 * <p>Single-threaded: the forwarding stage calls it for every frame and applies attach, detach
 * and configuration between batches. The flood set of a {@link Verdict#FLOOD} verdict is an
 * array owned by the domain; it is replaced, never modified, when membership changes, so a later
 * stage may keep reading the array it was given.
 */
public final class LearningSwitch
{
    public static final int NO_DOMAIN = -1;
    /** {@link #hostPort} of a domain without a host-side port. */
    public static final int NO_PORT = -1;
    public static final int[] NO_PORTS = new int[0];
    /**
     * How many port pairs may be allowed at once. Legacy links are a handful per container, so
     * this is far above any real use; it only keeps a runaway control plane from growing the set
     * without end.
     */
    public static final int MAX_ALLOWED_PAIRS = 65_536;

    private final MacTable macTable;
    private final int[] portDomain;
    private final boolean[] hostSide;
    private final int[][] domainPorts;
    private final int[][] domainHostPorts;
    /** The ports unicast to an unknown MAC floods to: all but those pinned as their only station. */
    private final int[][] domainUnicastFlood;
    private final boolean[] soleStation;
    private final boolean[] iccOff;
    /** Unordered port pairs that may exchange IP despite ICC off, as {@link #pairKey}: one probe, no allocation. */
    private final LongHashSet allowedPairs = new LongHashSet();
    private final EthernetFrame frame = new EthernetFrame();

    public LearningSwitch(final int maxPorts, final int maxDomains, final MacTable macTable)
    {
        if (maxPorts <= 0 || maxPorts > MacTable.MAX_PORT + 1 || maxDomains <= 0 || maxDomains > MacTable.MAX_DOMAIN + 1)
        {
            throw new IllegalArgumentException("ports and domains must be in 1..65536");
        }
        this.macTable = macTable;
        this.portDomain = new int[maxPorts];
        this.hostSide = new boolean[maxPorts];
        this.domainPorts = new int[maxDomains][];
        this.domainHostPorts = new int[maxDomains][];
        this.domainUnicastFlood = new int[maxDomains][];
        this.soleStation = new boolean[maxPorts];
        this.iccOff = new boolean[maxDomains];
        Arrays.fill(portDomain, NO_DOMAIN);
        Arrays.fill(domainPorts, NO_PORTS);
        Arrays.fill(domainHostPorts, NO_PORTS);
        Arrays.fill(domainUnicastFlood, NO_PORTS);
    }

    /**
     * Decides where the frame goes, writing it into {@code verdict}, and learns its source: an
     * egress port, a flood to the domain's ports (or to its host side alone, for container IP
     * with ICC off), or a drop.
     */
    public void forward(final int ingressPort, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos, final Verdict verdict)
    {
        final int domain = admit(ingressPort, buffer, offset, length, nowNanos, verdict);
        if (domain != NO_DOMAIN)
        {
            deliver(domain, ingressPort, frame.destination(), frame.etherType(), nowNanos, verdict);
        }
    }

    /**
     * Lets a frame into its ingress port's domain: the port must be attached, the frame hold an
     * Ethernet header and come from a station's (unicast, non-zero) MAC, which is learned behind
     * the port.
     *
     * @return the domain, or {@link #NO_DOMAIN} with the drop written into {@code verdict}.
     */
    public int admit(final int ingressPort, final MutableDirectBuffer buffer, final int offset, final int length,
        final long nowNanos, final Verdict verdict)
    {
        final int domain = domainOf(ingressPort);
        if (domain == NO_DOMAIN)
        {
            verdict.drop(DropReason.NO_INGRESS_PORT);
            return NO_DOMAIN;
        }
        frame.wrap(buffer, offset, length);
        if (!frame.isValid())
        {
            verdict.drop(DropReason.MALFORMED);
            return NO_DOMAIN;
        }

        final long source = frame.source();
        if (source == 0 || MacAddress.isGroup(source))
        {
            verdict.drop(DropReason.BAD_SOURCE_MAC);
            return NO_DOMAIN;
        }
        macTable.learn(domain, source, ingressPort, nowNanos);
        return domain;
    }

    /**
     * Switches a frame {@link #admit admitted} into {@code domain} by its destination MAC and
     * EtherType, writing where it goes into {@code verdict}: the learned port, a flood, or a drop
     * (back to its own port, or container IP that ICC forbids).
     */
    public void deliver(final int domain, final int ingressPort, final long destination, final int etherType,
        final long nowNanos, final Verdict verdict)
    {
        // with ICC off a container reaches only the host side (and its link peers): IPv4, IPv6 (ND and MLD
        // included) and any other EtherType alike; ARP alone still resolves the neighbours' addresses
        final boolean containerIp = iccOff[domain] && !hostSide[ingressPort] && etherType != EthernetFrame.ETHER_TYPE_ARP;
        final boolean group = MacAddress.isGroup(destination);
        final int egress = group ? MacTable.MISSING : macTable.lookup(domain, destination, nowNanos);
        if (egress == MacTable.MISSING)
        {
            verdict.flood(containerIp ? domainHostPorts[domain] : group ? domainPorts[domain] : domainUnicastFlood[domain]);
        }
        else if (egress == ingressPort)
        {
            verdict.drop(DropReason.SAME_PORT);
        }
        // the pair lookup only runs for a frame that would otherwise be dropped, so ICC-on
        // domains and traffic to the host side never pay for it
        else if (containerIp && !hostSide[egress] && !allowedPairs.contains(pairKey(ingressPort, egress)))
        {
            verdict.drop(DropReason.ICC);
        }
        else
        {
            verdict.port(egress);
        }
    }

    /** The port {@code mac} was learned behind in {@code domain}, or {@link MacTable#MISSING}. */
    public int portOf(final int domain, final long mac, final long nowNanos)
    {
        return macTable.lookup(domain, mac, nowNanos);
    }

    /** All ports of {@code domain}. */
    public int[] ports(final int domain)
    {
        return domainPorts[domain];
    }

    /** The ports of {@code domain} unicast to an unknown MAC floods to: all but those {@link #pin pinned} as sole station. */
    public int[] unicastFloodPorts(final int domain)
    {
        return domainUnicastFlood[domain];
    }

    /** The domain's first host-side port, or {@link #NO_PORT}. */
    public int hostPort(final int domain)
    {
        final int[] hostPorts = domainHostPorts[domain];
        return hostPorts.length == 0 ? NO_PORT : hostPorts[0];
    }

    /** All ports of the port's domain. */
    public int[] domainPorts(final int port)
    {
        final int domain = portDomain[port];
        return domain == NO_DOMAIN ? NO_PORTS : domainPorts[domain];
    }

    /**
     * Attaches a port to a domain. A host-side port (the daemon's own interface on the network)
     * may exchange IP with every container even when the domain's ICC is off.
     *
     * @throws IllegalArgumentException for a port or domain out of range; nothing changes then.
     */
    public void attach(final int port, final int domain, final boolean isHostSide)
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
        hostSide[port] = isHostSide;
        domainPorts[domain] = with(domainPorts[domain], port);
        domainUnicastFlood[domain] = with(domainUnicastFlood[domain], port);
        if (isHostSide)
        {
            domainHostPorts[domain] = with(domainHostPorts[domain], port);
        }
    }

    public void attach(final int port, final int domain)
    {
        attach(port, domain, false);
    }

    /**
     * Puts {@code mac} behind the attached {@code port} for as long as the port stays (see
     * {@link MacTable#pin}). With {@code soleStation} the port can have nothing else behind it
     * (port security lets it send as nothing else), so unicast to unknown MACs no longer reaches it.
     *
     * @throws IllegalStateException when the port is not attached; nothing changes then.
     */
    public void pin(final int port, final long mac, final boolean isSoleStation)
    {
        final int domain = domainOf(port);
        if (domain == NO_DOMAIN)
        {
            throw new IllegalStateException("port " + port + " is not attached");
        }
        macTable.pin(domain, mac, port);
        if (isSoleStation && !soleStation[port])
        {
            soleStation[port] = true;
            domainUnicastFlood[domain] = without(domainUnicastFlood[domain], port);
        }
    }

    /**
     * Detaches the port and forgets every address learned or pinned behind it and every pair it
     * was allowed in: the port number may be reused by another container, which must not inherit
     * its links.
     */
    public void detach(final int port)
    {
        final int domain = portDomain[port];
        if (domain == NO_DOMAIN)
        {
            return;
        }
        portDomain[port] = NO_DOMAIN;
        if (!allowedPairs.isEmpty())
        {
            allowedPairs.removeIfLong(key -> (int)(key >>> 32) == port || (int)key == port);
        }
        domainPorts[domain] = without(domainPorts[domain], port);
        if (soleStation[port])
        {
            soleStation[port] = false;
        }
        else
        {
            domainUnicastFlood[domain] = without(domainUnicastFlood[domain], port);
        }
        if (hostSide[port])
        {
            domainHostPorts[domain] = without(domainHostPorts[domain], port);
            hostSide[port] = false;
        }
        macTable.removePort(port);
    }

    /** Sets whether the domain's containers may exchange IP (inter-container communication). */
    public void configureDomain(final int domain, final boolean icc)
    {
        iccOff[domain] = !icc;
    }

    /**
     * Lets two container ports of one domain exchange IP even while the domain's ICC is off, in
     * both directions (Docker's legacy link). Only unicast to a learned MAC passes: what would be
     * flooded still reaches the host side alone, as ARP, which is never blocked, teaches the switch
     * where the peer is first. The pair outlives ICC being turned on and off again, and ends with
     * {@link #forbidPair} or when either port is detached.
     *
     * @return false when {@link #MAX_ALLOWED_PAIRS} pairs are already allowed; nothing changes then.
     * @throws IllegalArgumentException for a port out of range or a port paired with itself.
     * @throws IllegalStateException when a port is not attached or the two are in different domains.
     */
    public boolean allowPair(final int portA, final int portB)
    {
        if (portA < 0 || portA >= portDomain.length || portB < 0 || portB >= portDomain.length || portA == portB)
        {
            throw new IllegalArgumentException("ports " + portA + " and " + portB + " are not two ports in range");
        }
        final int domain = portDomain[portA];
        if (domain == NO_DOMAIN || domain != portDomain[portB])
        {
            throw new IllegalStateException("ports " + portA + " and " + portB + " are not attached to one domain");
        }
        final long key = pairKey(portA, portB);
        if (allowedPairs.contains(key))
        {
            return true;
        }
        if (allowedPairs.size() >= MAX_ALLOWED_PAIRS)
        {
            return false;
        }
        allowedPairs.add(key);
        return true;
    }

    /** Ends what {@link #allowPair} allowed; a pair never allowed (or already forgotten) is left as it is. */
    public void forbidPair(final int portA, final int portB)
    {
        allowedPairs.remove(pairKey(portA, portB));
    }

    /** Whether the two ports were allowed as a pair, in either order. */
    public boolean isPairAllowed(final int portA, final int portB)
    {
        return allowedPairs.contains(pairKey(portA, portB));
    }

    /** The port's domain, or {@link #NO_DOMAIN} for a port not attached (or out of range). */
    public int domainOf(final int port)
    {
        return port >= 0 && port < portDomain.length ? portDomain[port] : NO_DOMAIN;
    }

    public int maxDomains()
    {
        return domainPorts.length;
    }

    public int maxPorts()
    {
        return portDomain.length;
    }

    public MacTable macTable()
    {
        return macTable;
    }

    /** The unordered pair as one long: the lower port in the high half, so (a, b) and (b, a) are one key. */
    private static long pairKey(final int portA, final int portB)
    {
        return ((long)Math.min(portA, portB) << 32) | (Math.max(portA, portB) & 0xFFFF_FFFFL);
    }

    private static int[] with(final int[] members, final int port)
    {
        final int[] more = Arrays.copyOf(members, members.length + 1);
        more[more.length - 1] = port;
        Arrays.sort(more);
        return more;
    }

    private static int[] without(final int[] members, final int port)
    {
        final int[] fewer = new int[members.length - 1];
        int i = 0;
        for (final int member : members)
        {
            if (member != port)
            {
                fewer[i++] = member;
            }
        }
        return fewer.length == 0 ? NO_PORTS : fewer;
    }
}
