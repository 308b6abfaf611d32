package io.lanyard.tools;

import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The options of a new endpoint that {@code run} and {@code attach} share: its address, aliases and published ports. */
final class EndpointOptions
{
    @Option(names = "--ip", description = "IPv4 address (user-defined networks only)")
    String ip;

    @Option(names = "--network-alias", description = "network-scoped alias (user-defined networks only; repeatable)")
    List<String> aliases = new ArrayList<>();

    @Option(names = {"-p", "--publish"}, paramLabel = "[HOSTIP:][HOSTPORT:]PORT[/PROTO]",
        description = "publish a port on the host (repeatable)")
    List<String> publish = new ArrayList<>();
}
