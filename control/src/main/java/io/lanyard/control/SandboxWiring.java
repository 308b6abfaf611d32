package io.lanyard.control;

import io.lanyard.control.Attachment;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.remote.PluginDiscovery;
import io.lanyard.control.remote.RemoteDrivers;
import io.lanyard.control.sandbox.InterfaceSpec;
import io.lanyard.control.sandbox.SandboxPlumbing;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.Port;
import io.lanyard.dataplane.PortGuard;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.tap.TapDevice;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What joins a sandbox to the switch: its namespace, a TAP inside it for each endpoint (MAC,
 * address, MTU, and the default route through the first network with a way out), and the switch
 * port the dataplane reads that TAP through. An endpoint on a remote driver's network is no
 * switch port: its interface is the plugin's ({@link RemoteEndpoints}).
 */
final class SandboxWiring implements AutoCloseable
{
    /** The MAC addresses a sandbox without port security may have learned behind it (a router or bridge of a few hosts). */
    static final int RELAXED_MAC_LIMIT = 64;
    private static final System.Logger LOG = System.getLogger(SandboxWiring.class.getName());

    private final NetworkTable networks;
    private final SwitchDomains domains;
    private final SandboxPlumbing plumbing;
    private final Dataplane dataplane;
    private final ControlPlane.Routing routing;
    private final RemoteEndpoints remote;
    /** Endpoint ID → the live TAP and switch port behind it. */
    private final Map<String, Attachment> attachments = new HashMap<>();

    SandboxWiring(final NetworkTable networks, final SwitchDomains domains, final SandboxPlumbing plumbing, final Dataplane dataplane,
        final ControlPlane.Routing routing)
    {
        this(networks, domains, plumbing, dataplane, routing,
            new RemoteEndpoints(networks, plumbing, new RemoteDrivers(new PluginDiscovery(PluginDiscovery.DOCKER_DIRECTORIES))));
    }

    SandboxWiring(final NetworkTable networks, final SwitchDomains domains, final SandboxPlumbing plumbing, final Dataplane dataplane,
        final ControlPlane.Routing routing, final RemoteEndpoints remote)
    {
        this.remote = remote;
        this.networks = networks;
        this.domains = domains;
        this.plumbing = plumbing;
        this.dataplane = dataplane;
        this.routing = routing;
    }

