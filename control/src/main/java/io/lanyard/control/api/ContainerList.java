package io.lanyard.control.api;

import io.lanyard.control.ControlPlane;
import io.lanyard.control.RequestException;
import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.ports.PortBinding;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /containers/json}: the sandboxes, run by Lanyard or attached, as Docker's container
 * list, newest first. Without {@code all} only running ones are listed (a {@code status} filter
 * or a {@code limit} lists any); {@code filters} are Docker's {@code ps} filters, matched as its
 * daemon matches them: {@code id} and {@code name} as regular expressions, {@code network} by
 * name or ID prefix, {@code status}/{@code exited} exactly, {@code label} against the (empty)
 * labels, {@code before}/{@code since} by another container, {@code publish}/{@code expose} by
 * container port; {@code ancestor}, {@code health}, {@code is-task}, {@code isolation} and
 * {@code volume} as for containers without image, health check, task or mounts.
 */
final class ContainerList
{
    private static final Set<String> ACCEPTED = Set.of("ancestor", "before", "expose", "exited", "health", "id", "isolation",
        "is-task", "label", "name", "network", "publish", "since", "status", "volume");
    private static final Set<String> STATES = Set.of("created", "restarting", "running", "removing", "paused", "exited", "dead");

    private final Filters filters;
    private final Instant before;
    private final Instant since;

    private ContainerList(final Filters filters, final Instant before, final Instant since)
    {
        this.filters = filters;
        this.before = before;
        this.since = since;
    }

    static List<Map<String, Object>> list(final ControlPlane control, final Map<String, List<String>> query, final Instant now)
    {
        final Filters filters = Filters.parse(query.get("filters"), ACCEPTED);
        for (final String status : filters.get("status"))
        {
            if (!STATES.contains(status))
            {
                throw RequestException.badRequest("invalid filter 'status=" + status + "'");
            }
        }
        for (final String code : filters.get("exited"))
        {
            if (!code.matches("-?[0-9]+"))
            {
                throw RequestException.badRequest("invalid filter 'exited=" + code + "'");
            }
        }
        final ContainerList list = new ContainerList(filters, createdOf(control, filters, "before"), createdOf(control, filters, "since"));
        final int limit = query.containsKey("limit") ? parseLimit(query.get("limit").get(0)) : -1;
        final boolean all = isTrue(query.get("all")) || filters.contains("status") || limit > 0;
        final Map<String, Network> networks = new HashMap<>();
        control.networks().forEach(network -> networks.put(network.id(), network));
        final List<Sandbox> sandboxes = new ArrayList<>(control.sandboxes());
        sandboxes.sort(Comparator.comparing(Sandbox::created).reversed());
        final List<Map<String, Object>> views = new ArrayList<>();
        for (final Sandbox sandbox : sandboxes)
        {
            final ContainerRow row = new ContainerRow(sandbox, control.isRunning(sandbox), networks, control.brokenInterfaces(sandbox));
            if ((all || "running".equals(row.state())) && list.matches(row) && (limit <= 0 || views.size() < limit))
            {
                views.add(row.view(now));
            }
        }
        return views;
    }

    boolean matches(final ContainerRow row)
    {
        final Sandbox sandbox = row.sandbox();
        return filters.match("id", sandbox.id()) &&
            (filters.match("name", "/" + sandbox.name()) || filters.match("name", sandbox.name())) &&
            filters.exactMatch("status", row.state()) &&
            (!filters.contains("exited") || "exited".equals(row.state()) && sandbox.exitCode() != null &&
                filters.get("exited").stream().anyMatch(code -> Integer.parseInt(code) == sandbox.exitCode())) &&
            filters.matchLabels("label", Map.of()) &&
            (!filters.contains("network") || row.endpoints().stream().anyMatch(endpoint -> onNetwork(row, endpoint))) &&
            (before == null || sandbox.created().isBefore(before)) &&
            (since == null || sandbox.created().isAfter(since)) &&
            publishes(sandbox, "publish") && publishes(sandbox, "expose") &&
            filters.exactMatch("ancestor", ContainerRow.IMAGE) && filters.exactMatch("health", "none") &&
            filters.exactMatch("is-task", "false") && filters.exactMatch("isolation", "default") && !filters.contains("volume");
    }

    private boolean onNetwork(final ContainerRow row, final Endpoint endpoint)
    {
        return filters.get("network").stream()
            .anyMatch(value -> value.equals(row.networkName(endpoint)) || endpoint.networkId().startsWith(value));
    }

    /** {@code PORT} or {@code PORT/PROTOCOL} of a container port the sandbox publishes. */
    private boolean publishes(final Sandbox sandbox, final String filter)
    {
        if (!filters.contains(filter))
        {
            return true;
        }
        for (final PortBinding binding : sandbox.ports())
        {
            for (final String value : filters.get(filter))
            {
                final String[] parts = value.split("/", 2);
                if (parts[0].equals(String.valueOf(binding.containerPort())) && (parts.length == 1 || parts[1].equals(binding.protocol())))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static Instant createdOf(final ControlPlane control, final Filters filters, final String filter)
    {
        final List<String> values = filters.get(filter);
        return values.isEmpty() ? null : control.sandbox(values.get(0)).created();
    }

    private static int parseLimit(final String value)
    {
        try
        {
            return value.isEmpty() ? -1 : Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw RequestException.badRequest("invalid limit: " + value);
        }
    }

    /** Docker's boolean query values: anything but empty, 0, no, false and none is true. */
    static boolean isTrue(final List<String> values)
    {
        if (values == null || values.isEmpty())
        {
            return false;
        }
        return !Set.of("", "0", "no", "false", "none").contains(values.get(0).toLowerCase(java.util.Locale.ROOT));
    }
}
