package io.lanyard.control;

import io.lanyard.control.model.Network;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.Port;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.addr.MacAddress;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Each switched network's bridge domain of the dataplane: the domain numbers (the lowest free
 * one for a new network, freed when it goes), and what the domain is told of its network — the
 * gateway and ICC policy, the routed subnet and masquerade, the host-side port, the overlay and
 * the other hosts' endpoints and VTEPs on it.
 */
final class SwitchDomains
{
    private static final System.Logger LOG = System.getLogger(SwitchDomains.class.getName());

    private final Dataplane dataplane;
    private final ControlPlane.Routing routing;
    /** Network ID → its domain. */
    private final Map<String, Integer> domains = new HashMap<>();
    private final BitSet used = new BitSet();
    /** Overlay domain → the other hosts' endpoints programmed into the dataplane: MAC → {IPv4, VTEP}. */
    private final Map<Integer, Map<Long, List<Integer>>> remoteEndpoints = new HashMap<>();
    /** Overlay domain → the VTEPs programmed as its peers. */
    private final Map<Integer, Set<Integer>> overlayPeers = new HashMap<>();

    SwitchDomains(final Dataplane dataplane, final ControlPlane.Routing routing)
    {
        this.dataplane = dataplane;
        this.routing = routing;
    }

    /** @return the network's domain, or null for a network without one (none, host, or one not added). */
    Integer domainOf(final String networkId)
    {
        return domains.get(networkId);
    }

    /** Those of {@code all} that have a domain, by it. */
    Map<Integer, Network> byDomain(final List<Network> all)
    {
        final Map<Integer, Network> byDomain = new TreeMap<>();
        for (final Network network : all)
        {
            final Integer domain = domains.get(network.id());
            if (domain != null)
            {
                byDomain.put(domain, network);
            }
        }
        return byDomain;
    }

    /** Gives a switched network the lowest free domain and programs it. */
    void add(final Network network)
    {
        final int domain = used.nextClearBit(0);
        used.set(domain);
        domains.put(network.id(), domain);
        program(network);
    }

    /**
     * Tells the switch the network's gateway address and ICC policy, the router its subnet and
     * whether its traffic out is masqueraded (or may leave at all), and gives the network its
     * host-side port.
     */
    void program(final Network network)
    {
        final int domain = domains.get(network.id());
        if (network.isOverlay())
        {
            // an overlay has no gateway on the host (as Docker's): it is a switch spanning the hosts
            dataplane.forwarding().configureDomain(domain, 0, -1L, true);
            if (routing.cluster() == null)
            {
                LOG.log(System.Logger.Level.WARNING, "overlay network " + network.name() + " stays local: this daemon is not in a cluster");
                return;
            }
            dataplane.overlays().add(domain, network.vni());
            dataplane.overlays().setStaticPeers(domain, OverlayOptions.staticPeers(network));
            return;
        }
        final int gateway = network.ipam().isEmpty() ? 0 : Ipv4Address.parse(network.ipam().get(0).gateway());
        final boolean icc = !"false".equals(network.options().get(Network.OPTION_ENABLE_ICC));
        final long gatewayMac = gateway == 0 ? -1L : MacAddress.fromIpv4(gateway);
        dataplane.forwarding().configureDomain(domain, gateway, gatewayMac, icc);
        if (gateway != 0)
        {
            final Ipv4Cidr subnet = Ipv4Cidr.parse(network.ipam().get(0).subnet());
            final boolean masquerade = !"false".equals(network.options().get(Network.OPTION_ENABLE_IP_MASQUERADE));
            dataplane.forwarding().configureRouting(domain, subnet.network(), subnet.prefixLength(), gateway, gatewayMac, masquerade,
                !network.internal());
            if (routing.hosts() != null)
            {
                routing.hosts().bringUp(network, domain);
            }
        }
    }

    /** Takes the network's overlay, host-side port and routes away and frees its domain (if it has one). */
    void remove(final Network network)
    {
        final Integer domain = domains.remove(network.id());
        if (domain == null)
        {
            return;
        }
        if (network.isOverlay() && dataplane.overlays().port(domain) != null)
        {
            BestEffort.attempt("remove the overlay of " + network.name(), () -> dataplane.overlays().remove(domain));
        }
        remoteEndpoints.remove(domain);
        overlayPeers.remove(domain);
        if (routing.hosts() != null)
        {
            BestEffort.attempt("remove the host-side port of " + network.name(), () -> routing.hosts().remove(network.id()));
        }
        BestEffort.attempt("unroute " + network.name(), () -> dataplane.forwarding().clearRouting(domain));
        dataplane.forwarding().configureDomain(domain, 0, -1L, true);
        used.clear(domain);
    }

    /**
     * Programs the other hosts' endpoints and VTEPs into an overlay's domain, changing only what
     * differs from what it was last given (nothing while the overlay has no VXLAN port).
     *
     * @param wanted MAC → {IPv4, VTEP} of every other host's endpoint on the network.
     * @param peers  the VTEPs the overlay floods to.
     */
    void programRemote(final Network network, final Map<Long, List<Integer>> wanted, final Set<Integer> peers)
    {
        final int domain = domains.get(network.id());
        if (dataplane.overlays().port(domain) == null)
        {
            return;
        }
        final Map<Long, List<Integer>> programmed = remoteEndpoints.computeIfAbsent(domain, d -> new HashMap<>());
        for (final Long mac : List.copyOf(programmed.keySet()))
        {
            if (!wanted.containsKey(mac))
            {
                dataplane.overlays().removeEndpoint(domain, mac);
                programmed.remove(mac);
            }
        }
        for (final Map.Entry<Long, List<Integer>> entry : wanted.entrySet())
        {
            if (!entry.getValue().equals(programmed.get(entry.getKey())))
            {
                dataplane.overlays().addEndpoint(domain, entry.getKey(), entry.getValue().get(0), entry.getValue().get(1));
                programmed.put(entry.getKey(), entry.getValue());
            }
        }
        if (!peers.equals(overlayPeers.get(domain)))
        {
            dataplane.overlays().setPeers(domain, peers.stream().mapToInt(Integer::intValue).toArray());
            overlayPeers.put(domain, peers);
        }
    }

    /** The dataplane's own ports: port ID → {device, role} (the uplink, each network's host side, each overlay's VTEPs). */
    Map<Integer, String[]> daemonPorts(final List<Network> networks)
    {
        final Map<Integer, String[]> own = new HashMap<>();
        if (routing.hosts() != null)
        {
            routing.hosts().ports().forEach((port, device) -> own.put(port, new String[] {device, "(host)"}));
        }
        if (routing.uplink() != null)
        {
            own.put(routing.uplink().port().id(), new String[] {routing.uplink().settings().device(), "(uplink)"});
        }
        for (final Network network : networks)
        {
            final Integer domain = domains.get(network.id());
            final Port overlay = network.isOverlay() && domain != null ? dataplane.overlays().port(domain) : null;
            if (overlay != null)
            {
                own.put(overlay.id(), new String[] {"vxlan:" + network.vni(), "(overlay)"});
            }
        }
        return own;
    }
}
