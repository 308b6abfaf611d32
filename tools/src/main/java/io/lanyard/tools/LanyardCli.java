package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.control.OneLineLogging;
import io.lanyard.control.api.ApiClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lanyard}: Docker's network and container commands, answered by lanyardd over its socket.
 * Errors are one line on stderr and exit status 1; usage errors exit 2.
 */
@Command(name = "lanyard", mixinStandardHelpOptions = true, version = "lanyard 0.1.0",
    description = "Container networks on the Lanyard userspace switch.",
    subcommands = {
        LanyardCli.NetworkCommand.class,
        LanyardCli.RunCommand.class,
        LanyardCli.ExecCommand.class,
        LanyardCli.PsCommand.class,
        LanyardCli.RmCommand.class,
        LanyardCli.StatsCommand.class,
    })
public final class LanyardCli
{
    @Option(names = "--socket", description = "lanyardd's socket (default: $LANYARD_SOCKET or /run/lanyard/lanyard.sock)")
    Path socket;

    DaemonConnection daemon()
    {
        final String fromEnvironment = System.getenv("LANYARD_SOCKET");
        final Path path = socket != null ? socket :
            fromEnvironment != null && !fromEnvironment.isEmpty() ? Path.of(fromEnvironment) : Path.of("/run/lanyard/lanyard.sock");
        return new DaemonConnection(path);
    }

    public static void main(final String[] args)
    {
        OneLineLogging.install("lanyard");
        System.exit(execute(args));
    }

    static int execute(final String... args)
    {
        final CommandLine commandLine = new CommandLine(new LanyardCli());
        commandLine.setExecutionExceptionHandler((ex, line, parsed) ->
        {
            if (ex instanceof CliException || ex instanceof ApiClient.DaemonUnreachableException)
            {
                System.err.println(ex.getMessage());
                return 1;
            }
            System.err.println("lanyard: " + ex);
            return 1;
        });
        commandLine.setParameterExceptionHandler((ex, arguments) ->
        {
            System.err.println("lanyard: " + ex.getMessage());
            return 2;
        });
        return commandLine.execute(args);
    }

    // ------------------------------------------------------------------------------------------

    @Command(name = "network", description = "Manage networks.", mixinStandardHelpOptions = true,
        subcommands = {
            NetworkLs.class,
            NetworkInspect.class,
        })
    static final class NetworkCommand
    {
        @ParentCommand
        LanyardCli cli;
    }

    @Command(name = "ls", aliases = "list", description = "List networks.", mixinStandardHelpOptions = true)
    static final class NetworkLs implements Callable<Integer>
    {
        @ParentCommand
        NetworkCommand network;

        @Option(names = {"-q", "--quiet"}, description = "only display network IDs")
        boolean quiet;

        @Override
        public Integer call()
        {
            final JsonNode networks = network.cli.daemon().get("/networks");
            final List<JsonNode> sorted = new ArrayList<>();
            networks.forEach(sorted::add);
            sorted.sort((a, b) -> a.path("Name").asText().compareTo(b.path("Name").asText()));
            if (quiet)
            {
                sorted.forEach(n -> System.out.println(n.path("Id").asText().substring(0, 12)));
                return 0;
            }
            final Table table = new Table("NETWORK ID", "NAME", "DRIVER", "SCOPE");
            for (final JsonNode n : sorted)
            {
                table.row(n.path("Id").asText().substring(0, 12), n.path("Name").asText(), n.path("Driver").asText(),
                    n.path("Scope").asText());
            }
            table.print(System.out);
            return 0;
        }
    }

    @Command(name = "inspect", description = "Display detailed information on one or more networks.", mixinStandardHelpOptions = true)
    static final class NetworkInspect implements Callable<Integer>
    {
        @ParentCommand
        NetworkCommand network;

        @Parameters(arity = "1..*", paramLabel = "NETWORK")
        List<String> names;

        @Override
        public Integer call()
        {
            final DaemonConnection daemon = network.cli.daemon();
            final List<JsonNode> found = new ArrayList<>();
            final List<String> errors = new ArrayList<>();
            for (final String name : names)
            {
                final ApiClient.Response response = daemon.getRaw("/networks/" + DaemonConnection.encode(name));
                if (response.isSuccess())
                {
                    found.add(response.json());
                }
                else
                {
                    errors.add("Error response from daemon: " + response.errorMessage());
                }
            }
            System.out.println(DaemonConnection.pretty(found));
            errors.forEach(System.err::println);
            return errors.isEmpty() ? 0 : 1;
        }
    }

    // ------------------------------------------------------------------------------------------

    @Command(name = "run", description = "Create a sandbox on a network and run a command in it.", mixinStandardHelpOptions = true)
    static final class RunCommand implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Option(names = {"-d", "--detach"}, description = "leave the command running in the background and print the sandbox ID")
        boolean detach;

        @Option(names = "--name", required = true, description = "the sandbox's name")
        String name;

        @Option(names = {"--net", "--network"}, description = "network to connect to (default: bridge)")
        String network;

        @Option(names = "--ip", description = "IPv4 address (user-defined networks only)")
        String ip;

