package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
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
        final String query = DaemonConnection.filtersQuery(filters);
        if (!force && !confirmed())
        {
            return 0;
        }
        final JsonNode answer = network.cli.daemon().post("/networks/prune" + (query.isEmpty() ? "" : "?" + query), null);
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
