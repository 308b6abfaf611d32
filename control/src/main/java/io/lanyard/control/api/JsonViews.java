package io.lanyard.control.api;

import io.lanyard.control.ControlPlane;
import io.lanyard.control.metrics.ControlPlaneSource;
import io.lanyard.control.metrics.MetricsSource;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.ports.PortBinding;
import io.lanyard.control.model.Sandbox;
import io.lanyard.tap.IpRoute2;
import io.lanyard.control.overlay.ClusterRecords.Host;
import io.lanyard.dataplane.DataplaneCounters;
import io.lanyard.dataplane.PortCounters;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.verdict.DropReason;
import org.agrona.concurrent.status.CountersReader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The API's JSON shapes, built as ordered maps so the output reads in Docker's field order.
 * Networks are exactly Docker Engine's; sandboxes borrow the names of Docker's container
 * network settings.
 */
public final class JsonViews
{
    private JsonViews()
    {
    }

    public static Map<String, Object> network(final Network network, final Map<Sandbox, Endpoint> members)
    {
        return network(network, members, sandbox -> null, List.of());
    }

    /**
     * @param publishedVia the endpoint each sandbox's published ports lead to (shown with that endpoint), or null.
     * @param peers        for an overlay, the hosts with containers on it (Docker's {@code Peers}).
     */
    public static Map<String, Object> network(final Network network, final Map<Sandbox, Endpoint> members,
        final java.util.function.Function<Sandbox, String> publishedVia, final List<Host> peers)
    {
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("Name", network.name());
        view.put("Id", network.id());
        view.put("Created", network.created());
        view.put("Scope", network.scope());
        view.put("Driver", network.driver());
        view.put("EnableIPv6", false);
        final Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("Driver", "default");
        ipam.put("Options", null);
        final List<Map<String, Object>> config = new ArrayList<>();
        for (final IpamPool pool : network.ipam())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("Subnet", pool.subnet());
            if (pool.ipRange() != null)
            {
                entry.put("IPRange", pool.ipRange());
            }
            entry.put("Gateway", pool.gateway());
            if (!pool.auxAddresses().isEmpty())
            {
                entry.put("AuxiliaryAddresses", new TreeMap<>(pool.auxAddresses()));
            }
            config.add(entry);
        }
        ipam.put("Config", config);
        view.put("IPAM", ipam);
        view.put("Internal", network.internal());
        view.put("Attachable", network.attachable());
        view.put("Ingress", false);
        view.put("ConfigFrom", Map.of("Network", ""));
        view.put("ConfigOnly", false);
        final Map<String, Object> containers = new LinkedHashMap<>();
        for (final Map.Entry<Sandbox, Endpoint> member : members.entrySet())
        {
            final Endpoint endpoint = member.getValue();
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("Name", network.isGatewayBridge() ? Network.GATEWAY_ENDPOINT_PREFIX + member.getKey().shortId() :
                member.getKey().name());
            entry.put("EndpointID", endpoint.id());
            entry.put("MacAddress", endpoint.macAddress() == null ? "" : endpoint.macAddress());
            entry.put("IPv4Address", endpoint.ipv4Address() == null ? "" : endpoint.ipv4Address() + "/" + endpoint.prefixLength());
            entry.put("IPv6Address", "");
            if (endpoint.id().equals(publishedVia.apply(member.getKey())))
            {
                entry.put("Ports", member.getKey().ports().stream().map(PortBinding::display).toList());
            }
            containers.put(member.getKey().id(), entry);
        }
        view.put("Containers", containers);
        view.put("Options", new TreeMap<>(network.options()));
        view.put("Labels", new TreeMap<>(network.labels()));
        if (network.isOverlay())
        {
            final List<Map<String, Object>> hosts = new ArrayList<>();
            for (final Host peer : peers)
            {
                final Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("Name", peer.name());
                entry.put("IP", peer.ip());
                hosts.add(entry);
            }
            view.put("Peers", hosts);
        }
        return view;
    }

    public static Map<String, Object> sandbox(final ControlPlane control, final Sandbox sandbox, final long daemonPid)
    {
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("Id", sandbox.id());
        view.put("Name", sandbox.name());
        view.put("Created", sandbox.created());
        view.put("Netns", sandbox.netns());
        view.put("Attached", sandbox.isExternal());
        view.put("NetnsPath", sandbox.isHostNetwork() ? "/proc/" + daemonPid + "/ns/net" : IpRoute2.netnsPath(sandbox.netns()).toString());
        view.put("Command", sandbox.command());
        final boolean running = control.isRunning(sandbox);
        view.put("Running", running);
        view.put("Pid", running ? sandbox.pid() : null);
        view.put("ExitCode", sandbox.exitCode());
        final List<String> broken = control.brokenInterfaces(sandbox);
        final String status = running ? "running" : sandbox.exitCode() != null ? "exited (" + sandbox.exitCode() + ")" :
            sandbox.pid() != null ? "exited" : "up";
        view.put("Status", broken.isEmpty() ? status : status + ", degraded: " + String.join(", ", broken) + " gone");
        view.put("Degraded", broken);
        view.put("OutputFile", sandbox.pid() == null ? null : control.processes().outputFile(sandbox.id()).toString());
        final Map<String, Object> networks = new LinkedHashMap<>();
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            final Network network = control.networkById(endpoint.networkId());
            if (network != null && network.isGatewayBridge())
            {
                continue; // as docker inspect: the way out of a container on overlays is no network of its own
            }
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("NetworkID", endpoint.networkId());
            entry.put("EndpointID", endpoint.id());
            entry.put("Interface", endpoint.interfaceName());
            entry.put("Gateway", gateway(network, endpoint));
            entry.put("IPAddress", endpoint.ipv4Address() == null ? "" : endpoint.ipv4Address());
            entry.put("IPPrefixLen", endpoint.prefixLength());
            entry.put("MacAddress", endpoint.macAddress() == null ? "" : endpoint.macAddress());
            entry.put("Aliases", endpoint.aliases());
            entry.put("DriverOpts", new TreeMap<>(endpoint.options()));
            networks.put(network == null ? endpoint.networkId() : network.name(), entry);
        }
        view.put("Networks", networks);
        view.put("Ports", sandbox.ports());
        view.put("Dns", sandbox.dns());
        view.put("Links", sandbox.links());
        return view;
    }

    /** The gateway an endpoint's sandbox routes through on its network, or "" when it has no address there. */
    static String gateway(final Network network, final Endpoint endpoint)
    {
        return network == null || network.ipam().isEmpty() || endpoint.ipv4Address() == null ? "" : network.ipam().get(0).gateway();
    }

    /** Per-port counters, labelled with the sandbox, interface and network behind each port. */
    /** A VM monitor's TAP, with what the guest configures itself: its MAC, address, prefix and gateway. */
    public static Map<String, Object> guestPort(final ControlPlane control, final GuestPort port)
    {
        final Endpoint endpoint = port.endpoint();
        final Network network = control.networkById(endpoint.networkId());
        final int address = Ipv4Address.parse(endpoint.ipv4Address());
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("Name", port.name());
        view.put("Id", port.id());
        view.put("Created", port.created());
        view.put("Network", network == null ? endpoint.networkId() : network.name());
        view.put("NetworkID", endpoint.networkId());
        view.put("EndpointID", endpoint.id());
        view.put("MacAddress", endpoint.macAddress());
        view.put("IPAddress", endpoint.ipv4Address());
        view.put("IPPrefixLen", endpoint.prefixLength());
        view.put("Gateway", network == null ? "" : network.ipam().stream().filter(p -> Ipv4Cidr.parse(p.subnet()).contains(address))
            .map(IpamPool::gateway).findFirst().orElse(""));
        view.put("Mtu", network == null ? null : network.mtu());
        view.put("Owner", port.owner());
        view.put("State", port.state());
        return view;
    }

    public static Map<String, Object> stats(final ControlPlane control)
    {
        final Map<Integer, MetricsSource.PortOwner> owners = ControlPlaneSource.owners(control);
        final CountersReader reader = control.dataplane().counters();
        final Map<Integer, Map<String, Object>> byPort = new TreeMap<>();
        final Map<String, Object> global = new LinkedHashMap<>();
        reader.forEach((counterId, typeId, key, label) ->
        {
            final long value = reader.getCounterValue(counterId);
            final int port = key.getInt(0);
            if (port == DataplaneCounters.NO_PORT)
            {
                global.put(label, value);
                return;
            }
            final MetricsSource.PortOwner owner = owners.get(port);
            if (owner == null)
            {
                return;
            }
            final Map<String, Object> entry = byPort.computeIfAbsent(port, p -> newPortEntry(p, owner.sandbox(), owner.interfaceName(),
                owner.network()));
            switch (typeId)
            {
                case PortCounters.TYPE_RX_PACKETS -> entry.put("RxPackets", value);
                case PortCounters.TYPE_RX_BYTES -> entry.put("RxBytes", value);
                case PortCounters.TYPE_TX_PACKETS -> entry.put("TxPackets", value);
                case PortCounters.TYPE_TX_BYTES -> entry.put("TxBytes", value);
                case PortCounters.TYPE_RX_ERRORS -> entry.put("RxErrors", value);
                default ->
                {
                    final int reason = typeId - PortCounters.TYPE_DROP_BASE;
                    if (reason >= 0 && reason < DropReason.count())
                    {
                        @SuppressWarnings("unchecked")
                        final Map<String, Object> drops = (Map<String, Object>)entry.get("Drops");
                        drops.put(DropReason.of(reason).label(), value);
                    }
                }
            }
        });
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("IoBackend", control.dataplane().ioBackend());
        view.put("Ports", new ArrayList<>(byPort.values()));
        view.put("Dataplane", global);
        if (control.dns() != null)
        {
            final Map<String, Object> dns = new LinkedHashMap<>(control.dns().counters().snapshot());
            dns.put("in_flight", control.dns().inFlight());
            view.put("Dns", dns);
        }
        return view;
    }

    private static Map<String, Object> newPortEntry(final int port, final String sandbox, final String device, final String network)
    {
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("Port", port);
        entry.put("Sandbox", sandbox);
        entry.put("Interface", device);
        entry.put("Network", network);
        entry.put("RxPackets", 0L);
        entry.put("RxBytes", 0L);
        entry.put("TxPackets", 0L);
        entry.put("TxBytes", 0L);
        entry.put("RxErrors", 0L);
        entry.put("Drops", new LinkedHashMap<String, Object>());
        return entry;
    }
}
