package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.api.AttachRequest;
import io.lanyard.client.api.DetachRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code lanyard attach} and {@code lanyard detach}: put a network namespace someone else made (a
 * container runtime's, a VM's helper's) on a Lanyard network, and take it off again. Both are
 * safe to repeat.
 */
final class AttachCommands
{
    private AttachCommands()
    {
    }

    @Command(name = "attach", description = "Give an existing network namespace an interface on a network.",
        mixinStandardHelpOptions = true)
    static final class Attach implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Option(names = "--netns", required = true, paramLabel = "PATH",
            description = "the namespace: /proc/PID/ns/net or /run/netns/NAME")
        String netns;

        @Option(names = {"--net", "--network"}, required = true, description = "network to attach to")
        String network;

        @Option(names = "--name", required = true, description = "the container's name or ID (its DNS name on user-defined networks)")
        String name;

        @Option(names = "--ifname", defaultValue = "eth0", description = "interface to create in the namespace (default: ${DEFAULT-VALUE})")
        String interfaceName;

        @Mixin
        EndpointOptions endpoint;

        @Override
        public Integer call()
        {
            final JsonNode sandbox = cli.daemon().post("/sandboxes/attach",
                new AttachRequest(name, netns, network, interfaceName, endpoint.ip, endpoint.aliases, endpoint.publish, false,
                    endpoint.driverOpts()));
            System.out.println(sandbox.path("Id").asText());
            return 0;
        }
    }

    @Command(name = "detach", description = "Take an attached namespace off a network (or off all of them).",
        mixinStandardHelpOptions = true)
    static final class Detach implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Option(names = "--name", required = true, description = "the name or ID it was attached under")
        String name;

        @Option(names = {"--net", "--network"}, description = "the network to leave (default: every network)")
        String network;

        @Override
        public Integer call()
        {
            cli.daemon().post("/sandboxes/detach", new DetachRequest(name, network));
            return 0;
        }
    }
}
