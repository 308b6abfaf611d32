package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;
import io.lanyard.client.OneLineLogging;
import io.lanyard.client.api.ConnectRequest;
import io.lanyard.client.api.DisconnectRequest;
import io.lanyard.client.api.IpamConfig;
import io.lanyard.client.api.NetworkCreateRequest;
import io.lanyard.client.api.RunRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lanyard}: Docker's network and container commands, answered by lanyardd over its socket.
 * Errors are one line on stderr and exit status 1; usage errors exit 2.
 */
@Command(name = "lanyard", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
    description = "Container networks on the Lanyard userspace switch.",
    subcommands = {
        LanyardCli.NetworkCommand.class,
        LanyardCli.RunCommand.class,
        LanyardCli.ExecCommand.class,
        LanyardCli.PsCommand.class,
        LanyardCli.RmCommand.class,
        LanyardCli.RepairCommand.class,
        AttachCommands.Attach.class,
        AttachCommands.Detach.class,
        PortCommands.PortCommand.class,
        StatsCommand.class,
        EventsCommand.class,
        TraceCommand.class,
        CaptureCommand.class,
        TableCommands.MacCommand.class,
        TableCommands.NatCommand.class,
        TableCommands.VtepCommand.class,
        SandboxCommands.Inspect.class,
        SandboxCommands.Logs.class,
        SandboxCommands.Stop.class,
        VersionCommand.class,
        CompletionCommand.class,
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
        // lanyard exec c1 ping -c 3 X: everything after the sandbox is the command's, its options included
        commandLine.getSubcommands().get("exec").setStopAtPositional(true);
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
            NetworkCreate.class,
            NetworkRm.class,
            NetworkConnect.class,
            NetworkDisconnect.class,
            NetworkPruneCommand.class,
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

        @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE", description = "name=, id=, driver=, label= (repeatable)")
        List<String> filters = new ArrayList<>();

        @Option(names = "--format", paramLabel = "FORMAT",
            description = "table, json, or a template such as '{{.Name}}' or 'table {{.ID}}\\t{{.Driver}}' (fields: ID, Name, Driver, Scope, " +
                "IPv6, Internal, Labels, CreatedAt)")
        String format;

        @Override
        public Integer call()
        {
            final String query = DaemonConnection.filtersQuery(filters);
            final JsonNode networks = network.cli.daemon().get("/networks" + (query.isEmpty() ? "" : "?" + query));
            final List<JsonNode> sorted = new ArrayList<>();
            networks.forEach(sorted::add);
            sorted.sort((a, b) -> a.path("Name").asText().compareTo(b.path("Name").asText()));
            if (quiet)
            {
                sorted.forEach(n -> System.out.println(n.path("Id").asText().substring(0, 12)));
                return 0;
            }
            final List<ObjectNode> rows = new ArrayList<>();
            for (final JsonNode n : sorted)
            {
                final ObjectNode row = Json.MAPPER.createObjectNode();
                row.put("ID", n.path("Id").asText().substring(0, 12));
                row.put("Name", n.path("Name").asText());
                row.put("Driver", n.path("Driver").asText());
                row.put("Scope", n.path("Scope").asText());
                row.put("IPv6", n.path("EnableIPv6").asBoolean());
                row.put("Internal", n.path("Internal").asBoolean());
                final List<String> labels = new ArrayList<>();
                n.path("Labels").properties().forEach(label -> labels.add(label.getKey() + "=" + label.getValue().asText()));
                row.put("Labels", String.join(",", labels));
                row.put("CreatedAt", n.path("Created").asText());
                rows.add(row);
            }
            Formatted.list(format, rows, List.of("ID", "Name", "Driver", "Scope"), Map.of("ID", "NETWORK ID"), System.out);
            return 0;
        }
    }

    @Command(name = "inspect", description = "Display detailed information on one or more networks.", mixinStandardHelpOptions = true)
    static final class NetworkInspect implements Callable<Integer>
    {
        @ParentCommand
        NetworkCommand network;

        @Parameters(arity = "1..*", paramLabel = "NETWORK", completionCandidates = CompletionCommand.Networks.class)
        List<String> names;

        @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "json, or a template such as '{{.IPAM.Config}}' or '{{json .Options}}'")
        String format;

        @Override
        public Integer call()
        {
            return network.cli.daemon().inspectEach(names, name -> "/networks/" + DaemonConnection.encode(name), format);
        }
    }

    @Command(name = "create", description = "Create a network.", mixinStandardHelpOptions = true)
    static final class NetworkCreate implements Callable<Integer>
    {
        @ParentCommand
        NetworkCommand network;

        @Option(names = {"-d", "--driver"}, description = "driver (default: bridge)")
        String driver = "bridge";

        @Option(names = "--subnet", description = "subnet in CIDR format (repeatable)")
        List<String> subnets = new ArrayList<>();

        @Option(names = "--gateway", description = "gateway of the matching subnet (repeatable)")
        List<String> gateways = new ArrayList<>();

        @Option(names = "--ip-range", description = "allocate addresses from this sub-range of the subnet (repeatable)")
        List<String> ranges = new ArrayList<>();

        @Option(names = "--aux-address", paramLabel = "NAME=IP", description = "address never handed out (repeatable)")
        List<String> auxAddresses = new ArrayList<>();

        @Option(names = "--internal", description = "no access to the outside")
        boolean internal;

        @Option(names = "--attachable", description = "allow manual attachment")
        boolean attachable;

        @Option(names = {"-o", "--opt"}, paramLabel = "KEY=VALUE", description = "driver option (repeatable)")
        List<String> options = new ArrayList<>();

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "label (repeatable)")
        List<String> labels = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call()
        {
            if (gateways.size() > subnets.size() || ranges.size() > subnets.size())
            {
                throw new CliException("every --gateway and --ip-range needs a --subnet");
            }
            if (!auxAddresses.isEmpty() && subnets.isEmpty())
            {
                throw new CliException("--aux-address needs a --subnet");
            }
            final List<IpamConfig> config = new ArrayList<>();
            for (int i = 0; i < subnets.size(); i++)
            {
                config.add(new IpamConfig(subnets.get(i), i < gateways.size() ? gateways.get(i) : null,
                    i < ranges.size() ? ranges.get(i) : null, i == 0 ? pairs(auxAddresses, "--aux-address") : Map.of()));
            }
            final NetworkCreateRequest request = new NetworkCreateRequest(name, driver, config, internal, attachable,
                pairs(options, "--opt"), pairs(labels, "--label"));
            System.out.println(network.cli.daemon().post("/networks/create", request).path("Id").asText());
            return 0;
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove one or more networks.", mixinStandardHelpOptions = true)
    static final class NetworkRm implements Callable<Integer>
    {
        @ParentCommand
        NetworkCommand network;

        @Parameters(arity = "1..*", paramLabel = "NETWORK", completionCandidates = CompletionCommand.Networks.class)
        List<String> names;

        @Override
        public Integer call()
        {
            return network.cli.daemon().deleteEach(names, name -> "/networks/" + DaemonConnection.encode(name));
        }
    }

    @Command(name = "connect", description = "Connect a sandbox to a network.", mixinStandardHelpOptions = true)
    static final class NetworkConnect implements Callable<Integer>
    {
        @ParentCommand
        NetworkCommand network;

        @Option(names = "--ip", description = "IPv4 address on the network")
        String ip;

        @Option(names = "--alias", description = "network-scoped alias (repeatable)")
        List<String> aliases = new ArrayList<>();

        @Option(names = "--driver-opt", paramLabel = "KEY=VALUE",
            description = "endpoint option (repeatable): com.lanyard.port_security=false lets this sandbox send as others")
        List<String> driverOpts = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NETWORK", completionCandidates = CompletionCommand.Networks.class)
        String networkName;

        @Parameters(index = "1", paramLabel = "SANDBOX", completionCandidates = CompletionCommand.Sandboxes.class)
        String sandbox;

        @Override
        public Integer call()
        {
            network.cli.daemon().post("/networks/" + DaemonConnection.encode(networkName) + "/connect",
                new ConnectRequest(sandbox, ip, aliases, pairs(driverOpts, "--driver-opt")));
            return 0;
        }
    }

    @Command(name = "disconnect", description = "Disconnect a sandbox from a network.", mixinStandardHelpOptions = true)
    static final class NetworkDisconnect implements Callable<Integer>
    {
        @ParentCommand
        NetworkCommand network;

        @Parameters(index = "0", paramLabel = "NETWORK", completionCandidates = CompletionCommand.Networks.class)
        String networkName;

        @Parameters(index = "1", paramLabel = "SANDBOX", completionCandidates = CompletionCommand.Sandboxes.class)
        String sandbox;

        @Override
        public Integer call()
        {
            network.cli.daemon().post("/networks/" + DaemonConnection.encode(networkName) + "/disconnect",
                new DisconnectRequest(sandbox));
            return 0;
        }
    }

    /** {@code KEY=VALUE} arguments as a map; a missing {@code =} is a usage error. */
    static Map<String, String> pairs(final List<String> arguments, final String flag)
    {
        final Map<String, String> map = new LinkedHashMap<>();
        for (final String argument : arguments)
        {
            final int equals = argument.indexOf('=');
            if (equals <= 0)
            {
                throw new CliException("invalid " + flag + " \"" + argument + "\": expected KEY=VALUE");
            }
            map.put(argument.substring(0, equals), argument.substring(equals + 1));
        }
        return map;
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

        @Option(names = {"--net", "--network"}, description = "network to connect to (default: bridge)",
            completionCandidates = CompletionCommand.Networks.class)
        String network;

        @Mixin
        EndpointOptions endpoint;

        @Mixin
        TtyOptions terminal = new TtyOptions();

        @Option(names = "--dns", paramLabel = "IP",
            description = "a resolver of the sandbox's own (repeatable): on user-defined networks the embedded DNS forwards to it")
        List<String> dns = new ArrayList<>();

        @Option(names = "--link", paramLabel = "NAME[:ALIAS]",
            description = "link to another container (repeatable): on the default bridge a hosts entry and ICC for the pair, " +
                "on user-defined networks an alias only this sandbox resolves")
        List<String> links = new ArrayList<>();

        @Parameters(paramLabel = "CMD", arity = "0..*", description = "command and arguments (after --)")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call()
        {
            if (!detach)
            {
                terminal.check();
            }
            final RunRequest request = new RunRequest(name, network, endpoint.ip, endpoint.aliases, command, detach,
                endpoint.publish, dns, links, endpoint.driverOpts());
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

        @Mixin
        TtyOptions terminal = new TtyOptions();

        @Parameters(index = "0", paramLabel = "SANDBOX", completionCandidates = CompletionCommand.Sandboxes.class)
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "command and arguments (their options need no --)")
        List<String> command;

        @Override
        public Integer call()
        {
            // the parser stops at the sandbox's name (as docker exec does), so a "--" written before CMD arrives as its first word
            final List<String> words = !command.isEmpty() && "--".equals(command.get(0)) ? command.subList(1, command.size()) : command;
            if (words.isEmpty())
            {
                throw new CliException("lanyard: exec needs a command to run in " + name);
            }
            terminal.check();
            final JsonNode sandbox = cli.daemon().get("/sandboxes/" + DaemonConnection.encode(name));
            return runInside(sandbox, words);
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

        @Option(names = "--format", paramLabel = "FORMAT",
            description = "table, json, or a template such as '{{.Names}}' or 'table {{.Names}}\\t{{.Status}}' (fields: ID, Names, Networks, " +
                "IPAddress, Status, Ports, Command)")
        String format;

        @Override
        public Integer call()
        {
            if (format != null && !"json".equals(format.trim()) && !"table".equals(format.trim()))
            {
                GoTemplate.parse(format.startsWith("table") ? format.substring("table".length()) : format);
            }
            final JsonNode sandboxes = cli.daemon().get("/sandboxes");
            if (quiet)
            {
                sandboxes.forEach(s -> System.out.println(s.path("Id").asText().substring(0, 12)));
                return 0;
            }
            final List<ObjectNode> rows = new ArrayList<>();
            for (final JsonNode sandbox : sandboxes)
            {
                final List<String> networks = new ArrayList<>();
                final List<String> addresses = new ArrayList<>();
                for (final Map.Entry<String, JsonNode> entry : sandbox.path("Networks").properties())
                {
                    networks.add(entry.getKey());
                    final String address = entry.getValue().path("IPAddress").asText();
                    if (!address.isEmpty())
                    {
                        addresses.add(address);
                    }
                }
                final List<String> command = new ArrayList<>();
                sandbox.path("Command").forEach(c -> command.add(c.asText()));
                final List<String> ports = new ArrayList<>();
                sandbox.path("Ports").forEach(p -> ports.add((p.path("HostIp").asText().isEmpty() ? "0.0.0.0" : p.path("HostIp").asText()) +
                    ":" + p.path("HostPort").asInt() + "->" + p.path("ContainerPort").asInt() + "/" + p.path("Protocol").asText()));
                final ObjectNode row = Json.MAPPER.createObjectNode();
                row.put("ID", sandbox.path("Id").asText().substring(0, 12));
                row.put("Names", sandbox.path("Name").asText());
                row.put("Networks", String.join(",", networks));
                row.put("IPAddress", String.join(",", addresses));
                row.put("Status", sandbox.path("Status").asText());
                row.put("Ports", String.join(", ", ports));
                row.put("Command", quote(String.join(" ", command)));
                rows.add(row);
            }
            Formatted.list(format, rows, List.of("ID", "Names", "Networks", "IPAddress", "Status", "Ports", "Command"),
                Map.of("ID", "CONTAINER ID", "Names", "NAME", "IPAddress", "IP ADDRESS"), System.out);
            return 0;
        }

        /** Docker's quoted, cut command; nothing at all for a sandbox that runs none. */
        private static String quote(final String command)
        {
            if (command.isEmpty())
            {
                return "";
            }
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

        @Parameters(arity = "1..*", paramLabel = "SANDBOX", completionCandidates = CompletionCommand.Sandboxes.class)
        List<String> names;

        @Override
        public Integer call()
        {
            return cli.daemon().deleteEach(names, name -> "/sandboxes/" + DaemonConnection.encode(name) + (force ? "?force=1" : ""));
        }
    }

    @Command(name = "repair", description = "Make a sandbox's interfaces that went away (deleted inside it) again, as they were.",
        mixinStandardHelpOptions = true)
    static final class RepairCommand implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Parameters(arity = "1..*", paramLabel = "SANDBOX")
        List<String> names;

        @Override
        public Integer call()
        {
            return cli.daemon().forEach(names, name ->
            {
                final List<String> repaired = new ArrayList<>();
                cli.daemon().post("/sandboxes/" + DaemonConnection.encode(name) + "/repair", Map.of())
                    .path("Repaired").forEach(i -> repaired.add(i.asText()));
                return name + ": " + (repaired.isEmpty() ? "nothing to repair" : "repaired " + String.join(", ", repaired));
            });
        }
    }
}
