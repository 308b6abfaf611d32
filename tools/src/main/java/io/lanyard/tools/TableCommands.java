package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code lanyard mac ls}, {@code nat ls} and {@code vtep ls}: the switch's MAC table, its tracked
 * connections (conntrack's view: original and reply tuples) and the overlay's VTEP table, copied
 * from the forwarding stage by {@code GET /tables/...} (Open vSwitch's {@code fdb/show} and
 * {@code dpctl/dump-conntrack}); {@code --format json} prints the daemon's answer as it is.
 */
final class TableCommands
{
    private TableCommands()
    {
    }

    /** What every table listing takes: its output format and how many entries at most. */
    abstract static class Listing implements Callable<Integer>
    {
        @Option(names = "--format", paramLabel = "table|json", description = "output: a table, or the daemon's JSON (default: ${DEFAULT-VALUE})")
        String format = "table";

        @Option(names = "--limit", paramLabel = "N", description = "at most N entries (default: ${DEFAULT-VALUE})")
        int limit = 10_000;

        abstract LanyardCli cli();

        abstract String table();

        /** The network to keep, or null for all. */
        String network()
        {
            return null;
        }

        abstract void print(JsonNode entries);

        @Override
        public Integer call()
        {
            if (!"table".equals(format) && !"json".equals(format))
            {
                throw new CliException("lanyard: --format must be table or json, not '" + format + "'");
            }
            final String network = network();
            final JsonNode view = cli().daemon().get("/tables/" + table() + "?limit=" + limit +
                (network == null ? "" : "&network=" + DaemonConnection.encode(network)));
            if ("json".equals(format))
            {
                System.out.println(DaemonConnection.pretty(view));
                return 0;
            }
            print(view.path("Entries"));
            if (view.path("Truncated").asBoolean())
            {
                System.err.println("(" + view.path("Entries").size() + " shown of " + view.path("Total").asInt() + "; --limit for more)");
            }
            return 0;
        }
    }

    /** A listing that may keep one network's entries: {@code ls [NETWORK]}. */
    abstract static class NetworkListing extends Listing
    {
        @Parameters(arity = "0..1", paramLabel = "NETWORK", description = "only this network's entries")
        String network;

        @Override
        String network()
        {
            return network;
        }
    }

    @Command(name = "mac", description = "Show the switch's MAC table.", mixinStandardHelpOptions = true, subcommands = MacLs.class)
    static final class MacCommand
    {
        @ParentCommand
        LanyardCli cli;
    }

    @Command(name = "ls", aliases = "list", description = "List the MAC addresses the switch knows, and where they are.",
        mixinStandardHelpOptions = true)
    static final class MacLs extends NetworkListing
    {
        @ParentCommand
        MacCommand parent;

        @Override
        LanyardCli cli()
        {
            return parent.cli;
        }

        @Override
        String table()
        {
            return "mac";
        }

        @Override
        void print(final JsonNode entries)
        {
            final Table table = new Table("NETWORK", "MAC", "PORT", "SANDBOX", "INTERFACE", "TYPE", "AGE");
            for (final JsonNode entry : entries)
            {
                table.row(entry.path("Network").asText(), entry.path("Mac").asText(), entry.path("Port").asInt(),
                    entry.path("Sandbox").asText(), entry.path("Interface").asText(), entry.path("Type").asText(),
                    "static".equals(entry.path("Type").asText()) ? "-" : seconds(entry.path("AgeSeconds").asDouble()));
            }
            table.print(System.out);
        }
    }

    @Command(name = "nat", description = "Show the switch's tracked connections.", mixinStandardHelpOptions = true, subcommands = NatLs.class)
    static final class NatCommand
    {
        @ParentCommand
        LanyardCli cli;
    }

    @Command(name = "ls", aliases = "list", description = "List tracked connections: original and reply tuples, state, time left.",
        mixinStandardHelpOptions = true)
    static final class NatLs extends Listing
    {
        @ParentCommand
        NatCommand parent;

        @Override
        LanyardCli cli()
        {
            return parent.cli;
        }

        @Override
        String table()
        {
            return "nat";
        }

        @Override
        void print(final JsonNode entries)
        {
            final Table table = new Table("PROTO", "ORIGINAL", "REPLY", "STATE", "TIMEOUT");
            for (final JsonNode entry : entries)
            {
                table.row(entry.path("Protocol").asText(), tuple(entry.path("Original")), tuple(entry.path("Reply")),
                    entry.path("State").asText() + (entry.path("Replied").asBoolean() ? "" : " [UNREPLIED]"),
                    seconds(entry.path("ExpiresInSeconds").asDouble()));
            }
            table.print(System.out);
        }

        private static String tuple(final JsonNode tuple)
        {
            return tuple.path("Source").asText() + ":" + tuple.path("SourcePort").asInt() + " -> " + tuple.path("Destination").asText() +
                ":" + tuple.path("DestinationPort").asInt();
        }
    }

    @Command(name = "vtep", description = "Show the overlay's VTEP table.", mixinStandardHelpOptions = true, subcommands = VtepLs.class)
    static final class VtepCommand
    {
        @ParentCommand
        LanyardCli cli;
    }

    @Command(name = "ls", aliases = "list", description = "List the other hosts' MACs on overlay networks and the VTEPs they are behind.",
        mixinStandardHelpOptions = true)
    static final class VtepLs extends NetworkListing
    {
        @ParentCommand
        VtepCommand parent;

        @Override
        LanyardCli cli()
        {
            return parent.cli;
        }

        @Override
        String table()
        {
            return "vtep";
        }

        @Override
        void print(final JsonNode entries)
        {
            final Table table = new Table("NETWORK", "VNI", "MAC", "IP", "VTEP", "TYPE", "AGE");
            for (final JsonNode entry : entries)
            {
                table.row(entry.path("Network").asText(), entry.path("Vni").asInt(), entry.path("Mac").asText(), entry.path("Ip").asText(),
                    entry.path("Vtep").asText(), entry.path("Type").asText(),
                    "learned".equals(entry.path("Type").asText()) ? seconds(entry.path("AgeSeconds").asDouble()) : "-");
            }
            table.print(System.out);
        }
    }

    private static String seconds(final double seconds)
    {
        return String.format(Locale.ROOT, "%.0fs", seconds);
    }
}
