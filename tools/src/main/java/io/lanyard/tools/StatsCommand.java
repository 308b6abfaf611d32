package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lanyard stats}: the switch's per-port counters once ({@code GET /stats}), or with
 * {@code --watch} their rates, refreshed every {@code --interval} from one streamed answer
 * ({@code GET /stats?stream=1}) on one connection, as {@code docker stats} refreshes; {@code
 * --format json} prints the daemon's JSON (with {@code --watch}, one line of rates per refresh).
 */
@Command(name = "stats", description = "Show per-port packet, byte and drop counters of the switch, or their rates with --watch.",
    mixinStandardHelpOptions = true)
final class StatsCommand implements Callable<Integer>
{
    /** Clears a terminal and puts the cursor home, as {@code docker stats} does between refreshes. */
    private static final String CLEAR = "\033[2J\033[H";

    @ParentCommand
    LanyardCli cli;

    @Option(names = "--watch", description = "stream rates per port (packets/s, bits/s, drops/s) until interrupted")
    boolean watch;

    @Option(names = "--interval", paramLabel = "SECONDS", description = "with --watch: seconds between refreshes, 0.1 to 3600 (default: ${DEFAULT-VALUE})")
    double interval = 1;

    @Option(names = "--count", paramLabel = "N", description = "with --watch: stop after N refreshes (default: until interrupted)")
    int count;

    @Option(names = "--format", paramLabel = "table|json", description = "output: a table, or JSON (default: ${DEFAULT-VALUE})")
    String format = "table";

