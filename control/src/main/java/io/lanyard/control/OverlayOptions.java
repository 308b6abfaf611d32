package io.lanyard.control;

import io.lanyard.control.model.Network;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.vxlan.VxlanHeader;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** The driver options an overlay network accepts ({@code --opt KEY=VALUE}), and their checks. */
final class OverlayOptions
{
    /** The first VNI handed out when none is asked for, as Docker's overlay driver starts. */
    static final int FIRST_VNI = 4096;

    private OverlayOptions()
    {
    }

    /**
     * @return the options as given, each checked and written canonically (a VNI without leading
     *         zeros, static peers as dotted quads without duplicates); an unknown key or a bad
     *         value is a 400.
     */
    static Map<String, String> validate(final Map<String, String> options)
    {
        final Map<String, String> checked = new LinkedHashMap<>();
        for (final Map.Entry<String, String> option : options.entrySet())
        {
            final String key = option.getKey();
            final String value = option.getValue() == null ? "" : option.getValue().trim();
            switch (key)
            {
                case Network.OPTION_VXLAN_ID -> checked.put(key, Integer.toString(parseVni(value)));
                case Network.OPTION_STATIC_PEERS -> checked.put(key, String.join(",", parsePeers(value)));
                case Network.OPTION_MTU -> checked.put(key, Integer.toString(parseMtu(value)));
                case Network.OPTION_PORT_SECURITY -> checked.put(key, EndpointOptions.requireBoolean(key, value));
                default -> throw RequestException.badRequest("unknown option \"" + key + "\" for driver overlay");
            }
        }
        return checked;
    }

    /** The static peers of a network whose options were validated: VTEP addresses. */
    static int[] staticPeers(final Network network)
    {
        final String peers = network.options().get(Network.OPTION_STATIC_PEERS);
        if (peers == null || peers.isEmpty())
        {
            return new int[0];
        }
        return java.util.Arrays.stream(peers.split(",")).mapToInt(Ipv4Address::parse).toArray();
    }

    private static int parseVni(final String value)
    {
        if (value.contains(","))
        {
            throw RequestException.badRequest("invalid value \"" + value + "\" for option " + Network.OPTION_VXLAN_ID +
                ": an overlay network has one VNI");
        }
        final int vni;
        try
        {
            vni = Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw RequestException.badRequest("invalid value \"" + value + "\" for option " + Network.OPTION_VXLAN_ID + ": want a number");
        }
        if (!VxlanHeader.isValidVni(vni) || vni == 0)
        {
            throw RequestException.badRequest("invalid VNI " + vni + ": it must be between 1 and 16777215");
        }
        return vni;
    }

    private static Set<String> parsePeers(final String value)
    {
        final Set<String> peers = new LinkedHashSet<>();
        for (final String peer : value.split(",", -1))
        {
            final int address;
            try
            {
                address = Ipv4Address.parse(peer.trim());
            }
            catch (final IllegalArgumentException ex)
            {
                throw RequestException.badRequest("invalid static peer \"" + peer.trim() + "\" in option " + Network.OPTION_STATIC_PEERS +
                    ": want IPv4 addresses separated by commas");
            }
            if (address == 0 || (address >>> 24) == 127 || (address >>> 28) >= 0xE)
            {
                throw RequestException.badRequest("invalid static peer " + peer.trim() + ": a VTEP needs a unicast address");
            }
            peers.add(Ipv4Address.format(address));
        }
        return peers;
    }

    private static int parseMtu(final String value)
    {
        final int mtu;
        try
        {
            mtu = Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw RequestException.badRequest("invalid value \"" + value + "\" for option " + Network.OPTION_MTU + ": want a number");
        }
        if (mtu < 68 || mtu > 65_535)
        {
            throw RequestException.badRequest("invalid MTU " + mtu + ": it must be between 68 and 65535");
        }
        return mtu;
    }
}
