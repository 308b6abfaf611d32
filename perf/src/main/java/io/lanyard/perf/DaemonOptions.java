package io.lanyard.perf;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options of every tool here that starts lanyardd (a picocli mixin): where bin/lanyardd is, and more daemon flags after {@code --}. */
final class DaemonOptions
{
    @Option(names = "--lanyard-home", paramLabel = "DIR", description = "the tools directory with bin/lanyardd (default: set by the script)")
    Path home = Path.of(System.getProperty("lanyard.home", System.getenv().getOrDefault("LANYARD_HOME", "tools")));

    @Parameters(paramLabel = "DAEMON_FLAG", description = "more lanyardd flags, after '--'")
    List<String> moreFlags = new ArrayList<>();
}
