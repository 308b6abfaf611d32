package io.lanyard.control;

import io.lanyard.control.model.Network;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.tap.TapDevice;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The driver options a bridge network accepts ({@code --opt KEY=VALUE}), and their checks. */
final class BridgeOptions
{
    private static final Set<String> BOOLEANS = Set.of(Network.OPTION_ENABLE_ICC, Network.OPTION_ENABLE_IP_MASQUERADE,
        Network.OPTION_PORT_SECURITY);

    private BridgeOptions()
    {
    }

    /** @return the options as given, each checked; an unknown key or a bad value is a 400. */
    static Map<String, String> validate(final Map<String, String> options)
    {
        final Map<String, String> checked = new LinkedHashMap<>();
        for (final Map.Entry<String, String> option : options.entrySet())
        {
            final String key = option.getKey();
            final String value = option.getValue() == null ? "" : option.getValue();
            if (BOOLEANS.contains(key))
            {
                EndpointOptions.requireBoolean(key, value);
            }
            else if (Network.OPTION_MTU.equals(key))
            {
                final int mtu;
                try
                {
                    mtu = Integer.parseInt(value);
                }
                catch (final NumberFormatException ex)
                {
                    throw RequestException.badRequest("invalid value \"" + value + "\" for option " + key + ": want a number");
                }
                if (mtu < 68 || mtu > 65_535)
                {
                    throw RequestException.badRequest("invalid MTU " + mtu + ": it must be between 68 and 65535");
                }
            }
            else if (Network.OPTION_BRIDGE_NAME.equals(key))
            {
                if (value.isEmpty() || value.length() > TapDevice.MAX_NAME_LENGTH || !value.matches("[a-zA-Z0-9_.-]+"))
                {
                    throw RequestException.badRequest("invalid bridge name \"" + value + "\": 1 to 15 of [a-zA-Z0-9_.-]");
                }
            }
            else if (Network.OPTION_HOST_BINDING_IPV4.equals(key))
            {
                try
                {
                    Ipv4Address.parse(value);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw RequestException.badRequest("invalid value \"" + value + "\" for option " + key + ": want an IPv4 address");
                }
            }
            else
            {
                throw RequestException.badRequest("unknown option \"" + key + "\" for driver bridge");
            }
            checked.put(key, value);
        }
        return checked;
    }
}
