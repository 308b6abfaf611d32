package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.remote.JoinInfo;
import io.lanyard.control.remote.PluginException;
import io.lanyard.control.remote.RemoteDriver;
import io.lanyard.control.remote.RemoteDrivers;
import io.lanyard.control.sandbox.AdoptedInterface;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.tap.IpRoute2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The networks and endpoints of remote driver plugins: each network and endpoint announced to its
 * plugin, and each endpoint's interface — made by the plugin in the daemon's namespace at
 * {@code Join} — moved into the sandbox, renamed, addressed and routed. These endpoints are no
 * switch ports: the plugin connects them. A step that fails is undone by {@link #remove}, which
 * the façade's rollback reaches through {@link SandboxWiring#detach}; it calls the plugin only
 * for what it made, or, for an endpoint a previous daemon left half made, for all of it.
 */
final class RemoteEndpoints
{
    private static final System.Logger LOG = System.getLogger(RemoteEndpoints.class.getName());

    /** How far an endpoint got with its plugin, and its interface's names (in the daemon's namespace, in the sandbox) and MAC. */
    private record Progress(boolean created, boolean joined, String srcName, String name, String mac)
    {
    }

    private final NetworkTable networks;
    private final SandboxPlumbing plumbing;
    private final RemoteDrivers drivers;
    /** Whether an interface of the daemon's namespace is one Lanyard itself uses (a TAP, the uplink). */
    private final Predicate<String> lanyards;
    /** Endpoint ID → what this daemon made of it with the plugin. */
    private final Map<String, Progress> progress = new HashMap<>();

    RemoteEndpoints(final NetworkTable networks, final SandboxPlumbing plumbing, final RemoteDrivers drivers)
    {
        this(networks, plumbing, drivers, name -> plumbing.isTunTapHere(name));
    }

    /** @param lanyards whether an interface of the daemon's namespace is Lanyard's own, which no plugin may hand over. */
    RemoteEndpoints(final NetworkTable networks, final SandboxPlumbing plumbing, final RemoteDrivers drivers,
        final Predicate<String> lanyards)
    {
        this.networks = networks;
        this.plumbing = plumbing;
        this.drivers = drivers;
        this.lanyards = lanyards;
    }

    /** Whether the endpoint is on a remote driver's network. */
    boolean owns(final Endpoint endpoint)
    {
        final Network network = networks.byId(endpoint.networkId());
        return network != null && network.isRemote();
    }

    /** Announces a new network with its pools to its plugin (nothing for Lanyard's own drivers). */
    void createNetwork(final Network network)
    {
        if (network.isRemote())
        {
            final List<RemoteDriver.Pool> pools = new ArrayList<>();
            for (final IpamPool pool : network.ipam())
            {
                final String prefix = "/" + Ipv4Cidr.parse(pool.subnet()).prefixLength();
                final Map<String, String> aux = new HashMap<>();
                pool.auxAddresses().forEach((name, address) -> aux.put(name, address + "/32"));
                pools.add(new RemoteDriver.Pool(pool.subnet(), pool.gateway() + prefix, aux));
            }
            call(network, driver -> run(() -> driver.createNetwork(network.id(), network.options(), pools)));
        }
    }

    void deleteNetwork(final Network network)
    {
        if (network.isRemote())
        {
            call(network, driver -> run(() -> driver.deleteNetwork(network.id())));
        }
    }

    /**
     * Gives the endpoint its interface: {@code CreateEndpoint} and {@code Join}, then the
     * interface moved in and configured. Restoring, the endpoint is already joined and its
     * interface in place: nothing is asked again.
     *
     * @param mayRouteDefault whether the plugin's gateway may carry the sandbox's default route (no bridge network carries it).
     */
    void join(final Sandbox sandbox, final Endpoint endpoint, final boolean mayRouteDefault, final boolean restoring)
    {
        final Network network = networks.byId(endpoint.networkId());
        if (restoring)
        {
            progress.put(endpoint.id(), new Progress(true, true, null, endpoint.interfaceName(), endpoint.macAddress()));
            if (!plumbing.interfaceExists(sandbox.netns(), endpoint.interfaceName()))
            {
                LOG.log(System.Logger.Level.WARNING, "the interface " + endpoint.interfaceName() + " of " + sandbox.name() + " on " +
                    network.name() + " is gone; its plugin " + network.driver() + " is not asked again");
            }
            return;
        }
        progress.put(endpoint.id(), new Progress(false, false, null, null, null));
        final String cidr = endpoint.ipv4Address() + "/" + endpoint.prefixLength();
        final String chosenMac = call(network, driver -> driver.createEndpoint(network.id(), endpoint.id(), cidr));
        final String mac = chosenMac == null ? endpoint.macAddress() : chosenMac;
        progress.put(endpoint.id(), new Progress(true, false, null, null, mac));
        final JoinInfo joined = call(network,
            driver -> driver.join(network.id(), endpoint.id(), IpRoute2.netnsPath(sandbox.netns()).toString()));
        progress.put(endpoint.id(), new Progress(true, true, null, null, mac));
        refuseForeignInterface(network, sandbox, joined.srcName());
        final String name = interfaceName(endpoint, joined.dstPrefix());
        progress.put(endpoint.id(), new Progress(true, true, joined.srcName(), name, mac));
        final List<String> routes = new ArrayList<>();
        joined.staticRoutes().forEach(r -> routes.add(r.destination() + (r.nextHop() == null ? "" : " via " + r.nextHop())));
        plumbing.adoptInterface(sandbox.netns(), new AdoptedInterface(joined.srcName(), name, mac, cidr,
            mayRouteDefault ? joined.gateway() : null, routes));
    }

    /**
     * Refuses to move an interface that is not the plugin's to give: one that is not in the
     * daemon's namespace, one of Lanyard's own there (a network's host port, a VM's TAP, the
     * uplink), or one whose name the sandbox already has (a failed move would then be undone by
     * deleting the sandbox's own).
     */
    private void refuseForeignInterface(final Network network, final Sandbox sandbox, final String srcName)
    {
        final String plugin = "plugin \"" + network.driver() + "\" answered Join with interface " + srcName;
        if (!RequestChecks.INTERFACE.matcher(srcName).matches() || !plumbing.interfaceExistsHere(srcName))
        {
            throw RequestException.badRequest(plugin + ", which is not in lanyardd's network namespace");
        }
        if (lanyards.test(srcName))
        {
            throw RequestException.forbidden(plugin + ", which is Lanyard's own: refused");
        }
        if (plumbing.interfaceExists(sandbox.netns(), srcName))
        {
            throw RequestException.conflict(plugin + ", a name " + sandbox.name() + " already has");
        }
    }

    /** The endpoint as the plugin made it: the interface's name inside the sandbox and its MAC. */
    Endpoint settle(final Endpoint endpoint)
    {
        final Progress made = progress.get(endpoint.id());
        if (made == null || !made.joined() || made.name() == null)
        {
            return endpoint;
        }
        return new Endpoint(endpoint.id(), endpoint.networkId(), made.name(), endpoint.ipv4Address(), endpoint.prefixLength(),
            made.mac(), endpoint.aliases(), endpoint.state(), endpoint.sourceName());
    }

    /** {@link #settle}s each endpoint of the sandbox. */
    Sandbox settle(final Sandbox sandbox)
    {
        return sandbox.withEndpoints(sandbox.endpoints().stream().map(this::settle).toList());
    }

    /**
     * Takes the endpoint away: {@code Leave} and {@code DeleteEndpoint} for what was made (both,
     * for an endpoint this daemon does not know), and its interface out of the sandbox. Every step
     * is tried; failures are logged.
     */
    void remove(final Sandbox sandbox, final Endpoint endpoint)
    {
        final Network network = networks.byId(endpoint.networkId());
        final Progress made = progress.remove(endpoint.id());
        if (made == null || made.joined())
        {
            BestEffort.attempt("leave " + network.name() + " (" + network.driver() + ")",
                () -> call(network, driver -> run(() -> driver.leave(network.id(), endpoint.id()))));
        }
        if (made == null || made.created())
        {
            BestEffort.attempt("delete the endpoint on " + network.name() + " (" + network.driver() + ")",
                () -> call(network, driver -> run(() -> driver.deleteEndpoint(network.id(), endpoint.id()))));
        }
        final List<String> names = new ArrayList<>();
        names.add(made == null || made.name() == null ? endpoint.interfaceName() : made.name());
        if (made != null && made.srcName() != null)
        {
            names.add(made.srcName());
        }
        if (sandbox.netns() != null)
        {
            names.forEach(name -> BestEffort.attempt("remove " + name, () -> plumbing.removeLink(sandbox.netns(), name)));
        }
    }

    /**
     * The interface's name in the sandbox: the plugin's prefix with the index of the name Lanyard
     * picked ({@code eth1} → {@code PREFIX1}).
     */
    private static String interfaceName(final Endpoint endpoint, final String dstPrefix)
    {
        final String picked = endpoint.interfaceName();
        int digits = picked.length();
        while (digits > 0 && Character.isDigit(picked.charAt(digits - 1)))
        {
            digits--;
        }
        return dstPrefix.isEmpty() ? picked : dstPrefix + picked.substring(digits);
    }

    /** One call on the network's plugin; the plugin's refusal as a request error, its text as it was. */
    private <T> T call(final Network network, final Function<RemoteDriver, T> call)
    {
        try
        {
            return drivers.call(network.driver(), call);
        }
        catch (final PluginException ex)
        {
            throw ex.isNotFound() ? RequestException.notFound(ex.getMessage()) : RequestException.internal(ex.getMessage());
        }
    }

    private static Void run(final Runnable call)
    {
        call.run();
        return null;
    }
}
