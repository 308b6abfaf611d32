package io.lanyard.control.api;

import io.lanyard.control.model.Network;

import java.util.List;
import java.util.Set;

/**
 * Docker's {@code filters} query parameter for {@code GET /networks} ({@link Filters}). Values
 * of one filter are alternatives; different filters must all match. {@code name} matches a
 * substring of the name, {@code id} a prefix of the ID, {@code driver} exactly, and
 * {@code label} a key or {@code key=value}.
 */
final class NetworkFilters
{
    private static final Set<String> KNOWN = Set.of("name", "id", "driver", "label", "scope", "type");

    private final Filters filters;

    private NetworkFilters(final Filters filters)
    {
        this.filters = filters;
    }

    static NetworkFilters parse(final List<String> parameter)
    {
        return new NetworkFilters(Filters.parse(parameter, KNOWN));
    }

    boolean matches(final Network network)
    {
        for (final String filter : KNOWN)
        {
            if (filters.contains(filter) && filters.get(filter).stream().noneMatch(value -> matches(filter, value, network)))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(final String filter, final String value, final Network network)
    {
        switch (filter)
        {
            case "name":
                return network.name().contains(value);
            case "id":
                return network.id().startsWith(value);
            case "driver":
                return network.driver().equals(value);
            case "scope":
                return network.scope().equals(value);
            case "type":
                return "builtin".equals(value) == network.isPredefined() && ("builtin".equals(value) || "custom".equals(value));
            default:
                return Filters.hasLabel(value, network.labels());
        }
    }
}
