package io.lanyard.tools;

import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The options of a new endpoint that {@code run} and {@code attach} share: its address, aliases, published ports and driver options. */
final class EndpointOptions
{
    @Option(names = "--ip", description = "IPv4 address (user-defined networks only)")
    String ip;

    @Option(names = "--network-alias", description = "network-scoped alias (user-defined networks only; repeatable)")
    List<String> aliases = new ArrayList<>();

    @Option(names = {"-p", "--publish"}, paramLabel = "[HOSTIP:][HOSTPORT:]PORT[/PROTO]",
        description = "publish a port on the host (repeatable)")
    List<String> publish = new ArrayList<>();

    @Option(names = "--driver-opt", paramLabel = "KEY=VALUE",
        description = "endpoint option (repeatable): com.lanyard.port_security=false lets this sandbox send as others")
    List<String> driverOpts = new ArrayList<>();

    Map<String, String> driverOpts()
    {
        return LanyardCli.pairs(driverOpts, "--driver-opt");
    }
}
