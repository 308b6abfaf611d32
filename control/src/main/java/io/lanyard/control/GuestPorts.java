package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.Port;
import io.lanyard.dataplane.PortGuard;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.tap.GuestTap;
import io.lanyard.tap.PacketSocket;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TAPs handed over to VM monitors ({@link GuestPort}) and what joins each to the switch. The
 * monitor holds the TAP's file end (a TAP without multiqueue takes one opener), so the daemon
 * never keeps a descriptor of the TAP itself: it makes the device persistent and owned
 * ({@link GuestTap}), then reads and writes the guest's frames through a packet socket bound to
 * the device's netdev end, a switch port of the network's domain like a sandbox's TAP. Frames
 * the switch sends there reach the monitor's reads; the monitor's writes arrive as the
 * interface's received frames. The device survives a daemon restart (the monitor may still hold
 * it): a restore opens a new packet socket on it, and makes it again only if it is gone.
 *
 * <p>Runs in the calling thread's network namespace: the daemon's own (a test's, on a
 * {@link io.lanyard.tap.NamespaceThread}).
 */
final class GuestPorts implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(GuestPorts.class.getName());

    private final NetworkTable networks;
    private final SwitchDomains domains;
    private final Dataplane dataplane;
    private final EndpointAddressing addressing;
    /** TAP name → the port as last stored, in the order they were made. */
    private final Map<String, GuestPort> ports = new LinkedHashMap<>();
    /** TAP name → the live packet socket and switch port. */
    private final Map<String, Live> live = new HashMap<>();

    private record Live(PacketSocket socket, Port port)
    {
    }

    GuestPorts(final NetworkTable networks, final SwitchDomains domains, final Dataplane dataplane, final EndpointAddressing addressing)
    {
        this.networks = networks;
        this.domains = domains;
        this.dataplane = dataplane;
        this.addressing = addressing;
    }

    /** A copy, in the order they were made. */
    List<GuestPort> all()
    {
        return List.copyOf(ports.values());
    }

    /** @return null when there is none. */
    GuestPort byName(final String name)
    {
        return ports.get(name);
    }

    /** Adds the port, or replaces the one of its name in its place. */
    void put(final GuestPort port)
    {
        ports.put(port.name(), port);
    }

    /**
     * The script of {@code port create}: the guest's endpoint (address, MAC), the port stored as
     * {@code creating}, its TAP and switch port, then stored as {@code ready}; all of it or
     * nothing. {@code save} writes the whole model (the façade's, under its lock).
     */
    GuestPort create(final String name, final GuestPortChecks.Create checked, final Runnable save)
    {
        final Endpoint endpoint = addressing.newEndpoint(checked.network(), name, checked.staticAddress(), List.of(), name);
        GuestPort port = new GuestPort(Identifiers.newId(), name, checked.owner(), Instant.now(), Sandbox.CREATING,
            checked.macAddress() == null ? endpoint : endpoint.withMacAddress(checked.macAddress()));
        put(port);
        try
        {
            save.run();
            wire(port, false);
        }
        catch (final RuntimeException ex)
        {
            // wire undid its own steps; a TAP it did not make (a name taken since the checks) is not the port's to delete
            forget(port);
            save.run();
            throw RequestException.internal("cannot create port " + name + ": " + ex.getMessage());
        }
        port = port.withState(Sandbox.READY);
        put(port);
        save.run();
        return port;
    }

    /** The script of {@code port rm}: stored as {@code removing}, then {@link #discard}ed and saved. */
    void remove(final GuestPort checked, final Runnable save)
    {
        final GuestPort port = checked.withState(Sandbox.REMOVING);
        put(port);
        save.run();
        discard(port);
        save.run();
    }

    /**
     * Makes the TAP (again, on a restore, only if it is gone), brings it up and makes its netdev
     * end a switch port. Whatever this made is undone if a step fails.
     */
    void wire(final GuestPort port, final boolean restoring)
    {
        final Network network = networks.byId(port.endpoint().networkId());
        final boolean made = !restoring || !GuestTap.exists(port.name());
        if (made)
        {
            GuestTap.create(port.name(), port.owner() == null ? GuestTap.NO_OWNER : port.owner());
        }
        PacketSocket socket = null;
        try
        {
            GuestTap.configure(port.name(), network.mtu());
            socket = PacketSocket.open(port.name());
            // held as a sandbox's port is: its guest sends only as its MAC and address, unless the network relaxes that
            final Endpoint endpoint = port.endpoint();
            final long mac = MacAddress.parse(endpoint.macAddress());
            final Port switchPort = dataplane.ports().attachDevice(socket, domains.domainOf(network.id()), "vm:" + port.name(),
                endpoint.hasPortSecurity(network) ? PortGuard.secured(mac, Ipv4Address.parse(endpoint.ipv4Address())) :
                    PortGuard.relaxed(mac, SandboxWiring.RELAXED_MAC_LIMIT));
            live.put(port.name(), new Live(socket, switchPort));
        }
        catch (final RuntimeException ex)
        {
            if (socket != null)
            {
                socket.close();
            }
            if (made)
            {
                BestEffort.attempt("delete " + port.name(), () -> GuestTap.delete(port.name()));
            }
            throw ex;
        }
    }

    /**
     * Takes the port off the switch, deletes its TAP (also while a monitor holds it), forgets it
     * and frees its address. Every step is tried; failures are logged.
     */
    void discard(final GuestPort port)
    {
        final Live gone = live.remove(port.name());
        if (gone != null)
        {
            BestEffort.attempt("detach " + gone.port(), () -> dataplane.ports().detach(gone.port()));
            gone.socket().close();
        }
        BestEffort.attempt("delete " + port.name(), () -> GuestTap.delete(port.name()));
        final Integer domain = domains.domainOf(port.endpoint().networkId());
        if (domain != null && gone != null)
        {
            // its NATed flows would otherwise hold their ports and table entries until they time out
            BestEffort.attempt("forget the connections of " + port.endpoint().ipv4Address(),
                () -> dataplane.forwarding().forgetEndpoint(domain, MacAddress.parse(port.endpoint().macAddress())));
        }
        forget(port);
    }

    /** Drops the port from the table and frees its address; its device is left as it is (see {@link #wire}'s undo). */
    void forget(final GuestPort port)
    {
        ports.remove(port.name());
        addressing.release(port.endpoint());
    }

    /**
     * Takes the stored ports back: their addresses taken, a half-made one undone and a
     * half-removed one finished, the others on the switch again (one that cannot be is logged
     * and kept, as a sandbox is). The caller saves.
     */
    void restore(final List<GuestPort> stored)
    {
        for (final GuestPort port : stored)
        {
            put(port);
            addressing.reserve(port.endpoint());
        }
        for (final GuestPort port : stored)
        {
            if (!Sandbox.READY.equals(port.state()))
            {
                LOG.log(System.Logger.Level.INFO, "finishing the interrupted " + port.state() + " of VM port " + port.name());
                discard(port);
                continue;
            }
            try
            {
                wire(port, true);
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.ERROR, "cannot restore VM port " + port.name() + ": " + ex.getMessage());
            }
        }
    }

    /** The live switch ports, for stats: port ID → {TAP name, network name}. */
    Map<Integer, String[]> byPort()
    {
        final Map<Integer, String[]> byPort = new HashMap<>();
        for (final Map.Entry<String, Live> entry : live.entrySet())
        {
            final Network network = networks.byId(ports.get(entry.getKey()).endpoint().networkId());
            byPort.put(entry.getValue().port().id(), new String[] {entry.getKey(), network == null ? "" : network.name()});
        }
        return byPort;
    }

    /** Lets go of the packet sockets; the TAPs stay for their monitors and the next start. */
    @Override
    public void close()
    {
        live.values().forEach(l -> l.socket().close());
        live.clear();
    }
}
