package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.api.PortCreateRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code lanyard port create|ls|rm}: a persistent TAP in the daemon's namespace that a VM monitor
 * opens by name (QEMU's {@code -netdev tap,ifname=NAME,script=no,downscript=no}, Firecracker's
 * {@code host_dev_name}), its guest on a Lanyard network. The guest configures its own address:
 * {@code create} prints what to give it.
 */
final class PortCommands
{
    private PortCommands()
    {
    }

    @Command(name = "port", description = "Manage TAPs handed over to VM monitors.", mixinStandardHelpOptions = true,
        subcommands = {
            Create.class,
            Ls.class,
            Rm.class,
        })
    static final class PortCommand
    {
        @ParentCommand
        LanyardCli cli;
    }

    @Command(name = "create", description = "Make a TAP for a VM monitor to open by name, its guest on a network.",
        mixinStandardHelpOptions = true)
    static final class Create implements Callable<Integer>
    {
        @ParentCommand
        PortCommand port;

        @Option(names = "--tap", required = true, paramLabel = "NAME", description = "the TAP's name (at most 15 characters)")
        String name;

        @Option(names = {"--net", "--network"}, required = true, description = "network the guest joins")
        String network;

        @Option(names = "--mac", description = "the guest's MAC (default: one made from its address)")
        String mac;

        @Option(names = "--ip", description = "the guest's IPv4 address (default: the next free one)")
        String ip;

        @Option(names = "--user", paramLabel = "UID", description = "numeric user ID that may open the TAP (default: root only)")
        String user;

        @Override
        public Integer call()
        {
            final JsonNode created = port.cli.daemon().post("/ports", new PortCreateRequest(name, network, mac, ip, user));
            System.out.println(created.path("Name").asText() + ": guest MAC " + created.path("MacAddress").asText() +
                ", address " + created.path("IPAddress").asText() + "/" + created.path("IPPrefixLen").asInt() +
                ", gateway " + created.path("Gateway").asText() + ", MTU " + created.path("Mtu").asInt());
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List the TAPs handed over to VM monitors.", mixinStandardHelpOptions = true)
    static final class Ls implements Callable<Integer>
    {
        @ParentCommand
        PortCommand port;

        @Override
        public Integer call()
        {
            final Table table = new Table("TAP", "NETWORK", "MAC", "IP ADDRESS", "GATEWAY", "OWNER");
            for (final JsonNode entry : port.cli.daemon().get("/ports"))
            {
                table.row(entry.path("Name").asText(), entry.path("Network").asText(), entry.path("MacAddress").asText(),
                    entry.path("IPAddress").asText() + "/" + entry.path("IPPrefixLen").asInt(), entry.path("Gateway").asText(),
                    entry.path("Owner").isNull() ? "root" : entry.path("Owner").asText());
            }
            table.print(System.out);
            return 0;
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Take VMs' TAPs off their networks and delete them.",
        mixinStandardHelpOptions = true)
    static final class Rm implements Callable<Integer>
    {
        @ParentCommand
        PortCommand port;

        @Parameters(arity = "1..*", paramLabel = "TAP")
        List<String> names;

        @Override
        public Integer call()
        {
            return port.cli.daemon().deleteEach(names, name -> "/ports/" + DaemonConnection.encode(name));
        }
    }
}
