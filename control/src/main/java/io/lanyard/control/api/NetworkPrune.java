package io.lanyard.control.api;

import io.lanyard.control.ControlPlane;
import io.lanyard.control.RequestException;
import io.lanyard.control.model.Network;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /networks/prune}, as Docker's daemon does it: every user-defined network without
 * endpoints that was created before {@code until} and carries every {@code label} and none of the
 * {@code label!} labels is removed, one by one through the control plane (which checks again
 * under its lock, so a network that gained a container meanwhile stays). none, host and bridge
 * are never removed; a network whose removal fails is left and skipped, as Docker does.
 */
final class NetworkPrune
{
    private static final System.Logger LOG = System.getLogger(NetworkPrune.class.getName());
    private static final Set<String> ACCEPTED = Set.of("until", "label", "label!");

    private NetworkPrune()
    {
    }

    /** The names of the networks removed, in the order they were listed. */
    static List<String> prune(final ControlPlane control, final List<String> filtersParameter, final Instant now)
    {
        final Filters filters = Filters.parse(filtersParameter, ACCEPTED);
        final Instant until = until(filters, now);
        final List<String> deleted = new ArrayList<>();
        for (final Network network : control.networks())
        {
            if (network.isPredefined() || (until != null && network.created().isAfter(until)) || !labelsMatch(filters, network) ||
                !control.members(network).isEmpty())
            {
                continue;
            }
            try
            {
                control.removeNetwork(network.id());
                deleted.add(network.name());
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "could not remove network " + network.name() + ": " + ex.getMessage());
            }
        }
        return deleted;
    }

    private static Instant until(final Filters filters, final Instant now)
    {
        final List<String> values = filters.get("until");
        if (values.size() > 1)
        {
            throw RequestException.badRequest("more than one until filter specified");
        }
        return values.isEmpty() ? null : Timestamps.timeOrDuration(values.get(0), now);
    }

    private static boolean labelsMatch(final Filters filters, final Network network)
    {
        return filters.matchLabels("label", network.labels()) &&
            !(filters.contains("label!") && filters.matchLabels("label!", network.labels()));
    }
}
