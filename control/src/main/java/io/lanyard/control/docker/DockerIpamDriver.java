package io.lanyard.control.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.control.ControlPlane;
import io.lanyard.control.RequestException;
import io.lanyard.control.docker.DockerPluginState.Pool;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.lanyard.control.docker.DockerPluginRoutes.optional;
import static io.lanyard.control.docker.DockerPluginRoutes.required;

/**
 * Docker's {@code IpamDriver} calls: pools from Lanyard's default pools (or the subnet asked for,
 * checked against every Lanyard network), or, with {@code --ipam-opt com.lanyard.network=NAME}
 * and that network's {@code --subnet}, the pool of that existing network; addresses handed out lowest first, skipping the gateway,
 * the addresses of the Lanyard network's own sandboxes and those already handed out. A pool's ID
 * is its subnet, with the range after a colon when {@code --ip-range} narrowed it.
 */
final class DockerIpamDriver
{
    private static final String GATEWAY_REQUEST = "com.docker.network.gateway";

    private final ControlPlane control;
    private final DockerPluginState state;

    DockerIpamDriver(final ControlPlane control, final DockerPluginState state)
    {
        this.control = control;
        this.state = state;
    }

    Object call(final String call, final JsonNode request)
    {
        switch (call)
        {
            case "GetCapabilities":
                return Map.of("RequiresMACAddress", false, "RequiresRequestReplay", false);
            case "GetDefaultAddressSpaces":
                return Map.of("LocalDefaultAddressSpace", "lanyard", "GlobalDefaultAddressSpace", "lanyard-global");
            case "RequestPool":
                return requestPool(request);
            case "ReleasePool":
                releasePool(required(request, "PoolID"));
                return Map.of();
            case "RequestAddress":
                return Map.of("Address", requestAddress(request), "Data", Map.of());
            case "ReleaseAddress":
                releaseAddress(required(request, "PoolID"), required(request, "Address"));
                return Map.of();
            default:
                throw DockerPluginRoutes.unknownCall("IpamDriver." + call);
        }
    }

    private Object requestPool(final JsonNode request)
    {
        if (request.path("V6").asBoolean(false))
        {
            throw RequestException.badRequest("Lanyard's IPAM driver has no IPv6 pools: create the network without --ipv6");
        }
        final String asked = optional(request, "Pool");
        final String range = optional(request, "SubPool");
        final String existing = optional(request.path("Options"), DockerNetworkDriver.OPTION_NETWORK);
        final Pool pool;
        if (existing != null)
        {
            final Network network = control.network(existing);
            if (!network.isSwitched() || network.ipam().isEmpty())
            {
                throw RequestException.forbidden("the " + network.name() + " network has no addresses to hand out");
            }
            final IpamPool own = network.ipam().get(0);
            if (asked == null)
            {
                // Docker checks a pool it did not name against the host's routes and asks again when one
                // covers it, as the route to an existing network's subnet does: it would never accept this one
                throw RequestException.badRequest("give the subnet of Lanyard network " + network.name() + " too: --subnet " +
                    own.subnet());
            }
            if (!Ipv4Cidr.parse(asked).canonical().toString().equals(own.subnet()))
            {
                throw RequestException.badRequest("Lanyard network " + network.name() + " has subnet " + own.subnet() + ", not " + asked);
            }
            if (range != null && !Ipv4Cidr.parse(own.subnet()).contains(Ipv4Cidr.parse(range)))
            {
                throw RequestException.badRequest("no matching subnet for range " + range);
            }
            pool = new Pool(own.subnet(), own.gateway(), network.name(), 1, List.of(), canonicalRange(range));
        }
        else
        {
            final List<String> promised = state.pools.values().stream().filter(p -> p.network() == null).map(Pool::subnet).toList();
            final IpamPool planned = control.planPool(asked, range, promised);
            pool = new Pool(planned.subnet(), null, null, 1, List.of(), planned.ipRange());
        }
        final String id = pool.range() == null ? pool.subnet() : pool.subnet() + ":" + pool.range();
        final Pool known = state.pools.get(id);
        if (known != null && known.network() == null)
        {
            throw RequestException.forbidden("Pool overlaps with other one on this address space");
        }
        state.pools.put(id, known == null ? pool : known.withUsers(known.users() + 1));
        state.save();
        return Map.of("PoolID", id, "Pool", pool.subnet(), "Data", Map.of());
    }

    private void releasePool(final String id)
    {
        final Pool pool = state.pools.get(id);
        if (pool != null)
        {
            if (pool.users() > 1)
            {
                state.pools.put(id, pool.withUsers(pool.users() - 1));
            }
            else
            {
                state.pools.remove(id);
            }
            state.save();
        }
    }

