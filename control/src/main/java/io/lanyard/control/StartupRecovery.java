package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.routing.HostInterfaces;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a start finds and must settle before it serves: the predefined networks (made at the first
 * start, the default bridge's options set by this start's flags) and the requests a previous
 * daemon left half done — sandboxes half made or half removed, endpoints half connected or half
 * disconnected — which the write-ahead markers name.
 */
final class StartupRecovery
{
    private static final System.Logger LOG = System.getLogger(StartupRecovery.class.getName());

    private final DaemonSettings settings;
    private final NetworkTable networks;
    private final SandboxTable sandboxes;
    private final NetworkSetup setup;
    private final SandboxWiring wiring;
    private final EndpointAddressing addressing;

    StartupRecovery(final DaemonSettings settings, final NetworkTable networks, final SandboxTable sandboxes, final NetworkSetup setup,
        final SandboxWiring wiring, final EndpointAddressing addressing)
    {
        this.settings = settings;
        this.networks = networks;
        this.sandboxes = sandboxes;
        this.setup = setup;
        this.wiring = wiring;
        this.addressing = addressing;
    }

    /**
     * Sets up the stored networks (one that cannot be is logged and kept: its sandboxes still
     * name it), then makes the predefined ones that are missing and gives the default bridge this
     * start's options.
     */
    void restoreNetworks(final List<Network> stored)
    {
        restoreNetworks(stored, List.of());
    }

