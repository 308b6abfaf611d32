package io.lanyard.control;

import io.lanyard.client.api.PortCreateRequest;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.Network;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.tap.GuestTap;

import java.util.ArrayList;
import java.util.List;

/**
 * Every check of {@code lanyard port create} and {@code rm} before anything changes: a TAP name
 * the kernel takes and no interface holds, a bridge network, the guest's MAC and address, the
 * owner's user ID; and that no network is removed under a VM's port. It reads the model (and
 * asks the kernel whether a name is taken) and changes nothing.
 */
final class GuestPortChecks
{
    /** uid_t's values that {@code TUNSETOWNER} takes as an owner, -1 ("none") excepted. */
    private static final long MAX_UID = Integer.MAX_VALUE;

    private final NetworkTable networks;
    private final SandboxTable sandboxes;
    private final GuestPorts ports;

    /** A create that passed its checks. */
    record Create(Network network, Integer staticAddress, String macAddress, Integer owner)
    {
    }

    GuestPortChecks(final NetworkTable networks, final SandboxTable sandboxes, final GuestPorts ports)
    {
        this.networks = networks;
        this.sandboxes = sandboxes;
        this.ports = ports;
    }

    Create create(final PortCreateRequest request)
    {
        RequestLimits.portCreate(request);
        final String name = request.name();
        if (!RequestChecks.INTERFACE.matcher(name).matches())
        {
            throw RequestException.badRequest("invalid TAP name \"" + name + "\": 1 to 15 of [a-zA-Z0-9_.-]");
        }
        final Network network = RequestChecks.notGatewayBridge(networks.resolve(request.network()));
        if (!network.isBridge())
        {
            throw RequestException.forbidden("cannot give a VM a port on the " + network.name() + " network (driver " +
                network.driver() + "): only bridge networks take VM ports");
        }
        final Integer staticAddress = request.ipv4Address() == null || request.ipv4Address().isEmpty() ? null :
            IpamPlanner.parseAddress(request.ipv4Address());
        RequestChecks.endpointOptions(network, staticAddress, List.of());
        final String mac = macAddress(network, request.macAddress(), staticAddress);
        final Integer owner = owner(request.user());
        if (ports.byName(name) != null)
        {
            throw RequestException.conflict("port " + name + " already exists");
        }
        if (GuestTap.exists(name))
        {
            throw RequestException.conflict("an interface named " + name + " already exists in the daemon's network namespace");
        }
        return new Create(network, staticAddress, mac, owner);
    }

    /** @return the port to remove. */
    GuestPort remove(final String name)
    {
        final GuestPort port = ports.byName(name);
        if (port == null)
        {
            throw RequestException.notFound("No such port: " + name);
        }
        return port;
    }

    /** Refuses to remove a network a VM's port is on, as one a sandbox is on. */
    void removeNetwork(final Network network)
    {
        final List<String> names = ports.all().stream().filter(p -> p.endpoint().networkId().equals(network.id()))
            .map(GuestPort::name).toList();
        if (!names.isEmpty())
        {
            throw RequestChecks.activeEndpoints(network, names);
        }
    }

    /**
     * A unicast MAC no endpoint of the network has, normalised; null for one made from the address.
     * Lanyard makes the MAC of the gateway and of every later endpoint from its address ({@code 02:42}
     * and the four octets), so a MAC of that form for another address of the network's subnets would
     * one day be two ports' MAC: only the guest's own {@code --ip} may be given that way.
     */
    private String macAddress(final Network network, final String text, final Integer staticAddress)
    {
        if (text == null || text.isEmpty())
        {
            return null;
        }
        final long mac;
        try
        {
            mac = MacAddress.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw RequestException.badRequest("invalid MAC address: " + text);
        }
        if (mac == 0 || MacAddress.isGroup(mac))
        {
            throw RequestException.badRequest("invalid MAC address: " + text + " (a guest needs a unicast address)");
        }
        final String formatted = MacAddress.format(mac);
        for (final Endpoint endpoint : endpointsOn(network))
        {
            if (formatted.equals(endpoint.macAddress()))
            {
                throw RequestException.conflict("MAC address " + formatted + " is already in use on network " + network.name());
            }
        }
        final int derivedFrom = (int)(mac & 0xFFFF_FFFFL);
        final boolean inSubnet = network.ipam().stream().anyMatch(pool -> Ipv4Cidr.parse(pool.subnet()).contains(derivedFrom));
        if (mac == MacAddress.fromIpv4(derivedFrom) && inSubnet && (staticAddress == null || staticAddress != derivedFrom))
        {
            throw RequestException.conflict("MAC address " + formatted + " is the one Lanyard gives " + Ipv4Address.format(derivedFrom) +
                " on network " + network.name() + ": choose one not made from an address of the network");
        }
        return formatted;
    }

    private List<Endpoint> endpointsOn(final Network network)
    {
        final List<Endpoint> endpoints = new ArrayList<>(sandboxes.members(network).values());
        ports.all().stream().map(GuestPort::endpoint).filter(e -> e.networkId().equals(network.id())).forEach(endpoints::add);
        return endpoints;
    }

    private static Integer owner(final String user)
    {
        if (user == null || user.isEmpty())
        {
            return null;
        }
        try
        {
            final long uid = Long.parseLong(user);
            if (uid >= 0 && uid <= MAX_UID)
            {
                return (int)uid;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // refused below
        }
        throw RequestException.badRequest("invalid user \"" + user + "\": a numeric user ID from 0 to " + MAX_UID);
    }
}
