package io.lanyard.control.overlay;

/**
 * Where each record lives in the cluster store, under {@link OverlayCluster#ROOT}:
 * <ul>
 *   <li>{@code networks/ID}: an overlay network, as JSON. Created and removed only while holding
 *       {@code locks/networks} (a create-if-absent key under a short lease), so names, subnets and
 *       VNIs are checked against every network of the cluster at once.</li>
 *   <li>{@code addresses/NETWORK/IP}: an address taken by a container. Made with a
 *       create-if-absent and kept until the container leaves, so two hosts racing for an address
 *       never both get it.</li>
 *   <li>{@code endpoints/NETWORK/ENDPOINT} and {@code hosts/IP}: this host's containers and the
 *       host itself, under the host's lease: when its daemon dies they vanish a TTL later, and the
 *       other hosts take its containers out of their tables.</li>
 * </ul>
 * The values are the records of {@link ClusterRecords}.
 */
final class ClusterKeys
{
    static final String NETWORKS = OverlayCluster.ROOT + "networks/";
    static final String ADDRESSES = OverlayCluster.ROOT + "addresses/";
    static final String ENDPOINTS = OverlayCluster.ROOT + "endpoints/";
    static final String HOSTS = OverlayCluster.ROOT + "hosts/";
    static final String NETWORK_LOCK = OverlayCluster.ROOT + "locks/networks";

    private ClusterKeys()
    {
    }

    static String network(final String networkId)
    {
        return NETWORKS + networkId;
    }

    /** The prefix of every address claim on a network. */
    static String addresses(final String networkId)
    {
        return ADDRESSES + networkId + "/";
    }

    static String address(final String networkId, final String ip)
    {
        return addresses(networkId) + ip;
    }

    static String endpoint(final String networkId, final String endpointId)
    {
        return ENDPOINTS + networkId + "/" + endpointId;
    }

    static String host(final String ip)
    {
        return HOSTS + ip;
    }

    /** The key below {@link OverlayCluster#ROOT}, as messages name it. */
    static String relative(final String key)
    {
        return key.substring(OverlayCluster.ROOT.length());
    }
}