    /**
     * {@link #restoreNetworks(List)}, the default bridge first moved to {@code --bip} when the
     * stored one has another subnet and none of {@code storedSandboxes} is on it.
     *
     * @throws IllegalStateException when {@code --bip} overlaps a route of the host, or the
     *         default bridge it would move has sandboxes on it: one line saying which.
     */
    void restoreNetworks(final List<Network> stored, final List<Sandbox> storedSandboxes)
    {
        for (final Network network : withBip(stored, storedSandboxes))
        {
            try
            {
                setup.add(network);
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.ERROR, "network " + network.name() + " is not fully set up: " + ex.getMessage());
            }
        }
        missingPredefined().forEach(setup::add);
        reconfiguredDefaultBridge().ifPresent(setup::reconfigure);
    }

    /** Puts the stored sandboxes in the table as they were stored, their addresses taken. */
    void load(final List<Sandbox> stored)
    {
        for (final Sandbox sandbox : stored)
        {
            sandboxes.put(sandbox);
            addressing.reserve(sandbox);
        }
    }

    /** The predefined networks the table lacks, in the order they are made: none, host, bridge. */
    List<Network> missingPredefined()
    {
        final List<Network> missing = new ArrayList<>();
        if (networks.byName("none").isEmpty())
        {
            missing.add(new Network(Identifiers.newId(), "none", Network.DRIVER_NULL, "local", Instant.now(), false, false,
                List.of(), Map.of(), Map.of()));
        }
        if (networks.byName("host").isEmpty())
        {
            missing.add(new Network(Identifiers.newId(), "host", Network.DRIVER_HOST, "local", Instant.now(), false, false,
                List.of(), Map.of(), Map.of()));
        }
        if (networks.byName("bridge").isEmpty())
        {
            missing.add(new Network(Identifiers.newId(), "bridge", Network.DRIVER_BRIDGE, "local", Instant.now(), false, false,
                List.of(defaultBridgePool()), defaultBridgeOptions(), Map.of()));
        }
        return missing;
    }

    /**
     * The default bridge's pool when it is made: {@code --bip}'s subnet with its address as the
     * gateway, else the first default pool that overlaps neither a network's subnet nor a route
     * of the host (172.17.0.0/16 on a host without Docker, as docker0's), gateway its first address.
     */
    private IpamPool defaultBridgePool()
    {
        final Ipv4Cidr bip = settings.bip();
        if (bip != null)
        {
            checkBipClearOfRoutes(bip);
            return new IpamPool(bip.canonical().toString(), Ipv4Address.format(bip.address()), null, Map.of());
        }
        final Ipv4Cidr subnet = settings.addressSpace().firstFree(networks.subnetsInUse()).orElseThrow(() ->
            new IllegalStateException("no default address pool is free of the host's routes for the default bridge: give --bip"));
        if (!subnet.toString().equals("172.17.0.0/16"))
        {
            LOG.log(System.Logger.Level.INFO, "the default bridge takes " + subnet + ": 172.17.0.0/16 overlaps a route of the host");
        }
        return new IpamPool(subnet.toString(), Ipv4Address.format(subnet.network() + 1), null, Map.of());
    }

    private void checkBipClearOfRoutes(final Ipv4Cidr bip)
    {
        settings.addressSpace().routeOverlapping(bip.canonical()).ifPresent(route ->
        {
            throw new IllegalStateException("--bip " + bip + " overlaps the host's route " + route);
        });
    }

    /** The stored networks with the default bridge moved to {@code --bip}, when it asks for another subnet. */
    private List<Network> withBip(final List<Network> stored, final List<Sandbox> storedSandboxes)
    {
        final Ipv4Cidr bip = settings.bip();
        if (bip == null)
        {
            return stored;
        }
        final IpamPool wanted = new IpamPool(bip.canonical().toString(), Ipv4Address.format(bip.address()), null, Map.of());
        final List<Network> moved = new ArrayList<>();
        for (final Network network : stored)
        {
            if (!network.isDefaultBridge() || network.ipam().equals(List.of(wanted)))
            {
                moved.add(network);
                continue;
            }
            final List<String> on = storedSandboxes.stream()
                .filter(sandbox -> sandbox.endpoints().stream().anyMatch(endpoint -> endpoint.networkId().equals(network.id())))
                .map(Sandbox::name).toList();
            if (!on.isEmpty())
            {
                throw new IllegalStateException("--bip " + bip + ": the default bridge is on " + network.ipam().get(0).subnet() +
                    " with sandboxes on it (" + String.join(", ", on) + "); remove them, or start with the --bip it has");
            }
            checkBipClearOfRoutes(bip);
            LOG.log(System.Logger.Level.INFO, "the default bridge moves from " + network.ipam().get(0).subnet() + " to " + wanted.subnet() +
                " (--bip " + bip + ")");
            moved.add(new Network(network.id(), network.name(), network.driver(), network.scope(), network.created(), network.internal(),
                network.attachable(), List.of(wanted), network.options(), network.labels()));
        }
        return moved;
    }

    /**
     * The default bridge with the options this start's flags give it ({@code --icc}), when the
     * stored one has others: the daemon's flags decide them at every start, as dockerd's do.
     */
    Optional<Network> reconfiguredDefaultBridge()
    {
        final Optional<Network> bridge = networks.byName("bridge");
        final Map<String, String> options = defaultBridgeOptions();
        if (bridge.isEmpty() || bridge.get().options().equals(options))
        {
            return Optional.empty();
        }
        final Network old = bridge.get();
        return Optional.of(new Network(old.id(), old.name(), old.driver(), old.scope(), old.created(), old.internal(),
            old.attachable(), old.ipam(), options, old.labels()));
    }

    private Map<String, String> defaultBridgeOptions()
    {
        final Map<String, String> options = new LinkedHashMap<>();
        options.put(Network.OPTION_DEFAULT_BRIDGE, "true");
        options.put(Network.OPTION_ENABLE_ICC, Boolean.toString(settings.icc()));
        options.put(Network.OPTION_ENABLE_IP_MASQUERADE, "true");
        options.put(Network.OPTION_HOST_BINDING_IPV4, "0.0.0.0");
        options.put(Network.OPTION_BRIDGE_NAME, HostInterfaces.DEFAULT_BRIDGE_DEVICE);
        options.put(Network.OPTION_MTU, Integer.toString(Network.DEFAULT_MTU));
        return options;
    }

    /**
     * Whether a stored sandbox is one a previous daemon was making or removing when it died: it
     * is then taken down and forgotten (a half-made one undone, a half-removed one finished).
     */
    boolean isHalfDone(final Sandbox stored)
    {
        switch (stored.state())
        {
            case Sandbox.CREATING:
                LOG.log(System.Logger.Level.INFO, "undoing the half-made sandbox " + stored.name());
                return true;
            case Sandbox.REMOVING:
                LOG.log(System.Logger.Level.INFO, "finishing the removal of sandbox " + stored.name());
                return true;
            default:
                return false;
        }
    }

    /** Undoes a connect or finishes a disconnect that a previous daemon left half-done; the table keeps the result. */
    Sandbox settleEndpoints(final Sandbox sandbox)
    {
        final List<Endpoint> kept = new ArrayList<>();
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            if (endpoint.isSettled())
            {
                kept.add(endpoint);
                continue;
            }
            LOG.log(System.Logger.Level.INFO, "finishing the interrupted " + endpoint.state() + " of " + sandbox.name() +
                " on " + endpoint.networkId().substring(0, 12));
            wiring.removeLeftInterface(sandbox, endpoint);
            addressing.release(endpoint);
        }
        final Sandbox settled = sandbox.withEndpoints(kept);
        sandboxes.put(settled);
        return settled;
    }
}