    /** Ends a watch after {@code --count} refreshes. */
    private static final class Enough extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        Enough()
        {
            super(null, null, false, false);
        }
    }

    @Override
    public Integer call()
    {
        if (!"table".equals(format) && !"json".equals(format))
        {
            throw new CliException("lanyard: --format must be table or json, not '" + format + "'");
        }
        if (!watch)
        {
            final JsonNode stats = cli.daemon().get("/stats");
            if ("json".equals(format))
            {
                System.out.println(DaemonConnection.pretty(stats));
            }
            else
            {
                printCounters(stats, System.out);
            }
            return 0;
        }
        if (interval < 0.1 || interval > 3600)
        {
            throw new CliException("lanyard: --interval: seconds from 0.1 to 3600, not " + interval);
        }
        final JsonNode[] previous = new JsonNode[1];
        final int[] shown = new int[1];
        final boolean terminal = System.console() != null;
        try
        {
            cli.daemon().stream("/stats?stream=1&interval=" + interval, line ->
            {
                final JsonNode now = DaemonConnection.jsonLine(line);
                if (previous[0] != null)
                {
                    final Map<String, Object> rates = rates(previous[0], now);
                    if ("json".equals(format))
                    {
                        System.out.println(DaemonConnection.json(rates));
                    }
                    else
                    {
                        System.out.print(terminal ? CLEAR : shown[0] == 0 ? "" : "\n");
                        printRates(rates, System.out);
                    }
                    System.out.flush();
                    if (count > 0 && ++shown[0] >= count)
                    {
                        throw new Enough();
                    }
                }
                previous[0] = now;
            });
        }
        catch (final Enough done)
        {
            return 0;
        }
        return 0;
    }

    /** Per-port rates between two views of {@code /stats}: a port new in the second has no rate yet. */
    static Map<String, Object> rates(final JsonNode before, final JsonNode after)
    {
        final double seconds = Duration.between(Instant.parse(before.path("Read").asText()), Instant.parse(after.path("Read").asText()))
            .toNanos() / 1e9;
        final Map<String, JsonNode> earlier = new HashMap<>();
        for (final JsonNode port : before.path("Ports"))
        {
            earlier.put(key(port), port);
        }
        final List<Object> ports = new ArrayList<>();
        for (final JsonNode port : after.path("Ports"))
        {
            final JsonNode then = earlier.get(key(port));
            if (then == null || seconds <= 0)
            {
                continue;
            }
            final Map<String, Object> rate = new LinkedHashMap<>();
            rate.put("Port", port.path("Port").asInt());
            rate.put("Sandbox", port.path("Sandbox").asText());
            rate.put("Interface", port.path("Interface").asText());
            rate.put("Network", port.path("Network").asText());
            rate.put("RxPacketsPerSecond", perSecond(port, then, "RxPackets", seconds));
            rate.put("RxBitsPerSecond", 8 * perSecond(port, then, "RxBytes", seconds));
            rate.put("TxPacketsPerSecond", perSecond(port, then, "TxPackets", seconds));
            rate.put("TxBitsPerSecond", 8 * perSecond(port, then, "TxBytes", seconds));
            rate.put("DropsPerSecond", (drops(port) - drops(then)) / seconds);
            ports.add(rate);
        }
        final Map<String, Object> rates = new LinkedHashMap<>();
        rates.put("Read", after.path("Read").asText());
        rates.put("Seconds", seconds);
        rates.put("Ports", ports);
        return rates;
    }

    private static String key(final JsonNode port)
    {
        return port.path("Port").asInt() + "/" + port.path("Sandbox").asText() + "/" + port.path("Interface").asText();
    }

    private static double perSecond(final JsonNode now, final JsonNode then, final String field, final double seconds)
    {
        return (now.path(field).asLong() - then.path(field).asLong()) / seconds;
    }

    private static long drops(final JsonNode port)
    {
        long total = port.path("RxErrors").asLong();
        for (final Map.Entry<String, JsonNode> drop : port.path("Drops").properties())
        {
            total += drop.getValue().asLong();
        }
        return total;
    }

    @SuppressWarnings("unchecked")
    private static void printRates(final Map<String, Object> rates, final PrintStream out)
    {
        final Table table = new Table("PORT", "SANDBOX", "INTERFACE", "NETWORK", "RX PKT/S", "RX BIT/S", "TX PKT/S", "TX BIT/S", "DROPS/S");
        for (final Object entry : (List<Object>)rates.get("Ports"))
        {
            final Map<String, Object> port = (Map<String, Object>)entry;
            table.row(port.get("Port"), port.get("Sandbox"), port.get("Interface"), port.get("Network"),
                whole((double)port.get("RxPacketsPerSecond")), si((double)port.get("RxBitsPerSecond")),
                whole((double)port.get("TxPacketsPerSecond")), si((double)port.get("TxBitsPerSecond")), whole((double)port.get("DropsPerSecond")));
        }
        table.print(out);
    }

    private static void printCounters(final JsonNode stats, final PrintStream out)
    {
        final Table table = new Table("PORT", "SANDBOX", "INTERFACE", "NETWORK", "RX PACKETS", "RX BYTES", "TX PACKETS",
            "TX BYTES", "DROPS");
        for (final JsonNode port : stats.path("Ports"))
        {
            final List<String> drops = new ArrayList<>();
            if (port.path("RxErrors").asLong() != 0)
            {
                drops.add("rx_errors=" + port.path("RxErrors").asLong());
            }
            for (final Map.Entry<String, JsonNode> drop : port.path("Drops").properties())
            {
                if (drop.getValue().asLong() != 0)
                {
                    drops.add(drop.getKey() + "=" + drop.getValue().asLong());
                }
            }
            table.row(port.path("Port").asInt(), port.path("Sandbox").asText(), port.path("Interface").asText(),
                port.path("Network").asText(), port.path("RxPackets").asLong(), port.path("RxBytes").asLong(),
                port.path("TxPackets").asLong(), port.path("TxBytes").asLong(), drops.isEmpty() ? "0" : String.join(" ", drops));
        }
        table.print(out);
        final List<String> totals = new ArrayList<>();
        for (final Map.Entry<String, JsonNode> counter : stats.path("Dataplane").properties())
        {
            totals.add(counter.getKey() + "=" + counter.getValue().asLong());
        }
        out.println("switch (" + stats.path("IoBackend").asText() + "): " + String.join(" ", totals));
        if (stats.has("Dns"))
        {
            final List<String> dns = new ArrayList<>();
            for (final Map.Entry<String, JsonNode> counter : stats.path("Dns").properties())
            {
                dns.add(counter.getKey() + "=" + counter.getValue().asLong());
            }
            out.println("dns: " + String.join(" ", dns));
        }
    }

    private static String whole(final double value)
    {
        return String.format(Locale.ROOT, "%.0f", value);
    }

    /** A rate in SI steps, as iperf3 prints them: {@code 940}, {@code 12.4k}, {@code 9.87G}. */
    static String si(final double value)
    {
        final String[] units = {"", "k", "M", "G", "T"};
        double scaled = value;
        int unit = 0;
        while (Math.abs(scaled) >= 1000 && unit < units.length - 1)
        {
            scaled /= 1000;
            unit++;
        }
        return unit == 0 ? String.format(Locale.ROOT, "%.0f", scaled) : String.format(Locale.ROOT, "%.3g%s", scaled, units[unit]);
    }
}
