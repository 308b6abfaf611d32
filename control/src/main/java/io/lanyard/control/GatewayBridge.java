package io.lanyard.control;

import io.lanyard.control.ipam.AddressSpace;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The way out of a sandbox whose networks give it none, as Docker's {@code docker_gwbridge}: a
 * sandbox Lanyard made that is on an overlay (not {@code --internal}) and on no network with a
 * gateway of its own (a bridge that is not internal, or a remote driver's network) gets a second
 * interface, its gateway endpoint, on the local bridge network {@value Network#GATEWAY_BRIDGE}.
 * That interface carries the sandbox's default route and its published ports, and the network
 * is masqueraded through the uplink like any bridge network; the overlay's interface keeps only
 * its subnet route.
 *
 * <p>The network is made on first use with Docker's options for {@code docker_gwbridge} (ICC
 * off, masquerade on) and the first default pool that no network of this host uses; it stays
 * when its last endpoint goes, as Docker's does. A user may make it beforehand with settings of
 * their own (a bridge that is not internal), as with Docker. Its endpoints are Lanyard's alone:
 * they come and go with the sandbox's need for them — when it joins its first overlay or leaves
 * its last network with a gateway, and when it leaves its last overlay or joins a network with a
 * gateway.
 *
 * <p>This class decides and takes addresses; the façade brackets the change with its state
 * writes and wires it in the order the default route needs.
 */
final class GatewayBridge
{
    private static final System.Logger LOG = System.getLogger(GatewayBridge.class.getName());
    /** The network's host-side device: its name is longer than an interface's may be (15 characters). */
    static final String DEVICE = "ly_gwbridge";

    private final NetworkTable networks;
    /** Where {@value Network#GATEWAY_BRIDGE} gets its subnet. */
    private final AddressSpace space;
    private final NetworkSetup setup;
    private final EndpointAddressing addressing;
    private final SandboxWiring wiring;

    /**
     * What a change of a sandbox's endpoints does to its gateway endpoint: a new one to add (its
     * address already taken), the present one to take away, or neither ({@link #NONE}).
     */
    record Change(Endpoint added, Endpoint removed)
    {
        static final Change NONE = new Change(null, null);

        /** The endpoints with this change marked for the write-ahead: the added one connecting, the removed one disconnecting. */
        List<Endpoint> marked(final List<Endpoint> endpoints)
        {
            final List<Endpoint> marked = new ArrayList<>();
            for (final Endpoint endpoint : endpoints)
            {
                marked.add(removed != null && endpoint.id().equals(removed.id()) ? endpoint.withState(Endpoint.DISCONNECTING) : endpoint);
            }
            if (added != null)
            {
                marked.add(added.withState(Endpoint.CONNECTING));
            }
            return marked;
        }

        /** The endpoints once this change is done: the added one settled at the end, the removed one gone. */
        List<Endpoint> settled(final List<Endpoint> endpoints)
        {
            final List<Endpoint> settled = new ArrayList<>();
            for (final Endpoint endpoint : endpoints)
            {
                if (removed == null || !endpoint.id().equals(removed.id()))
                {
                    settled.add(endpoint);
                }
            }
            if (added != null)
            {
                settled.add(added);
            }
            return settled;
        }
    }

    GatewayBridge(final NetworkTable networks, final NetworkSetup setup, final EndpointAddressing addressing, final SandboxWiring wiring,
        final AddressSpace space)
    {
        this.space = space;
        this.networks = networks;
        this.setup = setup;
        this.addressing = addressing;
        this.wiring = wiring;
    }

    /**
     * The change the sandbox's gateway endpoint needs once its endpoints are {@code endpoints}
     * (those marked disconnecting count as gone): a new gateway endpoint, with an address taken on
     * {@value Network#GATEWAY_BRIDGE} (the network made if there is none), or the present one to
     * take away. Nothing changes in the system; {@link #abandon} frees what a failed request took.
     *
     * @throws RequestException when the network cannot be made or has no free address.
     */
    Change plan(final Sandbox sandbox, final List<Endpoint> endpoints)
    {
        final Endpoint present = gatewayOf(endpoints);
        final boolean needed = applies(sandbox) && needs(endpoints);
        if (needed && present == null)
        {
            try
            {
                final Network bridge = network();
                return new Change(addressing.newEndpoint(bridge, SandboxWiring.nextInterfaceName(sandbox.withEndpoints(endpoints)), null,
                    List.of(), sandbox.name()), null);
            }
            catch (final RuntimeException ex)
            {
                throw new RequestException(ex instanceof RequestException refused ? refused.status() : 500, "cannot give " +
                    sandbox.name() + " a way out on " + Network.GATEWAY_BRIDGE + ": " + ex.getMessage());
            }
        }
        return !needed && present != null ? new Change(null, present) : Change.NONE;
    }

    /**
     * {@link #plan} for a change that goes ahead either way (a disconnect, a restart): a way out
     * that cannot be made is logged and left for the sandbox's next change.
     */
    Change planAtBest(final Sandbox sandbox, final List<Endpoint> endpoints)
    {
        try
        {
            return plan(sandbox, endpoints);
        }
        catch (final RequestException ex)
        {
            LOG.log(System.Logger.Level.WARNING, ex.getMessage());
            return Change.NONE;
        }
    }

    /** Frees the address of a planned gateway endpoint that will not be made: the request it was for failed first. */
    void abandon(final Change change)
    {
        if (change.added() != null)
        {
            addressing.release(change.added());
        }
    }

    /** Takes the interface of the gateway endpoint the change removes, if any (its address stays taken until {@link #commit}). */
    void takeAway(final Sandbox sandbox, final Change change)
    {
        if (change.removed() != null)
        {
            wiring.detach(sandbox, change.removed());
        }
    }

    /** Gives the sandbox (which lists it) the interface of the gateway endpoint the change adds, if any. */
    void give(final Sandbox sandbox, final Change change)
    {
        if (change.added() != null)
        {
            wiring.connect(sandbox, change.added());
        }
    }

    /** The change went through: the removed gateway endpoint's address is free again. */
    void commit(final Change change)
    {
        if (change.removed() != null)
        {
            addressing.release(change.removed());
        }
    }

    /**
     * Undoes {@link #takeAway} and {@link #give} for a request that failed after them: the added
     * endpoint's interface and address go, the removed one's interface comes back if it went.
     *
     * @return whether the removed endpoint's interface was given back (its ports should follow it again).
     */
    boolean undo(final Sandbox before, final Change change)
    {
        if (change.added() != null)
        {
            wiring.detach(before, change.added());
            abandon(change);
        }
        if (change.removed() != null && wiring.attachment(change.removed().id()) == null)
        {
            BestEffort.attempt("give " + before.name() + " its way out back", () -> wiring.connect(before, change.removed()));
            return true;
        }
        return false;
    }

    /**
     * Gives the sandbox (which lists it) the planned gateway endpoint's interface, or, if that
     * fails, logs why and returns the sandbox without it, its address freed: for a change that
     * goes ahead either way.
     */
    Sandbox connectAtBest(final Sandbox sandbox, final Change change)
    {
        if (change.added() == null)
        {
            return sandbox;
        }
        try
        {
            wiring.connect(sandbox, change.added());
            return sandbox;
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "cannot give " + sandbox.name() + " a way out on " + Network.GATEWAY_BRIDGE + ": " +
                ex.getMessage());
            wiring.detach(sandbox, change.added());
            wiring.removeLeftInterface(sandbox, change.added());
            addressing.release(change.added());
            return sandbox.withEndpoints(new Change(null, change.added()).settled(sandbox.endpoints()));
        }
    }

    /**
     * Brings a restored sandbox's gateway endpoint in line with its endpoints, before it is wired:
     * a request that died half-way (or a state written before gateway endpoints existed) may have
     * left it without the way out it needs, or with one it no longer needs.
     */
    Sandbox restore(final Sandbox sandbox)
    {
        final Change change = planAtBest(sandbox, sandbox.endpoints());
        if (change.removed() != null)
        {
            wiring.removeLeftInterface(sandbox, change.removed());
            addressing.release(change.removed());
        }
        return change == Change.NONE ? sandbox : sandbox.withEndpoints(change.settled(sandbox.endpoints()));
    }

    /**
     * Docker's rule ({@code needDefaultGW}): some endpoint is on an overlay that is not internal,
     * and none is on a network that has a gateway of its own for the sandbox (a bridge that is
     * not internal, or a remote driver's network). The gateway endpoint itself, endpoints without
     * an interface and those on their way out do not count.
     */
    boolean needs(final List<Endpoint> endpoints)
    {
        boolean overlay = false;
        for (final Endpoint endpoint : endpoints)
        {
            final Network network = networks.byId(endpoint.networkId());
            if (network == null || network.isGatewayBridge() || network.internal() || !endpoint.hasInterface() ||
                Endpoint.DISCONNECTING.equals(endpoint.state()))
            {
                continue;
            }
            if (network.isBridge() || network.isRemote())
            {
                return false;
            }
            overlay |= network.isOverlay();
        }
        return overlay;
    }

    /**
     * Whether the sandbox gets a gateway endpoint at all: only the ones whose namespace Lanyard
     * made. A runtime that attaches its own namespace routes it ({@code dockerd} makes its own
     * {@code docker_gwbridge}; a CNI runtime chains its own plugins).
     */
    static boolean applies(final Sandbox sandbox)
    {
        return !sandbox.isHostNetwork() && !sandbox.isExternal();
    }

    /** Whether the endpoint is a sandbox's gateway endpoint: its interface on {@value Network#GATEWAY_BRIDGE}. */
    boolean isGateway(final Endpoint endpoint)
    {
        final Network network = networks.byId(endpoint.networkId());
        return network != null && network.isGatewayBridge();
    }

    /** The gateway endpoint among these that is not on its way out, or null. */
    private Endpoint gatewayOf(final List<Endpoint> endpoints)
    {
        for (final Endpoint endpoint : endpoints)
        {
            if (isGateway(endpoint) && !Endpoint.DISCONNECTING.equals(endpoint.state()))
            {
                return endpoint;
            }
        }
        return null;
    }

    /** Docker's name for a sandbox's endpoint on the gateway bridge, as {@code network inspect} and its refusals show it. */
    static String endpointName(final Sandbox sandbox)
    {
        return Network.GATEWAY_ENDPOINT_PREFIX + sandbox.shortId();
    }

    /**
     * {@value Network#GATEWAY_BRIDGE}: the one there is, or one made and set up here now (the
     * request that needed it stores it with its own state write).
     */
    private Network network()
    {
        final Optional<Network> existing = networks.byName(Network.GATEWAY_BRIDGE);
        if (existing.isPresent())
        {
            final Network found = existing.get();
            if (!found.isGatewayBridge() || found.internal())
            {
                throw new IllegalStateException("the network of that name is " + (found.internal() ? "internal" : "a " + found.driver() +
                    " network") + ", not a bridge with a way out");
            }
            return found;
        }
        final Network made = new Network(Identifiers.newId(), Network.GATEWAY_BRIDGE, Network.DRIVER_BRIDGE, Network.SCOPE_LOCAL,
            Instant.now(), false, false, IpamPlanner.plan(List.of(), networks.subnetsInUse(), space), options(), Map.of());
        try
        {
            setup.add(made);
        }
        catch (final RuntimeException ex)
        {
            setup.drop(made);
            throw ex;
        }
        LOG.log(System.Logger.Level.INFO, "made network " + made.name() + " (" + made.ipam().get(0).subnet() +
            ") for the way out of sandboxes on overlays");
        return made;
    }

    /** Docker's options for {@code docker_gwbridge}; the device's name only while no other network has it. */
    private Map<String, String> options()
    {
        final Map<String, String> options = new LinkedHashMap<>();
        options.put(Network.OPTION_ENABLE_ICC, "false");
        options.put(Network.OPTION_ENABLE_IP_MASQUERADE, "true");
        if (networks.all().stream().noneMatch(other -> DEVICE.equals(other.options().get(Network.OPTION_BRIDGE_NAME))))
        {
            options.put(Network.OPTION_BRIDGE_NAME, DEVICE);
        }
        return options;
    }
}
