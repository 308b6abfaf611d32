package io.lanyard.control.routing;

import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.Port;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.TapDevice;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Each bridge network's host-side port: a TAP in the daemon's own namespace that holds the
 * gateway address, as {@code docker0} does for Docker. Processes beside the daemon reach
 * containers by IP through it, and containers reach services on the host at the gateway address.
 *
 * <p>The TAP carries the gateway's MAC ({@code 02:42} + gateway IPv4), the one the dataplane
 * answers ARP with, so frames containers address to the gateway and do not concern the router
 * (the host's own services) reach the kernel unchanged. The device is persistent: it outlives a
 * daemon restart, like the sandboxes' TAPs, and goes only with its network.
 */
public final class HostInterfaces implements AutoCloseable
{
    public static final String DEFAULT_BRIDGE_DEVICE = "lanyard0";
    private static final System.Logger LOG = System.getLogger(HostInterfaces.class.getName());

    private final Dataplane dataplane;
    private final int offloads;
    private final Map<String, Held> held = new HashMap<>();

    private record Held(TapDevice tap, Port port)
    {
    }

    public HostInterfaces(final Dataplane dataplane, final int offloads)
    {
        this.dataplane = dataplane;
        this.offloads = offloads;
    }

    /** The host-side device of a network: its {@code bridge.name} option, else {@code ly-} and 12 hex digits of its ID. */
    public static String deviceName(final Network network)
    {
        final String named = network.options().get(Network.OPTION_BRIDGE_NAME);
        if (named != null && !named.isEmpty())
        {
            return named;
        }
        return "ly-" + network.id().substring(0, 12);
    }

    /** True when another interface (not a host-side port of this daemon) already has the name. */
    public boolean nameTaken(final String name)
    {
        return TapDevice.exists(name) && held.values().stream().noneMatch(h -> h.tap().name().equals(name));
    }

    /**
     * Creates (or re-attaches to) the network's host-side TAP, gives it the gateway's MAC and
     * addresses, and makes it the domain's host-side port. Idempotent.
     */
    public synchronized void bringUp(final Network network, final int domain)
    {
        if (held.containsKey(network.id()) || network.ipam().isEmpty())
        {
            return;
        }
        final String name = deviceName(network);
        final int gateway = Ipv4Address.parse(network.ipam().get(0).gateway());
        final TapDevice tap = TapDevice.open(name, offloads);
        try
        {
            final List<String> commands = new ArrayList<>();
            commands.add("link set dev " + name + " address " + MacAddress.format(MacAddress.fromIpv4(gateway)) +
                " mtu " + network.mtu() + " up");
            for (final IpamPool pool : network.ipam())
            {
                final Ipv4Cidr subnet = Ipv4Cidr.parse(pool.subnet());
                commands.add("addr replace " + pool.gateway() + "/" + subnet.prefixLength() + " dev " + name);
            }
            IpRoute2.batchHere(commands);
            final Port port = dataplane.ports().attachTap(tap, domain, "host:" + name, true);
            held.put(network.id(), new Held(tap, port));
        }
        catch (final RuntimeException ex)
        {
            remove(tap);
            throw ex;
        }
    }

    /** Removes the network's host-side port and deletes its device. */
    public synchronized void remove(final String networkId)
    {
        final Held gone = held.remove(networkId);
        if (gone != null)
        {
            try
            {
                dataplane.ports().detach(gone.port());
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "could not detach " + gone.tap().name() + ": " + ex.getMessage());
            }
            remove(gone.tap());
        }
    }

    /** The host-side ports, for stats: port ID → device name. */
    public synchronized Map<Integer, String> ports()
    {
        final Map<Integer, String> byPort = new HashMap<>();
        held.values().forEach(h -> byPort.put(h.port().id(), h.tap().name()));
        return byPort;
    }

    private static void remove(final TapDevice tap)
    {
        try
        {
            tap.unpersist();
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "could not delete " + tap.name() + ": " + ex.getMessage());
        }
        finally
        {
            tap.close();
        }
    }

    /** Lets go of the devices; they stay for the next start. */
    @Override
    public synchronized void close()
    {
        held.values().forEach(h -> h.tap().close());
        held.clear();
    }
}