    private String requestAddress(final JsonNode request)
    {
        final String id = required(request, "PoolID");
        final Pool pool = state.pools.get(id);
        if (pool == null)
        {
            throw RequestException.notFound("pool " + id + " was not requested from this driver");
        }
        final Ipv4Cidr subnet = Ipv4Cidr.parse(pool.subnet());
        final String asked = optional(request, "Address");
        final boolean gateway = GATEWAY_REQUEST.equals(optional(request.path("Options"), "RequestAddressType"));
        final String address;
        if (gateway)
        {
            address = gatewayOf(pool, subnet, asked);
            state.pools.put(id, pool.withGateway(address));
        }
        else
        {
            final Set<Integer> taken = taken(pool);
            address = asked != null ? checkFree(subnet, asked, taken) : lowestFree(pool, subnet, taken);
            state.pools.put(id, pool.withAddresses(add(pool.addresses(), address)));
        }
        state.save();
        return address + "/" + subnet.prefixLength();
    }

    private static String gatewayOf(final Pool pool, final Ipv4Cidr subnet, final String asked)
    {
        if (pool.network() != null)
        {
            if (asked != null && !asked.equals(pool.gateway()))
            {
                throw RequestException.badRequest("Lanyard network " + pool.network() + " has gateway " + pool.gateway() + ", not " + asked);
            }
            return pool.gateway();
        }
        if (asked == null)
        {
            return Ipv4Address.format(subnet.network() + 1);
        }
        final int address = Ipv4Address.parse(asked);
        if (!usable(subnet, address))
        {
            throw RequestException.badRequest("no matching subnet for gateway " + asked);
        }
        return Ipv4Address.format(address);
    }

    private static String checkFree(final Ipv4Cidr subnet, final String asked, final Set<Integer> taken)
    {
        final int address = Ipv4Address.parse(asked);
        if (!usable(subnet, address))
        {
            throw RequestException.badRequest("no matching subnet for address " + asked);
        }
        if (taken.contains(address))
        {
            throw RequestException.conflict("Address already in use: " + asked);
        }
        return Ipv4Address.format(address);
    }

    private static String lowestFree(final Pool pool, final Ipv4Cidr subnet, final Set<Integer> taken)
    {
        final Ipv4Cidr range = pool.range() == null ? subnet : Ipv4Cidr.parse(pool.range());
        for (int address = range.network(); address != range.broadcast() + 1; address++)
        {
            if (usable(subnet, address) && !taken.contains(address))
            {
                return Ipv4Address.format(address);
            }
        }
        throw RequestException.unavailable("no available IPv4 addresses on this network's address pools: " + subnet + " (" +
            (pool.range() == null ? "the whole subnet" : "range " + pool.range()) + ")");
    }

    /** Addresses handed out from the pool, its gateway, and those of the Lanyard network's sandboxes (when it has one). */
    private Set<Integer> taken(final Pool pool)
    {
        final Set<Integer> taken = new HashSet<>();
        pool.addresses().forEach(address -> taken.add(Ipv4Address.parse(address)));
        if (pool.gateway() != null)
        {
            taken.add(Ipv4Address.parse(pool.gateway()));
        }
        for (final Network network : control.networks())
        {
            if (network.ipam().stream().anyMatch(own -> own.subnet().equals(pool.subnet())))
            {
                network.ipam().forEach(own -> taken.add(Ipv4Address.parse(own.gateway())));
                for (final Endpoint endpoint : control.members(network).values())
                {
                    if (endpoint.ipv4Address() != null)
                    {
                        taken.add(Ipv4Address.parse(endpoint.ipv4Address()));
                    }
                }
            }
        }
        return taken;
    }

    private void releaseAddress(final String id, final String address)
    {
        final Pool pool = state.pools.get(id);
        if (pool != null && pool.addresses().contains(withoutPrefix(address)))
        {
            final List<String> remaining = new ArrayList<>(pool.addresses());
            remaining.remove(withoutPrefix(address));
            state.pools.put(id, pool.withAddresses(remaining));
            state.save();
        }
    }

    private static boolean usable(final Ipv4Cidr subnet, final int address)
    {
        return subnet.contains(address) && address != subnet.network() && address != subnet.broadcast();
    }

    private static String canonicalRange(final String range)
    {
        return range == null ? null : Ipv4Cidr.parse(range).canonical().toString();
    }

    private static String withoutPrefix(final String address)
    {
        return address.indexOf('/') < 0 ? address : address.substring(0, address.indexOf('/'));
    }

    private static List<String> add(final List<String> addresses, final String address)
    {
        final List<String> result = new ArrayList<>(addresses);
        result.add(address);
        return result;
    }
}
