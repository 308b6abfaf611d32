package io.lanyard.perf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a run measures ({@code --scenario}): each scenario is a path a packet takes (or, for
 * {@code dns}, a service a container uses), built the same way by Linux and by Lanyard (and by
 * any further peer a scenario has), and measured on each in the same rounds.
 */
enum Scenario
{
    /**
     * Two containers on one network: switching only; TCP with 4 streams beside 1, and the 64-byte
     * UDP rate, a packet rate beside the byte rates.
     */
    BRIDGE("bridge", LinuxBridge.LABEL, "two containers on one network, switched", 4, true),

    /** A container to a server outside, through masquerade: routing, NAT and connection tracking. */
    NAT("nat", LinuxNat.LABEL, "a container to a server in an outside namespace, masqueraded to the uplink address", 1, false),

    /**
     * Two containers on two hosts: VXLAN encapsulation across an underlay, and the control plane
     * that sets it up; TCP with 4 streams beside 1, and the 64-byte UDP rate; and the interop
     * with a kernel VTEP ({@link OverlayInterop}).
     */
    OVERLAY("overlay", LinuxOverlay.LABEL, "two containers on two hosts, VXLAN over an MTU-" + Underlay.MTU + " underlay, container MTU " +
        Underlay.OVERLAY_MTU, 4, true),

    /** A container's DNS: the embedded DNS answering container names, and forwarding an outside name to an upstream. */
    DNS("dns", LanyardDns.PEER_LABEL, "a container on a user-defined network asks the embedded DNS (127.0.0.11) for container " +
        "names, and for an outside name it forwards to dnsmasq at " + LanyardDns.UPSTREAM_ADDRESS, 1, false);

    static final String ALL = "all";

    private final String cliName;
    private final String peerLabel;
    private final String description;
    private final int defaultStreams;
    private final boolean measuresUdp;

    Scenario(final String cliName, final String peerLabel, final String description, final int defaultStreams, final boolean measuresUdp)
    {
        this.cliName = cliName;
        this.peerLabel = peerLabel;
        this.description = description;
        this.defaultStreams = defaultStreams;
        this.measuresUdp = measuresUdp;
    }

    /** The name {@code --scenario} takes and the report shows. */
    String cliName()
    {
        return cliName;
    }

    /** What Lanyard is compared with in this scenario. */
    String peerLabel()
    {
        return peerLabel;
    }

    String description()
    {
        return description;
    }

    /**
     * The {@code -P} of the TCP row measured beside the 1-stream one: {@code --streams} if given
     * ({@code asked}, else null), else this scenario's default; 1 means no such row.
     */
    int parallelStreams(final Integer asked)
    {
        return asked != null ? asked : defaultStreams;
    }

    /** Whether a switch scenario also measures the 64-byte UDP rate ({@link UdpRate}). */
    boolean measuresUdp()
    {
        return measuresUdp;
    }

    /**
     * The scenarios named by {@code --scenario} values (each may be a name or {@value #ALL}), in
     * the order of this enum and without repeats; {@code bridge} alone when none are given.
     */
    static List<Scenario> parse(final List<String> names)
    {
        if (names == null || names.isEmpty())
        {
            return List.of(BRIDGE);
        }
        final boolean[] chosen = new boolean[values().length];
        for (final String raw : names)
        {
            final String name = raw.trim().toLowerCase(Locale.ROOT);
            if (name.equals(ALL))
            {
                Arrays.fill(chosen, true);
                continue;
            }
            final Scenario scenario = byName(name);
            if (scenario == null)
            {
                throw new PerfException("unknown --scenario " + raw + "; one of: " + choices());
            }
            chosen[scenario.ordinal()] = true;
        }
        final List<Scenario> scenarios = new ArrayList<>();
        for (final Scenario scenario : values())
        {
            if (chosen[scenario.ordinal()])
            {
                scenarios.add(scenario);
            }
        }
        return List.copyOf(scenarios);
    }

    static String choices()
    {
        final StringBuilder choices = new StringBuilder();
        for (final Scenario scenario : values())
        {
            choices.append(scenario.cliName).append(", ");
        }
        return choices.append(ALL).toString();
    }

    private static Scenario byName(final String name)
    {
        for (final Scenario scenario : values())
        {
            if (scenario.cliName.equals(name))
            {
                return scenario;
            }
        }
        return null;
    }
}
