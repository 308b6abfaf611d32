package io.lanyard.control.model;

import java.util.List;
import java.util.Map;

/**
 * A sandbox's attachment to a network: the interface inside the sandbox and its addresses.
 * Networks without addressing (none, host) have endpoints without an interface.
 *
 * @param state null once the endpoint is whole; {@link #CONNECTING} or {@link #DISCONNECTING}
 *              while {@code network connect}/{@code disconnect} works on it, so a daemon that dies
 *              in between undoes or finishes it on restart.
 * @param sourceName not null when the interface is handed over: Lanyard made the TAP in its own
 *              namespace under this name for the runtime to move into the sandbox and configure
 *              (Docker's remote network drivers work so); the runtime renames it there.
 * @param options the endpoint's own options (Docker's {@code DriverOpts}); only
 *              {@link Network#OPTION_PORT_SECURITY} is known, and overrides the network's.
 */
public record Endpoint(
    String id,
    String networkId,
    String interfaceName,
    String ipv4Address,
    int prefixLength,
    String macAddress,
    List<String> aliases,
    String state,
    String sourceName,
    Map<String, String> options)
{
    public static final String CONNECTING = "connecting";
    public static final String DISCONNECTING = "disconnecting";

    public Endpoint
    {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    public Endpoint(final String id, final String networkId, final String interfaceName, final String ipv4Address,
        final int prefixLength, final String macAddress, final List<String> aliases, final String state, final String sourceName)
    {
        this(id, networkId, interfaceName, ipv4Address, prefixLength, macAddress, aliases, state, sourceName, Map.of());
    }

    /** An endpoint whose interface Lanyard puts into the sandbox itself. */
    public Endpoint(final String id, final String networkId, final String interfaceName, final String ipv4Address,
        final int prefixLength, final String macAddress, final List<String> aliases, final String state)
    {
        this(id, networkId, interfaceName, ipv4Address, prefixLength, macAddress, aliases, state, null);
    }

    public Endpoint withState(final String newState)
    {
        return new Endpoint(id, networkId, interfaceName, ipv4Address, prefixLength, macAddress, aliases, newState, sourceName, options);
    }

    /** This endpoint with its interface made in the daemon's namespace, under its interface name, for the runtime to move. */
    public Endpoint handedOver()
    {
        return new Endpoint(id, networkId, interfaceName, ipv4Address, prefixLength, macAddress, aliases, state, interfaceName, options);
    }

    /** This endpoint with its own options. */
    public Endpoint withOptions(final Map<String, String> newOptions)
    {
        return new Endpoint(id, networkId, interfaceName, ipv4Address, prefixLength, macAddress, aliases, state, sourceName, newOptions);
    }

    /** Whether its port sends only as itself: its own {@link Network#OPTION_PORT_SECURITY} if set, else its network's. */
    public boolean hasPortSecurity(final Network network)
    {
        final String own = options.get(Network.OPTION_PORT_SECURITY);
        return own == null ? network.hasPortSecurity() : !"false".equals(own);
    }

    public boolean isHandedOver()
    {
        return sourceName != null;
    }

    public Endpoint withMacAddress(final String newMacAddress)
    {
        return new Endpoint(id, networkId, interfaceName, ipv4Address, prefixLength, newMacAddress, aliases, state, sourceName, options);
    }

    public boolean isSettled()
    {
        return state == null;
    }

    public boolean hasInterface()
    {
        return interfaceName != null;
    }
}
