package io.lanyard.control;

import io.lanyard.control.cluster.EtcdClusterStore;
import io.lanyard.control.cluster.StoreAddress;
import io.lanyard.control.overlay.ClusterRecords;
import io.lanyard.control.overlay.OverlayCluster;
import io.lanyard.dataplane.Dataplane;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.tap.UdpSocket;
import io.lanyard.vxlan.VxlanHeader;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code lanyardd}'s cluster flags ({@code --store}, {@code --advertise-addr}, {@code --vxlan-port},
 * {@code --store-ttl}, {@code --node-name}): checked together, and the joining of the cluster
 * they describe (the VXLAN socket on the advertised address, the membership in etcd).
 */
final class ClusterFlags
{
    private static final System.Logger LOG = System.getLogger(ClusterFlags.class.getName());

    @Option(names = "--store", paramLabel = "etcd://HOST:PORT[,HOST:PORT...]",
        description = "join a cluster whose shared state is in etcd; overlay networks span its hosts (default: single host, no store)")
    String store;

    @Option(names = "--advertise-addr", paramLabel = "IP",
        description = "this host's address on the underlay: its VTEP, where the other hosts send its overlay traffic (needed with --store)")
    String advertiseAddr;

    @Option(names = "--vxlan-port", description = "UDP port of VXLAN, on which this host listens and the others are sent to (default: ${DEFAULT-VALUE})")
    int vxlanPort = VxlanHeader.DEFAULT_PORT;

    @Option(names = "--store-ttl", paramLabel = "SECONDS",
        description = "how long this host's containers stay known to the others after its daemon stops answering the store (default: ${DEFAULT-VALUE})")
    int storeTtlSeconds = (int)OverlayCluster.DEFAULT_TTL.toSeconds();

    @Option(names = "--node-name", description = "this host's name in the cluster, shown in Peers (default: the host name)")
    String nodeName;

    private StoreAddress storeAddress;
    private int advertised;

    /**
     * Checks the cluster flags together: {@code --store} needs {@code --advertise-addr}, a unicast
     * address, and a port and lease within range; the node name defaults to the host name.
     *
     * @throws IllegalArgumentException with a one-line reason.
     */
    void parse()
    {
        if (store == null)
        {
            if (advertiseAddr != null)
            {
                throw new IllegalArgumentException("--advertise-addr needs --store");
            }
            return;
        }
        storeAddress = StoreAddress.parse(store);
        if (advertiseAddr == null)
        {
            throw new IllegalArgumentException("--store needs --advertise-addr IP, this host's address on the underlay");
        }
        try
        {
            advertised = Ipv4Address.parse(advertiseAddr);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("--advertise-addr " + advertiseAddr + ": not an IPv4 address");
        }
        if (advertised == 0 || (advertised >>> 24) == 127 || (advertised >>> 28) >= 0xE)
        {
            throw new IllegalArgumentException("--advertise-addr " + advertiseAddr + ": the other hosts need a unicast address to reach");
        }
        if (vxlanPort < 1 || vxlanPort > 65_535)
        {
            throw new IllegalArgumentException("--vxlan-port " + vxlanPort + ": a port is 1 to 65535");
        }
        if (storeTtlSeconds < 5 || storeTtlSeconds > 300)
        {
            throw new IllegalArgumentException("--store-ttl " + storeTtlSeconds + ": between 5 and 300 seconds");
        }
        if (nodeName == null)
        {
            nodeName = hostName();
        }
    }

    /**
     * Binds the VXLAN socket on the advertised address and joins the cluster (in the background).
     *
     * @return null without {@code --store}.
     */
    Joined join(final Dataplane dataplane)
    {
        if (storeAddress == null)
        {
            return null;
        }
        final int underlayMtu;
        try
        {
            final NetworkInterface device = NetworkInterface.getByInetAddress(InetAddress.getByName(advertiseAddr));
            if (device == null)
            {
                throw new StartupException("--advertise-addr " + advertiseAddr + " is not an address of this host");
            }
            underlayMtu = device.getMTU();
        }
        catch (final IOException ex)
        {
            throw new StartupException("--advertise-addr " + advertiseAddr + ": " + ex.getMessage());
        }
        final UdpSocket socket;
        try
        {
            socket = UdpSocket.bind(advertised, vxlanPort);
        }
        catch (final RuntimeException ex)
        {
            throw new StartupException("cannot listen for VXLAN: " + ex.getMessage());
        }
        dataplane.overlays().attachSocket(socket, vxlanPort);
        final OverlayCluster cluster = OverlayCluster.join(new EtcdClusterStore(storeAddress),
            new ClusterRecords.Host(nodeName, advertiseAddr), Duration.ofSeconds(storeTtlSeconds),
            underlayMtu - ControlPlane.OVERLAY_OVERHEAD);
        LOG.log(System.Logger.Level.INFO, "joining the cluster at " + storeAddress + " as " + nodeName + " (" + advertiseAddr +
            ", VXLAN port " + vxlanPort + ", overlay MTU " + (underlayMtu - ControlPlane.OVERLAY_OVERHEAD) + ")");
        return new Joined(cluster, socket);
    }

    /** The cluster membership and the VXLAN socket (closed only after the dataplane that reads it). */
    record Joined(OverlayCluster membership, UdpSocket socket)
    {
    }

    private static String hostName()
    {
        try
        {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        }
        catch (final IOException ex)
        {
            return "localhost";
        }
    }
}
