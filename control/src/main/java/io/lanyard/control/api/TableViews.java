package io.lanyard.control.api;

import io.lanyard.control.ControlPlane;
import io.lanyard.control.RequestException;
import io.lanyard.control.metrics.ControlPlaneSource;
import io.lanyard.control.metrics.MetricsSource;
import io.lanyard.control.model.Network;
import io.lanyard.control.trace.TraceFrame;
import io.lanyard.dataplane.TableDump;
import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.MacAddress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /tables/mac}, {@code /tables/nat} and {@code /tables/vtep}: the switch's tables as
 * the forwarding stage holds them ({@link TableDump}), with the control plane's names put on
 * domains (networks) and ports (sandboxes): what {@code lanyard mac ls}, {@code nat ls} and
 * {@code vtep ls} print. {@code ?network=NAME} keeps one network's entries; {@code ?limit=N}
 * (1 to {@value #MOST}, default {@value #DEFAULT_LIMIT}) bounds the copy, and {@code Total} says
 * how many the table holds.
 */
final class TableViews
{
    static final int DEFAULT_LIMIT = 10_000;
    static final int MOST = 1_000_000;

    private TableViews()
    {
    }

    static Map<String, Object> view(final ControlPlane control, final String table, final Map<String, List<String>> parameters)
    {
        final int limit = limit(parameters);
        final Map<Integer, Network> domains = control.networksByDomain();
        final Integer only = networkFilter(control, domains, parameters);
        switch (table)
        {
            case "mac":
                return macs(control, domains, only, control.dataplane().forwarding().dumpMacs(limit));
            case "nat":
                if (only != null)
                {
                    throw RequestException.badRequest("the connection table is not kept per network: no ?network= for nat");
                }
                return connections(control.dataplane().forwarding().dumpConnections(limit));
            case "vtep":
                return vteps(domains, only, control.dataplane().forwarding().dumpVteps(limit));
            default:
                throw RequestException.notFound("no table " + table + " (mac, nat or vtep)");
        }
    }

    private static Map<String, Object> macs(final ControlPlane control, final Map<Integer, Network> domains, final Integer only,
        final TableDump.Page<TableDump.Mac> page)
    {
        final Map<Integer, MetricsSource.PortOwner> owners = ControlPlaneSource.owners(control);
        final List<Object> entries = new ArrayList<>();
        for (final TableDump.Mac mac : page.entries())
        {
            if (only != null && mac.domain() != only)
            {
                continue;
            }
            final MetricsSource.PortOwner owner = owners.get(mac.port());
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("Network", networkName(domains, mac.domain()));
            entry.put("Mac", MacAddress.format(mac.mac()));
            entry.put("Port", mac.port());
            entry.put("Sandbox", owner == null ? "" : owner.sandbox());
            entry.put("Interface", owner == null ? "" : owner.interfaceName());
            entry.put("Type", mac.pinned() ? "static" : "learned");
            entry.put("AgeSeconds", mac.ageMillis() / 1000.0);
            entries.add(entry);
        }
        return page(page, entries);
    }

    private static Map<String, Object> connections(final TableDump.Page<TableDump.Connection> page)
    {
        final List<Object> entries = new ArrayList<>();
        for (final TableDump.Connection connection : page.entries())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("Protocol", TraceFrame.protocolName(connection.protocol()));
            entry.put("State", connection.state());
            entry.put("Original", tuple(connection.originalSource(), connection.originalSourcePort(), connection.originalDestination(),
                connection.originalDestinationPort()));
            entry.put("Reply", tuple(connection.replySource(), connection.replySourcePort(), connection.replyDestination(),
                connection.replyDestinationPort()));
            entry.put("Replied", connection.seenReply());
            entry.put("ExpiresInSeconds", connection.expiresInMillis() / 1000.0);
            entries.add(entry);
        }
        return page(page, entries);
    }

    private static Map<String, Object> vteps(final Map<Integer, Network> domains, final Integer only, final TableDump.Page<TableDump.Vtep> page)
    {
        final List<Object> entries = new ArrayList<>();
        for (final TableDump.Vtep vtep : page.entries())
        {
            if (only != null && vtep.domain() != only)
            {
                continue;
            }
            final Network network = domains.get(vtep.domain());
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("Network", network == null ? "domain " + vtep.domain() : network.name());
            entry.put("Vni", network == null || !network.isOverlay() ? 0 : network.vni());
            entry.put("Mac", MacAddress.format(vtep.mac()));
            entry.put("Ip", vtep.ipv4() == 0 ? "" : Ipv4Address.format(vtep.ipv4()));
            entry.put("Vtep", Ipv4Address.format(vtep.vtep()));
            entry.put("Type", vtep.learned() ? "learned" : "cluster");
            entry.put("AgeSeconds", vtep.ageMillis() / 1000.0);
            entries.add(entry);
        }
        return page(page, entries);
    }

    private static Map<String, Object> page(final TableDump.Page<?> page, final List<Object> entries)
    {
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("Total", page.total());
        view.put("Truncated", page.total() > page.entries().size());
        view.put("Entries", entries);
        return view;
    }

    private static Map<String, Object> tuple(final int source, final int sourcePort, final int destination, final int destinationPort)
    {
        final Map<String, Object> tuple = new LinkedHashMap<>();
        tuple.put("Source", Ipv4Address.format(source));
        tuple.put("SourcePort", sourcePort);
        tuple.put("Destination", Ipv4Address.format(destination));
        tuple.put("DestinationPort", destinationPort);
        return tuple;
    }

    private static String networkName(final Map<Integer, Network> domains, final int domain)
    {
        final Network network = domains.get(domain);
        return network == null ? "domain " + domain : network.name();
    }

    private static Integer networkFilter(final ControlPlane control, final Map<Integer, Network> domains,
        final Map<String, List<String>> parameters)
    {
        final List<String> names = parameters.get("network");
        if (names == null || names.isEmpty())
        {
            return null;
        }
        final Network network = control.network(names.get(0));
        if (network == null)
        {
            throw RequestException.notFound("network " + names.get(0) + " not found");
        }
        for (final Map.Entry<Integer, Network> entry : domains.entrySet())
        {
            if (entry.getValue().id().equals(network.id()))
            {
                return entry.getKey();
            }
        }
        throw RequestException.badRequest("network " + network.name() + " is not switched by Lanyard (driver " + network.driver() + ")");
    }

    private static int limit(final Map<String, List<String>> parameters)
    {
        final List<String> values = parameters.get("limit");
        if (values == null || values.isEmpty())
        {
            return DEFAULT_LIMIT;
        }
        try
        {
            final int limit = Integer.parseInt(values.get(0));
            if (limit >= 1 && limit <= MOST)
            {
                return limit;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // said below
        }
        throw RequestException.badRequest("limit: a number from 1 to " + MOST + ", not " + values.get(0));
    }
}
