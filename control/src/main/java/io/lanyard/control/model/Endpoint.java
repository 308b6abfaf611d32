package io.lanyard.control.model;

import java.util.List;

/**
 * A sandbox's attachment to a network: the interface inside the sandbox and its addresses.
 * Networks without addressing (none, host) have endpoints without an interface.
 *
 * @param state null once the endpoint is whole; {@link #CONNECTING} or {@link #DISCONNECTING}
 *              while {@code network connect}/{@code disconnect} works on it, so a daemon that dies
 *              in between undoes or finishes it on restart.
 */
public record Endpoint(
    String id,
    String networkId,
    String interfaceName,
    String ipv4Address,
    int prefixLength,
    String macAddress,
    List<String> aliases,
    String state)
{
    public static final String CONNECTING = "connecting";
    public static final String DISCONNECTING = "disconnecting";

    public Endpoint
    {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
    }

    public Endpoint withState(final String newState)
    {
        return new Endpoint(id, networkId, interfaceName, ipv4Address, prefixLength, macAddress, aliases, newState);
    }

    public Endpoint withMacAddress(final String newMacAddress)
    {
        return new Endpoint(id, networkId, interfaceName, ipv4Address, prefixLength, newMacAddress, aliases, state);
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