    /**
     * Makes the sandbox's namespace and interfaces exist and its interfaces switch ports.
     * Idempotent: on restore it re-attaches to what survived and recreates what did not.
     */
    void wire(final Sandbox sandbox, final boolean restoring)
    {
        if (sandbox.isHostNetwork())
        {
            return;
        }
        if (sandbox.isHandedOver())
        {
            // the runtime moves the interfaces into a namespace it may not have made yet
        }
        else if (sandbox.isExternal())
        {
            requireNamespace(sandbox);
        }
        else if (!restoring || !plumbing.namespaceExists(sandbox.netns()))
        {
            plumbing.createNamespace(sandbox.netns());
        }
        final String defaultRoute = defaultRouteFor(sandbox);
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            if (endpoint.hasInterface())
            {
                attach(sandbox, endpoint, endpoint.id().equals(defaultRoute), restoring);
            }
        }
    }

    /** Gives a running sandbox the interface of one more endpoint (already among its endpoints). */
    void connect(final Sandbox sandbox, final Endpoint endpoint)
    {
        if (!endpoint.isHandedOver())
        {
            requireNamespace(sandbox);
        }
        attach(sandbox, endpoint, endpoint.id().equals(defaultRouteFor(sandbox)), false);
    }

    /**
     * The sandbox's endpoints that should have an interface on the switch but have none: their
     * device went away under the switch (deleted from inside the sandbox), or it could not be
     * brought back at start. A remote driver's endpoints are the plugin's and never broken here.
     */
    List<Endpoint> brokenEndpoints(final Sandbox sandbox)
    {
        final List<Endpoint> broken = new ArrayList<>();
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            final Attachment attachment = attachments.get(endpoint.id());
            if (endpoint.hasInterface() && !remote.owns(endpoint) && (attachment == null || attachment.port().isDeviceGone()))
            {
                broken.add(endpoint);
            }
        }
        return broken;
    }

    /**
     * Makes each {@link #brokenEndpoints broken} endpoint's interface again, as it was: its name,
     * MAC, address and routes, on a new switch port.
     *
     * @return the interfaces made again.
     * @throws RequestException (conflict) when one cannot be: the sandbox's namespace is gone, or
     *         the interface was handed over to a runtime, which alone knows where it went.
     */
    List<String> repair(final Sandbox sandbox)
    {
        final List<Endpoint> broken = brokenEndpoints(sandbox);
        for (final Endpoint endpoint : broken)
        {
            if (endpoint.isHandedOver())
            {
                throw RequestException.conflict("cannot repair " + endpoint.interfaceName() + " of " + sandbox.name() +
                    ": its interface was handed over to its runtime; connect it again there");
            }
        }
        if (!broken.isEmpty() && !plumbing.namespaceExists(sandbox.netns()))
        {
            throw RequestException.conflict("cannot repair " + sandbox.name() + ": its network namespace " + sandbox.netns() +
                " is gone; remove the sandbox");
        }
        for (final Endpoint endpoint : broken)
        {
            detach(sandbox, endpoint);
            attach(sandbox, endpoint, endpoint.id().equals(defaultRouteFor(sandbox)), false);
            LOG.log(System.Logger.Level.INFO, "repaired " + endpoint.interfaceName() + " of sandbox " + sandbox.name() +
                " (" + sandbox.id() + ")");
        }
        return names(broken);
    }

    /** The endpoints' interface names. */
    static List<String> names(final List<Endpoint> endpoints)
    {
        return endpoints.stream().map(Endpoint::interfaceName).toList();
    }

    /** Whether the sandbox's namespace was someone else's and is gone (its container with it). */
    boolean isGone(final Sandbox sandbox)
    {
        return sandbox.isExternal() && !plumbing.namespaceExists(sandbox.netns());
    }

    private void requireNamespace(final Sandbox sandbox)
    {
        if (!plumbing.namespaceExists(sandbox.netns()))
        {
            throw new IllegalStateException("its network namespace " + sandbox.netns() + " is gone");
        }
    }

    private void attach(final Sandbox sandbox, final Endpoint endpoint, final boolean defaultRoute, final boolean restoring)
    {
        final Network network = networks.byId(endpoint.networkId());
        if (network.isRemote())
        {
            remote.join(sandbox, endpoint, defaultRouteFor(sandbox) == null, restoring);
            return;
        }
        // an overlay's TAPs hand over large segments too: the overlay sender cuts them at encapsulation
        final InterfaceSpec spec = interfaceSpec(endpoint, defaultRoute);
        final TapDevice tap = endpoint.isHandedOver() ?
            plumbing.openHandedOver(sandbox.netns(), endpoint.sourceName(), spec.mac(), spec.mtu(), plumbing.offloads()) :
            plumbing.openInterface(sandbox.netns(), spec);
        final Port port;
        try
        {
            final int domain = domains.domainOf(network.id());
            final String label = sandbox.name() + "/" + endpoint.interfaceName();
            // port security: the sandbox sends only as its own MAC and address, from its first frame on; without it,
            // it may send as others (it routes or bridges for them) but not fill the MAC table; its MAC is pinned
            // behind the port either way, so no flood of learned addresses can push it out
            port = dataplane.ports().attachTap(tap, domain, label, endpoint.hasPortSecurity(network) ?
                PortGuard.secured(spec.mac(), spec.address()) : PortGuard.relaxed(spec.mac(), RELAXED_MAC_LIMIT));
        }
        catch (final RuntimeException ex)
        {
            plumbing.removeInterface(tap);
            throw ex;
        }
        attachments.put(endpoint.id(), new Attachment(sandbox.id(), endpoint, tap, port));
    }

    /** Removes the endpoint's port and interface, whichever of them exist. */
    void detach(final Sandbox sandbox, final Endpoint endpoint)
    {
        detach(sandbox, endpoint, false);
    }

    /**
     * @param namespaceGoes the sandbox's own namespace is deleted next ({@link #deleteNamespace}):
     *                      its TAP is only let go of, and goes with the namespace. Deleting a TAP
     *                      took ~23 ms (the kernel unregisters the device and waits for RCU), most
     *                      of an {@code rm}; the namespace's teardown unregisters its devices in the
     *                      background, many namespaces at a time.
     */
    private void detach(final Sandbox sandbox, final Endpoint endpoint, final boolean namespaceGoes)
    {
        final Attachment attachment = attachments.remove(endpoint.id());
        if (attachment != null)
        {
            BestEffort.attempt("detach " + attachment.port(), () -> dataplane.ports().detach(attachment.port()));
            if (namespaceGoes && ownsNamespace(sandbox) && !endpoint.isHandedOver())
            {
                attachment.tap().close();
            }
            else
            {
                BestEffort.attempt("remove " + attachment.tap(), () -> plumbing.removeInterface(attachment.tap()));
            }
        }
        final Integer domain = domains.domainOf(endpoint.networkId());
        if (domain != null && endpoint.macAddress() != null)
        {
            // its NATed flows would otherwise hold their ports and table entries until they time out
            BestEffort.attempt("forget the connections of " + endpoint.ipv4Address(),
                () -> dataplane.forwarding().forgetEndpoint(domain, MacAddress.parse(endpoint.macAddress())));
        }
        else
        {
            removeLeftInterface(sandbox, endpoint);
        }
    }

    /** {@link #detach}es every endpoint of the sandbox; its namespace stays. */
    void unwire(final Sandbox sandbox)
    {
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            detach(sandbox, endpoint);
        }
    }

    /** {@link #unwire}s a sandbox whose namespace {@link #deleteNamespace} deletes next, with the interfaces in it. */
    void unwireBeforeDeletion(final Sandbox sandbox)
    {
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            detach(sandbox, endpoint, true);
        }
    }

    /** Whether the sandbox's namespace is one Lanyard made, and so deletes with the sandbox. */
    private static boolean ownsNamespace(final Sandbox sandbox)
    {
        return sandbox.netns() != null && !sandbox.isExternal() && !sandbox.isHostNetwork();
    }

    /** Removes an endpoint's interface that the daemon holds no descriptor for (one a crash left), if there is one. */
    void removeLeftInterface(final Sandbox sandbox, final Endpoint endpoint)
    {
        if (remote.owns(endpoint))
        {
            remote.remove(sandbox, endpoint);
        }
        else if (endpoint.isHandedOver())
        {
            BestEffort.attempt("remove " + endpoint.sourceName(), () -> plumbing.removeHandedOver(sandbox.netns(), endpoint.sourceName(),
                MacAddress.parse(endpoint.macAddress())));
        }
        else if (endpoint.hasInterface() && sandbox.netns() != null)
        {
            BestEffort.attempt("remove " + endpoint.interfaceName(),
                () -> plumbing.removeInterface(sandbox.netns(), endpoint.interfaceName()));
        }
    }

    /** Deletes the namespace Lanyard made for the sandbox; one it was given ({@link Sandbox#isExternal}) stays. */
    void deleteNamespace(final Sandbox sandbox)
    {
        if (ownsNamespace(sandbox))
        {
            BestEffort.attempt("delete namespace " + sandbox.netns(), () -> plumbing.deleteNamespace(sandbox.netns()));
        }
    }

    /**
     * The endpoint the sandbox's default route goes through: its first interface on a bridge
     * network that is not internal (Docker keeps the default route of the first network; a
     * sandbox only on overlays has its gateway endpoint, {@link GatewayBridge}), not counting one
     * on its way out.
     */
    String defaultRouteFor(final Sandbox sandbox)
    {
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            final Network network = networks.byId(endpoint.networkId());
            if (endpoint.hasInterface() && network != null && network.isBridge() && !network.internal() &&
                !Endpoint.DISCONNECTING.equals(endpoint.state()))
            {
                return endpoint.id();
            }
        }
        return null;
    }

    /** Points the default route at the endpoint that now carries it (after the one that did left). */
    void reapplyDefaultRoute(final Sandbox sandbox)
    {
        final String routeVia = defaultRouteFor(sandbox);
        for (final Endpoint endpoint : sandbox.endpoints())
        {
            if (endpoint.id().equals(routeVia) && !endpoint.isHandedOver())
            {
                plumbing.configure(sandbox.netns(), interfaceSpec(endpoint, true));
            }
        }
    }

    InterfaceSpec interfaceSpec(final Endpoint endpoint, final boolean defaultRoute)
    {
        final Network network = networks.byId(endpoint.networkId());
        final int address = Ipv4Address.parse(endpoint.ipv4Address());
        final IpamPool ipam = network.ipam().stream()
            .filter(p -> Ipv4Cidr.parse(p.subnet()).contains(address))
            .findFirst().orElseThrow(() -> new IllegalStateException("no subnet of " + network.name() + " holds " + endpoint.ipv4Address()));
        return new InterfaceSpec(endpoint.interfaceName(), MacAddress.parse(endpoint.macAddress()), address,
            endpoint.prefixLength(), Ipv4Address.parse(ipam.gateway()), mtu(network), defaultRoute);
    }

    /** An overlay's interfaces leave room for the VXLAN encapsulation on the underlay, unless the network sets its MTU. */
    private int mtu(final Network network)
    {
        if (network.isOverlay() && !network.options().containsKey(Network.OPTION_MTU))
        {
            return routing.cluster() == null ? Network.DEFAULT_MTU - ControlPlane.OVERLAY_OVERHEAD : routing.cluster().endpointMtu();
        }
        return network.mtu();
    }

    /** The lowest {@code ethN} the sandbox does not use yet. */
    static String nextInterfaceName(final Sandbox sandbox)
    {
        final Set<String> taken = new HashSet<>();
        sandbox.endpoints().forEach(e -> taken.add(e.interfaceName()));
        int index = 0;
        while (taken.contains("eth" + index))
        {
            index++;
        }
        return "eth" + index;
    }

    /** @return null when the endpoint has no live interface here. */
    Attachment attachment(final String endpointId)
    {
        return attachments.get(endpointId);
    }

    /** The live switch ports: port ID → attachment. */
    Map<Integer, Attachment> byPort()
    {
        final Map<Integer, Attachment> byPort = new HashMap<>();
        for (final Attachment attachment : attachments.values())
        {
            byPort.put(attachment.port().id(), attachment);
        }
        return byPort;
    }

    /** Lets go of the TAPs' descriptors; the devices are persistent and stay for the next start. */
    @Override
    public void close()
    {
        for (final Attachment attachment : attachments.values())
        {
            attachment.tap().close();
        }
        attachments.clear();
    }
}