        @Parameters(paramLabel = "CMD", arity = "0..*", description = "command and arguments (after --)")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call()
        {
            final Map<String, Object> request = new LinkedHashMap<>();
            request.put("Name", name);
            request.put("Network", network);
            request.put("IPv4Address", ip);
            request.put("Cmd", command);
            request.put("Detach", detach);
            final JsonNode sandbox = cli.daemon().post("/sandboxes", request);
            if (detach || command.isEmpty())
            {
                System.out.println(sandbox.path("Id").asText());
                return 0;
            }
            return ExecCommand.runInside(sandbox, command);
        }
    }

    @Command(name = "exec", description = "Run a command inside a sandbox's network namespace.", mixinStandardHelpOptions = true)
    static final class ExecCommand implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Parameters(index = "0", paramLabel = "SANDBOX")
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "command and arguments (after --)")
        List<String> command;

        @Override
        public Integer call()
        {
            final JsonNode sandbox = cli.daemon().get("/sandboxes/" + DaemonConnection.encode(name));
            return runInside(sandbox, command);
        }

        /** As {@code ip netns exec} does (with the sandbox's /etc files), or in the daemon's namespace for host sandboxes. */
        static int runInside(final JsonNode sandbox, final List<String> command)
        {
            final List<String> full = new ArrayList<>();
            final JsonNode netns = sandbox.get("Netns");
            if (netns != null && !netns.isNull())
            {
                full.addAll(List.of("ip", "netns", "exec", netns.asText()));
            }
            else
            {
                full.addAll(List.of("nsenter", "--net=" + sandbox.path("NetnsPath").asText(), "--"));
            }
            full.addAll(command);
            try
            {
                return new ProcessBuilder(full).inheritIO().start().waitFor();
            }
            catch (final IOException ex)
            {
                throw new CliException("cannot run " + String.join(" ", command) + ": " + ex.getMessage());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return 130;
            }
        }
    }

    @Command(name = "ps", description = "List sandboxes.", mixinStandardHelpOptions = true)
    static final class PsCommand implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Option(names = {"-q", "--quiet"}, description = "only display IDs")
        boolean quiet;

        @Override
        public Integer call()
        {
            final JsonNode sandboxes = cli.daemon().get("/sandboxes");
            if (quiet)
            {
                sandboxes.forEach(s -> System.out.println(s.path("Id").asText().substring(0, 12)));
                return 0;
            }
            final Table table = new Table("CONTAINER ID", "NAME", "NETWORKS", "IP ADDRESS", "STATUS", "COMMAND");
            for (final JsonNode sandbox : sandboxes)
            {
                final List<String> networks = new ArrayList<>();
                final List<String> addresses = new ArrayList<>();
                for (final Iterator<Map.Entry<String, JsonNode>> it = sandbox.path("Networks").fields(); it.hasNext(); )
                {
                    final Map.Entry<String, JsonNode> entry = it.next();
                    networks.add(entry.getKey());
                    final String address = entry.getValue().path("IPAddress").asText();
                    if (!address.isEmpty())
                    {
                        addresses.add(address);
                    }
                }
                final List<String> command = new ArrayList<>();
                sandbox.path("Command").forEach(c -> command.add(c.asText()));
                table.row(sandbox.path("Id").asText().substring(0, 12), sandbox.path("Name").asText(), String.join(",", networks),
                    String.join(",", addresses), sandbox.path("Status").asText(), quote(String.join(" ", command)));
            }
            table.print(System.out);
            return 0;
        }

        private static String quote(final String command)
        {
            final String shown = command.length() > 30 ? command.substring(0, 29) + "…" : command;
            return "\"" + shown + "\"";
        }
    }

    @Command(name = "rm", description = "Remove one or more sandboxes.", mixinStandardHelpOptions = true)
    static final class RmCommand implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Option(names = {"-f", "--force"}, description = "also stop the command running in it")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "SANDBOX")
        List<String> names;

        @Override
        public Integer call()
        {
            final DaemonConnection daemon = cli.daemon();
            int status = 0;
            for (final String name : names)
            {
                try
                {
                    daemon.delete("/sandboxes/" + DaemonConnection.encode(name) + (force ? "?force=1" : ""));
                    System.out.println(name);
                }
                catch (final CliException ex)
                {
                    System.err.println(ex.getMessage());
                    status = 1;
                }
            }
            return status;
        }
    }

    @Command(name = "stats", description = "Show per-port packet, byte and drop counters of the switch.", mixinStandardHelpOptions = true)
    static final class StatsCommand implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Override
        public Integer call()
        {
            final JsonNode stats = cli.daemon().get("/stats");
            final Table table = new Table("PORT", "SANDBOX", "INTERFACE", "NETWORK", "RX PACKETS", "RX BYTES", "TX PACKETS",
                "TX BYTES", "DROPS");
            for (final JsonNode port : stats.path("Ports"))
            {
                final List<String> drops = new ArrayList<>();
                for (final Iterator<Map.Entry<String, JsonNode>> it = port.path("Drops").fields(); it.hasNext(); )
                {
                    final Map.Entry<String, JsonNode> drop = it.next();
                    if (drop.getValue().asLong() != 0)
                    {
                        drops.add(drop.getKey() + "=" + drop.getValue().asLong());
                    }
                }
                table.row(port.path("Port").asInt(), port.path("Sandbox").asText(), port.path("Interface").asText(),
                    port.path("Network").asText(), port.path("RxPackets").asLong(), port.path("RxBytes").asLong(),
                    port.path("TxPackets").asLong(), port.path("TxBytes").asLong(), drops.isEmpty() ? "0" : String.join(" ", drops));
            }
            table.print(System.out);
            final List<String> totals = new ArrayList<>();
            for (final Iterator<Map.Entry<String, JsonNode>> it = stats.path("Dataplane").fields(); it.hasNext(); )
            {
                final Map.Entry<String, JsonNode> counter = it.next();
                totals.add(counter.getKey() + "=" + counter.getValue().asLong());
            }
            System.out.println("switch (" + stats.path("IoBackend").asText() + "): " + String.join(" ", totals));
            return 0;
        }
    }
}
