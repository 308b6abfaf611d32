package io.lanyard.control.model;

import java.util.List;

/**
 * A sandbox's attachment to a network: the interface inside the sandbox and its addresses.
 * Networks without addressing (none, host) have endpoints without an interface.
 */
public record Endpoint(
    String id,
    String networkId,
    String interfaceName,
    String ipv4Address,
    int prefixLength,
    String macAddress,
    List<String> aliases)
{
    public Endpoint
    {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
    }

    public boolean hasInterface()
    {
        return interfaceName != null;
    }
}
