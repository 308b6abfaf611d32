package io.lanyard.control;

import io.lanyard.control.model.Network;

import java.util.Map;

/**
 * The options an endpoint accepts ({@code --driver-opt KEY=VALUE}, Docker's
 * {@code EndpointSettings.DriverOpts}), and the check of a boolean option that networks share.
 * An endpoint knows one: {@link Network#OPTION_PORT_SECURITY}, which overrides its network's for
 * that sandbox alone (as OVN's per-port {@code port_security}).
 */
final class EndpointOptions
{
    private EndpointOptions()
    {
    }

    /** @return the options as given; an unknown key or a bad value is a 400, before anything is made. */
    static Map<String, String> validate(final Map<String, String> options)
    {
        for (final Map.Entry<String, String> option : options.entrySet())
        {
            if (!Network.OPTION_PORT_SECURITY.equals(option.getKey()))
            {
                throw RequestException.badRequest("unknown endpoint option \"" + shown(option.getKey()) + "\": only " +
                    Network.OPTION_PORT_SECURITY + " is supported");
            }
            requireBoolean(option.getKey(), option.getValue());
        }
        return options;
    }

    /** @return {@code value}, when it is {@code true} or {@code false}; else a 400 naming the option. */
    static String requireBoolean(final String key, final String value)
    {
        if (!"true".equals(value) && !"false".equals(value))
        {
            throw RequestException.badRequest("invalid value \"" + shown(String.valueOf(value)) + "\" for option " + key +
                ": want true or false");
        }
        return value;
    }

    /** A key or value as the error names it: whole, unless it is longer than any key may be. */
    private static String shown(final String text)
    {
        return text.length() <= RequestLimits.MAX_KEY ? text : RequestLimits.quoted(text);
    }
}
