package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lanyard network prune}: removes every user-defined network no sandbox is on, as
 * {@code docker network prune} (the daemon's {@code POST /networks/prune}); {@code --filter}
 * takes {@code until=} and {@code label=}. Without {@code -f} it asks first, on a terminal.
 */
@Command(name = "prune", description = "Remove all unused networks.", mixinStandardHelpOptions = true)
final class NetworkPruneCommand implements Callable<Integer>
{
    @ParentCommand
    LanyardCli.NetworkCommand network;

    @Option(names = {"-f", "--force"}, description = "do not prompt for confirmation")
    boolean force;

    @Option(names = "--filter", paramLabel = "KEY=VALUE", description = "until=TIMESTAMP, label=KEY[=VALUE], label!=... (repeatable)")
    List<String> filters = new ArrayList<>();

    @Override
    public Integer call()
    {
        final Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (final String filter : filters)
        {
            final int equals = filter.indexOf('=');
            if (equals <= 0)
            {
                throw new CliException("lanyard: bad format of filter (expected name=value): " + filter);
            }
            byKey.computeIfAbsent(filter.substring(0, equals), k -> new ArrayList<>()).add(filter.substring(equals + 1));
        }
        if (!force && !confirmed())
        {
            return 0;
        }
        final String query = byKey.isEmpty() ? "" : "?filters=" + DaemonConnection.encode(DaemonConnection.json(byKey));
        final JsonNode answer = network.cli.daemon().post("/networks/prune" + query, null);
        final JsonNode deleted = answer == null ? null : answer.path("NetworksDeleted");
        if (deleted != null && deleted.size() > 0)
        {
            System.out.println("Deleted Networks:");
            deleted.forEach(name -> System.out.println(name.asText()));
        }
        return 0;
    }

    private static boolean confirmed()
    {
        if (System.console() == null)
        {
            throw new CliException("lanyard: network prune asks for confirmation on a terminal; use -f to prune without it");
        }
        final String answer = System.console().readLine(
            "WARNING! This will remove all custom networks not used by at least one sandbox.%nAre you sure you want to continue? [y/N] ");
        return answer != null && answer.trim().toLowerCase(java.util.Locale.ROOT).startsWith("y");
    }
}
