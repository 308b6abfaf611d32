package io.lanyard.control.routing;

import io.lanyard.dataplane.Dataplane;
import io.lanyard.dataplane.Port;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;
import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.reply.ArpWriter;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.tap.FrameDevice;
import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.PacketSocket;
import io.lanyard.tap.TapDevice;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The dataplane's own interface towards the outside ({@code lanyardd --uplink}): a raw packet
 * socket on an interface the kernel does not route for (or a TAP, {@code tap:NAME}), with an
 * address that only Lanyard answers for. Containers' traffic out of their networks leaves here, masqueraded to that
 * address, and published ports are reached here.
 *
 * <p>The router learns next hops from the ARP traffic it sees. So that the first packets out do
 * not wait for the gateway's MAC, this class announces the uplink address (a gratuitous ARP) and
 * asks for the gateway at start, a few times early on and then every {@value #PROBE_SECONDS}
 * seconds, from the control plane's thread.
 */
public final class Uplink implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(Uplink.class.getName());
    private static final long PROBE_SECONDS = 10;
    /** {@code --uplink tap:NAME}: a TAP instead of a packet socket on an existing interface. */
    public static final String TAP_PREFIX = "tap:";

    /** What {@code --uplink}, {@code --uplink-ip} and {@code --uplink-gateway} say; gateway 0 means none. */
    public record Settings(String device, int address, int prefixLength, int gateway)
    {
        /** @throws IllegalArgumentException with one line naming the flag at fault. */
        public static Settings parse(final String device, final String addressWithPrefix, final String gateway)
        {
            if (device == null || device.isEmpty())
            {
                throw new IllegalArgumentException("--uplink-ip and --uplink-gateway need --uplink IFACE");
            }
            final String name = device.startsWith(TAP_PREFIX) ? device.substring(TAP_PREFIX.length()) : device;
            if (name.isEmpty())
            {
                throw new IllegalArgumentException("--uplink: no interface name after " + TAP_PREFIX);
            }
            if (name.length() > PacketSocket.MAX_NAME_LENGTH)
            {
                throw new IllegalArgumentException("--uplink: interface name too long: " + device);
            }
            if (addressWithPrefix == null || !addressWithPrefix.contains("/"))
            {
                throw new IllegalArgumentException("--uplink needs --uplink-ip ADDRESS/PREFIX (e.g. 198.51.100.2/24)");
            }
            final Ipv4Cidr cidr;
            try
            {
                cidr = Ipv4Cidr.parse(addressWithPrefix);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("--uplink-ip: " + ex.getMessage());
            }
            final int address = cidr.address();
            if (address == 0 || (address >>> 28) >= 0xE || cidr.prefixLength() == 0 ||
                (cidr.prefixLength() <= 30 && (address == cidr.network() || address == cidr.broadcast())))
            {
                throw new IllegalArgumentException("--uplink-ip: " + addressWithPrefix +
                    " is not a usable host address (unspecified, multicast, or the subnet's network or broadcast address)");
            }
            int gatewayAddress = 0;
            if (gateway != null && !gateway.isEmpty())
            {
                try
                {
                    gatewayAddress = Ipv4Address.parse(gateway);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new IllegalArgumentException("--uplink-gateway: " + ex.getMessage());
                }
                if (!cidr.contains(gatewayAddress) || gatewayAddress == cidr.address())
                {
                    throw new IllegalArgumentException("--uplink-gateway " + gateway + " must be another address in " +
                        Ipv4Address.format(cidr.network()) + "/" + cidr.prefixLength());
                }
            }
            return new Settings(device, cidr.address(), cidr.prefixLength(), gatewayAddress);
        }

        public String addressText()
        {
            return Ipv4Address.format(address);
        }
    }

    private final Settings settings;
    private final FrameDevice socket;
    private final long mac;
    private final Dataplane dataplane;
    private final Port port;
    private final ScheduledExecutorService prober;

    private Uplink(final Settings settings, final FrameDevice socket, final long mac, final Dataplane dataplane, final Port port)
    {
        this.settings = settings;
        this.socket = socket;
        this.mac = mac;
        this.dataplane = dataplane;
        this.port = port;
        this.prober = Executors.newSingleThreadScheduledExecutor(task ->
        {
            final Thread thread = new Thread(task, "lanyard-uplink-arp");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Opens the uplink and makes it the dataplane's: a packet socket on an existing interface, or
     * with {@code tap:NAME} a TAP of that name in the daemon's namespace (created if missing, set
     * up; the kernel's side of it is then the link towards the outside, e.g. with the gateway
     * address on it). Lanyard's MAC on a TAP uplink is {@code 02:42} + the uplink address.
     */
    public static Uplink open(final Dataplane dataplane, final Settings settings)
    {
        final FrameDevice socket;
        final long mac;
        if (settings.device().startsWith(TAP_PREFIX))
        {
            final String name = settings.device().substring(TAP_PREFIX.length());
            final TapDevice tap = TapDevice.open(name, TapDevice.OFFLOAD_TCP_UDP);
            try
            {
                tap.unpersist();
                IpRoute2.batchHere(List.of("link set dev " + name + " up"));
            }
            catch (final RuntimeException ex)
            {
                tap.close();
                throw ex;
            }
            socket = tap;
            mac = MacAddress.fromIpv4(settings.address());
        }
        else
        {
            final PacketSocket packets = PacketSocket.open(settings.device());
            socket = packets;
            mac = packets.mac();
        }
        final Port port;
        try
        {
            port = dataplane.ports().attachUplink(socket, mac, settings.address(), settings.prefixLength(), settings.gateway());
        }
        catch (final RuntimeException ex)
        {
            socket.close();
            throw ex;
        }
        final Uplink uplink = new Uplink(settings, socket, mac, dataplane, port);
        uplink.startProbing();
        LOG.log(System.Logger.Level.INFO, "uplink " + settings.device() + " " + settings.addressText() + "/" + settings.prefixLength() +
            " (" + MacAddress.format(mac) + ")" +
            (settings.gateway() == 0 ? "" : " via " + Ipv4Address.format(settings.gateway())));
        return uplink;
    }

    public Settings settings()
    {
        return settings;
    }

    public int address()
    {
        return settings.address();
    }

    public Port port()
    {
        return port;
    }

    public long mac()
    {
        return mac;
    }

    private void startProbing()
    {
        final byte[] announce = arpRequest(mac, settings.address(), settings.address());
        dataplane.ports().sendOnUplink(announce);
        if (settings.gateway() != 0)
        {
            final byte[] ask = arpRequest(mac, settings.address(), settings.gateway());
            final Runnable probe = () ->
            {
                if (!dataplane.ports().sendOnUplink(ask))
                {
                    LOG.log(System.Logger.Level.DEBUG, "ARP probe for the uplink gateway not sent");
                }
            };
            for (final long delay : new long[] {0, 200, 1000, 3000})
            {
                prober.schedule(probe, delay, TimeUnit.MILLISECONDS);
            }
            prober.scheduleWithFixedDelay(probe, PROBE_SECONDS, PROBE_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** A broadcast ARP request from {@code mac}/{@code sender} for {@code target}. */
    static byte[] arpRequest(final long mac, final int sender, final int target)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[ArpWriter.REQUEST_LENGTH]);
        ArpWriter.request(new EthernetFrame(), new ArpPacket(), frame, 0, mac, sender, target);
        return frame.byteArray();
    }

    @Override
    public void close()
    {
        prober.shutdownNow();
        try
        {
            dataplane.ports().detach(port);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, "could not detach the uplink: " + ex.getMessage());
        }
        socket.close();
    }
}
