package io.lanyard.control.overlay;

import java.util.List;

/** The values the hosts of a cluster write for each other, as JSON under {@link OverlayCluster#ROOT}. */
public final class ClusterRecords
{
    private ClusterRecords()
    {
    }

    /**
     * A host of the cluster, under {@code hosts/IP} while its daemon lives (a lease).
     *
     * @param name the host's name, shown in {@code Peers}.
     * @param ip   its advertised address: its VTEP.
     */
    public record Host(String name, String ip)
    {
    }

    /**
     * A container's interface on an overlay network, under {@code endpoints/NETWORK/ENDPOINT} while
     * its host's daemon lives (a lease): what the other hosts program into their VTEP tables.
     *
     * @param host  the VTEP of the host the container runs on.
     * @param names what else the embedded DNS answers for it on the network besides its
     *              container name: its aliases there and its short ID.
     */
    public record RemoteEndpoint(String network, String endpoint, String sandbox, String host, String mac, String ip,
        List<String> names)
    {
        public RemoteEndpoint
        {
            names = names == null ? List.of() : List.copyOf(names);
        }

        /** An endpoint known by its container name alone. */
        public RemoteEndpoint(final String network, final String endpoint, final String sandbox, final String host,
            final String mac, final String ip)
        {
            this(network, endpoint, sandbox, host, mac, ip, List.of());
        }
    }

    /**
     * An address of an overlay network taken by a container, under {@code addresses/NETWORK/IP}
     * until the container leaves the network: made with a create-if-absent, so two hosts never
     * hand out the same address.
     */
    public record AddressClaim(String endpoint, String sandbox, String host)
    {
    }
}
