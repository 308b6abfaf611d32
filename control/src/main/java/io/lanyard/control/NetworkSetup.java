package io.lanyard.control;

import io.lanyard.control.model.Network;

/**
 * A network's presence on this host: adding one puts it in the table, makes its address pools
 * and, for a switched network, gives it a programmed domain of the dataplane; dropping one undoes
 * all three. Neither writes the state: the request that adds or drops saves.
 */
final class NetworkSetup
{
    private static final System.Logger LOG = System.getLogger(NetworkSetup.class.getName());

    private final NetworkTable networks;
    private final EndpointAddressing addressing;
    private final SwitchDomains domains;

    NetworkSetup(final NetworkTable networks, final EndpointAddressing addressing, final SwitchDomains domains)
    {
        this.networks = networks;
        this.addressing = addressing;
        this.domains = domains;
    }

    /** Adds a network; a bad pool refuses it whole, a domain that cannot be programmed leaves it added (to be dropped). */
    void add(final Network network)
    {
        addressing.addPools(network);
        networks.put(network);
        if (network.isSwitched())
        {
            domains.add(network);
        }
    }

    /** Adds an overlay network the cluster holds; a failure is logged, since the cluster holds it either way. */
    void addFromCluster(final Network network)
    {
        try
        {
            add(network);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "overlay network " + network.name() + " is not fully set up here: " + ex.getMessage());
        }
    }

    /** Replaces a network's settings with new ones (same ID) and programs its domain with them. */
    void reconfigure(final Network network)
    {
        networks.put(network);
        domains.program(network);
    }

    void drop(final Network network)
    {
        networks.remove(network.id());
        addressing.dropPools(network.id());
        domains.remove(network);
    }
}
